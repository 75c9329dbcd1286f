package llmtest

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWarmupIsExcludedFromEveryStatistic makes the warm-up's five
// requests fail slowly: none of them reaches a count, a metric, the
// errors, the time series or the failure rate, yet all are recorded and
// marked in responses.jsonl.
func TestWarmupIsExcludedFromEveryStatistic(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{Chunks: []string{"a", "b"}, Fail: func(n int64) error {
			if n <= 5 {
				time.Sleep(20 * time.Millisecond)
				return errors.New("cold")
			}
			return nil
		}}
		out := t.TempDir()
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(2), Clients: 1, Requests: 20,
			Warmup: Warmup{Requests: 5}, OutputPath: out, RunName: "warm"})
		c := res.Run.Counts
		assert.Equal(t, 15, c.Total)
		assert.Equal(t, 5, c.Warmup)
		assert.Zero(t, c.Failed)
		assert.Empty(t, res.Run.Errors)
		assert.Zero(t, res.Stats.FailedRequestsRate)
		assert.Equal(t, 15, res.Stats.TimeToLastToken.N)
		assert.Less(t, res.Stats.TimeToLastToken.Max, 20*time.Millisecond, "no warm-up latency")
		started := 0
		for _, w := range res.Run.Series {
			started += w.Started
			assert.Zero(t, w.Failed)
		}
		assert.Equal(t, 15, started)
		assert.Equal(t, 5.0, res.Run.Stats()["warmup_requests"])
		require.NotNil(t, res.Run.Config.Warmup)
		assert.Equal(t, 5, res.Run.Config.Warmup.Requests)

		lines := readLines(t, filepath.Join(out, "warm", ResponsesFile))
		require.Len(t, lines, 20, "warm-up requests are recorded")
		marked := 0
		for _, l := range lines {
			if strings.Contains(l, `"warmup":true`) {
				marked++
				assert.Contains(t, l, `"error":"cold"`)
			}
		}
		assert.Equal(t, 5, marked)
		assert.Contains(t, res.SummaryText(), "5 warm-up excluded")
		// Read back, the run is the same.
		back, err := LoadResult(filepath.Join(out, "warm"))
		require.NoError(t, err)
		assert.Equal(t, 5, back.Run.Counts.Warmup)
		assert.Equal(t, 15, back.Run.Counts.Total)
		rebuilt := NewResult(records(t, res), time.Second)
		assert.Equal(t, 15, rebuilt.Run.Counts.Total)
		assert.Equal(t, 5, rebuilt.Run.Counts.Warmup)
		assert.Zero(t, rebuilt.Run.Counts.Failed)
	})
}

// TestOpenLoopWarmupByDuration warms an open loop of 100 req/s up for its
// first 100ms: the arrivals intended in it (0, 10, …, 90ms) are the
// warm-up, the test time starts at its end, and the schedule lag and the
// latencies from the intended time leave them out.
func TestOpenLoopWarmupByDuration(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	res := run(t, Config{Endpoint: ep, Payloads: prompts(1), Rate: 100, Duration: 300 * time.Millisecond,
		Warmup: Warmup{Duration: 100 * time.Millisecond}})
	assert.Equal(t, 10, res.Run.Counts.Warmup)
	assert.Equal(t, 20, res.Run.Counts.Total)
	assert.Equal(t, 20, res.Stats.ScheduleLag.N)
	assert.Equal(t, 20, res.Stats.TimeToLastTokenFromIntended.N)
	wall := res.Run.EndTime.Sub(res.Run.StartTime).Seconds()
	assert.InDelta(t, wall-0.1, res.Run.TestTime, 1e-6, "the test time starts after the warm-up")
	warm := 0
	for _, inv := range res.Invocations {
		if inv.Warmup {
			warm++
			assert.Less(t, inv.IntendedTime.Sub(res.Run.StartTime), 100*time.Millisecond+time.Millisecond)
		}
	}
	assert.Equal(t, 10, warm)
}
