package llmtest

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/internal/leaktest"
)

// arrivalTimes returns the first n arrival offsets of cfg's open loop.
func arrivalTimes(t *testing.T, cfg Config, n int) []time.Duration {
	t.Helper()
	cfg = cfg.withDefaults()
	a := newArrivals(&cfg, newProfile(cfg.Rate, cfg.Stages))
	var out []time.Duration
	for range n {
		at, ok := a.next()
		if !ok {
			break
		}
		out = append(out, at)
	}
	return out
}

// TestPoissonArrivalsFitAnExponential checks the inter-arrival times of a
// seeded Poisson process against the exponential distribution of mean
// 1/rate with a Kolmogorov–Smirnov test at the 1% level, and that a seed
// repeats its arrivals while another seed does not.
func TestPoissonArrivalsFitAnExponential(t *testing.T) {
	const rate, n = 800.0, 20000
	for _, seed := range []uint64{0, 1, 42} {
		cfg := Config{Rate: rate, Arrival: ArrivalPoisson, Seed: seed}
		at := arrivalTimes(t, cfg, n)
		require.Len(t, at, n)
		gaps := make([]float64, n)
		prev := time.Duration(0)
		for i, a := range at {
			gaps[i] = (a - prev).Seconds()
			prev = a
		}
		slices.Sort(gaps)
		d := 0.0 // the KS statistic: the largest gap between the CDFs
		for i, g := range gaps {
			f := 1 - math.Exp(-rate*g)
			d = max(d, math.Abs(f-float64(i)/n), math.Abs(float64(i+1)/n-f))
		}
		crit := 1.628 / math.Sqrt(n) // α = 0.01
		assert.Less(t, d, crit, "seed %d: KS D = %.4f", seed, d)
		// The mean gap is 1/rate within 3 standard errors.
		mean := at[n-1].Seconds() / n
		assert.InDelta(t, 1/rate, mean, 3/rate/math.Sqrt(n), "seed %d", seed)

		assert.Equal(t, at, arrivalTimes(t, cfg, n), "seed %d repeats", seed)
	}
	assert.Equal(t, arrivalTimes(t, Config{Rate: rate, Arrival: ArrivalPoisson}, 100),
		arrivalTimes(t, Config{Rate: rate, Arrival: ArrivalPoisson, Seed: DefaultSeed}, 100), "0 is DefaultSeed")
	assert.NotEqual(t, arrivalTimes(t, Config{Rate: rate, Arrival: ArrivalPoisson, Seed: 1}, 100),
		arrivalTimes(t, Config{Rate: rate, Arrival: ArrivalPoisson, Seed: 2}, 100))
}

func TestConstantArrivalsAreEvenlySpaced(t *testing.T) {
	at := arrivalTimes(t, Config{Rate: 400}, 1000)
	require.Len(t, at, 1000)
	for k, a := range at {
		want := time.Duration(float64(k) / 400 * 1e9)
		require.InDelta(t, float64(want), float64(a), 1, "arrival %d", k)
	}
	assert.Len(t, arrivalTimes(t, Config{Rate: 400, Duration: 100 * time.Millisecond}, 1000), 40, "arrivals stop at Duration")
	assert.Len(t, arrivalTimes(t, Config{Rate: 400, Requests: 7}, 1000), 7, "arrivals stop at Requests")
}

// TestOpenLoopSendsOnSchedule runs an open loop and checks every record's
// intended time (on the schedule), its lag (never negative) and the
// open-loop metrics and resolved shape of the model.
func TestOpenLoopSendsOnSchedule(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{Chunks: []string{"a", "b"}}
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(3), Rate: 500, Requests: 60})
		invs := records(t, res)
		require.Len(t, invs, 60)
		slices.SortFunc(invs, func(a, b Invocation) int { return a.IntendedTime.Compare(b.IntendedTime) })
		first := invs[0].IntendedTime
		for k := range invs {
			inv := &invs[k]
			require.False(t, inv.IntendedTime.IsZero())
			assert.InDelta(t, float64(k)*2e6, float64(inv.IntendedTime.Sub(first)), 2, "arrival %d on schedule", k)
			assert.False(t, inv.RequestTime.Before(inv.IntendedTime), "sent before its time")
			assert.Equal(t, "p"+string(rune('0'+k%3)), inv.InputPrompt, "payloads in turn")
		}
		c := res.Run.Config
		assert.Equal(t, 500.0, c.Rate)
		assert.Equal(t, "constant", c.Arrival)
		assert.Equal(t, DefaultSeed, c.Seed)
		assert.Equal(t, DefaultMaxInFlight, c.MaxInFlight)
		assert.Equal(t, 0, c.Clients)
		assert.Equal(t, 60, c.Requests)
		assert.Equal(t, 60, res.Run.Counts.Total)
		assert.Zero(t, res.Run.Counts.Dropped)
		lag := res.Run.Metric(string(ScheduleLag))
		require.NotNil(t, lag)
		assert.Equal(t, 60, lag.N)
		ttft := res.Run.Metric(string(TimeToFirstToken))
		for _, name := range []Metric{TimeToFirstTokenFromIntended, TimeToLastTokenFromIntended} {
			mm := res.Run.Metric(string(name))
			require.NotNil(t, mm, name)
			assert.Equal(t, 60, mm.N, name)
		}
		// From the intended time is the latency plus the lag.
		fi := res.Run.Metric(string(TimeToFirstTokenFromIntended))
		assert.InDelta(t, ttft.Average+lag.Average, fi.Average, 2e-9)
		assert.Contains(t, res.SummaryText(), "schedule_lag")
		assert.Contains(t, res.SummaryText(), "500 req/s constant, 60 arrivals")
	})
}

// TestDroppedArrivalsAreCountedExactly holds every request until its
// timeout, so that with MaxInFlight 3 the first three arrivals take the
// slots and each later one, all due long before the first timeout, finds
// none: 3 sent, 7 dropped, none delayed.
func TestDroppedArrivalsAreCountedExactly(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a"}, Block: true}
	out := t.TempDir()
	res := run(t, Config{Endpoint: ep, Payloads: prompts(2), Rate: 10000, Requests: 10, MaxInFlight: 3,
		Timeout: 500 * time.Millisecond, OutputPath: out, RunName: "drops"})
	assert.Equal(t, 3, res.Run.Counts.Total)
	assert.Equal(t, 3, res.Run.Counts.Failed, "held to their timeout")
	assert.Equal(t, 7, res.Run.Counts.Dropped)
	assert.Equal(t, int64(3), ep.calls.Load(), "a dropped arrival is never sent")
	assert.Equal(t, 7.0, res.Run.Stats()["dropped_requests"])
	assert.Equal(t, 7, res.Stats.DroppedRequests)
	assert.Contains(t, res.SummaryText(), ", 7 dropped")
	var stats map[string]any
	readJSON(t, filepath.Join(out, "drops", StatsFile), &stats)
	assert.Equal(t, 7.0, stats["dropped_requests"])
	back, err := LoadResult(filepath.Join(out, "drops"))
	require.NoError(t, err)
	assert.Equal(t, 7, back.Run.Counts.Dropped)
}

// slowingServer serves one request at a time, each taking fast, except
// that from slowFrom to slowTo after its first request each takes slow:
// a server whose capacity falls mid-run.
type slowingServer struct {
	fast, slow       time.Duration
	slowFrom, slowTo time.Duration

	mu    sync.Mutex
	start time.Time
}

func (s *slowingServer) Info() endpoints.Info { return endpoints.Info{Provider: "slowing"} }
func (s *slowingServer) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	return &endpoints.Request{Payload: p, Stream: true}, nil
}

func (s *slowingServer) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.start.IsZero() {
		s.start = time.Now()
	}
	d := s.fast
	if at := time.Since(s.start); at >= s.slowFrom && at < s.slowTo {
		d = s.slow
	}
	if err := sleep(ctx, d); err != nil {
		return err
	}
	rec.Text("done")
	return nil
}

// TestSlowdownShowsFromIntendedButHidesInAClosedLoop runs a server whose
// capacity falls thirtyfold for a quarter of the run, once with one closed-loop
// client and once as an open loop at a rate the fast server keeps up with
// and the slow one does not. The closed loop sends little during the
// slowdown (coordinated omission), so its p90 stays at the fast service
// time; the open loop's latency from the intended time rises during the
// slowdown and its p90 shows it.
func TestSlowdownShowsFromIntendedButHidesInAClosedLoop(t *testing.T) {
	newServer := func() *slowingServer {
		return &slowingServer{fast: time.Millisecond, slow: 30 * time.Millisecond,
			slowFrom: 300 * time.Millisecond, slowTo: 500 * time.Millisecond}
	}
	closed := run(t, Config{Endpoint: newServer(), Payloads: prompts(1), Clients: 1, Duration: 800 * time.Millisecond})
	open := run(t, Config{Endpoint: newServer(), Payloads: prompts(1), Rate: 100, Duration: 800 * time.Millisecond})

	closedP90 := closed.Stats.TimeToLastToken.P90
	openP90 := open.Stats.TimeToLastTokenFromIntended.P90
	assert.Greater(t, openP90, 5*closedP90, "open loop from intended p90 %v, closed loop p90 %v", openP90, closedP90)
	assert.Greater(t, open.Stats.TimeToLastTokenFromIntended.P99, closed.Stats.TimeToLastToken.P99)

	// The rise is in time: the requests meant for the slowdown waited
	// longer than those before it.
	invs := open.Invocations
	start := slices.MinFunc(invs, func(a, b Invocation) int { return a.IntendedTime.Compare(b.IntendedTime) }).IntendedTime
	var before, during []time.Duration
	for i := range invs {
		at := invs[i].IntendedTime.Sub(start)
		d := invs[i].fromIntended(invs[i].TimeToLastToken)
		switch {
		case at < 250*time.Millisecond:
			before = append(before, d)
		case at >= 350*time.Millisecond && at < 500*time.Millisecond:
			during = append(during, d)
		}
	}
	require.NotEmpty(t, before)
	require.NotEmpty(t, during)
	median := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	t.Logf("from intended: median %v before the slowdown, %v during it", median(before), median(during))
	assert.Greater(t, median(during), 5*median(before), "from-intended latency rises in the slowdown")
}

func TestOpenLoopConfigErrors(t *testing.T) {
	ep := &fakeEndpoint{}
	base := Config{Endpoint: ep, Payloads: prompts(1)}
	with := func(f func(*Config)) Config { c := base; f(&c); return c }
	cases := []struct {
		cfg   Config
		field string
		msg   string
	}{
		{with(func(c *Config) { c.Rate, c.Clients = 10, 2 }), "Clients",
			"llmtest: Config.Clients: is for a closed loop; an open-loop run (Config.Rate) has none"},
		{with(func(c *Config) { c.Rate = -1 }), "Rate", ""},
		{with(func(c *Config) { c.Rate = math.Inf(1) }), "Rate", ""},
		{with(func(c *Config) { c.Rate, c.MaxInFlight = 10, -1 }), "MaxInFlight", ""},
		{with(func(c *Config) { c.MaxInFlight = 4 }), "MaxInFlight", ""},
		{with(func(c *Config) { c.Seed = 4 }), "Seed", ""},
		{with(func(c *Config) { c.Arrival = ArrivalPoisson }), "Arrival", ""},
		{with(func(c *Config) { c.Rate, c.Arrival = 10, "bursty" }), "Arrival",
			`llmtest: Config.Arrival: must be "constant" or "poisson", got "bursty"`},
		{with(func(c *Config) { c.Rate, c.Requests, c.Duration = 10, 5, time.Second }), "Requests", ""},
		{with(func(c *Config) { c.Stages = []Stage{{time.Second, 2}}; c.Duration = time.Second }), "Duration", ""},
		{with(func(c *Config) { c.Stages = []Stage{{time.Second, 2}}; c.Requests = 3 }), "Requests", ""},
		{with(func(c *Config) { c.Stages = []Stage{{0, 2}} }), "Stages[0].Duration", ""},
		{with(func(c *Config) { c.Stages = []Stage{{time.Second, 2}, {time.Second, -1}} }), "Stages[1].Target", ""},
		{with(func(c *Config) { c.Stages = []Stage{{time.Second, 2.5}} }), "Stages[0].Target", ""},
		{with(func(c *Config) { c.Stages = []Stage{{time.Second, 0}} }), "Stages", ""},
		{with(func(c *Config) { c.OpenLoopStages = true }), "OpenLoopStages", ""},
		{with(func(c *Config) { c.OpenLoopStages, c.Clients = true, 2; c.Stages = []Stage{{time.Second, 2}} }), "Clients", ""},
		{with(func(c *Config) { c.Warmup = Warmup{Duration: time.Second, Requests: 2} }), "Warmup", ""},
		{with(func(c *Config) { c.Warmup = Warmup{Requests: -1} }), "Warmup.Requests", ""},
		{with(func(c *Config) { c.Warmup = Warmup{Duration: -1} }), "Warmup.Duration", ""},
		{with(func(c *Config) { c.Duration = time.Second; c.Warmup = Warmup{Duration: time.Second} }), "Warmup.Duration", ""},
		{with(func(c *Config) { c.Stages = []Stage{{time.Second, 2}}; c.Warmup = Warmup{Duration: 2 * time.Second} }), "Warmup.Duration", ""},
		{with(func(c *Config) { c.Rate, c.RampUp = 10, time.Second }), "RampUp",
			"llmtest: Config.RampUp: spreads a closed loop's clients; an open loop ramps its rate with Config.Stages"},
		{with(func(c *Config) { c.Rate, c.Requests, c.Warmup = 5, 3, Warmup{Duration: 2 * time.Second} }), "Warmup.Duration",
			"llmtest: Config.Warmup.Duration: takes every arrival: 3 requests at 5/s arrive within 600ms"},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, "%+v", tc.cfg)
		assert.Equal(t, tc.field, ce.Field, "%v", err)
		if tc.msg != "" {
			assert.EqualError(t, err, tc.msg)
		}
	}
	// Counted against the run's requests, once the payloads are known.
	err := Config{Endpoint: ep, Payloads: prompts(2), Clients: 2, Warmup: Warmup{Requests: 4}}.Check()
	assert.EqualError(t, err, "llmtest: Config.Warmup.Requests: must be fewer than the run's 4 requests, got 4")
	require.NoError(t, Config{Endpoint: ep, Payloads: prompts(2), Clients: 2, Warmup: Warmup{Requests: 3}}.Check())
	require.NoError(t, Config{Endpoint: ep, Payloads: prompts(2), Rate: 5, Stages: []Stage{{time.Second, 0}}}.Validate(),
		"a rate that ramps down to 0")
}

func TestRunnerOverridesSwitchTheLoop(t *testing.T) {
	base := Config{Clients: 4, Requests: 10}
	o := base.merge(Config{Rate: 50})
	assert.Equal(t, 50.0, o.Rate)
	assert.Zero(t, o.Clients, "an open-loop override has no clients")
	c := Config{Rate: 50, Duration: time.Second}.merge(Config{Clients: 2})
	assert.Zero(t, c.Rate, "a closed-loop override has no rate")
	assert.Equal(t, 2, c.Clients)
	s := Config{Rate: 50, Duration: time.Second}.merge(Config{Stages: []Stage{{time.Second, 9}}})
	assert.Zero(t, s.Duration, "stages replace the extent")
	w := Config{}.merge(Config{Warmup: Warmup{Requests: 3}, Seed: 7, MaxInFlight: 2, Arrival: ArrivalPoisson})
	assert.Equal(t, Warmup{Requests: 3}, w.Warmup)
	assert.Equal(t, uint64(7), w.Seed)
	assert.Equal(t, 2, w.MaxInFlight)
	assert.Equal(t, ArrivalPoisson, w.Arrival)
}

func TestIntendedTimeAndWarmupInJSON(t *testing.T) {
	tm := time.Date(2026, 12, 4, 1, 2, 3, 456789012, time.UTC)
	inv := Invocation{ID: "a", RequestTime: tm.Add(1500), IntendedTime: tm, Warmup: true}
	b, err := json.Marshal(inv)
	require.NoError(t, err)
	var generic map[string]any
	require.NoError(t, json.Unmarshal(b, &generic))
	assert.Equal(t, "2026-12-04T01:02:03.456789012Z", generic["intended_time"])
	assert.Equal(t, true, generic["warmup"])
	var back Invocation
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, inv, back)
	assert.Equal(t, 1500*time.Nanosecond, back.lag())

	b, err = json.Marshal(Invocation{ID: "closed", RequestTime: tm})
	require.NoError(t, err)
	assert.NotContains(t, string(b), "intended_time", "a closed loop's records are as before")
	assert.NotContains(t, string(b), "warmup")
}

func TestOpenLoopProgress(t *testing.T) {
	var mu sync.Mutex
	var snaps []ProgressSnapshot
	ep := &fakeEndpoint{Chunks: []string{"a"}, Block: true}
	run(t, Config{Endpoint: ep, Payloads: prompts(1), Rate: 10000, Requests: 10, MaxInFlight: 2,
		Timeout:  300 * time.Millisecond,
		Progress: Progress{Func: func(s *ProgressSnapshot) { mu.Lock(); snaps = append(snaps, *s); mu.Unlock() }}})
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, snaps)
	last := snaps[len(snaps)-1]
	assert.True(t, last.Final)
	assert.Equal(t, 10, last.Total, "the arrivals")
	assert.Equal(t, 10000.0, last.Rate)
	assert.Equal(t, 8, last.Dropped)
	assert.Equal(t, 2, last.Ended)
	assert.Nil(t, last.Clients, "an open loop has no clients")
	assert.Contains(t, last.Line(), "8 dropped at 10000 req/s")
}

// TestOpenLoopInterruptedLeavesNoGoroutine cancels an open loop whose
// requests block: the run returns ErrInterrupted with what was sent,
// marked interrupted and cancelled, and its scheduler and workers are all
// gone.
func TestOpenLoopInterruptedLeavesNoGoroutine(t *testing.T) {
	base := leaktest.Baseline(t)
	ctx, cancel := context.WithCancel(context.Background())
	ep := &fakeEndpoint{Chunks: []string{"a"}, Block: true}
	go func() {
		for ep.calls.Load() < 20 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	res, err := (&Runner{}).Run(ctx, Config{Endpoint: ep, Payloads: prompts(1), Rate: 1000, Duration: time.Minute})
	require.ErrorIs(t, err, ErrInterrupted)
	require.NotNil(t, res)
	assert.True(t, res.Run.Interrupted)
	assert.GreaterOrEqual(t, res.Run.Counts.Total, 20)
	assert.Equal(t, res.Run.Counts.Total, res.Run.Counts.Cancelled, "every request was cut")
	assert.Less(t, res.Run.Counts.Total, 60000, "the arrivals stopped")
	leaktest.Settle(t, base)
}
