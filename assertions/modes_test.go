package assertions_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// A result comes in two modes: with its invocations in memory (the
// default), or as a low-memory run leaves it — no invocation in memory,
// the records in responses.jsonl, the percentiles in the model read from
// its histograms.
var resultModes = []struct {
	name string
	new  func(t *testing.T, invs []llmtest.Invocation, d time.Duration) *llmtest.Result
}{
	{"in-memory", func(_ *testing.T, invs []llmtest.Invocation, d time.Duration) *llmtest.Result {
		return llmtest.NewResult(invs, d)
	}},
	{"low-memory", lowMemoryResult},
}

// lowMemoryResult returns the result of a low-memory run of invs, read
// back from its folder: its model's percentiles come from the histograms,
// as a low-memory run computes them, and its records only from the file.
func lowMemoryResult(t *testing.T, invs []llmtest.Invocation, d time.Duration) *llmtest.Result {
	t.Helper()
	res := llmtest.NewResult(invs, d)
	res.Run.Config.LowMemory = true
	for i := range res.Run.Metrics {
		m := &res.Run.Metrics[i]
		for j, p := range []float64{50, 90, 95, 99, 99.9} {
			if v, ok := m.Percentile(p); ok {
				*[]*float64{&m.P50, &m.P90, &m.P95, &m.P99, &m.P999}[j] = v
			}
		}
		m.Exact = false
	}
	dir := t.TempDir()
	require.NoError(t, res.SaveTo(dir))
	loaded, err := llmtest.LoadResult(dir)
	require.NoError(t, err)
	require.Empty(t, loaded.Invocations)
	return loaded
}

// TestAssertionsInBothModes runs the same checks on the same records in
// both modes: every verdict is the same, counts, rates, throughputs,
// means, extremes and goodput are equal, and percentiles agree within the
// histograms' stated error, which the low-memory messages state.
func TestAssertionsInBothModes(t *testing.T) {
	invs := goodputRun().Invocations
	for i := range 200 {
		invs = append(invs, streamed(ms(100+float64(i)), ms(400+float64(3*i)), 10+i%7, ms(20), ms(30+float64(i%5))))
	}
	checks := []string{
		"ttft p99 < 2500ms", "ttft p50 < 150ms", "ttft p90 < 150ms", "ttlt p95 < 1s", "tpot p50 < 40ms",
		"itl p99 < 200ms", "output_tokens p50 < 14", "ttft avg < 200ms", "ttft max < 2s", "ttft min > 50ms",
		"error_rate < 1%", "error_rate < 5%", "failed_requests < 3", "requests_per_second > 20",
		"output_tokens_per_second > 200", "goodput(ttft < 1s, tpot < 50ms) > 95%", "goodput(ttft < 1s) > 90%",
	}
	var got [2][]llmtest.Check
	for i, mode := range resultModes {
		t.Run(mode.name, func(t *testing.T) {
			res := mode.new(t, invs, 10*time.Second)
			assert.Equal(t, 213, res.Stats.TotalRequests)
			SLO(&fakeT{}, res, checks...)
			got[i] = res.Checks()
			require.Len(t, got[i], len(checks))
			ft := &fakeT{}
			assert.True(t, Percentile(ft, res, llmtest.TimeToLastToken, 50, time.Second), "%v", ft.errors)
			assert.True(t, Goodput(ft, res, GoodputLimits{TTLT: 3 * time.Second}, 0.99), "%v", ft.errors)
			assert.True(t, Throughput(ft, res, 250, OutputTokensPerSecond), "%v", ft.errors)
		})
	}
	in, low := got[0], got[1]
	for i := range checks {
		assert.Equal(t, in[i].Pass, low[i].Pass, checks[i])
		assert.Equal(t, in[i].Samples, low[i].Samples, checks[i])
		tol := 0.0
		if strings.Contains(checks[i], " p") {
			tol = reporters.RelativeError * in[i].Observed
			assert.Contains(t, low[i].Message, "from histograms, ±0.1%", checks[i])
			assert.NotContains(t, in[i].Message, "histograms", checks[i])
		}
		assert.LessOrEqual(t, math.Abs(in[i].Observed-low[i].Observed), tol, "%s: %v against %v", checks[i], in[i].Observed, low[i].Observed)
	}
	passed := 0
	for _, c := range in {
		if c.Pass {
			passed++
		}
	}
	assert.Equal(t, 11, passed, "the checks are not all one way")
}

// TestGoodputOfALowMemoryRunNeedsItsRecords pins that goodput reads the
// records from responses.jsonl, and fails, saying why, when it cannot.
func TestGoodputOfALowMemoryRunNeedsItsRecords(t *testing.T) {
	res := lowMemoryResult(t, goodputRun().Invocations, 10*time.Second)
	share, n, err := GoodputShare(res, GoodputLimits{TTFT: time.Second})
	require.NoError(t, err)
	assert.Equal(t, 13, n)
	assert.InDelta(t, 9.0/13, share, 1e-15)

	require.NoError(t, removeResponses(res))
	ft := &fakeT{}
	assert.False(t, Goodput(ft, res, GoodputLimits{TTFT: time.Second}, 0.5))
	require.Len(t, ft.errors, 1)
	assert.Contains(t, ft.errors[0], "goodput(ttft <= 1s) = no value, want >= 50%: llmtest: reading run:")
	assert.Contains(t, ft.errors[0], "responses.jsonl")
}

// TestARunLoadedWithoutItsRecords checks a default-mode run read back from
// a folder that lost its responses.jsonl: its reported percentiles are
// still the exact ones of the model (not re-read from the histograms), and
// goodput, which needs every record, says so instead of counting the
// missing records as bad.
func TestARunLoadedWithoutItsRecords(t *testing.T) {
	res := ttftRun(400, 4)
	dir := t.TempDir()
	require.NoError(t, res.SaveTo(dir))
	require.NoError(t, os.Remove(filepath.Join(dir, llmtest.ResponsesFile)))
	loaded, err := llmtest.LoadResult(dir)
	require.NoError(t, err)
	require.Empty(t, loaded.Invocations)

	th, err := Parse("ttft p99 < 900ms")
	require.NoError(t, err)
	c := th.Evaluate(loaded)
	want := res.Stats.TimeToFirstToken.P99.Seconds()
	assert.Equal(t, want, c.Observed, "the model's exact p99")
	assert.NotContains(t, c.Message, "from histograms")

	// Another percentile than the reported ones comes from the histogram.
	th, err = Parse("ttft p75 < 900ms")
	require.NoError(t, err)
	assert.Contains(t, th.Evaluate(loaded).Message, "from histograms")

	_, n, err := GoodputShare(loaded, GoodputLimits{TTFT: time.Second})
	assert.Equal(t, 400, n)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "goodput needs the record of every request: the result has 0 of the 400 that ended")
}
