package assertions_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/llmtest"
)

func TestParseRegression(t *testing.T) {
	for _, c := range []struct {
		expr, canonical string
		want            assertions.Regression
	}{
		{"ttft p99 +10%", "ttft p99 +10%", assertions.Regression{Metric: llmtest.TimeToFirstToken, Percentile: 99, Sign: 1, Value: assertions.Value{Number: 10, Unit: "%"}}},
		{"time_to_first_token median +5ms", "ttft p50 +5ms", assertions.Regression{Metric: llmtest.TimeToFirstToken, Percentile: 50, Sign: 1, Value: assertions.Value{Number: 5, Unit: "ms"}}},
		{"e2e p99.9 +0%", "ttlt p99.9 +0%", assertions.Regression{Metric: llmtest.TimeToLastToken, Percentile: 99.9, Sign: 1, Value: assertions.Value{Number: 0, Unit: "%"}}},
		{"requests_per_second -5%", "requests_per_second -5%", assertions.Regression{Run: assertions.RunRequestsPerSecond, Sign: -1, Value: assertions.Value{Number: 5, Unit: "%"}}},
		{"output_tokens_per_second   -100", "output_tokens_per_second -100", assertions.Regression{Run: assertions.RunOutputTokensPerSecond, Sign: -1, Value: assertions.Value{Number: 100}}},
		{"failed_requests_rate +1%", "error_rate +1%", assertions.Regression{Run: assertions.RunErrorRate, Sign: 1, Value: assertions.Value{Number: 1, Unit: "%"}}},
		{"output_tokens p50 -2", "output_tokens p50 -2", assertions.Regression{Metric: llmtest.NumTokensOutput, Percentile: 50, Sign: -1, Value: assertions.Value{Number: 2}}},
		{"itl p90 +1.5us", "itl p90 +1.5µs", assertions.Regression{Metric: llmtest.InterTokenLatency, Percentile: 90, Sign: 1, Value: assertions.Value{Number: 1.5, Unit: "µs"}}},
	} {
		rg, err := assertions.ParseRegression(c.expr)
		require.NoError(t, err, c.expr)
		assert.Equal(t, c.want, *rg, c.expr)
		assert.Equal(t, c.canonical, rg.String(), c.expr)
	}
}

func TestParseRegressionErrors(t *testing.T) {
	for _, c := range []struct{ expr, msg string }{
		{"ttft p99 10%", `assertions: "ttft p99 10%": want "+" or "-" and the change, such as +10%, got "1" at column 10`},
		{"ttft p99", `assertions: "ttft p99": want "+" or "-" and the change, such as +10%, got end of expression at column 9`},
		{"ttft avg +10%", `assertions: "ttft avg +10%": aggregate "avg" is not compared; use a percentile, such as p99 at column 6`},
		{"ttft p101 +10%", `assertions: "ttft p101 +10%": percentile "p101" out of range [0, 100] at column 6`},
		{"ttfx p99 +10%", `assertions: "ttfx p99 +10%": unknown statistic "ttfx" at column 1`},
		{"ttft p99 -10%", `assertions: "ttft p99 -10%": "ttft" regresses when it rises: want "+" at column 10`},
		{"error_rate -1%", `assertions: "error_rate -1%": "error_rate" regresses when it rises: want "+" at column 12`},
		{"requests_per_second +10%", `assertions: "requests_per_second +10%": "requests_per_second" regresses when it falls: want "-" at column 21`},
		{"ttft p99 +10xs", `assertions: "ttft p99 +10xs": unknown unit "xs" at column 13`},
		{"ttft p99 +10", `assertions: "ttft p99 +10": change "10" of a latency needs a duration unit (ms, s, …) or % at column 11`},
		{"error_rate +1ms", `assertions: "error_rate +1ms": unit "ms" does not fit error_rate; use % or a bare number at column 14`},
		{"total_requests +1", `assertions: "total_requests +1": "total_requests" is not compared; use error_rate, requests_per_second or output_tokens_per_second at column 1`},
		{"ttft p99 +10% more", `assertions: "ttft p99 +10% more": want end of expression, got "more" at column 15`},
		{"ttft p99 + 10%", `assertions: "ttft p99 + 10%": want the change right after "+", such as +10%, got " " at column 11`},
		{"ttft +10%", `assertions: "ttft +10%": unexpected "+" at column 6`},
	} {
		_, err := assertions.ParseRegression(c.expr)
		require.Error(t, err, c.expr)
		assert.Equal(t, c.msg, err.Error())
		assert.ErrorIs(t, err, assertions.ErrInvalidThreshold)
		var pe *assertions.ParseError
		assert.True(t, errors.As(err, &pe), c.expr)
	}
	err := assertions.ValidateRegressions("ttft p99 +10%", "ttft p99 10%", "error_rate -1%")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"ttft p99 10%"`)
	assert.Contains(t, err.Error(), `"error_rate -1%"`)
	assert.NoError(t, assertions.ValidateRegressions("ttft p99 +10%", "requests_per_second -5%"))
}

// comparison returns a comparison with the deltas given.
func comparison(ds ...llmtest.Delta) *llmtest.Comparison {
	return &llmtest.Comparison{Confidence: 0.95, Resamples: 2000, Deltas: ds}
}

func rel(est, lo, hi float64) *llmtest.Interval {
	return &llmtest.Interval{Estimate: est, Low: lo, High: hi}
}

func TestRegressionEvaluate(t *testing.T) {
	ttft := func(diff llmtest.Interval, r *llmtest.Interval) llmtest.Delta {
		return llmtest.Delta{Statistic: "ttft p99", Metric: llmtest.TimeToFirstToken, Percentile: 99, Unit: "s",
			A: 0.1, B: 0.1 + diff.Estimate, NA: 500, NB: 500, Diff: diff, Relative: r, Significant: diff.Excludes0()}
	}
	for _, c := range []struct {
		name, expr string
		d          llmtest.Delta
		regressed  bool
		msg        string
	}{
		{"significant, beyond", "ttft p99 +10%", ttft(llmtest.Interval{Estimate: 0.025, Low: 0.02, High: 0.03}, rel(0.25, 0.2, 0.3)),
			true, "ttft p99: +25.0% [+20.0%, +30.0%], beyond +10% (n=500 → 500)"},
		{"significant, within", "ttft p99 +10%", ttft(llmtest.Interval{Estimate: 0.005, Low: 0.002, High: 0.008}, rel(0.05, 0.02, 0.08)),
			false, "ttft p99: +5.0% [+2.0%, +8.0%], within +10% (n=500 → 500)"},
		{"beyond, not significant", "ttft p99 +10%", ttft(llmtest.Interval{Estimate: 0.025, Low: -0.01, High: 0.06}, rel(0.25, -0.1, 0.6)),
			false, "ttft p99: +25.0% [-10.0%, +60.0%], not significant, beyond +10% (n=500 → 500)"},
		{"improvement", "ttft p99 +0%", ttft(llmtest.Interval{Estimate: -0.025, Low: -0.03, High: -0.02}, rel(-0.25, -0.3, -0.2)),
			false, "ttft p99: -25.0% [-30.0%, -20.0%], within +0% (n=500 → 500)"},
		{"absolute", "ttft p99 +20ms", ttft(llmtest.Interval{Estimate: 0.025, Low: 0.02, High: 0.03}, rel(0.25, 0.2, 0.3)),
			true, "ttft p99: +25.0ms [+20.0ms, +30.0ms], beyond +20ms (n=500 → 500)"},
		{"absolute within", "ttft p99 +30ms", ttft(llmtest.Interval{Estimate: 0.025, Low: 0.02, High: 0.03}, rel(0.25, 0.2, 0.3)),
			false, "ttft p99: +25.0ms [+20.0ms, +30.0ms], within +30ms (n=500 → 500)"},
		{"throughput falls", "requests_per_second -10%",
			llmtest.Delta{Statistic: "requests_per_second", Unit: "requests/s", A: 50, B: 40, NA: 10, NB: 12,
				Diff: llmtest.Interval{Estimate: -10, Low: -12, High: -8}, Relative: rel(-0.2, -0.24, -0.16), Significant: true},
			true, "requests_per_second: -20.0% [-24.0%, -16.0%], beyond -10% (n=10 → 12)"},
		{"error rate in points", "error_rate +1%",
			llmtest.Delta{Statistic: "error_rate", Unit: "ratio", A: 0.01, B: 0.03, NA: 400, NB: 400,
				Diff: llmtest.Interval{Estimate: 0.02, Low: 0.005, High: 0.035}, Relative: rel(2, 0.5, 3.5), Significant: true},
			true, "error_rate: +2.00 pp [+0.50 pp, +3.50 pp], beyond +1% (n=400 → 400)"},
		{"from zero", "error_rate +0%",
			llmtest.Delta{Statistic: "error_rate", Unit: "ratio", A: 0, B: 0.05, NA: 400, NB: 400,
				Diff: llmtest.Interval{Estimate: 0.05, Low: 0.03, High: 0.07}, Significant: true},
			true, "error_rate: +5.00 pp [+3.00 pp, +7.00 pp], beyond +0% (n=400 → 400)"},
	} {
		rg, err := assertions.ParseRegression(c.expr)
		require.NoError(t, err)
		regressed, msg := rg.Evaluate(comparison(c.d))
		assert.Equal(t, c.regressed, regressed, c.name)
		assert.Equal(t, c.msg, msg, c.name)
	}

	rg, err := assertions.ParseRegression("ttft p95 +10%")
	require.NoError(t, err)
	regressed, msg := rg.Evaluate(comparison())
	assert.True(t, regressed, "what cannot be checked does not pass")
	assert.Equal(t, "ttft p95: not compared (a run has no sample of it), want no change beyond +10%", msg)
}

// latencyRun returns n successful requests whose TTFT is 10ms plus an
// exponential of mean ttft, sent 20 per second.
func latencyRun(seed uint64, n int, ttft time.Duration) *llmtest.Result {
	r := rand.New(rand.NewPCG(seed, 1))
	t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	invs := make([]llmtest.Invocation, n)
	for i := range invs {
		first := 10*time.Millisecond + time.Duration(r.ExpFloat64()*float64(ttft))
		invs[i] = streamed(first, first+100*time.Millisecond, 10)
		invs[i].RequestTime = t0.Add(time.Duration(i) * 50 * time.Millisecond)
	}
	return llmtest.NewResult(invs, time.Duration(n)*50*time.Millisecond)
}

func TestNoRegression(t *testing.T) {
	base := latencyRun(1, 400, 20*time.Millisecond)
	slow := latencyRun(2, 400, 40*time.Millisecond)
	c, err := llmtest.Compare(base, slow)
	require.NoError(t, err)

	var ft fakeT
	assert.False(t, assertions.NoRegression(&ft, c, "ttft p50 +10%", "ttlt p99 +200%", "error_rate +1%"))
	require.Len(t, ft.errors, 1, "%q", ft.errors)
	assert.Regexp(t, `^ttft p50: \+\d+\.\d% \[\+\d+\.\d%, \+\d+\.\d%\], beyond \+10% \(n=400 → 400\)$`, ft.errors[0])
	assert.Positive(t, ft.helpers)

	same, err := llmtest.Compare(base, base)
	require.NoError(t, err)
	ft = fakeT{}
	assert.True(t, assertions.NoRegression(&ft, same, "ttft p50 +0%", "ttft p99 +0%", "requests_per_second -0%", "error_rate +0%"))
	assert.Empty(t, ft.errors)

	ft = fakeT{}
	assert.False(t, assertions.NoRegression(&ft, c, "ttft p50 10%", "ttft p99 +1000%"))
	require.Len(t, ft.errors, 1, "an invalid expression stops the evaluation")
	assert.Contains(t, ft.errors[0], `want "+" or "-"`)

	ft = fakeT{}
	assert.False(t, assertions.NoRegression(&ft, c))
	assert.Equal(t, []string{"assertions: NoRegression without expressions or comparison"}, ft.errors)
}

// TestEveryDeltaHasAThreshold checks that each statistic a comparison
// holds can be named by a regression threshold.
func TestEveryDeltaHasAThreshold(t *testing.T) {
	c, err := llmtest.Compare(latencyRun(1, 100, 20*time.Millisecond), latencyRun(2, 100, 20*time.Millisecond))
	require.NoError(t, err)
	require.NotEmpty(t, c.Deltas)
	for _, d := range c.Deltas {
		change := " +0%"
		if d.HigherIsBetter() {
			change = " -0%"
		}
		rg, err := assertions.ParseRegression(d.Statistic + change)
		require.NoError(t, err, d.Statistic)
		assert.Equal(t, d.Statistic, rg.Statistic())
	}
}
