package llmtest

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
	}{{"0/1", Shard{0, 1}}, {"3/4", Shard{3, 4}}, {" 2/10 ", Shard{2, 10}}} {
		got, err := ParseShard(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if got.String() != strings.TrimSpace(tc.in) {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), strings.TrimSpace(tc.in))
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"4/4", "shard index must be 0 to 3 for 4 shards (0-based), got 4"},
		{"-1/4", "shard index must be 0 to 3"},
		{"0/0", "shard count must be at least 1, got 0"},
		{"1", "want i/N"},
		{"a/4", `shard index "a"`},
		{"0/b", `shard count "b"`},
		{"0/-2", "shard count must be at least 1, got -2"},
	} {
		_, err := ParseShard(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseShard(%q) error = %v, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

func TestShardConfigErrors(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"index out of range", Config{Shard: Shard{Index: 2, Count: 2}, RunName: "r"}, "Config.Shard: shard index must be 0 to 1"},
		{"no name", Config{Shard: Shard{Index: 0, Count: 2}}, "Config.Shard: needs Config.RunName or Config.StartAt"},
		{"no client", Config{Shard: Shard{Index: 3, Count: 4}, RunName: "r", Clients: 3}, "Config.Shard: shard 3/4 gets no client: the run's 3 clients split over at most 3 shards"},
		{"no arrival", Config{Shard: Shard{Index: 2, Count: 4}, RunName: "r", Rate: 10, Requests: 2}, "Config.Shard: shard 2/4 gets no arrival: the run's 2 arrivals"},
		{"no entry", Config{Shard: Shard{Index: 1, Count: 2}, RunName: "r", ArrivalTimes: []time.Duration{0}}, "Config.Shard: shard 1/2 gets no arrival: the run's 1 arrivals"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Endpoint, tc.cfg.Payloads = ep, prompts(2)
			err := tc.cfg.Check()
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check() = %v, want a *ConfigError containing %q", err, tc.want)
			}
		})
	}
}

// scheduled is one arrival of an open loop: its offset and payload.
type scheduled struct {
	at  time.Duration
	idx int
}

// schedule returns the arrivals cfg's open loop would make, as its
// scheduler computes them.
func schedule(t *testing.T, cfg Config) []scheduled {
	t.Helper()
	e, err := newEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := newArrivals(&e.cfg, e.prof)
	a.phase = e.shard.phase
	var out []scheduled
	for k := 0; k < 100000; k++ {
		at, ok := a.next()
		if !ok {
			return out
		}
		out = append(out, scheduled{at, e.shard.global(k) % len(e.reqs)})
	}
	t.Fatal("unbounded schedule")
	return nil
}

// union returns the arrivals of every shard of cfg, in time order.
func union(t *testing.T, cfg Config, n int) [][]scheduled {
	t.Helper()
	var shards [][]scheduled
	for i := range n {
		c := cfg
		c.Shard, c.RunName = Shard{Index: i, Count: n}, "r"
		shards = append(shards, schedule(t, c))
	}
	return shards
}

// sameSchedule fails unless the shards' arrivals together are the whole
// run's, each within a nanosecond of float rounding.
func sameSchedule(t *testing.T, whole []scheduled, shards [][]scheduled) {
	t.Helper()
	var all []scheduled
	for _, s := range shards {
		all = append(all, s...)
	}
	slices.SortStableFunc(all, func(a, b scheduled) int { return int(a.at - b.at) })
	if len(all) != len(whole) {
		t.Fatalf("shards make %d arrivals, the whole run %d", len(all), len(whole))
	}
	for k := range whole {
		if d := all[k].at - whole[k].at; d < -time.Nanosecond || d > time.Nanosecond || all[k].idx != whole[k].idx {
			t.Fatalf("arrival %d: shards have %v payload %d, the whole run %v payload %d", k, all[k].at, all[k].idx, whole[k].at, whole[k].idx)
		}
	}
}

// TestShardsSplitConstantArrivalsExactly checks that the shards of a
// constant open loop, with a count and with stages, make exactly the whole
// run's arrivals with its payloads, each shard its share.
func TestShardsSplitConstantArrivalsExactly(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	for _, cfg := range []Config{
		{Endpoint: ep, Payloads: prompts(7), Rate: 100, Requests: 103},
		{Endpoint: ep, Payloads: prompts(5), Rate: 20, Stages: []Stage{{Duration: time.Second, Target: 200}, {Duration: time.Second, Target: 50}}},
	} {
		whole := schedule(t, cfg)
		shards := union(t, cfg, 4)
		sameSchedule(t, whole, shards)
		for i, s := range shards {
			if want := (Shard{Index: i, Count: 4}).share(len(whole)); cfg.Requests > 0 && len(s) != want {
				t.Errorf("shard %d has %d arrivals, want %d", i, len(s), want)
			}
		}
	}
}

// TestShardsSplitATrace checks that entry k of a replayed schedule goes to
// shard k mod N, with its own payload, and no entry to two shards.
func TestShardsSplitATrace(t *testing.T) {
	times := make([]time.Duration, 11)
	for k := range times {
		times[k] = time.Duration(k*k) * time.Millisecond
	}
	cfg := Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(11), ArrivalTimes: times}
	whole := schedule(t, cfg)
	shards := union(t, cfg, 3)
	sameSchedule(t, whole, shards)
	for i, s := range shards {
		for j, a := range s {
			if k := j*3 + i; a.idx != k || a.at != times[k] {
				t.Errorf("shard %d arrival %d = %v payload %d, want entry %d (%v)", i, j, a.at, a.idx, k, times[k])
			}
		}
	}
}

// TestShardsDrawTheirOwnPoissonArrivals checks that Poisson shards draw
// from seeds of their own, derived from the run's, so that their arrivals
// differ, each at its share of the rate.
func TestShardsDrawTheirOwnPoissonArrivals(t *testing.T) {
	cfg := Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(3), Rate: 400, Arrival: ArrivalPoisson, Seed: 42, Duration: 10 * time.Second}
	shards := union(t, cfg, 4)
	seen := map[time.Duration]int{}
	for i, s := range shards {
		// Rate 100/s over 10s: 1000 arrivals, within 5 standard deviations.
		if n := float64(len(s)); math.Abs(n-1000) > 5*math.Sqrt(1000) {
			t.Errorf("shard %d: %d Poisson arrivals in 10s at 100/s, want about 1000", i, len(s))
		}
		for _, a := range s {
			if j, ok := seen[a.at]; ok {
				t.Fatalf("shards %d and %d both arrive at %v", j, i, a.at)
			}
			seen[a.at] = i
		}
	}
	if ShardSeed(42, Shard{0, 1}) != 42 || ShardSeed(42, Shard{}) != 42 {
		t.Error("ShardSeed of one shard or none is not the run's seed")
	}
	if ShardSeed(42, Shard{0, 2}) == ShardSeed(42, Shard{1, 2}) || ShardSeed(42, Shard{0, 2}) == ShardSeed(43, Shard{0, 2}) {
		t.Error("ShardSeed repeats across shards or seeds")
	}
}

// TestClosedLoopShardsSplitTheClients runs the four shards of a closed loop
// of 10 clients and checks that they have 3, 3, 2 and 2 clients, send
// together exactly the payloads the whole run sends, record themselves in
// the model and number their requests apart.
func TestClosedLoopShardsSplitTheClients(t *testing.T) {
	out := t.TempDir()
	cfg := Config{Payloads: prompts(7), Clients: 10, Requests: 3, OutputPath: out, RunName: "split", Progress: Progress{Off: true}}
	whole := &fakeEndpoint{Chunks: []string{"a"}}
	c := cfg
	c.Endpoint, c.OutputPath = whole, ""
	if _, err := NewRunner(c).Run(t.Context(), Config{}); err != nil {
		t.Fatal(err)
	}
	var sent []string
	ids := map[string]bool{}
	for i, wantClients := range []int{3, 3, 2, 2} {
		ep := &fakeEndpoint{Chunks: []string{"a"}}
		c := cfg
		c.Endpoint, c.Shard = ep, Shard{Index: i, Count: 4}
		res, err := NewRunner(c).Run(t.Context(), Config{})
		if err != nil {
			t.Fatal(err)
		}
		rc := res.Run.Config
		if rc.Clients != wantClients || res.Run.Counts.Total != 3*wantClients {
			t.Errorf("shard %d: %d clients sent %d requests, want %d and %d", i, rc.Clients, res.Run.Counts.Total, wantClients, 3*wantClients)
		}
		if want := (reporters.Shard{Index: i, Count: 4, Run: "split"}); rc.Shard == nil || *rc.Shard != want {
			t.Errorf("shard %d: model's shard = %+v, want %+v", i, rc.Shard, want)
		}
		if want := filepath.Join(out, "split-shard-"+string(rune('0'+i))); res.OutputPath != want {
			t.Errorf("shard %d: folder %s, want %s", i, res.OutputPath, want)
		}
		for _, inv := range res.Invocations {
			if ids[inv.ID] || !strings.HasPrefix(inv.ID, "s"+string(rune('0'+i))+"-") {
				t.Errorf("shard %d: request id %q repeats or lacks the shard's prefix", i, inv.ID)
			}
			ids[inv.ID] = true
		}
		sent = append(sent, ep.prompts()...)
	}
	want := whole.prompts()
	slices.Sort(sent)
	slices.Sort(want)
	if !slices.Equal(sent, want) {
		t.Errorf("shards sent %v, the whole run %v", sent, want)
	}
}

// TestClosedLoopShardsShareTheStages checks that a shard of a closed loop
// with stages records its share of each target and ramps its clients as
// the whole run ramps them: shard 1 of 2 of a ramp to 4 clients gets
// clients 1 and 3 of the whole run.
func TestClosedLoopShardsShareTheStages(t *testing.T) {
	cfg := Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(2), RunName: "r",
		Stages: []Stage{{Duration: 50 * time.Millisecond, Target: 5}}, Shard: Shard{Index: 1, Count: 2}}
	e, err := newEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if e.cfg.Clients != 2 || e.shard.clients != 5 {
		t.Fatalf("shard 1/2 of 5 clients has %d of %d, want 2 of 5", e.cfg.Clients, e.shard.clients)
	}
	if g := []int{e.shard.global(0), e.shard.global(1)}; !slices.Equal(g, []int{1, 3}) {
		t.Errorf("shard 1/2's clients are %v of the whole run, want [1 3]", g)
	}
	res := e.newResult()
	if got := res.Run.Config.Stages; len(got) != 1 || got[0].Target != 2 {
		t.Errorf("recorded stages %+v, want one stage to 2 clients", got)
	}
}

// TestStartAtWaitsAndRecordsLag checks that a run waits for StartAt and
// records a lag of under a fraction of a second, and that a run whose
// StartAt has passed starts at once and records how late it was.
func TestStartAtWaitsAndRecordsLag(t *testing.T) {
	cfg := Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(1), Progress: Progress{Off: true}}
	at := time.Now().Add(150 * time.Millisecond).Round(0) // wall clock, as parsed
	res, err := NewRunner(cfg).Run(t.Context(), Config{StartAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if res.Run.StartTime.Before(at) {
		t.Errorf("started at %v, before StartAt %v", res.Run.StartTime, at)
	}
	if !res.Run.Config.StartAt.Equal(at) || res.Run.StartLag < 0 || res.Run.StartLag > 0.1 {
		t.Errorf("start_at %v, start_lag %vs; want %v and a lag in [0, 0.1s)", res.Run.Config.StartAt, res.Run.StartLag, at)
	}
	late := time.Now().Add(-2 * time.Second)
	res, err = NewRunner(cfg).Run(t.Context(), Config{StartAt: late})
	if err != nil {
		t.Fatal(err)
	}
	if res.Run.StartLag < 2 {
		t.Errorf("a run 2s past its StartAt records a lag of %vs, want at least 2s", res.Run.StartLag)
	}
}

// TestStartAtWaitIsCancelled checks that cancelling a run waiting for its
// StartAt ends it at once, interrupted, with nothing sent.
func TestStartAtWaitIsCancelled(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	res, err := NewRunner(Config{Endpoint: ep, Payloads: prompts(1), Progress: Progress{Off: true}}).Run(ctx, Config{StartAt: time.Now().Add(time.Hour)})
	if !errors.Is(err, ErrInterrupted) || res == nil || !res.Run.Interrupted || ep.calls.Load() != 0 {
		t.Fatalf("Run = %v; want ErrInterrupted, an interrupted result and no request (sent %d)", err, ep.calls.Load())
	}
}

// TestOpenLoopShardsSendTheirArrivalsPayloads runs the three shards of a
// constant open loop and checks that each sends the payloads of its own
// arrivals of the whole run: arrival k, payload k mod 5, to shard k mod 3.
func TestOpenLoopShardsSendTheirArrivalsPayloads(t *testing.T) {
	for i := range 3 {
		ep := &fakeEndpoint{Chunks: []string{"a"}}
		cfg := Config{Endpoint: ep, Payloads: prompts(5), Rate: 2000, Requests: 11, RunName: "open",
			Shard: Shard{Index: i, Count: 3}, Progress: Progress{Off: true}}
		res, err := NewRunner(cfg).Run(t.Context(), Config{})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for k := i; k < 11; k += 3 {
			want = append(want, "p"+string(rune('0'+k%5)))
		}
		got := ep.prompts()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) || res.Run.Config.Requests != len(want) {
			t.Errorf("shard %d sent %v (%d arrivals), want %v", i, got, res.Run.Config.Requests, want)
		}
		if res.Run.Config.Rate != 2000.0/3 {
			t.Errorf("shard %d: rate %v, want 2000/3", i, res.Run.Config.Rate)
		}
	}
}
