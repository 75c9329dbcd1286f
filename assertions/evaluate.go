package assertions

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/llmtest/llmtest/llmtest"
)

// Evaluate computes the threshold's statistic on res and returns the
// check, with its one-line message; it does not record it (see [SLO]). The
// check fails when the statistic has no samples, when res is nil and when
// the threshold is invalid, with the reason as its message.
//
// The check's Observed and Limit are in its Unit: seconds ("s") for
// durations, "ratio" (0..1) for rates and shares, "tokens", "tokens/s",
// "requests/s", "requests/min", or "" for counts. Observed is 0 when there
// are no samples.
func (th *Threshold) Evaluate(res *llmtest.Result) llmtest.Check {
	c, _ := th.evaluate(res)
	return c
}

// evaluate is Evaluate, also reporting whether a percentile had fewer
// samples than it needs.
func (th *Threshold) evaluate(res *llmtest.Result) (c llmtest.Check, small bool) {
	c = llmtest.Check{Expression: th.String(), Statistic: th.Statistic(), Op: string(th.Op)}
	if is := validate(th, nil); is != nil {
		c.Message = fmt.Sprintf("assertions: %q: %s", c.Expression, is.msg)
		return c, false
	}
	if th.Run == RunGeneratorHealthy {
		return generatorCheck(c, res), false
	}
	k := th.kind()
	limit := th.limit()
	c.Unit = k.unit()
	c.Limit = toUnit(k, limit)
	want := string(th.Op) + " " + th.limitText()
	if res == nil {
		c.Message = fmt.Sprintf("%s = no result, want %s (n=0)", c.Statistic, want)
		return c, false
	}
	obs, n, approx, err := th.observe(res)
	c.Samples = n
	if err != nil {
		c.Message = fmt.Sprintf("%s = no value, want %s: %v", c.Statistic, want, err)
		return c, false
	}
	if n == 0 {
		c.Message = fmt.Sprintf("%s = no samples, want %s (n=0)", c.Statistic, want)
		return c, false
	}
	c.Observed = toUnit(k, obs)
	c.Pass = th.Op.holds(obs, limit)
	note := ""
	if th.Metric != "" && th.Aggregate.Func == AggPercentile && th.Aggregate.P > 0 && th.Aggregate.P < 100 {
		if need := samplesNeeded(th.Aggregate.P); n < need {
			small = true
			note = fmt.Sprintf("; %s needs n≥%d", th.Aggregate, need)
		}
	}
	if approx {
		note += fmt.Sprintf("; from histograms, ±%g%%", 100*res.Run.RelativeError)
	}
	c.Message = fmt.Sprintf("%s = %s, want %s (n=%d%s)", c.Statistic,
		observedText(k, obs, th.Op, limit, c.Pass), want, n, note)
	return c, small
}

// samplesNeeded returns ⌈5/(1−p/100)⌉, the number of samples the p-th
// percentile needs to rest on at least five values at or above it.
func samplesNeeded(p float64) int {
	x := 500 / (100 - p)
	return int(math.Ceil(x - x*1e-9)) // absorb 100-p's rounding error
}

// observe returns the statistic in its base unit (nanoseconds for
// durations), the number of samples it was computed from, and whether it
// was read from a histogram (a percentile of a result that holds no
// samples: a low-memory or merged run). err is the failure to read a low-
// memory run's records, for goodput.
func (th *Threshold) observe(res *llmtest.Result) (v float64, n int, approx bool, err error) {
	switch {
	case th.Goodput != nil:
		v, n, err = goodShare(res, th.Goodput)
		return v, n, false, err
	case th.Run != "":
		st := &res.Stats
		v := map[RunStatistic]float64{
			RunErrorRate:             st.FailedRequestsRate,
			RunFailedRequests:        float64(st.FailedRequests),
			RunTotalRequests:         float64(st.TotalRequests),
			RunRequestsPerSecond:     st.RequestsPerMinute / 60,
			RunRequestsPerMinute:     st.RequestsPerMinute,
			RunOutputTokensPerSecond: st.OutputTokensPerSecond,
		}[th.Run]
		if th.Run == RunTotalRequests {
			return v, st.TotalRequests, false, nil
		}
		// Every other run statistic is over the requests that ended.
		return v, st.TotalRequests - st.CancelledRequests, false, nil
	}
	agg := res.Stats.Aggregate(th.Metric)
	if agg.N == 0 {
		return 0, 0, false, nil
	}
	base := func(v float64) float64 { return v }
	if th.Metric.IsDuration() {
		base = func(s float64) float64 { return math.Round(s * 1e9) } // whole nanoseconds
	}
	switch th.Aggregate.Func {
	case AggAvg:
		return base(agg.Average), agg.N, false, nil
	case AggMin:
		return base(agg.Min), agg.N, false, nil
	case AggMax:
		return base(agg.Max), agg.N, false, nil
	}
	if v, ok := exactPercentile(agg, th.Aggregate.P); ok {
		// A reported percentile the model holds exactly, as a run that
		// kept its records computed it (to the nanosecond): no sort of
		// the samples, and exact still when the result was loaded
		// without its records.
		return base(v), agg.N, false, nil
	}
	if s := res.Samples(th.Metric); len(s) > 0 {
		return llmtest.Percentile(s, th.Aggregate.P), agg.N, false, nil
	}
	p, ok := res.Percentile(th.Metric, th.Aggregate.P)
	if !ok {
		return 0, 0, false, nil
	}
	return base(p), agg.N, true, nil
}

// exactPercentile returns the p-th percentile of agg when agg holds it
// exactly: one of the reported percentiles (50, 90, 95, 99, 99.9) of an
// exact aggregate.
func exactPercentile(agg llmtest.Aggregate[float64], p float64) (float64, bool) {
	if !agg.Exact {
		return 0, false
	}
	switch p {
	case 50:
		return agg.P50, true
	case 90:
		return agg.P90, true
	case 95:
		return agg.P95, true
	case 99:
		return agg.P99, true
	case 99.9:
		return agg.P999, true
	}
	return 0, false
}

// toUnit converts a base-unit value to the check's unit.
func toUnit(k kind, v float64) float64 {
	if k == kindDuration {
		return v / 1e9
	}
	return v
}

// limitText formats the limit for a message: as written, with ratios as
// percentages and a unit after token counts and throughputs.
func (th *Threshold) limitText() string {
	switch k := th.kind(); k {
	case kindRatio:
		if th.Value.Unit == "%" {
			return th.Value.String()
		}
		return strconv.FormatFloat(th.Value.Number*100, 'g', 10, 64) + "%"
	case kindTokens, kindTokensPerSecond, kindRequestsPerSecond, kindRequestsPerMinute:
		return th.Value.String() + " " + k.unit()
	}
	return th.Value.String()
}

// observedText formats an observed base-unit value for a message, with
// more digits than usual when the usual rounding would show a value that
// contradicts the verdict.
func observedText(k kind, v float64, op Op, limit float64, pass bool) string {
	switch k {
	case kindDuration:
		s := llmtest.FormatDuration(time.Duration(math.Round(v)))
		if shown, ok := parseDuration(s); ok && op.holds(float64(shown), limit) == pass {
			return s
		}
		return exactDuration(v)
	case kindCount:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	scale, decimals, suffix := 1.0, 1, ""
	switch k {
	case kindRatio:
		scale, decimals, suffix = 100, 2, "%"
	case kindTokens, kindTokensPerSecond, kindRequestsPerSecond, kindRequestsPerMinute:
		suffix = " " + k.unit()
	}
	for ; decimals <= 9; decimals++ {
		s := strconv.FormatFloat(v*scale, 'f', decimals, 64)
		if k == kindTokens {
			s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
		}
		shown, _ := strconv.ParseFloat(s, 64)
		if op.holds(shown/scale, limit) == pass {
			return s + suffix
		}
	}
	return strconv.FormatFloat(v*scale, 'f', -1, 64) + suffix
}

// parseDuration parses what llmtest.FormatDuration writes.
func parseDuration(s string) (time.Duration, bool) {
	for _, u := range []string{"ns", "µs", "ms", "s"} {
		if num, ok := strings.CutSuffix(s, u); ok && isNumber(num) {
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, false
			}
			return Value{Number: n, Unit: u}.Duration()
		}
	}
	return 0, false
}

// exactDuration formats ns nanoseconds in the largest unit that keeps the
// number at least 1, with every digit.
func exactDuration(ns float64) string {
	unit, div := "ns", 1.0
	switch {
	case ns >= 1e9:
		unit, div = "s", 1e9
	case ns >= 1e6:
		unit, div = "ms", 1e6
	case ns >= 1e3:
		unit, div = "µs", 1e3
	}
	return formatNumber(ns/div) + unit
}
