package assertions_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/llmtest"
)

// lastCheck returns the last check recorded on res.
func lastCheck(t *testing.T, res *llmtest.Result) llmtest.Check {
	t.Helper()
	cs := res.Checks()
	require.NotEmpty(t, cs)
	return cs[len(cs)-1]
}

func TestPercentile(t *testing.T) {
	res := ttftRun(500, 6)

	ft := &fakeT{}
	assert.False(t, Percentile(ft, res, llmtest.TimeToFirstToken, 99, 800*time.Millisecond))
	assert.Equal(t, []string{"ttft p99 = 912ms, want <= 800ms (n=500)"}, ft.errors)
	assert.Equal(t, llmtest.Check{
		Expression: "ttft p99 <= 800ms", Statistic: "ttft p99", Op: "<=",
		Observed: 0.912, Limit: 0.8, Unit: "s", Samples: 500,
		Pass: false, Message: "ttft p99 = 912ms, want <= 800ms (n=500)",
	}, lastCheck(t, res))
	assert.Positive(t, ft.helpers)

	ft = &fakeT{}
	assert.True(t, Percentile(ft, res, llmtest.TimeToFirstToken, 99, 912*time.Millisecond))
	assert.Empty(t, ft.errors)
	assert.Empty(t, ft.logs, "n=500 is enough for p99")
	c := lastCheck(t, res)
	assert.True(t, c.Pass)
	assert.Equal(t, "ttft p99 = 912ms, want <= 912ms (n=500)", c.Message)

	ft = &fakeT{}
	assert.True(t, Percentile(ft, res, llmtest.TimeToFirstToken, 50, 100*time.Millisecond))
	assert.Equal(t, "ttft p50 <= 100ms", lastCheck(t, res).Expression)

	// Token metrics take plain numbers, of any integer or float type.
	type tokens int
	tr := errorRun(400, 10)
	ft = &fakeT{}
	assert.False(t, Percentile(ft, tr, llmtest.NumTokensOutput, 50, 40))
	assert.True(t, Percentile(ft, tr, llmtest.NumTokensOutput, 50, 50.0))
	assert.True(t, Percentile(ft, tr, llmtest.NumTokensOutput, 99.9, tokens(64)))
	assert.Equal(t, []string{"output_tokens p50 = 50 tokens, want <= 40 tokens (n=390)"}, ft.errors)
	cs := tr.Checks()
	require.Len(t, cs, 3)
	assert.Equal(t, "output_tokens p50 <= 40", cs[0].Expression)
	assert.Equal(t, "tokens", cs[0].Unit)
	assert.Equal(t, 40.0, cs[0].Limit)
	assert.Equal(t, "output_tokens p99.9 <= 64", cs[2].Expression)
}

func TestMeanMax(t *testing.T) {
	// TTFT mean: (494·100ms + 6·912ms) / 500 = 109.744ms.
	res := ttftRun(500, 6)
	ft := &fakeT{}
	assert.False(t, Mean(ft, res, llmtest.TimeToFirstToken, 100*time.Millisecond))
	assert.True(t, Mean(ft, res, llmtest.TimeToFirstToken, 110*time.Millisecond))
	assert.False(t, Max(ft, res, llmtest.TimeToFirstToken, 900*time.Millisecond))
	assert.True(t, Max(ft, res, llmtest.TimeToFirstToken, 912*time.Millisecond))
	assert.True(t, Max(ft, res, llmtest.NumTokensOutput, 10))
	assert.False(t, Mean(ft, res, llmtest.NumTokensInput, 9.5))
	assert.Equal(t, []string{
		"ttft avg = 110ms, want <= 100ms (n=500)",
		"ttft max = 912ms, want <= 900ms (n=500)",
		"input_tokens avg = 10 tokens, want <= 9.5 tokens (n=500)",
	}, ft.errors)
	var exprs []string
	for _, c := range res.Checks() {
		exprs = append(exprs, c.Expression)
	}
	assert.Equal(t, []string{
		"ttft avg <= 100ms", "ttft avg <= 110ms", "ttft max <= 900ms", "ttft max <= 912ms",
		"output_tokens max <= 10", "input_tokens avg <= 9.5",
	}, exprs)
	assert.InDelta(t, 0.109744, res.Checks()[0].Observed, 1e-12)
}

func TestMetricLimitMismatch(t *testing.T) {
	res := ttftRun(500, 6)
	ft := &fakeT{}
	assert.False(t, Percentile(ft, res, llmtest.NumTokensOutput, 99, 800*time.Millisecond))
	assert.False(t, Percentile(ft, res, llmtest.TimeToFirstToken, 99, 800))
	assert.False(t, Mean(ft, res, llmtest.TimePerOutputToken, 0.04))
	assert.False(t, Max(ft, res, llmtest.NumTokensInput, time.Second))
	assert.False(t, Percentile(ft, res, llmtest.TimeToFirstToken, 101, time.Second))
	assert.False(t, Percentile(ft, res, llmtest.TimeToFirstToken, -1, time.Second))
	assert.False(t, Percentile(ft, res, "time_to_nothing", 99, time.Second))
	assert.False(t, Max(ft, res, llmtest.TimeToFirstToken, -time.Second))
	assert.Equal(t, []string{
		"assertions: Percentile: num_tokens_output counts tokens; want a number limit, got 800ms (time.Duration)",
		"assertions: Percentile: time_to_first_token is a duration; want a time.Duration limit, got 800 (int)",
		"assertions: Mean: time_per_output_token is a duration; want a time.Duration limit, got 0.04 (float64)",
		"assertions: Max: num_tokens_input counts tokens; want a number limit, got 1s (time.Duration)",
		`assertions: Percentile: percentile "p101" out of range [0, 100]`,
		`assertions: Percentile: percentile "p-1" out of range [0, 100]`,
		`assertions: Percentile: unknown metric "time_to_nothing"`,
		`assertions: Max: limit "-1s" is negative`,
	}, ft.errors)
	cs := res.Checks()
	require.Len(t, cs, 8, "invalid calls are recorded as failed checks")
	assert.Equal(t, llmtest.Check{
		Expression: "output_tokens p99 <= 800ms", Statistic: "output_tokens p99", Op: "<=",
		Message: ft.errors[0],
	}, cs[0])
	for _, c := range cs {
		assert.False(t, c.Pass, c.Expression)
	}
}

func TestErrorRate(t *testing.T) {
	res := errorRun(400, 10)
	ft := &fakeT{}
	assert.False(t, ErrorRate(ft, res, 0.01))
	assert.True(t, ErrorRate(ft, res, 0.025))
	assert.True(t, ErrorRate(ft, res, 0.07))
	assert.False(t, ErrorRate(ft, res, 5))
	assert.False(t, ErrorRate(ft, res, -0.1))
	assert.Equal(t, []string{
		"error_rate = 2.50%, want <= 1% (n=400)",
		"assertions: ErrorRate: max 5 out of range [0, 1] (a ratio: 0.01 = 1%)",
		"assertions: ErrorRate: max -0.1 out of range [0, 1] (a ratio: 0.01 = 1%)",
	}, ft.errors)
	cs := res.Checks()
	require.Len(t, cs, 5)
	assert.Equal(t, llmtest.Check{
		Expression: "error_rate <= 1%", Statistic: "error_rate", Op: "<=",
		Observed: 0.025, Limit: 0.01, Unit: "ratio", Samples: 400,
		Message: "error_rate = 2.50%, want <= 1% (n=400)",
	}, cs[0])
	assert.Equal(t, "error_rate <= 2.5%", cs[1].Expression)
	assert.Equal(t, "error_rate <= 7%", cs[2].Expression, "0.07 is exactly 7%")
	assert.True(t, ErrorRate(ft, errorRun(10, 0), 0))
}

// TestInterruptedRunPassesAnErrorRateGate pins that requests cancelled by
// an interruption are not failures: they count in neither the error rate
// nor its sample, nor in goodput.
func TestInterruptedRunPassesAnErrorRateGate(t *testing.T) {
	invs := errorRun(100, 0).Invocations
	for i := range 20 {
		invs[i].Error, invs[i].Cancelled = "cancelled: context canceled", true
		invs[i].TimeToLastToken = 0
	}
	res := llmtest.NewResult(invs, 10*time.Second)
	assert.Equal(t, 20, res.Stats.CancelledRequests)
	ft := &fakeT{}
	assert.True(t, SLO(ft, res, "error_rate < 1%", "goodput(ttft < 1s) >= 100%"), "%v", ft.errors)
	cs := res.Checks()
	require.Len(t, cs, 2)
	assert.Equal(t, "error_rate = 0.00%, want < 1% (n=80)", cs[0].Message)
	assert.Equal(t, 80, cs[1].Samples)
}

func TestThroughput(t *testing.T) {
	// 400 requests in 10s: 40 requests/s, 2400/min; 390 successes × 50
	// output tokens: 1950 tokens/s.
	res := errorRun(400, 10)
	ft := &fakeT{}
	assert.False(t, Throughput(ft, res, 2000, OutputTokensPerSecond))
	assert.True(t, Throughput(ft, res, 1950, OutputTokensPerSecond))
	assert.False(t, Throughput(ft, res, 50, RequestsPerSecond))
	assert.True(t, Throughput(ft, res, 40, RequestsPerSecond))
	assert.False(t, Throughput(ft, res, 3000, RequestsPerMinute))
	assert.False(t, Throughput(ft, res, 10, "tokens"))
	assert.False(t, Throughput(ft, res, -1, RequestsPerSecond))
	assert.Equal(t, []string{
		"output_tokens_per_second = 1950.0 tokens/s, want >= 2000 tokens/s (n=400)",
		"requests_per_second = 40.0 requests/s, want >= 50 requests/s (n=400)",
		"requests_per_minute = 2400.0 requests/min, want >= 3000 requests/min (n=400)",
		`assertions: Throughput: unknown unit "tokens"`,
		`assertions: Throughput: limit "-1" is negative`,
	}, ft.errors)
	cs := res.Checks()
	require.Len(t, cs, 7)
	assert.Equal(t, llmtest.Check{
		Expression: "output_tokens_per_second >= 2000", Statistic: "output_tokens_per_second", Op: ">=",
		Observed: 1950, Limit: 2000, Unit: "tokens/s", Samples: 400,
		Message: "output_tokens_per_second = 1950.0 tokens/s, want >= 2000 tokens/s (n=400)",
	}, cs[0])
	assert.Equal(t, "requests/s", cs[2].Unit)
	assert.Equal(t, 40.0, cs[2].Observed)
	assert.Equal(t, "requests/min", cs[4].Unit)
}

// goodputRun has 13 requests: 6 good ones (TTFT 100ms, TPOT 20ms, TTLT
// 300ms, ten 20ms gaps), one with a slow TTFT (2s, TPOT 20ms), one with a
// slow TPOT (100ms), one non-streaming (no TTFT, TPOT or gaps; TTLT
// 300ms), one of a single token (no TPOT, no gaps), one with a 150ms gap
// among 10ms ones (TPOT 20ms), and 2 failures.
func goodputRun() *llmtest.Result {
	gaps := func(d ...time.Duration) []time.Duration {
		g := make([]time.Duration, 10)
		for i := range g {
			g[i] = ms(20)
		}
		copy(g, d)
		return g
	}
	var invs []llmtest.Invocation
	for range 6 {
		invs = append(invs, streamed(ms(100), ms(300), 11, gaps()...))
	}
	invs = append(invs,
		streamed(2*time.Second, ms(2200), 11, gaps()...),
		streamed(ms(100), ms(1100), 11, gaps()...),
		nonStreamed(ms(300), 11),
		streamed(ms(100), ms(100), 1),
		streamed(ms(100), ms(300), 11, gaps(ms(150))...),
		failed(), failed(),
	)
	return llmtest.NewResult(invs, 10*time.Second)
}

func TestGoodputShare(t *testing.T) {
	res := goodputRun()
	cases := []struct {
		limits GoodputLimits
		good   int
	}{
		{GoodputLimits{}, 11}, // every success
		{GoodputLimits{TTFT: time.Second}, 9},
		{GoodputLimits{TTFO: time.Second}, 9},
		{GoodputLimits{TTFT: time.Second, TPOT: 50 * time.Millisecond}, 7},
		{GoodputLimits{TTFT: time.Second, TPOT: 50 * time.Millisecond, ITL: 100 * time.Millisecond}, 6},
		{GoodputLimits{TTLT: 500 * time.Millisecond}, 9},
		{GoodputLimits{TPOT: 20 * time.Millisecond}, 8}, // a limit is inclusive
		{GoodputLimits{ITL: 20 * time.Millisecond}, 8},
		{GoodputLimits{TTFT: time.Nanosecond}, 0},
	}
	for _, c := range cases {
		share, n, err := GoodputShare(res, c.limits)
		require.NoError(t, err)
		assert.Equal(t, 13, n)
		assert.InDelta(t, float64(c.good)/13, share, 1e-15, "%+v", c.limits)
	}
	share, n, _ := GoodputShare(res, GoodputLimits{TTFT: time.Second, ITL: -time.Millisecond})
	assert.Zero(t, share, "no request meets a negative limit")
	assert.Equal(t, 13, n)
	share, n, _ = GoodputShare(emptyRun(), GoodputLimits{TTFT: time.Second})
	assert.Zero(t, share)
	assert.Zero(t, n)
}

func TestGoodput(t *testing.T) {
	res := goodputRun()
	ft := &fakeT{}
	limits := GoodputLimits{TTFT: time.Second, TPOT: 50 * time.Millisecond}
	assert.False(t, Goodput(ft, res, limits, 0.95))
	assert.True(t, Goodput(ft, res, limits, 0.5))
	assert.False(t, Goodput(ft, res, GoodputLimits{}, 0.5))
	assert.False(t, Goodput(ft, res, GoodputLimits{TTFT: -time.Second}, 0.5))
	assert.False(t, Goodput(ft, res, limits, 95))
	assert.Equal(t, []string{
		"goodput(ttft <= 1s, tpot <= 50ms) = 53.85%, want >= 95% (n=13)",
		"assertions: Goodput: no limit set",
		"assertions: Goodput: ttft limit -1s is negative",
		"assertions: Goodput: minShare 95 out of range [0, 1] (a ratio: 0.01 = 1%)",
	}, ft.errors)
	cs := res.Checks()
	require.Len(t, cs, 5)
	assert.Equal(t, llmtest.Check{
		Expression: "goodput(ttft <= 1s, tpot <= 50ms) >= 95%",
		Statistic:  "goodput(ttft <= 1s, tpot <= 50ms)", Op: ">=",
		Observed: 7.0 / 13, Limit: 0.95, Unit: "ratio", Samples: 13,
		Message: "goodput(ttft <= 1s, tpot <= 50ms) = 53.85%, want >= 95% (n=13)",
	}, cs[0])
	assert.Equal(t, "goodput() >= 50%", cs[2].Expression)

	// The language: strict and inclusive conditions, every limit in
	// GoodputLimits' order.
	ft = &fakeT{}
	assert.False(t, SLO(ft, res, "goodput(tpot < 20ms) > 0", "goodput(tpot <= 20ms) >= 62%"))
	assert.Equal(t, []string{
		"goodput(tpot < 20ms) = 0.00%, want > 0% (n=13)",
		"goodput(tpot <= 20ms) = 61.54%, want >= 62% (n=13)",
	}, ft.errors)
	all := GoodputLimits{TTFT: 1, TTFO: 2, TPOT: 3, TTLT: 4, ITL: 5}
	Goodput(ft, res, all, 0)
	assert.Equal(t, "goodput(ttft <= 1ns, ttfo <= 2ns, tpot <= 3ns, ttlt <= 4ns, itl <= 5ns) >= 0%",
		lastCheck(t, res).Expression)
}

func TestSLO(t *testing.T) {
	res := errorRun(400, 10)
	ft := &fakeT{}
	assert.True(t, SLO(ft, res, "error_rate < 5%", "output_tokens_per_second > 1000", "ttft p50 < 200ms"))
	assert.Empty(t, ft.errors)
	assert.Len(t, res.Checks(), 3)

	ft = &fakeT{}
	assert.False(t, SLO(ft, res, "error_rate < 1%", "itl p99 < 5ms", "ttft p50 < 200ms"))
	assert.Equal(t, []string{
		"error_rate = 2.50%, want < 1% (n=400)",
		"itl p99 = 10.0ms, want < 5ms (n=780)",
	}, ft.errors, "every threshold is evaluated")
	assert.Len(t, res.Checks(), 6)
	assert.Positive(t, ft.helpers)
}

func TestSLOInvalidEvaluatesNothing(t *testing.T) {
	res := errorRun(400, 10)
	ft := &fakeT{}
	assert.False(t, SLO(ft, res, "error_rate < 1%", "ttft p99 < 800", "tpot p50 < 1xs"))
	assert.Equal(t, []string{
		`assertions: "ttft p99 < 800": missing duration unit after "800" at column 12`,
		`assertions: "tpot p50 < 1xs": unknown unit "xs" at column 13`,
	}, ft.errors)
	assert.Equal(t, []llmtest.Check{
		{Expression: "ttft p99 < 800", Message: ft.errors[0]},
		{Expression: "tpot p50 < 1xs", Message: ft.errors[1]},
	}, res.Checks(), "only the invalid expressions are recorded, as failures")

	ft = &fakeT{}
	assert.False(t, SLO(ft, res))
	assert.Equal(t, []string{"assertions: SLO without expressions"}, ft.errors)
}

func TestEvaluate(t *testing.T) {
	res := errorRun(400, 10)
	cases := []struct {
		expr  string
		check llmtest.Check
	}{
		{"ttft p50 < 200ms", llmtest.Check{Statistic: "ttft p50", Op: "<", Observed: 0.1, Limit: 0.2, Unit: "s", Samples: 390, Pass: true,
			Message: "ttft p50 = 100ms, want < 200ms (n=390)"}},
		{"time_to_last_token max >= 1s", llmtest.Check{Statistic: "ttlt max", Op: ">=", Observed: 0.6, Limit: 1, Unit: "s", Samples: 390,
			Message: "ttlt max = 600ms, want >= 1s (n=390)"}},
		{"output_tokens avg <= 50", llmtest.Check{Statistic: "output_tokens avg", Op: "<=", Observed: 50, Limit: 50, Unit: "tokens", Samples: 390, Pass: true,
			Message: "output_tokens avg = 50 tokens, want <= 50 tokens (n=390)"}},
		{"error_rate < 5%", llmtest.Check{Statistic: "error_rate", Op: "<", Observed: 0.025, Limit: 0.05, Unit: "ratio", Samples: 400, Pass: true,
			Message: "error_rate = 2.50%, want < 5% (n=400)"}},
		{"failed_requests_rate < 0.01", llmtest.Check{Statistic: "error_rate", Op: "<", Observed: 0.025, Limit: 0.01, Unit: "ratio", Samples: 400,
			Message: "error_rate = 2.50%, want < 1% (n=400)"}},
		{"failed_requests <= 10", llmtest.Check{Statistic: "failed_requests", Op: "<=", Observed: 10, Limit: 10, Unit: "", Samples: 400, Pass: true,
			Message: "failed_requests = 10, want <= 10 (n=400)"}},
		{"failed_requests < 1", llmtest.Check{Statistic: "failed_requests", Op: "<", Observed: 10, Limit: 1, Unit: "", Samples: 400,
			Message: "failed_requests = 10, want < 1 (n=400)"}},
		{"total_requests >= 1000", llmtest.Check{Statistic: "total_requests", Op: ">=", Observed: 400, Limit: 1000, Unit: "", Samples: 400,
			Message: "total_requests = 400, want >= 1000 (n=400)"}},
		{"requests_per_second >= 40", llmtest.Check{Statistic: "requests_per_second", Op: ">=", Observed: 40, Limit: 40, Unit: "requests/s", Samples: 400, Pass: true,
			Message: "requests_per_second = 40.0 requests/s, want >= 40 requests/s (n=400)"}},
		{"requests_per_minute > 2000", llmtest.Check{Statistic: "requests_per_minute", Op: ">", Observed: 2400, Limit: 2000, Unit: "requests/min", Samples: 400, Pass: true,
			Message: "requests_per_minute = 2400.0 requests/min, want > 2000 requests/min (n=400)"}},
		{"output_tokens_per_second > 2000", llmtest.Check{Statistic: "output_tokens_per_second", Op: ">", Observed: 1950, Limit: 2000, Unit: "tokens/s", Samples: 400,
			Message: "output_tokens_per_second = 1950.0 tokens/s, want > 2000 tokens/s (n=400)"}},
		{"goodput(ttft < 1s) >= 0.95", llmtest.Check{Statistic: "goodput(ttft < 1s)", Op: ">=", Observed: 0.975, Limit: 0.95, Unit: "ratio", Samples: 400, Pass: true,
			Message: "goodput(ttft < 1s) = 97.50%, want >= 95% (n=400)"}},
	}
	for _, c := range cases {
		th, err := Parse(c.expr)
		require.NoError(t, err, c.expr)
		want := c.check
		want.Expression = th.String()
		got := th.Evaluate(res)
		assert.InDelta(t, want.Observed, got.Observed, 1e-12, c.expr)
		want.Observed = got.Observed
		assert.Equal(t, want, got, c.expr)
		assert.Equal(t, got, th.Evaluate(res), "same inputs, same check")
	}
	assert.Empty(t, res.Checks(), "Evaluate records nothing")
}

func TestZeroSamplesFail(t *testing.T) {
	empty := emptyRun()
	// Non-streaming requests have no TTFT, TPOT or gaps.
	nonStreaming := llmtest.NewResult([]llmtest.Invocation{nonStreamed(ms(300), 5), nonStreamed(ms(400), 5)}, time.Second)
	cases := []struct {
		res  *llmtest.Result
		expr string
		msg  string
	}{
		{empty, "ttft p99 < 800ms", "ttft p99 = no samples, want < 800ms (n=0)"},
		{empty, "ttft p99 > 0ns", "ttft p99 = no samples, want > 0ns (n=0)"},
		{empty, "output_tokens max < 100", "output_tokens max = no samples, want < 100 tokens (n=0)"},
		{empty, "error_rate < 1%", "error_rate = no samples, want < 1% (n=0)"},
		{empty, "failed_requests < 1", "failed_requests = no samples, want < 1 (n=0)"},
		{empty, "total_requests < 10", "total_requests = no samples, want < 10 (n=0)"},
		{empty, "requests_per_second >= 0", "requests_per_second = no samples, want >= 0 requests/s (n=0)"},
		{empty, "goodput(ttft < 1s) >= 0%", "goodput(ttft < 1s) = no samples, want >= 0% (n=0)"},
		{nonStreaming, "ttft p50 < 1s", "ttft p50 = no samples, want < 1s (n=0)"},
		{nonStreaming, "tpot avg < 1s", "tpot avg = no samples, want < 1s (n=0)"},
		{nonStreaming, "itl max < 1s", "itl max = no samples, want < 1s (n=0)"},
		{nil, "ttft p50 < 1s", "ttft p50 = no result, want < 1s (n=0)"},
	}
	for _, c := range cases {
		th, err := Parse(c.expr)
		require.NoError(t, err)
		got := th.Evaluate(c.res)
		assert.False(t, got.Pass, c.expr)
		assert.Zero(t, got.Samples, c.expr)
		assert.Zero(t, got.Observed, c.expr)
		assert.Equal(t, c.msg, got.Message, c.expr)
	}

	ft := &fakeT{}
	assert.False(t, Percentile(ft, empty, llmtest.TimeToFirstToken, 99, 800*time.Millisecond))
	assert.False(t, ErrorRate(ft, empty, 1))
	assert.False(t, Throughput(ft, empty, 0, RequestsPerSecond))
	assert.False(t, Goodput(ft, empty, GoodputLimits{TTFT: time.Second}, 0))
	assert.False(t, Percentile(ft, nil, llmtest.TimeToFirstToken, 99, time.Second))
	assert.Equal(t, []string{
		"ttft p99 = no samples, want <= 800ms (n=0)",
		"error_rate = no samples, want <= 100% (n=0)",
		"requests_per_second = no samples, want >= 0 requests/s (n=0)",
		"goodput(ttft <= 1s) = no samples, want >= 0% (n=0)",
		"ttft p99 = no result, want <= 1s (n=0)",
	}, ft.errors)
	assert.Len(t, empty.Checks(), 4)
}

func TestSmallSampleFlag(t *testing.T) {
	res := ttftRun(40, 2) // p99 = 912ms on 40 samples
	ft := &fakeT{}
	assert.False(t, SLO(ft, res, "ttft p99 < 800ms"))
	assert.Equal(t, []string{"ttft p99 = 912ms, want < 800ms (n=40; p99 needs n≥500)"}, ft.errors)
	assert.Empty(t, ft.logs)

	ft = &fakeT{}
	assert.True(t, SLO(ft, res, "ttft p99 < 1s"))
	assert.Empty(t, ft.errors)
	assert.Equal(t, []string{"ttft p99 = 912ms, want < 1s (n=40; p99 needs n≥500)"}, ft.logs, "a pass on too few samples is logged")
	assert.True(t, lastCheck(t, res).Pass)

	ft = &fakeT{}
	assert.True(t, Percentile(ft, res, llmtest.TimeToFirstToken, 90, time.Second, "warm"))
	assert.Equal(t, []string{"ttft p90 = 100ms, want <= 1s (n=40; p90 needs n≥50): warm"}, ft.logs)

	cases := []struct {
		n    int
		expr string
		msg  string
	}{
		{5, "ttft median < 1s", "ttft p50 = 100ms, want < 1s (n=5; p50 needs n≥10)"},
		{10, "ttft p50 < 1s", "ttft p50 = 100ms, want < 1s (n=10)"},
		{99, "ttft p95 < 1s", "ttft p95 = 100ms, want < 1s (n=99; p95 needs n≥100)"},
		{100, "ttft p95 < 1s", "ttft p95 = 100ms, want < 1s (n=100)"},
		{4999, "ttft p99.9 < 1s", "ttft p99.9 = 100ms, want < 1s (n=4999; p99.9 needs n≥5000)"},
		{5000, "ttft p99.9 < 1s", "ttft p99.9 = 100ms, want < 1s (n=5000)"},
		{2, "ttft p100 < 1s", "ttft p100 = 100ms, want < 1s (n=2)"},
		{2, "ttft p0 < 1s", "ttft p0 = 100ms, want < 1s (n=2)"},
		{2, "ttft max < 1s", "ttft max = 100ms, want < 1s (n=2)"},
		{2, "ttft avg < 1s", "ttft avg = 100ms, want < 1s (n=2)"},
	}
	for _, c := range cases {
		th, err := Parse(c.expr)
		require.NoError(t, err)
		got := th.Evaluate(ttftRun(c.n, 0))
		assert.True(t, got.Pass, c.expr)
		assert.Equal(t, c.msg, got.Message, c.expr)
	}
}

// The shown value never contradicts the verdict: when rounding would show
// a passing value for a failing check, or the reverse, more digits appear.
func TestMessagePrecision(t *testing.T) {
	res := ttftRun(500, 6) // TTFT mean 109.744ms
	// 4 failures of 1000 requests: 0.4%; 10 of 2502: 0.39968…%.
	rates := errorRun(1000, 4)
	almost := errorRun(2502, 10)
	cases := []struct {
		res  *llmtest.Result
		expr string
		msg  string
	}{
		{res, "ttft avg <= 110ms", "ttft avg = 110ms, want <= 110ms (n=500)"},
		{res, "ttft avg >= 110ms", "ttft avg = 109.744ms, want >= 110ms (n=500)"},
		{res, "ttft avg <= 109.8ms", "ttft avg = 109.744ms, want <= 109.8ms (n=500)"},
		{res, "ttft avg < 109.744ms", "ttft avg = 110ms, want < 109.744ms (n=500)"},
		{rates, "error_rate < 0.4%", "error_rate = 0.40%, want < 0.4% (n=1000)"},
		{rates, "error_rate < 0.401%", "error_rate = 0.40%, want < 0.401% (n=1000)"},
		{rates, "error_rate >= 0.401%", "error_rate = 0.40%, want >= 0.401% (n=1000)"},
		{almost, "error_rate < 0.4%", "error_rate = 0.3997%, want < 0.4% (n=2502)"},
		{almost, "error_rate >= 0.4%", "error_rate = 0.3997%, want >= 0.4% (n=2502)"},
		{almost, "error_rate > 0.3%", "error_rate = 0.40%, want > 0.3% (n=2502)"},
		{rates, "error_rate < 0.0039", "error_rate = 0.40%, want < 0.39% (n=1000)"},
	}
	for _, c := range cases {
		th, err := Parse(c.expr)
		require.NoError(t, err)
		assert.Equal(t, c.msg, th.Evaluate(c.res).Message, c.expr)
	}
}

func TestEvaluateInvalidThreshold(t *testing.T) {
	res := ttftRun(500, 6)
	cases := []struct {
		th  Threshold
		msg string
	}{
		{Threshold{Metric: llmtest.TimeToFirstToken, Aggregate: pct(99), Op: "==", Value: Value{1, "s"}},
			`assertions: "ttft p99 == 1s": operator "==" not supported; use <, <=, > or >=`},
		{Threshold{Metric: llmtest.TimeToFirstToken, Aggregate: Aggregate{Func: "sum"}, Op: Less, Value: Value{1, "s"}},
			`assertions: "ttft sum < 1s": unknown aggregate "sum"`},
		{Threshold{Run: "tokens", Op: Less, Value: Value{1, ""}},
			`assertions: "tokens < 1": unknown statistic "tokens"`},
		{Threshold{Run: RunErrorRate, Metric: llmtest.TimeToFirstToken, Op: Less, Value: Value{1, "%"}},
			`assertions: "error_rate < 1%": more than one statistic`},
		{Threshold{Goodput: []Condition{}, Op: Less, Value: Value{1, "%"}},
			`assertions: "goodput() < 1%": goodput without conditions`},
		{Threshold{Metric: llmtest.TimeToFirstToken, Aggregate: pct(99), Op: Less, Value: Value{1, "h"}},
			`assertions: "ttft p99 < 1h": unknown unit "h"`},
	}
	for _, c := range cases {
		got := c.th.Evaluate(res)
		assert.False(t, got.Pass)
		assert.Equal(t, c.msg, got.Message)
		assert.Equal(t, c.th.String(), got.Expression)
	}
}

func TestMsgAndArgs(t *testing.T) {
	res := ttftRun(500, 6)
	ft := &fakeT{}
	Percentile(ft, res, llmtest.TimeToFirstToken, 99, 800*time.Millisecond, "checkout flow")
	Percentile(ft, res, llmtest.TimeToFirstToken, 99, 800*time.Millisecond, "%s with %d clients", "checkout", 8)
	Percentile(ft, res, llmtest.TimeToFirstToken, 99, 800*time.Millisecond, 42)
	assert.Equal(t, []string{
		"ttft p99 = 912ms, want <= 800ms (n=500): checkout flow",
		"ttft p99 = 912ms, want <= 800ms (n=500): checkout with 8 clients",
		"ttft p99 = 912ms, want <= 800ms (n=500): 42",
	}, ft.errors)
	for _, c := range res.Checks() {
		assert.Equal(t, "ttft p99 = 912ms, want <= 800ms (n=500)", c.Message, "the recorded message is the stable line")
	}
}

// Every function works with a TestingT that has nothing but Errorf, and
// calls Helper on one that has it.
func TestTestingT(t *testing.T) {
	res := goodputRun()
	calls := []func(TestingT) bool{
		func(t TestingT) bool { return Percentile(t, res, llmtest.TimeToFirstToken, 99, time.Millisecond) },
		func(t TestingT) bool { return Mean(t, res, llmtest.TimeToFirstToken, time.Millisecond) },
		func(t TestingT) bool { return Max(t, res, llmtest.TimeToFirstToken, time.Millisecond) },
		func(t TestingT) bool { return ErrorRate(t, res, 0) },
		func(t TestingT) bool { return Throughput(t, res, 1e9, RequestsPerSecond) },
		func(t TestingT) bool { return Goodput(t, res, GoodputLimits{TTFT: 1}, 1) },
		func(t TestingT) bool { return SLO(t, res, "ttft p99 < 1ms") },
	}
	for i, call := range calls {
		mt := &minimalT{}
		assert.False(t, call(mt), i)
		assert.Len(t, mt.errors, 1, i)
		ft := &fakeT{}
		assert.False(t, call(ft), i)
		assert.Len(t, ft.errors, 1, i)
		assert.Positive(t, ft.helpers, i)
	}
}

// TestSLOOnOpenLoopMetrics gates an open loop's schedule lag and its
// latencies from the intended time, and fails them, for want of samples,
// on a closed-loop run.
func TestSLOOnOpenLoopMetrics(t *testing.T) {
	base := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	invs := make([]llmtest.Invocation, 100)
	for i := range invs {
		lag := time.Duration(i+1) * 10 * time.Microsecond // 10µs … 1ms
		invs[i] = llmtest.Invocation{IntendedTime: base, RequestTime: base.Add(lag),
			TimeToFirstToken: 100 * time.Millisecond, TimeToLastToken: 200 * time.Millisecond}
	}
	res := llmtest.NewResult(invs, time.Second)
	ft := &fakeT{}
	assert.True(t, SLO(ft, res, "schedule_lag max <= 1ms", "ttft_from_intended p50 > 100ms", "ttlt_from_intended max <= 201ms"))
	assert.Empty(t, ft.errors)
	ft = &fakeT{}
	assert.False(t, SLO(ft, res, "schedule_lag p99 < 500us"))
	assert.Equal(t, []string{"schedule_lag p99 = 990µs, want < 500µs (n=100; p99 needs n≥500)"}, ft.errors)

	closed := ttftRun(10, 0)
	ft = &fakeT{}
	assert.False(t, SLO(ft, closed, "ttft_from_intended p99 < 1s"))
	require.Len(t, ft.errors, 1)
	assert.Contains(t, ft.errors[0], "n=0")
}

// TestGoodputLeavesTheWarmupOut checks that warm-up records, which the
// model does not count, are not counted by goodput either.
func TestGoodputLeavesTheWarmupOut(t *testing.T) {
	invs := goodputRun().Invocations
	warm := streamed(5*time.Second, 6*time.Second, 11)
	warm.Warmup = true
	res := llmtest.NewResult(append([]llmtest.Invocation{warm, warm, warm}, invs...), 10*time.Second)
	require.Equal(t, 13, res.Stats.TotalRequests, "the model leaves the warm-up out")
	share, n, err := GoodputShare(res, GoodputLimits{TTFT: time.Second})
	require.NoError(t, err)
	assert.Equal(t, 13, n)
	assert.InDelta(t, 9.0/13, share, 1e-15, "the slow warm-up requests count neither way")
}
