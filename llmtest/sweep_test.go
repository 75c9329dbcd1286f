package llmtest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/reporters"
)

// smallServer returns a simulated server that generates 4 requests at
// once, each taking about 10ms to its first token and 10 tokens 1ms apart
// (about 19ms in all): beyond 4 clients, throughput stays flat and
// requests queue.
func smallServer(t *testing.T) endpoints.Endpoint {
	t.Helper()
	ep, err := sim.New(sim.Config{Seed: 1, Capacity: 4, FirstTokenLatency: 10 * time.Millisecond,
		InterTokenLatency: time.Millisecond, MaxOutputTokens: 10})
	require.NoError(t, err)
	return ep
}

func sweepPayload() map[string]any {
	return map[string]any{"messages": []any{map[string]any{"role": "user", "content": "hi"}}, "stream": true}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
	}
	return n
}

func TestRunnerSweepFoldersDistinctAndComplete(t *testing.T) {
	out := t.TempDir()
	r := NewRunner(Config{Endpoint: smallServer(t), Payloads: sweepPayload(), OutputPath: out, Progress: Progress{Off: true}})
	sw, err := r.Sweep(t.Context(), Config{}, SweepConfig{
		Name: "load", Levels: ClientLevels(1, 2, 8), MinRequestsPerClient: 2, MinRequestsPerRun: 8,
	})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(out, "load"), sw.OutputPath)

	// LLMeter's rule: ceil(8/1)=8, ceil(8/2)=4, then 2 per client.
	wantTotal := map[string]int{"00001-clients": 8, "00002-clients": 8, "00008-clients": 16}
	require.Len(t, sw.Results, 3)
	for _, res := range sw.Results {
		name := res.Run.Name
		assert.Equal(t, filepath.Join(out, "load", name), res.OutputPath)
		assert.Equal(t, wantTotal[name], res.Run.Counts.Total, name)
		assert.Equal(t, wantTotal[name], countLines(t, filepath.Join(res.OutputPath, ResponsesFile)), name)
		loaded, err := LoadResult(res.OutputPath)
		require.NoError(t, err, name)
		assert.Equal(t, name, loaded.Run.Name)
		assert.Equal(t, res.Run.Config.Clients, loaded.Run.Config.Clients)
		assert.Len(t, loaded.Invocations, wantTotal[name])
	}
	entries, err := os.ReadDir(filepath.Join(out, "load"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"00001-clients", "00002-clients", "00008-clients", SweepFile, SweepMarkdownFile}, names)

	back, err := LoadSweep(sw.OutputPath)
	require.NoError(t, err)
	assert.Equal(t, sw.Levels, back.Levels)
	assert.Equal(t, sw.Report().Levels, back.Sweep.Levels)
	require.Len(t, back.Results, 3)
	for i := range back.Results {
		assert.Equal(t, sw.Results[i].Run.Counts, back.Results[i].Run.Counts)
	}
}

func TestRunnerSweepFindsSaturation(t *testing.T) {
	// Timed levels, long enough that a level's start and end weigh little
	// in its throughput; a 20% gain threshold, as a closed loop at exactly
	// the capacity loses a little to the clients' own turnaround, and a
	// shared 2-core machine adds noise.
	r := NewRunner(Config{Endpoint: smallServer(t), Payloads: sweepPayload(), Duration: 600 * time.Millisecond, Progress: Progress{Off: true}})
	sw, err := r.Sweep(t.Context(), Config{}, SweepConfig{Levels: ClientLevels(1, 2, 4, 8, 16), SaturationGain: 0.2})
	require.NoError(t, err)
	assert.Empty(t, sw.OutputPath, "no OutputPath, no artifacts")
	lv, ok := sw.SaturationLevel()
	require.True(t, ok, "saturation not found:\n%s", sw.Table())
	// At the capacity, 4 clients. A stall of the machine during the
	// 4-client level (seen under -race on a loaded machine) lowers that
	// level's throughput and moves the point one level on; below the
	// capacity latency does not climb, so the point is never placed there.
	assert.Contains(t, []Level{{Clients: 4}, {Clients: 8}}, lv, "\n%s", sw.Table())
	figs := sw.Report().Levels
	assert.Greater(t, figs[1].Throughput, 1.3*figs[0].Throughput, "2 clients nearly double the throughput of 1")
	assert.Greater(t, figs[4].TTLTP50, 2*figs[2].TTLTP50, "16 clients wait in the queue")
	assert.Contains(t, sw.Table(), "| "+strconv.Itoa(lv.Clients)+" ◀ saturation |")
}

func TestRunnerSweepGoodput(t *testing.T) {
	r := NewRunner(Config{Endpoint: smallServer(t), Payloads: sweepPayload(), Progress: Progress{Off: true}})
	// Good: TTFT under 20ms; with 16 clients on 4 slots most requests queue
	// for longer than that.
	sw, err := r.Sweep(t.Context(), Config{}, SweepConfig{
		Levels: ClientLevels(1, 16), MinRequestsPerClient: 4, MinRequestsPerRun: 16,
		Good: func(inv *Invocation) bool { return inv.TimeToFirstToken < 20*time.Millisecond },
	})
	require.NoError(t, err)
	figs := sw.Report().Levels
	require.NotNil(t, figs[0].GoodShare)
	assert.GreaterOrEqual(t, *figs[0].GoodShare, 0.75, "one client never queues")
	assert.LessOrEqual(t, *figs[1].GoodShare, 0.25, "16 clients on 4 slots mostly queue")
	assert.InDelta(t, *figs[0].GoodShare*figs[0].AchievedRate, *figs[0].Goodput, 1e-9)
	assert.Contains(t, sw.Table(), "good req/s")
}

func TestSweepConfigErrors(t *testing.T) {
	base := Config{Endpoint: &fakeEndpoint{}, Payloads: map[string]any{"prompt": "x"}}
	for _, tc := range []struct {
		name string
		base Config
		sw   SweepConfig
		want string
	}{
		{"none", base, SweepConfig{}, "SweepConfig.Levels: is required"},
		{"both", base, SweepConfig{Levels: []Level{{Clients: 1, Rate: 2}}}, "SweepConfig.Levels[0]: sets both"},
		{"neither", base, SweepConfig{Levels: []Level{{}}}, "SweepConfig.Levels[0]: sets neither"},
		{"negative", base, SweepConfig{Levels: ClientLevels(1, -2)}, "SweepConfig.Levels[1]: Clients must be at least 1"},
		{"order", base, SweepConfig{Levels: ClientLevels(4, 2)}, "SweepConfig.Levels[1]: 00002-clients does not come after 00004-clients"},
		{"dup", base, SweepConfig{Levels: ClientLevels(2, 2)}, "strictly ascending"},
		{"mixed", base, SweepConfig{Levels: []Level{{Clients: 1}, {Rate: 2}}}, "SweepConfig.Levels[1]: is a rate level after clients levels"},
		{"name", base, SweepConfig{Name: "a/b", Levels: ClientLevels(1)}, "SweepConfig.Name"},
		{"stages", Config{Endpoint: base.Endpoint, Payloads: base.Payloads, Stages: []Stage{{Duration: time.Second, Target: 8}}},
			SweepConfig{Levels: ClientLevels(1, 2)}, "Config.Stages: ramps every level of a sweep to the same targets"},
		{"shard", Config{Endpoint: base.Endpoint, Payloads: base.Payloads, Shard: Shard{Index: 1, Count: 2}},
			SweepConfig{Levels: ClientLevels(1, 2)}, "Config.Shard: is not supported in a sweep"},
		{"per client over rates", base, SweepConfig{Levels: RateLevels(10, 20), MinRequestsPerClient: 5},
			"SweepConfig.MinRequestsPerClient: counts a closed loop's requests per client"},
		{"min", base, SweepConfig{Levels: ClientLevels(1), MinRequestsPerRun: -1}, "SweepConfig.MinRequestsPerRun: must not be negative"},
		{"duration", Config{Endpoint: base.Endpoint, Payloads: base.Payloads, Duration: time.Second},
			SweepConfig{Levels: ClientLevels(1), MinRequestsPerRun: 10}, "Config.Duration (1s)"},
		{"requests", Config{Endpoint: base.Endpoint, Payloads: base.Payloads, Requests: 3},
			SweepConfig{Levels: ClientLevels(1), MinRequestsPerClient: 1}, "Config.Requests (3)"},
		{"level config", Config{Endpoint: base.Endpoint, Payloads: base.Payloads, Timeout: -1},
			SweepConfig{Levels: ClientLevels(1)}, "sweep level 00001-clients: llmtest: Config.Timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sw, err := NewRunner(tc.base).Sweep(context.Background(), Config{}, tc.sw)
			require.Error(t, err)
			assert.Nil(t, sw)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestRequestsPerClient(t *testing.T) {
	s := SweepConfig{MinRequestsPerClient: 3, MinRequestsPerRun: 10}
	for clients, want := range map[int]int{1: 10, 2: 5, 3: 4, 4: 3, 10: 3} {
		assert.Equal(t, want, s.RequestsPerClient(clients), "clients=%d", clients)
	}
	assert.Equal(t, 0, (&SweepConfig{}).RequestsPerClient(4), "no rule")
	assert.Equal(t, 5, (&SweepConfig{MinRequestsPerRun: 10}).RequestsPerClient(2), "per client defaults to 1")
	assert.Equal(t, 1, (&SweepConfig{MinRequestsPerRun: 10}).RequestsPerClient(20))
}

func TestLevelString(t *testing.T) {
	assert.Equal(t, "00008-clients", Level{Clients: 8}.String())
	assert.Equal(t, "00010-rps", Level{Rate: 10}.String())
	assert.Equal(t, "00002.5-rps", Level{Rate: 2.5}.String())
	assert.Equal(t, "123456-clients", Level{Clients: 123456}.String())
}

func TestRunnerSweepInterrupted(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	ep := &fakeEndpoint{Chunks: []string{"a"}, OnInvoke: func(*endpoints.Request) { cancel() }}
	r := NewRunner(Config{Endpoint: ep, Payloads: map[string]any{"prompt": "x"}, OutputPath: out, Requests: 5, Progress: Progress{Off: true}})
	sw, err := r.Sweep(ctx, Config{}, SweepConfig{Name: "s", Levels: ClientLevels(1, 2)})
	require.ErrorIs(t, err, ErrInterrupted)
	assert.Contains(t, err.Error(), "sweep level 00001-clients")
	require.Len(t, sw.Results, 1, "the sweep stops at the interrupted level")
	assert.True(t, sw.Report().Levels[0].Interrupted)
	back, err := LoadSweep(filepath.Join(out, "s"))
	require.NoError(t, err)
	assert.Len(t, back.Results, 1)
}

// TestSweepHelper runs the test helper in a child process and reads its
// verbose output: one sub-test per level, the per-level gate failing only
// the levels it should, the sweep's files written after the sweep's own
// check.
func TestSweepHelper(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSweepHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "LLMTEST_SWEEP_HELPER=1", "LLMTEST_OUT="+out)
	b, err := cmd.CombinedOutput()
	text := string(b)
	require.Error(t, err, "the gate fails at 16 clients:\n%s", text)
	assert.Contains(t, text, "--- PASS: TestSweepHelperProcess/00001-clients")
	assert.Contains(t, text, "--- PASS: TestSweepHelperProcess/00004-clients")
	assert.Contains(t, text, "--- FAIL: TestSweepHelperProcess/00016-clients")
	assert.Contains(t, text, "total_requests = 64")
	assert.NotContains(t, text, "total_requests = 16")
	assert.Contains(t, text, "| clients | requests |", "the table is logged")
	assert.Contains(t, text, "\n        | 16 |")

	dir := filepath.Join(out, "TestSweepHelperProcess")
	sw, err := LoadSweep(dir)
	require.NoError(t, err, text)
	assert.Equal(t, "TestSweepHelperProcess", sw.Sweep.TestName)
	require.Len(t, sw.Sweep.Checks, 1, "the sweep's check is in sweep.json")
	assert.Equal(t, "a check of the sweep", sw.Sweep.Checks[0].Message)
	assert.False(t, sw.Sweep.Checks[0].Pass)
	require.Len(t, sw.Results, 3)
	for i, want := range []bool{true, true, false} {
		checks := sw.Results[i].Run.Checks
		require.Len(t, checks, 1, "the level's gate is in its report")
		assert.Equal(t, want, checks[0].Pass, sw.Results[i].Run.Name)
		assert.Equal(t, "TestSweepHelperProcess/"+sw.Levels[i].String(), sw.Results[i].Run.TestName)
	}
	md, err := os.ReadFile(filepath.Join(dir, SweepMarkdownFile))
	require.NoError(t, err)
	assert.Contains(t, string(md), "- ❌ a check of the sweep\n")
}

func TestSweepHelperProcess(t *testing.T) {
	if os.Getenv("LLMTEST_SWEEP_HELPER") != "1" {
		t.Skip("run by TestSweepHelper")
	}
	base := Config{Endpoint: smallServer(t), Payloads: sweepPayload(), OutputPath: os.Getenv("LLMTEST_OUT")}
	sw := Sweep(t, base, SweepConfig{
		// 16, 16 and 64 requests.
		Levels: ClientLevels(1, 4, 16), MinRequestsPerClient: 4, MinRequestsPerRun: 16,
		Test: func(t *testing.T, res *Result) {
			// A gate of this package's own (assertions imports llmtest), on
			// a figure that does not depend on the machine's speed: it
			// holds at 1 and 4 clients, and fails at 16.
			n := res.Run.Counts.Total
			c := Check{Expression: "total_requests < 32", Pass: n < 32, Message: "total_requests = " + strconv.Itoa(n)}
			res.AddCheck(c)
			if !c.Pass {
				t.Errorf("%s", c.Message)
			}
		},
	})
	// A check on the sweep after it ran (assertions.SaturationAtLeast
	// records one so): sweep.json, written in t.Cleanup, holds it.
	sw.AddCheck(reporters.Check{Expression: "sweep check", Message: "a check of the sweep"})
}

func TestParseLevels(t *testing.T) {
	got, err := ParseLevels(" 1,2 , 16", false)
	require.NoError(t, err)
	assert.Equal(t, ClientLevels(1, 2, 16), got)
	got, err = ParseLevels("0.5,10", true)
	require.NoError(t, err)
	assert.Equal(t, RateLevels(0.5, 10), got)
	for _, tc := range []struct {
		s     string
		rates bool
		want  string
	}{
		{"1,,2", false, `"" is not a client count`},
		{"2.5", false, `"2.5" is not a client count`},
		{"-1", false, `"-1" is not a client count`},
		{"10,inf", true, `"inf" is not a positive rate`},
		{"NaN", true, `"NaN" is not a positive rate`},
	} {
		_, err := ParseLevels(tc.s, tc.rates)
		require.Error(t, err, tc.s)
		assert.Contains(t, err.Error(), tc.want)
	}
}

// TestRunnerSweepOverRates sweeps open-loop levels: each level an
// open-loop run at its rate, in its own folder, MinRequestsPerRun
// arrivals each, whatever the base's clients.
func TestRunnerSweepOverRates(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a", "b"}}
	out := t.TempDir()
	sw, err := NewRunner(Config{Endpoint: ep, Payloads: prompts(2), Clients: 4, OutputPath: out}).Sweep(t.Context(), Config{},
		SweepConfig{Name: "rates", Levels: RateLevels(200, 400), MinRequestsPerRun: 40})
	require.NoError(t, err)
	require.Len(t, sw.Results, 2)
	for i, rate := range []float64{200, 400} {
		res := sw.Results[i]
		assert.Equal(t, rate, res.Run.Config.Rate)
		assert.Zero(t, res.Run.Config.Clients)
		assert.Equal(t, 40, res.Run.Counts.Total+res.Run.Counts.Dropped)
		assert.Equal(t, filepath.Join(out, "rates", RateLevels(rate)[0].String()), res.OutputPath)
		assert.NotNil(t, res.Run.Metric("schedule_lag"), "an open-loop run measures its lag")
	}
	assert.Equal(t, 2, len(sw.Sweep.Levels))
}

// TestSweepGoodputLeavesTheWarmupOut checks that a level's goodput counts
// the measured requests only, as its model does.
func TestSweepGoodputLeavesTheWarmupOut(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	calls := 0
	sw, err := NewRunner(Config{Endpoint: ep, Payloads: prompts(2), Requests: 10, Warmup: Warmup{Requests: 5}}).Sweep(t.Context(), Config{},
		SweepConfig{Levels: ClientLevels(1), Good: func(inv *Invocation) bool { calls++; return !inv.Warmup }})
	require.NoError(t, err)
	require.NotNil(t, sw.Sweep.Levels[0].GoodShare)
	assert.Equal(t, 1.0, *sw.Sweep.Levels[0].GoodShare)
	assert.Equal(t, 5, calls, "only the measured requests are judged")
}
