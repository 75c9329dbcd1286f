package assertions_test

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/llmtest"
)

func pct(p float64) Aggregate { return Aggregate{Func: AggPercentile, P: p} }

func TestParseValid(t *testing.T) {
	cases := []struct {
		expr      string
		want      Threshold
		canonical string
	}{
		{"ttft p99 < 800ms",
			Threshold{Metric: llmtest.TimeToFirstToken, Aggregate: pct(99), Op: Less, Value: Value{800, "ms"}},
			"ttft p99 < 800ms"},
		{"time_to_first_token p99.9<=1.5s",
			Threshold{Metric: llmtest.TimeToFirstToken, Aggregate: pct(99.9), Op: LessOrEqual, Value: Value{1.5, "s"}},
			"ttft p99.9 <= 1.5s"},
		{"  tpot   median<=40ms ",
			Threshold{Metric: llmtest.TimePerOutputToken, Aggregate: pct(50), Op: LessOrEqual, Value: Value{40, "ms"}},
			"tpot p50 <= 40ms"},
		{"time_per_output_token p100 < 0.05s",
			Threshold{Metric: llmtest.TimePerOutputToken, Aggregate: pct(100), Op: Less, Value: Value{0.05, "s"}},
			"tpot p100 < 0.05s"},
		{"ttft p007 < 007ms",
			Threshold{Metric: llmtest.TimeToFirstToken, Aggregate: pct(7), Op: Less, Value: Value{7, "ms"}},
			"ttft p7 < 7ms"},
		{"ttfo p0 > 5ns",
			Threshold{Metric: llmtest.TimeToFirstOutput, Aggregate: pct(0), Op: Greater, Value: Value{5, "ns"}},
			"ttfo p0 > 5ns"},
		{"time_to_first_output\tmax < 0ms",
			Threshold{Metric: llmtest.TimeToFirstOutput, Aggregate: Aggregate{Func: AggMax}, Op: Less, Value: Value{0, "ms"}},
			"ttfo max < 0ms"},
		{"e2e avg < 2m",
			Threshold{Metric: llmtest.TimeToLastToken, Aggregate: Aggregate{Func: AggAvg}, Op: Less, Value: Value{2, "m"}},
			"ttlt avg < 2m"},
		{"time_to_last_token mean < 2.50s",
			Threshold{Metric: llmtest.TimeToLastToken, Aggregate: Aggregate{Func: AggAvg}, Op: Less, Value: Value{2.5, "s"}},
			"ttlt avg < 2.5s"},
		{"ttlt min >= 1s",
			Threshold{Metric: llmtest.TimeToLastToken, Aggregate: Aggregate{Func: AggMin}, Op: GreaterOrEqual, Value: Value{1, "s"}},
			"ttlt min >= 1s"},
		{"itl max < 100us",
			Threshold{Metric: llmtest.InterTokenLatency, Aggregate: Aggregate{Func: AggMax}, Op: Less, Value: Value{100, "µs"}},
			"itl max < 100µs"},
		{"inter_token_latency p90>=1μs", // Greek mu
			Threshold{Metric: llmtest.InterTokenLatency, Aggregate: pct(90), Op: GreaterOrEqual, Value: Value{1, "µs"}},
			"itl p90 >= 1µs"},
		{"output_tokens p50 >= 100",
			Threshold{Metric: llmtest.NumTokensOutput, Aggregate: pct(50), Op: GreaterOrEqual, Value: Value{100, ""}},
			"output_tokens p50 >= 100"},
		{"num_tokens_input max <= 4096",
			Threshold{Metric: llmtest.NumTokensInput, Aggregate: Aggregate{Func: AggMax}, Op: LessOrEqual, Value: Value{4096, ""}},
			"input_tokens max <= 4096"},
		{"error_rate < 1%",
			Threshold{Run: RunErrorRate, Op: Less, Value: Value{1, "%"}},
			"error_rate < 1%"},
		{"failed_requests_rate<=0.01",
			Threshold{Run: RunErrorRate, Op: LessOrEqual, Value: Value{0.01, ""}},
			"error_rate <= 0.01"},
		{"error_rate <= 100%",
			Threshold{Run: RunErrorRate, Op: LessOrEqual, Value: Value{100, "%"}},
			"error_rate <= 100%"},
		{"error_rate < 1",
			Threshold{Run: RunErrorRate, Op: Less, Value: Value{1, ""}},
			"error_rate < 1"},
		{"failed_requests < 1",
			Threshold{Run: RunFailedRequests, Op: Less, Value: Value{1, ""}},
			"failed_requests < 1"},
		{"total_requests >= 100",
			Threshold{Run: RunTotalRequests, Op: GreaterOrEqual, Value: Value{100, ""}},
			"total_requests >= 100"},
		{"requests_per_second > 2.5",
			Threshold{Run: RunRequestsPerSecond, Op: Greater, Value: Value{2.5, ""}},
			"requests_per_second > 2.5"},
		{"requests_per_minute>=60",
			Threshold{Run: RunRequestsPerMinute, Op: GreaterOrEqual, Value: Value{60, ""}},
			"requests_per_minute >= 60"},
		{"output_tokens_per_second > 500",
			Threshold{Run: RunOutputTokensPerSecond, Op: Greater, Value: Value{500, ""}},
			"output_tokens_per_second > 500"},
		{"goodput(ttft < 1s, tpot < 50ms) >= 95%",
			Threshold{Goodput: []Condition{
				{Metric: llmtest.TimeToFirstToken, Op: Less, Value: Value{1, "s"}},
				{Metric: llmtest.TimePerOutputToken, Op: Less, Value: Value{50, "ms"}},
			}, Op: GreaterOrEqual, Value: Value{95, "%"}},
			"goodput(ttft < 1s, tpot < 50ms) >= 95%"},
		{"goodput( itl<=200ms ,e2e <= 10s )>0.9",
			Threshold{Goodput: []Condition{
				{Metric: llmtest.InterTokenLatency, Op: LessOrEqual, Value: Value{200, "ms"}},
				{Metric: llmtest.TimeToLastToken, Op: LessOrEqual, Value: Value{10, "s"}},
			}, Op: Greater, Value: Value{0.9, ""}},
			"goodput(itl <= 200ms, ttlt <= 10s) > 0.9"},
		{"goodput(time_to_first_output<1.5s)<50%",
			Threshold{Goodput: []Condition{
				{Metric: llmtest.TimeToFirstOutput, Op: Less, Value: Value{1.5, "s"}},
			}, Op: Less, Value: Value{50, "%"}},
			"goodput(ttfo < 1.5s) < 50%"},
	}
	for _, c := range cases {
		th, err := Parse(c.expr)
		require.NoError(t, err, c.expr)
		assert.Equal(t, c.want, *th, c.expr)
		assert.Equal(t, c.canonical, th.String(), c.expr)
		again, err := Parse(th.String())
		require.NoError(t, err, c.canonical)
		assert.Equal(t, th, again, "%q re-parsed from %q", c.expr, c.canonical)
	}
}

func TestParseInvalid(t *testing.T) {
	cases := []struct {
		expr  string
		token string
		col   int
		msg   string
	}{
		{"ttft p99 < 800xs", "xs", 15, `unknown unit "xs"`},
		{"ttft p99 < 800", "800", 12, `missing duration unit after "800"`},
		{"ttft p99 < 800MS", "MS", 15, `unknown unit "MS"`},
		{"ttft p99 < 5h", "h", 13, `unknown unit "h"`},
		{"", "", 1, `want statistic, got end of expression`},
		{"   ", "", 4, `want statistic, got end of expression`},
		{"< 1s", "<", 1, `want statistic, got "<"`},
		{"ttft", "", 5, `want aggregate after "ttft", got end of expression`},
		{"ttft < 800ms", "<", 6, `want aggregate after "ttft", got "<"`},
		{"ttftp99 < 800ms", "ttftp99", 1, `unknown statistic "ttftp99"`},
		{"TTFT p99 < 1s", "TTFT", 1, `unknown statistic "TTFT"`},
		{"ttft P99 < 1s", "P99", 6, `unknown aggregate "P99"`},
		{"ttft p99x < 1s", "p99x", 6, `unknown aggregate "p99x"`},
		{"ttft p < 1s", "p", 6, `unknown aggregate "p"`},
		{"ttft p99.9.9 < 1s", "p99.9.9", 6, `unknown aggregate "p99.9.9"`},
		{"ttft average < 1s", "average", 6, `unknown aggregate "average"`},
		{"ttft p101 < 1s", "p101", 6, `percentile "p101" out of range [0, 100]`},
		{"ttft p100.5 < 1s", "p100.5", 6, `percentile "p100.5" out of range [0, 100]`},
		{"ttft p99 == 1s", "==", 10, `operator "==" not supported; use <, <=, > or >=`},
		{"ttft p99 != 1s", "!=", 10, `operator "!=" not supported; use <, <=, > or >=`},
		{"ttft p99 = 1s", "=", 10, `operator "=" not supported; use <, <=, > or >=`},
		{"ttft p99 =< 1s", "=", 10, `operator "=" not supported; use <, <=, > or >=`},
		{"ttft p99 1s", "1s", 10, `want operator, got "1s"`},
		{"ttft p99 <", "", 11, `want value, got end of expression`},
		{"ttft p99 < ms", "ms", 12, `want value, got "ms"`},
		{"ttft p99 < < 1s", "<", 12, `want value, got "<"`},
		{"ttft p99 < 800 ms", "ms", 16, `want end of expression, got "ms"`},
		{"ttft p99 < 800ms extra", "extra", 18, `want end of expression, got "extra"`},
		{"ttft p99 < 1s)", ")", 14, `want end of expression, got ")"`},
		{"itl p99 < 5µs extra", "extra", 15, `want end of expression, got "extra"`}, // columns count runes
		{"ttft p99 < 1.2.3s", "1.2.3", 12, `invalid number "1.2.3"`},
		{"ttft p99 < .5s", ".5", 12, `invalid number ".5"`},
		{"ttft p99 < 5.s", "5.", 12, `invalid number "5."`},
		{"ttft p99 < -5ms", "-", 12, `unexpected "-"`},
		{"ttft p99 # 1s", "#", 10, `unexpected "#"`},
		{"ttft p99 < 5%", "%", 13, `unit "%" does not fit ttft p99, which is a duration`},
		{"ttft p99 < 99999999999999999999s", "99999999999999999999s", 12, `duration "99999999999999999999s" out of range`},
		{"output_tokens p99 < 800ms", "ms", 24, `unit "ms" does not fit output_tokens p99, which is in tokens`},
		{"num_tokens_input avg < 5%", "%", 25, `unit "%" does not fit input_tokens avg, which is in tokens`},
		{"failed_requests < 5%", "%", 20, `unit "%" does not fit failed_requests, which is a count`},
		{"total_requests > 1s", "s", 19, `unit "s" does not fit total_requests, which is a count`},
		{"output_tokens_per_second > 500tok", "tok", 31, `unknown unit "tok"`},
		{"output_tokens_per_second > 500%", "%", 31, `unit "%" does not fit output_tokens_per_second, which is in tokens/s`},
		{"requests_per_second > 5s", "s", 24, `unit "s" does not fit requests_per_second, which is in requests/s`},
		{"requests_per_minute > 5m", "m", 24, `unit "m" does not fit requests_per_minute, which is in requests/min`},
		{"error_rate < 5", "5", 14, `ratio "5" out of range [0, 1]; write 5% for a percentage`},
		{"error_rate < 150%", "150%", 14, `ratio "150%" out of range [0%, 100%]`},
		{"error_rate < 1ms", "ms", 15, `unit "ms" does not fit error_rate, which is a ratio`},
		{"error_rate p99 < 1%", "p99", 12, `want operator, got "p99"`},
		{"goodput ttft < 1s", "ttft", 9, `want "(" after "goodput", got "ttft"`},
		{"goodput() > 90%", ")", 9, `want metric, got ")"`},
		{"goodput(ttft < 1s > 90%", ">", 19, `want "," or ")", got ">"`},
		{"goodput(ttft < 1s,) > 90%", ")", 19, `want metric, got ")"`},
		{"goodput(ttft < 1s", "", 18, `want "," or ")", got end of expression`},
		{"goodput(error_rate < 1%) > 90%", "error_rate", 9, `unknown metric "error_rate"`},
		{"goodput(output_tokens < 100) > 90%", "output_tokens", 9, `goodput condition on "output_tokens": want a latency metric`},
		{"goodput(ttft > 1s) > 90%", ">", 14, `goodput condition operator ">" not supported; use < or <=`},
		{"goodput(ttft < 1s, time_to_first_token < 2s) > 90%", "time_to_first_token", 20, `duplicate goodput condition on "time_to_first_token"`},
		{"goodput(ttft < 1) > 90%", "1", 16, `missing duration unit after "1"`},
		{"goodput(ttft < 1%) > 90%", "%", 17, `unit "%" does not fit ttft, which is a duration`},
		{"goodput(ttft < 1s) >= 95", "95", 23, `ratio "95" out of range [0, 1]; write 95% for a percentage`},
		{"goodput(ttft < 1s) >= 95ms", "ms", 25, `unit "ms" does not fit goodput(ttft < 1s), which is a ratio`},
	}
	for _, c := range cases {
		th, err := Parse(c.expr)
		assert.Nil(t, th, c.expr)
		var pe *ParseError
		if !assert.ErrorAs(t, err, &pe, c.expr) {
			continue
		}
		assert.Equal(t, ParseError{Expr: c.expr, Column: c.col, Token: c.token, Msg: c.msg}, *pe, c.expr)
		assert.Equal(t, `assertions: "`+c.expr+`": `+c.msg+" at column "+strconv.Itoa(c.col), err.Error())
		assert.ErrorIs(t, err, ErrInvalidThreshold, c.expr)
	}
}

func TestParseErrorExample(t *testing.T) {
	_, err := Parse("ttft p99 < 800xs")
	assert.EqualError(t, err, `assertions: "ttft p99 < 800xs": unknown unit "xs" at column 15`)
	_, err = Parse("ttft p99 < 800")
	assert.EqualError(t, err, `assertions: "ttft p99 < 800": missing duration unit after "800" at column 12`)
}

func TestParseNumberOutOfRange(t *testing.T) {
	huge := strings.Repeat("9", 400)
	_, err := Parse("output_tokens p99 < " + huge)
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 21, pe.Column)
	assert.Equal(t, huge, pe.Token)
	assert.Equal(t, `number "`+huge+`" out of range`, pe.Msg)
}

func TestValidate(t *testing.T) {
	assert.NoError(t, Validate())
	assert.NoError(t, Validate("ttft p99 < 800ms", "error_rate < 1%", "goodput(ttft < 1s) >= 95%"))
	err := Validate("ttft p99 < 800ms", "ttft p99 < 800", "error_rate < 1%", "tpot p50 < 40xs")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrInvalidThreshold)
	assert.Equal(t, `assertions: "ttft p99 < 800": missing duration unit after "800" at column 12`+"\n"+
		`assertions: "tpot p50 < 40xs": unknown unit "xs" at column 14`, err.Error())
	var pe *ParseError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "ttft p99 < 800", pe.Expr)
}

// FuzzParse checks that Parse never panics, that every error is a
// ParseError with a column inside the expression (or just after it), and
// that every accepted expression re-parses from its String form to the
// same Threshold.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"ttft p99 < 800ms", "tpot p50 <= 40ms", "error_rate < 1%", "output_tokens_per_second > 500",
		"goodput(ttft < 1s, tpot < 50ms) >= 95%", "itl p99.9 < 100µs", "e2e avg < 2m",
		"failed_requests_rate <= 0.01", "output_tokens median >= 10", "ttft p99 < 800xs",
		"goodput(itl<=1us,e2e<=5s)>0.5", "ttft p99 == 1s", "total_requests >= 0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := Parse(expr)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %v is not a *ParseError", expr, err)
			}
			if n := len([]rune(expr)); pe.Column < 1 || pe.Column > n+1 {
				t.Fatalf("Parse(%q): column %d outside 1..%d", expr, pe.Column, n+1)
			}
			if !errors.Is(err, ErrInvalidThreshold) {
				t.Fatalf("Parse(%q): %v does not wrap ErrInvalidThreshold", expr, err)
			}
			return
		}
		s := th.String()
		again, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its String %q does not parse: %v", expr, s, err)
		}
		if !reflect.DeepEqual(th, again) {
			t.Fatalf("Parse(%q) = %#v, but Parse(%q) = %#v", expr, th, s, again)
		}
		if again.String() != s {
			t.Fatalf("String not stable: %q then %q", s, again.String())
		}
	})
}
