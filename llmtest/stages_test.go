package llmtest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
)

const msec = time.Millisecond

func TestProfileLevelAndReach(t *testing.T) {
	p := newProfile(0, []Stage{{100 * msec, 4}, {200 * msec, 4}, {100 * msec, 0}})
	assert.Equal(t, 400*msec, p.end)
	assert.Equal(t, 4.0, p.peak())
	for _, tc := range []struct {
		at   time.Duration
		want float64
	}{{0, 0}, {25 * msec, 1}, {50 * msec, 2}, {100 * msec, 4}, {250 * msec, 4}, {350 * msec, 2}, {500 * msec, 0}} {
		assert.InDelta(t, tc.want, p.level(tc.at), 1e-9, "level at %v", tc.at)
	}
	for _, tc := range []struct {
		from time.Duration
		x    float64
		want time.Duration
		ok   bool
	}{
		{0, 1, 25 * msec, true}, {0, 4, 100 * msec, true}, {150 * msec, 4, 150 * msec, true},
		{350 * msec, 3, 0, false}, {0, 5, 0, false},
	} {
		got, ok := p.reach(tc.from, tc.x)
		assert.Equal(t, tc.ok, ok, "reach %v from %v", tc.x, tc.from)
		if ok {
			assert.InDelta(t, float64(tc.want), float64(got), 1, "reach %v from %v", tc.x, tc.from)
		}
	}
	flat := newProfile(3, nil)
	assert.Equal(t, 3.0, flat.level(time.Hour))
	at, ok := flat.arrivalTime(6)
	assert.True(t, ok)
	assert.Equal(t, 2*time.Second, at)
}

// TestOpenLoopStagesHitTheirTargets ramps the rate 0→500 req/s over
// 200ms, holds it 200ms and ramps it down to 0 over 200ms: the
// expected arrivals are the areas under the rate, 50, 100 and 50, and
// the gaps at the hold are 1/500 s.
func TestOpenLoopStagesHitTheirTargets(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	res := run(t, Config{Endpoint: ep, Payloads: prompts(2), OpenLoopStages: true,
		Stages: []Stage{{200 * msec, 500}, {200 * msec, 500}, {200 * msec, 0}}})
	require.Equal(t, 200, res.Run.Counts.Total)
	require.Zero(t, res.Run.Counts.Dropped)
	var start time.Time
	for _, inv := range res.Invocations {
		if start.IsZero() || inv.IntendedTime.Before(start) {
			start = inv.IntendedTime
		}
	}
	var per [3]int
	var hold []time.Duration
	for _, inv := range res.Invocations {
		at := inv.IntendedTime.Sub(start)
		per[min(int(at/(200*msec)), 2)]++
		if at >= 220*msec && at < 380*msec {
			hold = append(hold, at)
		}
	}
	assert.Equal(t, [3]int{50, 100, 50}, per)
	require.NotEmpty(t, hold)
	gaps := arrivalTimes(t, Config{OpenLoopStages: true, Stages: []Stage{{200 * msec, 500}, {200 * msec, 500}, {200 * msec, 0}}}, 200)
	for k := 60; k < 140; k++ {
		assert.InDelta(t, float64(2*msec), float64(gaps[k+1]-gaps[k]), 2, "gap %d at the hold", k)
	}
	c := res.Run.Config
	assert.Equal(t, 0.0, c.Rate)
	assert.Len(t, c.Stages, 3)
	assert.Equal(t, 0.2, c.Stages[0].Duration)
	assert.Equal(t, 500.0, c.Stages[0].Target)
	assert.Contains(t, res.SummaryText(), "constant ramp 0→500→500→0 req/s over 600ms")
}

// concurrency is an endpoint that records how many requests it serves at
// once, and when each started.
type concurrency struct {
	work time.Duration

	now, peak atomic.Int64
	mu        sync.Mutex
	starts    []time.Time
	seen      []int64 // the concurrency each request saw as it started
}

func (c *concurrency) Info() endpoints.Info { return endpoints.Info{Provider: "concurrency"} }
func (c *concurrency) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	return &endpoints.Request{Payload: p, Stream: true}, nil
}

func (c *concurrency) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	n := c.now.Add(1)
	defer c.now.Add(-1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	c.mu.Lock()
	c.starts = append(c.starts, time.Now())
	c.seen = append(c.seen, n)
	c.mu.Unlock()
	if err := sleep(ctx, c.work); err != nil {
		return err
	}
	rec.Text("ok")
	return nil
}

// TestClosedLoopStagesRampTheClients ramps the clients 0→4 over 100ms,
// holds 4 for 200ms and ramps down to 0 over 100ms: client c starts once
// the ramp reaches c+1 clients, the peak is 4, the hold runs 4 at once,
// and nothing starts after the stages end.
func TestClosedLoopStagesRampTheClients(t *testing.T) {
	ep := &concurrency{work: 5 * msec}
	res := run(t, Config{Endpoint: ep, Payloads: prompts(1), Stages: []Stage{{100 * msec, 4}, {200 * msec, 4}, {100 * msec, 0}}})
	assert.Equal(t, int64(4), ep.peak.Load())
	assert.Equal(t, 4, res.Run.Config.Clients, "the peak")
	start := res.Run.StartTime
	ep.mu.Lock()
	defer ep.mu.Unlock()
	require.NotEmpty(t, ep.starts)
	first, last := ep.starts[0], ep.starts[0]
	var atHold int
	for i, s := range ep.starts {
		first, last = minTime(first, s), maxTime(last, s)
		at := s.Sub(start)
		if at >= 150*msec && at < 250*msec && ep.seen[i] == 4 {
			atHold++
		}
	}
	assert.GreaterOrEqual(t, first.Sub(start), 25*msec, "the first client starts when the ramp reaches 1")
	assert.Less(t, last.Sub(start), 400*msec, "nothing starts after the stages")
	assert.Positive(t, atHold, "4 clients at once during the hold")
	assert.Contains(t, res.SummaryText(), "up to 4 clients, ramp →4→4→0 over 400ms")
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
