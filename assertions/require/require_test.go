package require_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/assertions/require"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// fakeT records Errorf, FailNow and Helper calls; its FailNow does not
// stop the goroutine, so the test can observe it.
type fakeT struct {
	errors  []string
	failNow int
	helpers int
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) FailNow() { f.failNow++ }
func (f *fakeT) Helper()  { f.helpers++ }

// run has 100 successful requests (TTFT 100ms, TTLT 500ms, 5 output
// tokens, 4 gaps of 100ms) and no failure, in 10s.
func run() *llmtest.Result {
	invs := make([]llmtest.Invocation, 100)
	for i := range invs {
		invs[i] = llmtest.Invocation{
			TimeToFirstToken: 100 * time.Millisecond, TimeToFirstOutput: 100 * time.Millisecond,
			TimeToLastToken: 500 * time.Millisecond, TimePerOutputToken: 100 * time.Millisecond,
			InterTokenLatencies: []time.Duration{1e8, 1e8, 1e8, 1e8}, Chunks: 5,
			NumTokensOutput: 5, OutputTokensFrom: llmtest.FromServer,
		}
	}
	return llmtest.NewResult(invs, 10*time.Second)
}

func TestFailNowExactlyOnFailure(t *testing.T) {
	res := run()
	cases := []struct {
		name string
		pass func(require.TestingT) bool
		fail func(require.TestingT) bool
	}{
		{"Percentile",
			func(t require.TestingT) bool {
				return require.Percentile(t, res, llmtest.TimeToFirstToken, 99, time.Second)
			},
			func(t require.TestingT) bool {
				return require.Percentile(t, res, llmtest.TimeToFirstToken, 99, time.Millisecond)
			}},
		{"Mean",
			func(t require.TestingT) bool { return require.Mean(t, res, llmtest.NumTokensOutput, 5) },
			func(t require.TestingT) bool { return require.Mean(t, res, llmtest.NumTokensOutput, 4) }},
		{"Max",
			func(t require.TestingT) bool { return require.Max(t, res, llmtest.TimeToLastToken, time.Second) },
			func(t require.TestingT) bool {
				return require.Max(t, res, llmtest.TimeToLastToken, 400*time.Millisecond)
			}},
		{"ErrorRate",
			func(t require.TestingT) bool { return require.ErrorRate(t, res, 0) },
			func(t require.TestingT) bool { return require.ErrorRate(t, res, 2) }},
		{"Throughput",
			func(t require.TestingT) bool { return require.Throughput(t, res, 10, assertions.RequestsPerSecond) },
			func(t require.TestingT) bool { return require.Throughput(t, res, 11, assertions.RequestsPerSecond) }},
		{"Goodput",
			func(t require.TestingT) bool {
				return require.Goodput(t, res, assertions.GoodputLimits{TTFT: time.Second}, 1)
			},
			func(t require.TestingT) bool {
				return require.Goodput(t, res, assertions.GoodputLimits{ITL: time.Millisecond}, 0.5)
			}},
		{"SLO",
			func(t require.TestingT) bool { return require.SLO(t, res, "error_rate < 1%", "ttft p50 <= 100ms") },
			func(t require.TestingT) bool { return require.SLO(t, res, "error_rate < 1%", "ttft p50 < 100ms") }},
	}
	for _, c := range cases {
		ft := &fakeT{}
		assert.True(t, c.pass(ft), c.name)
		assert.Zero(t, ft.failNow, c.name)
		assert.Empty(t, ft.errors, c.name)
		assert.Positive(t, ft.helpers, c.name)

		ft = &fakeT{}
		assert.False(t, c.fail(ft), c.name)
		assert.Equal(t, 1, ft.failNow, c.name)
		assert.Len(t, ft.errors, 1, c.name)
	}
	assert.Len(t, res.Checks(), 2*len(cases)+2, "every check is recorded, as by package assertions")
}

func TestGeneratorHealthyFailsNowOnFailure(t *testing.T) {
	res := run()
	res.Run.Generator = &reporters.Generator{GOMAXPROCS: 2, Samples: 3}
	ft := &fakeT{}
	assert.True(t, require.GeneratorHealthy(ft, res))
	assert.Zero(t, ft.failNow)
	assert.Empty(t, ft.errors)
	assert.Positive(t, ft.helpers)

	res.Run.Generator = &reporters.Generator{GOMAXPROCS: 1, CPU: 1, PeakCPU: 1, Samples: 3}
	res.Run.Generator.Assess()
	ft = &fakeT{}
	assert.False(t, require.GeneratorHealthy(ft, res, "gate"))
	assert.Equal(t, 1, ft.failNow)
	assert.Equal(t, []string{"generator_healthy = no: cpu 100% of GOMAXPROCS=1 >= 90% (n=3): gate"}, ft.errors)

	ft = &fakeT{}
	assert.False(t, require.GeneratorHealthy(ft, run()))
	assert.Equal(t, 1, ft.failNow)
	assert.Equal(t, []string{"generator_healthy = no self-check (n=0): the run has none"}, ft.errors)
}

func TestSLOInvalidFailsNowWithoutEvaluating(t *testing.T) {
	res := run()
	ft := &fakeT{}
	assert.False(t, require.SLO(ft, res, "ttft p50 < 1s", "ttft p50 < 1"))
	assert.Equal(t, 1, ft.failNow)
	assert.Equal(t, []string{`assertions: "ttft p50 < 1": missing duration unit after "1" at column 12`}, ft.errors)
	assert.Len(t, res.Checks(), 1)
}

func TestMessage(t *testing.T) {
	res := run()
	ft := &fakeT{}
	require.Percentile(ft, res, llmtest.TimeToFirstToken, 50, 50*time.Millisecond, "after %d warm-up requests", 10)
	assert.Equal(t, []string{"ttft p50 = 100ms, want <= 50ms (n=100): after 10 warm-up requests"}, ft.errors)
}

// A real *testing.T satisfies require.TestingT.
var _ require.TestingT = (*testing.T)(nil)

// fatalT prints what a test would report; a real *testing.T would also
// stop the test at FailNow.
type fatalT struct{}

func (fatalT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (fatalT) FailNow()                          { fmt.Println("FailNow") }

func ExampleSLO() {
	res := run() // 100 requests, TTFT 100ms, none failed
	require.SLO(fatalT{}, res, "error_rate < 1%")
	require.SLO(fatalT{}, res, "ttft p90 < 50ms")
	// Output:
	// FAIL: ttft p90 = 100ms, want < 50ms (n=100)
	// FailNow
}

func TestNoRegressionFailsNow(t *testing.T) {
	c, err := llmtest.Compare(run(), run())
	if err != nil {
		t.Fatal(err)
	}
	var ft fakeT
	assert.True(t, require.NoRegression(&ft, c, "ttft p99 +0%"))
	assert.Zero(t, ft.failNow)
	c.Deltas[0].Diff = llmtest.Interval{Estimate: 1, Low: 0.5, High: 1.5}
	c.Deltas[0].Relative = &llmtest.Interval{Estimate: 10, Low: 5, High: 15}
	assert.False(t, require.NoRegression(&ft, c, c.Deltas[0].Statistic+" +10%"))
	assert.Equal(t, 1, ft.failNow)
	assert.Len(t, ft.errors, 1)
	assert.False(t, require.NoRegression(&ft, c, "ttft p99 10%"))
	assert.Equal(t, 2, ft.failNow)
}
