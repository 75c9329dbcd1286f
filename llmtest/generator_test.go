package llmtest

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

// TestProcessCPUCountsOwnWork spins until the process's CPU time, as
// processCPU reads it, has grown by 50ms: it measures this process's work.
func TestProcessCPUCountsOwnWork(t *testing.T) {
	before, ok := processCPU()
	require.True(t, ok, "processCPU on %s", runtime.GOOS)
	deadline := time.Now().Add(20 * time.Second)
	var now time.Duration
	for x := 0; time.Now().Before(deadline); x++ {
		if x%1_000_000 == 0 {
			if now, _ = processCPU(); now-before >= 50*time.Millisecond {
				break
			}
		}
	}
	assert.GreaterOrEqual(t, now-before, 50*time.Millisecond, "CPU time after spinning for up to 20s")
}

func TestHistogramP99(t *testing.T) {
	buckets := []float64{math.Inf(-1), 0, 1e-6, 1e-3, 1e-2, math.Inf(1)}
	tests := []struct {
		name          string
		before, after []uint64
		want          float64
	}{
		{"nothing gained", []uint64{1, 2, 3, 4, 5}, []uint64{1, 2, 3, 4, 5}, 0},
		{"the upper bound of the p99 bucket", []uint64{0, 0, 0, 0, 0}, []uint64{0, 0, 99, 1, 0}, 1e-3},
		{"one more sample above moves it", []uint64{0, 0, 0, 0, 0}, []uint64{0, 0, 98, 2, 0}, 1e-2},
		{"only the change counts", []uint64{0, 0, 0, 1000, 0}, []uint64{0, 0, 100, 1000, 0}, 1e-3},
		{"the last bucket gives its lower bound", []uint64{0, 0, 0, 0, 0}, []uint64{0, 0, 0, 0, 3}, 1e-2},
		{"negative buckets give 0", []uint64{0, 0, 0, 0, 0}, []uint64{5, 0, 0, 0, 0}, 0},
		{"mismatched counts give 0", []uint64{0, 0}, []uint64{0, 0, 1, 0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, histogramP99(tt.before, tt.after, buckets))
		})
	}
}

// TestSelfCheckPeakCPU feeds the self-check samples by hand: one pegged
// second in a quiet run shows as its peak and saturates it, though the
// run's CPU as a whole is low.
func TestSelfCheckPeakCPU(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	at := func(sec float64, cpu time.Duration) genSample {
		return genSample{wall: t0.Add(time.Duration(sec * float64(time.Second))), cpu: cpu, cpuOK: true}
	}
	c := &selfCheck{procs: 2, start: at(0, 0)}
	c.prev, c.samples = c.start, 1
	c.step(at(1, 100*time.Millisecond), true)                       // 5%
	c.step(at(2, 100*time.Millisecond+1900*time.Millisecond), true) // 95%
	for s := 3; s <= 10; s++ {
		c.step(at(float64(s), 2*time.Second), true) // idle
	}
	c.step(at(10.01, 2*time.Second+20*time.Millisecond), false) // a busy tail, not a whole second
	g := *c.current.Load()
	assert.Equal(t, 11+1, g.Samples)
	assert.InDelta(t, 0.95, g.PeakCPU, 1e-9)
	assert.InDelta(t, 2.02/(2*10.01), g.CPU, 1e-9)
	assert.Equal(t, 2, g.GOMAXPROCS)
	g.Assess()
	assert.Equal(t, []string{"cpu 95% of GOMAXPROCS=2 over its busiest second >= 90%"}, g.Reasons)

	short := &selfCheck{procs: 1, start: at(0, 0)}
	short.prev = short.start
	short.step(at(0.5, 250*time.Millisecond), false)
	g = *short.current.Load()
	assert.InDelta(t, 0.5, g.CPU, 1e-9)
	assert.Equal(t, g.CPU, g.PeakCPU, "a run shorter than a second peaks at its CPU")
}

// TestGeneratorReadsScheduleLag pins that the verdict reads the run's
// schedule_lag metric, when it has one, with its p99.
func TestGeneratorReadsScheduleLag(t *testing.T) {
	quiet := func() *reporters.Generator {
		return &reporters.Generator{CPU: 0.1, PeakCPU: 0.1, GOMAXPROCS: 2, SchedLatencyP99: 1e-4, Samples: 2}
	}
	closed := &reporters.Run{Metrics: []reporters.Metric{{Name: "time_to_first_token", Unit: reporters.UnitSeconds, N: 10, P99: 5}}}
	g := assessGenerator(quiet(), closed)
	assert.Zero(t, g.ScheduleLagP99)
	assert.False(t, g.Saturated)

	open := &reporters.Run{Metrics: []reporters.Metric{{Name: scheduleLagMetric, Unit: reporters.UnitSeconds, N: 100, P99: 0.0032}}}
	g = assessGenerator(quiet(), open)
	assert.Equal(t, 0.0032, g.ScheduleLagP99)
	assert.Equal(t, 100, g.ScheduleLagSamples)
	assert.Equal(t, []string{"schedule lag p99 3.2ms > 1ms"}, g.Reasons)

	// Over fewer than GeneratorMinScheduleLagSamples arrivals, a late
	// p99 is one late wake-up: recorded, not a verdict.
	open.Metrics[0].N = 99
	g = assessGenerator(quiet(), open)
	assert.Equal(t, 0.0032, g.ScheduleLagP99)
	assert.True(t, g.Healthy())
	open.Metrics[0].N = 100

	// At 50 requests/s (100 arrivals over 2s) the bound is a tenth of
	// the 20ms gap: 1.5ms passes, 3.2ms does not.
	open.TestTime = 2
	open.Metrics[0].P99 = 0.0015
	g = assessGenerator(quiet(), open)
	assert.InDelta(t, 0.002, g.ScheduleLagLimit, 1e-12)
	assert.True(t, g.Healthy(), "%s", g)
	open.Metrics[0].P99 = 0.0032
	assert.Equal(t, []string{"schedule lag p99 3.2ms > 2ms"}, assessGenerator(quiet(), open).Reasons)
	open.TestTime = 0

	open.Metrics[0].P99 = 0.0004
	g = assessGenerator(quiet(), open)
	assert.Equal(t, 0.0004, g.ScheduleLagP99)
	assert.True(t, g.Healthy())
}

// TestQuietRunIsHealthy runs a quiet load (16 clients, 20ms between
// chunks: a few thousand goroutine wake-ups, so that the scheduler
// latency's p99 does not rest on the few largest) for 1.5s: the
// self-check sampled at the start, once a second and at the end, and
// found the generator healthy; the summary, the live progress and the
// saved model say so.
func TestQuietRunIsHealthy(t *testing.T) {
	var snaps []*ProgressSnapshot
	cfg := Config{
		Endpoint: &fakeEndpoint{Chunks: []string{"a", "b", "c"}, Gap: 20 * time.Millisecond},
		Payloads: prompts(4), Clients: 16, Duration: 1500 * time.Millisecond,
		OutputPath: t.TempDir(), RunName: "quiet",
		Progress: Progress{Func: func(s *ProgressSnapshot) { snaps = append(snaps, s) }},
	}
	res := run(t, cfg)
	g := res.Run.Generator
	require.NotNil(t, g)
	assert.False(t, g.Saturated, "reasons: %q", g.Reasons)
	assert.Empty(t, g.Reasons)
	assert.GreaterOrEqual(t, g.Samples, 3, "start, one per second, end")
	assert.Equal(t, runtime.GOMAXPROCS(0), g.GOMAXPROCS)
	assert.Positive(t, g.SchedLatencyP99, "goroutines were scheduled")
	assert.Less(t, g.SchedLatencyP99, reporters.GeneratorMaxSchedLatency.Seconds())
	assert.Zero(t, g.ScheduleLagP99, "a closed loop has no schedule lag")
	assert.Less(t, g.CPU, reporters.GeneratorMaxCPU)

	summary := res.SummaryText()
	assert.Contains(t, summary, "\nload generator: healthy (cpu ")

	require.NotEmpty(t, snaps)
	for _, s := range snaps {
		require.NotNil(t, s.Generator, "snapshot at %v", s.Elapsed)
	}
	last := snaps[len(snaps)-1]
	require.True(t, last.Final)
	assert.Equal(t, *g, *last.Generator, "the final snapshot has the run's figures and verdict")

	loaded, err := LoadResult(res.OutputPath)
	require.NoError(t, err)
	assert.Equal(t, g, loaded.Run.Generator, "the run folder keeps the self-check")
}

func TestProgressLineShowsSaturation(t *testing.T) {
	s := &ProgressSnapshot{Elapsed: time.Second, Started: 3, Ended: 2, InFlight: 1,
		Generator: &reporters.Generator{Saturated: true, Reasons: []string{"cpu 100% of GOMAXPROCS=1 >= 90%"}}}
	assert.Equal(t, "1.00s: 2 done, 1 in flight, 0 failed, generator saturated", s.Line())
	s.Generator.Saturated = false
	assert.Equal(t, "1.00s: 2 done, 1 in flight, 0 failed", s.Line())
}

// starvedEnv marks the child process of TestStarvedGeneratorIsFlagged.
const starvedEnv = "LLMTEST_STARVED_GENERATOR"

// TestStarvedGeneratorIsFlagged runs a load in a child process with
// GOMAXPROCS=1 and starvedBusy goroutines that spin throughout, so that the
// generator's goroutines wait for the one P: the self-check flags the run
// for its scheduler latency, in the model and the summary. (Its CPU share
// depends on what else the machine runs: on a shared machine the spinning
// thread does not get a whole core.)
func TestStarvedGeneratorIsFlagged(t *testing.T) {
	if os.Getenv(starvedEnv) == "1" {
		starvedChild(t)
		return
	}
	if testing.Short() {
		t.Skip("runs a child process for about a second")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestStarvedGeneratorIsFlagged$", "-test.v")
	cmd.Env = append(os.Environ(), starvedEnv+"=1", "GOMAXPROCS=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var g reporters.Generator
	var summary string
	for line := range strings.SplitSeq(string(out), "\n") {
		if _, rest, ok := strings.Cut(line, "GENERATOR "); ok {
			require.NoError(t, json.Unmarshal([]byte(rest), &g), "%s", rest)
		}
		if _, rest, ok := strings.Cut(line, "SUMMARY "); ok {
			summary, err = strconv.Unquote(rest)
			require.NoError(t, err)
		}
	}
	require.NotZero(t, g.Samples, "the child printed its generator:\n%s", out)
	t.Logf("starved generator: %+v", g)
	assert.Equal(t, 1, g.GOMAXPROCS)
	assert.True(t, g.Saturated)
	require.NotEmpty(t, g.Reasons)
	found := false
	for _, r := range g.Reasons {
		found = found || strings.HasPrefix(r, "scheduler latency p99 ") && strings.HasSuffix(r, " > 20ms")
	}
	assert.True(t, found, "reasons %q name the scheduler latency", g.Reasons)
	assert.Greater(t, g.SchedLatencyP99, reporters.GeneratorMaxSchedLatency.Seconds())
	assert.Contains(t, summary, "\nload generator: saturated: scheduler latency p99 ")
}

// starvedChild is the child's side: it starves itself, runs, and prints
// the generator and the summary for the parent.
func starvedChild(t *testing.T) {
	require.Equal(t, 1, runtime.GOMAXPROCS(0))
	var done atomic.Bool
	finished := make(chan struct{}, starvedBusy)
	for range starvedBusy {
		go func() {
			defer func() { finished <- struct{}{} }()
			for !done.Load() {
			}
		}()
	}
	res := run(t, Config{
		Endpoint: &fakeEndpoint{Chunks: []string{"a", "b", "c", "d"}, Gap: time.Millisecond},
		Payloads: prompts(4), Clients: 8, Duration: time.Second,
	})
	done.Store(true)
	for range starvedBusy {
		<-finished
	}
	data, err := json.Marshal(res.Run.Generator)
	require.NoError(t, err)
	t.Logf("GENERATOR %s", data)
	t.Logf("SUMMARY %s", strconv.Quote(res.SummaryText()))
}

// TestAnImpossibleRateIsFlagged asks an open loop for more arrivals than
// the machine can send: the schedule falls behind, and the self-check says
// so, naming the lag.
func TestAnImpossibleRateIsFlagged(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a", "b"}}
	res, err := NewRunner(Config{}).Run(t.Context(), Config{Endpoint: ep, Payloads: prompts(4), Rate: 200_000, Duration: 1500 * time.Millisecond})
	require.NoError(t, err)
	g := res.Run.Generator
	require.NotNil(t, g)
	assert.True(t, g.Saturated, "%s", g)
	require.NotEmpty(t, g.Reasons)
	assert.Contains(t, strings.Join(g.Reasons, "; "), "schedule lag p99 ")
	assert.GreaterOrEqual(t, g.ScheduleLagSamples, reporters.GeneratorMinScheduleLagSamples)
	assert.Contains(t, res.SummaryText(), "load generator: saturated: ")
}
