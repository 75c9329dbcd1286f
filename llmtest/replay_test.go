package llmtest

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestArrivalTimesReplayTheSchedule replays an uneven schedule: each
// request's intended time is its ArrivalTimes offset from the first (the
// scheduler's lag is measured, never added), payload k goes with arrival
// k, and the run records the "trace" arrival process and the mean rate.
func TestArrivalTimesReplayTheSchedule(t *testing.T) {
	times := []time.Duration{0, 0, 3 * time.Millisecond, 10 * time.Millisecond, 11 * time.Millisecond, 30 * time.Millisecond}
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{Chunks: []string{"a"}}
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(len(times)), ArrivalTimes: times})
		invs := records(t, res)
		require.Len(t, invs, len(times))
		slices.SortStableFunc(invs, func(a, b Invocation) int { return a.IntendedTime.Compare(b.IntendedTime) })
		first := invs[0].IntendedTime
		var maxLag time.Duration
		for k := range invs {
			inv := &invs[k]
			assert.Equal(t, times[k], inv.IntendedTime.Sub(first), "arrival %d", k)
			assert.False(t, inv.RequestTime.Before(inv.IntendedTime), "sent before its time")
			// Kept to its timestamp within the scheduler's lag: a bound
			// far above any lag of a working scheduler (well under a
			// millisecond; see tools/ratecompare.sh), far below the
			// schedule's drift were the times added up or ignored.
			lag := inv.RequestTime.Sub(inv.IntendedTime)
			assert.Less(t, lag, 250*time.Millisecond, "arrival %d sent %v after its time", k, lag)
			maxLag = max(maxLag, lag)
		}
		// Both arrivals at 0 carry p0 and p1; the later ones are in order.
		for k := 2; k < len(invs); k++ {
			assert.Equal(t, "p"+string(rune('0'+k)), invs[k].InputPrompt, "payload %d with arrival %d", k, k)
		}
		c := res.Run.Config
		assert.Equal(t, "trace", c.Arrival)
		assert.InDelta(t, 5/0.030, c.Rate, 1e-9)
		assert.Zero(t, c.Seed)
		assert.Equal(t, len(times), res.Run.Counts.Total)
		lag := res.Run.Metric(string(ScheduleLag))
		require.NotNil(t, lag)
		assert.Equal(t, len(times), lag.N)
		assert.InDelta(t, maxLag.Seconds(), lag.Max, 1e-6, "the run's schedule_lag is the requests' lag (within a microsecond: records read back have no monotonic clock)")
	})
}

// TestArrivalTimesCutShort checks that Requests and Duration end a
// replayed schedule early, and that the schedule ends a run by itself.
func TestArrivalTimesCutShort(t *testing.T) {
	times := []time.Duration{0, time.Millisecond, 2 * time.Millisecond, 50 * time.Millisecond}
	cfg := Config{Payloads: prompts(1), ArrivalTimes: times}
	assert.Equal(t, times, arrivalTimes(t, cfg, 10))
	cfg.Requests = 2
	assert.Equal(t, times[:2], arrivalTimes(t, cfg, 10))
	cfg.Requests, cfg.Duration = 0, 10*time.Millisecond
	assert.Equal(t, times[:3], arrivalTimes(t, cfg, 10))
}

func TestArrivalTimesConfigErrors(t *testing.T) {
	ep := &fakeEndpoint{}
	ms := time.Millisecond
	base := Config{Endpoint: ep, Payloads: prompts(1), ArrivalTimes: []time.Duration{0, ms}}
	with := func(f func(*Config)) Config { c := base; f(&c); return c }
	cases := []struct {
		cfg   Config
		field string
		msg   string
	}{
		{with(func(c *Config) { c.Rate = 5 }), "Rate",
			"llmtest: Config.Rate: is not allowed with Config.ArrivalTimes: the schedule sets the arrivals"},
		{with(func(c *Config) { c.Stages = []Stage{{time.Second, 2}} }), "Stages", ""},
		{with(func(c *Config) { c.Arrival = ArrivalPoisson }), "Arrival", ""},
		{with(func(c *Config) { c.Seed = 3 }), "Seed", ""},
		{with(func(c *Config) { c.Clients = 2 }), "Clients", ""},
		{with(func(c *Config) { c.Requests = 3 }), "Requests",
			"llmtest: Config.Requests: is 3, more than the 2 arrivals of Config.ArrivalTimes: with a replayed schedule it can only cut it short"},
		{with(func(c *Config) { c.ArrivalTimes = []time.Duration{-ms} }), "ArrivalTimes[0]",
			"llmtest: Config.ArrivalTimes[0]: must not be negative, got -1ms"},
		{with(func(c *Config) { c.ArrivalTimes = []time.Duration{0, 2 * ms, ms} }), "ArrivalTimes[2]",
			"llmtest: Config.ArrivalTimes[2]: must not come before ArrivalTimes[1] (got 1ms after 2ms)"},
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
	require.NoError(t, with(func(c *Config) { c.MaxInFlight = 4 }).Validate(), "a replay is an open loop")
}

func TestMergeArrivalTimes(t *testing.T) {
	times := []time.Duration{0, time.Second}
	c := Config{Rate: 0}.merge(Config{ArrivalTimes: times})
	assert.Equal(t, times, c.ArrivalTimes)
	assert.Equal(t, times, c.merge(Config{}).ArrivalTimes)
}

// TestArrivalTimesCyclePayloads replays four arrivals over two payloads:
// the schedule, not the payloads, sets the number of requests.
func TestArrivalTimesCyclePayloads(t *testing.T) {
	times := []time.Duration{0, time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}
	res := Run(t, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(2), ArrivalTimes: times})
	invs := records(t, res)
	require.Len(t, invs, 4)
	slices.SortFunc(invs, func(a, b Invocation) int { return a.IntendedTime.Compare(b.IntendedTime) })
	for k, inv := range invs {
		assert.Equal(t, "p"+string(rune('0'+k%2)), inv.InputPrompt, "arrival %d", k)
	}
	assert.Equal(t, 4, res.Run.Config.Requests)
}
