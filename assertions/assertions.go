package assertions

import (
	"fmt"
	"strconv"
	"time"

	"github.com/llmtest/llmtest/llmtest"
)

// TestingT is the part of testing.TB the assertions use, as testify's
// TestingT. *testing.T, *testing.B and *testing.F satisfy it. When t also
// has a Helper method it is called, and when it has a Logf method, a
// passing percentile check over too few samples is logged.
type TestingT interface {
	Errorf(format string, args ...any)
}

type tHelper interface{ Helper() }

type tLogger interface {
	Logf(format string, args ...any)
}

// Limit is the type of a limit on a per-request metric: a time.Duration
// for a latency metric, a number of tokens (an integer or a float64) for a
// token metric.
type Limit interface {
	time.Duration | ~int | ~float64
}

// ThroughputUnit names what [Throughput] measures. Its value is the run
// statistic's name in the language.
type ThroughputUnit string

// The throughput units.
const (
	RequestsPerSecond     ThroughputUnit = ThroughputUnit(RunRequestsPerSecond)
	RequestsPerMinute     ThroughputUnit = ThroughputUnit(RunRequestsPerMinute)
	OutputTokensPerSecond ThroughputUnit = ThroughputUnit(RunOutputTokensPerSecond)
)

// Percentile asserts that the p-th percentile (0 ≤ p ≤ 100) of metric over
// the successful requests of res is at most limit, and records the check
// as "<metric> p<p> <= <limit>". limit is a time.Duration for a latency
// metric and a number of tokens for a token metric; a limit of the wrong
// kind fails the check.
//
//	assertions.Percentile(t, res, llmtest.TimeToFirstToken, 99, 800*time.Millisecond)
//	assertions.Percentile(t, res, llmtest.NumTokensOutput, 50, 512)
func Percentile[L Limit](t TestingT, res *llmtest.Result, metric llmtest.Metric, p float64, limit L, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return assertMetric(t, "Percentile", res, metric, Aggregate{Func: AggPercentile, P: p}, any(limit), float64(limit), msgAndArgs)
}

// Mean asserts that the mean of metric over the successful requests of res
// is at most limit, and records the check as "<metric> avg <= <limit>".
// limit is as for [Percentile].
func Mean[L Limit](t TestingT, res *llmtest.Result, metric llmtest.Metric, limit L, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return assertMetric(t, "Mean", res, metric, Aggregate{Func: AggAvg}, any(limit), float64(limit), msgAndArgs)
}

// Max asserts that the largest value of metric over the successful
// requests of res is at most limit, and records the check as "<metric> max
// <= <limit>". limit is as for [Percentile].
func Max[L Limit](t TestingT, res *llmtest.Result, metric llmtest.Metric, limit L, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return assertMetric(t, "Max", res, metric, Aggregate{Func: AggMax}, any(limit), float64(limit), msgAndArgs)
}

// assertMetric asserts "metric agg <= limit"; boxed is the limit as
// passed, number the same converted to float64.
func assertMetric(t TestingT, fn string, res *llmtest.Result, metric llmtest.Metric, agg Aggregate, boxed any, number float64, msgAndArgs []any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	th := &Threshold{Metric: metric, Aggregate: agg, Op: LessOrEqual, Value: Value{Number: number}}
	d, isDuration := boxed.(time.Duration)
	if isDuration {
		th.Value = durationValue(d)
	}
	var invalid string
	switch {
	case !metric.Valid():
		invalid = fmt.Sprintf("unknown metric %q", metric)
	case metric.IsDuration() && !isDuration:
		invalid = fmt.Sprintf("%s is a duration; want a time.Duration limit, got %v (%T)", metric, boxed, boxed)
	case !metric.IsDuration() && isDuration:
		invalid = fmt.Sprintf("%s counts tokens; want a number limit, got %v (time.Duration)", metric, d)
	}
	return check(t, fn, res, th, invalid, msgAndArgs)
}

// ErrorRate asserts that the share of failed requests of res is at most
// max, a ratio between 0 and 1 — 0.01 is 1% — and records the check as
// "error_rate <= <max>". A run without requests fails.
func ErrorRate(t TestingT, res *llmtest.Result, max float64, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	th := &Threshold{Run: RunErrorRate, Op: LessOrEqual, Value: ratioValue(max)}
	return check(t, "ErrorRate", res, th, ratioInvalid("max", max), msgAndArgs)
}

// Throughput asserts that the run's throughput in unit is at least floor,
// and records the check as, for instance, "output_tokens_per_second >=
// 500". Throughputs are over the run's total test time: requests counts
// every request, failed or not; output tokens those of the successful
// requests.
func Throughput(t TestingT, res *llmtest.Result, floor float64, unit ThroughputUnit, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	th := &Threshold{Run: RunStatistic(unit), Op: GreaterOrEqual, Value: Value{Number: floor}}
	invalid := ""
	switch unit {
	case RequestsPerSecond, RequestsPerMinute, OutputTokensPerSecond:
	default:
		invalid = fmt.Sprintf("unknown unit %q", unit)
	}
	return check(t, "Throughput", res, th, invalid, msgAndArgs)
}

// Goodput asserts that at least minShare (a ratio between 0 and 1: 0.95 is
// 95%) of all requests of res met every limit set in limits (see
// [GoodputLimits] and [GoodputShare]), and records the check as, for
// instance, "goodput(ttft <= 1s, tpot <= 50ms) >= 95%". At least one limit
// must be set, and none may be negative.
func Goodput(t TestingT, res *llmtest.Result, limits GoodputLimits, minShare float64, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	conds := limits.conditions()
	th := &Threshold{Goodput: conds, Op: GreaterOrEqual, Value: ratioValue(minShare)}
	invalid := ratioInvalid("minShare", minShare)
	for _, c := range conds {
		if c.Value.Number < 0 {
			invalid = fmt.Sprintf("%s limit %s is negative", metricName(c.Metric), c.Value)
		}
	}
	if len(conds) == 0 {
		th.Goodput = []Condition{}
		invalid = "no limit set"
	}
	return check(t, "Goodput", res, th, invalid, msgAndArgs)
}

// SLO asserts every threshold expression on res (see the package
// documentation for the language), such as "ttft p99 < 800ms" or
// "error_rate < 1%". All expressions are parsed and validated first: if
// any is invalid, SLO reports each parse error, records each invalid
// expression as a failed check, evaluates nothing and returns false.
// Otherwise it evaluates and records every threshold in order and reports
// each one that fails. SLO without expressions fails.
func SLO(t TestingT, res *llmtest.Result, exprs ...string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if len(exprs) == 0 {
		t.Errorf("assertions: SLO without expressions")
		return false
	}
	ths := make([]*Threshold, len(exprs))
	var errs []error
	for i, e := range exprs {
		th, err := Parse(e)
		if err != nil {
			errs = append(errs, err)
			if res != nil {
				res.AddCheck(llmtest.Check{Expression: e, Message: err.Error()})
			}
		}
		ths[i] = th
	}
	if len(errs) > 0 {
		for _, err := range errs {
			t.Errorf("%v", err)
		}
		return false
	}
	ok := true
	for _, th := range ths {
		c, small := th.evaluate(res)
		ok = report(t, res, c, small, nil) && ok
	}
	return ok
}

// check evaluates th on res, or, when invalid is not empty, fails with it;
// it records the check and reports a failure.
func check(t TestingT, fn string, res *llmtest.Result, th *Threshold, invalid string, msgAndArgs []any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if invalid == "" {
		if is := validate(th, nil); is != nil {
			invalid = is.msg
		}
	}
	if invalid != "" {
		c := llmtest.Check{
			Expression: th.String(),
			Statistic:  th.Statistic(),
			Op:         string(th.Op),
			Message:    fmt.Sprintf("assertions: %s: %s", fn, invalid),
		}
		return report(t, res, c, false, msgAndArgs)
	}
	c, small := th.evaluate(res)
	return report(t, res, c, small, msgAndArgs)
}

// report records c on res and reports it to t: Errorf when it failed, Logf
// (when t has it) when it passed over too few samples.
func report(t TestingT, res *llmtest.Result, c llmtest.Check, small bool, msgAndArgs []any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if res != nil {
		res.AddCheck(c)
	}
	msg := c.Message
	if extra := messageFromMsgAndArgs(msgAndArgs); extra != "" {
		msg += ": " + extra
	}
	if !c.Pass {
		t.Errorf("%s", msg)
		return false
	}
	if l, ok := t.(tLogger); ok && small {
		l.Logf("%s", msg)
	}
	return true
}

// messageFromMsgAndArgs formats msgAndArgs as testify does: a single
// value as itself, or a format string and its arguments.
func messageFromMsgAndArgs(msgAndArgs []any) string {
	switch len(msgAndArgs) {
	case 0:
		return ""
	case 1:
		if s, ok := msgAndArgs[0].(string); ok {
			return s
		}
		return fmt.Sprintf("%+v", msgAndArgs[0])
	}
	if format, ok := msgAndArgs[0].(string); ok {
		return fmt.Sprintf(format, msgAndArgs[1:]...)
	}
	return fmt.Sprint(msgAndArgs...)
}

// durationValue returns d as a Value in the largest unit (s, ms, µs or ns)
// that keeps the number at least 1, such as Value{800, "ms"}.
func durationValue(d time.Duration) Value {
	for _, u := range []struct {
		unit string
		d    time.Duration
	}{{"s", time.Second}, {"ms", time.Millisecond}, {"µs", time.Microsecond}} {
		if d >= u.d || d <= -u.d {
			return Value{Number: float64(d) / float64(u.d), Unit: u.unit}
		}
	}
	return Value{Number: float64(d), Unit: "ns"}
}

// ratioValue returns the ratio r as a percentage when that is exact, such
// as Value{1, "%"} for 0.01, else as a bare ratio.
func ratioValue(r float64) Value {
	pct := strconv.FormatFloat(r*100, 'g', 12, 64)
	if v, err := strconv.ParseFloat(pct, 64); err == nil && v/100 == r {
		return Value{Number: v, Unit: "%"}
	}
	return Value{Number: r}
}

// ratioInvalid checks a ratio argument of a Go function.
func ratioInvalid(name string, r float64) string {
	if !(r >= 0 && r <= 1) { // also NaN
		return fmt.Sprintf("%s %v out of range [0, 1] (a ratio: 0.01 = 1%%)", name, r)
	}
	return ""
}
