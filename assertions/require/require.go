// Package require holds the assertions of package
// [github.com/llmtest/llmtest/assertions] in their fatal form: each
// function does what its namesake does — evaluates, records the check on
// the Result, reports a failure with Errorf — and then, on failure, stops
// the test with t.FailNow. They have the same signatures, and return
// true when the check passed; with a *testing.T they do not return after a
// failure.
//
// As with testing.T's FailNow, these functions must be called from the
// goroutine running the test, never from one it started: evaluate the
// result after the run returns.
//
//	res := llmtest.Run(t, cfg)
//	require.SLO(t, res, "error_rate < 1%") // no point going on otherwise
//	assertions.Percentile(t, res, llmtest.TimeToFirstToken, 99, 800*time.Millisecond)
package require

import (
	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/llmtest"
)

// TestingT is what the fatal assertions need of a test: Errorf and
// FailNow. *testing.T, *testing.B and *testing.F satisfy it.
type TestingT interface {
	assertions.TestingT
	FailNow()
}

type tHelper interface{ Helper() }

// Percentile is [assertions.Percentile], then t.FailNow on failure.
func Percentile[L assertions.Limit](t TestingT, res *llmtest.Result, metric llmtest.Metric, p float64, limit L, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assertions.Percentile(t, res, metric, p, limit, msgAndArgs...) {
		t.FailNow()
		return false
	}
	return true
}

// Mean is [assertions.Mean], then t.FailNow on failure.
func Mean[L assertions.Limit](t TestingT, res *llmtest.Result, metric llmtest.Metric, limit L, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assertions.Mean(t, res, metric, limit, msgAndArgs...) {
		t.FailNow()
		return false
	}
	return true
}

// Max is [assertions.Max], then t.FailNow on failure.
func Max[L assertions.Limit](t TestingT, res *llmtest.Result, metric llmtest.Metric, limit L, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assertions.Max(t, res, metric, limit, msgAndArgs...) {
		t.FailNow()
		return false
	}
	return true
}

// ErrorRate is [assertions.ErrorRate], then t.FailNow on failure. max is
// a ratio: 0.01 is 1%.
func ErrorRate(t TestingT, res *llmtest.Result, max float64, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assertions.ErrorRate(t, res, max, msgAndArgs...) {
		t.FailNow()
		return false
	}
	return true
}

// Throughput is [assertions.Throughput], then t.FailNow on failure.
func Throughput(t TestingT, res *llmtest.Result, floor float64, unit assertions.ThroughputUnit, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assertions.Throughput(t, res, floor, unit, msgAndArgs...) {
		t.FailNow()
		return false
	}
	return true
}

// Goodput is [assertions.Goodput], then t.FailNow on failure.
func Goodput(t TestingT, res *llmtest.Result, limits assertions.GoodputLimits, minShare float64, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assertions.Goodput(t, res, limits, minShare, msgAndArgs...) {
		t.FailNow()
		return false
	}
	return true
}

// GeneratorHealthy is [assertions.GeneratorHealthy], then t.FailNow on
// failure.
func GeneratorHealthy(t TestingT, res *llmtest.Result, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assertions.GeneratorHealthy(t, res, msgAndArgs...) {
		t.FailNow()
		return false
	}
	return true
}

// SLO is [assertions.SLO], then t.FailNow on failure: after every
// threshold was evaluated, or, when an expression is invalid, after the
// parse errors were reported and nothing was evaluated.
func SLO(t TestingT, res *llmtest.Result, exprs ...string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assertions.SLO(t, res, exprs...) {
		t.FailNow()
		return false
	}
	return true
}

// SaturationAtLeast is [assertions.SaturationAtLeast], then t.FailNow on
// failure.
func SaturationAtLeast(t TestingT, s *llmtest.SweepResult, level float64, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assertions.SaturationAtLeast(t, s, level, msgAndArgs...) {
		t.FailNow()
		return false
	}
	return true
}

// NoRegression is [assertions.NoRegression], then t.FailNow on failure:
// after every threshold was evaluated, or, when an expression is invalid,
// after the parse errors were reported and nothing was evaluated.
func NoRegression(t TestingT, c *llmtest.Comparison, exprs ...string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assertions.NoRegression(t, c, exprs...) {
		t.FailNow()
		return false
	}
	return true
}
