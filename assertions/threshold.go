package assertions

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/llmtest/llmtest/llmtest"
)

// Threshold is a parsed threshold expression: a statistic, an operator and
// a limit. Exactly one of Metric (with Aggregate), Run and Goodput names
// the statistic. [Parse] returns only valid thresholds; one built by hand
// is checked when evaluated.
type Threshold struct {
	// Metric and Aggregate name a per-request statistic, such as "ttft
	// p99".
	Metric    llmtest.Metric
	Aggregate Aggregate
	// Run names a run statistic, such as "error_rate".
	Run RunStatistic
	// Goodput holds the conditions of a goodput statistic.
	Goodput []Condition
	// Op compares the statistic (on the left) with Value. A verdict
	// (RunGeneratorHealthy) has neither: Op is empty and Value zero.
	Op Op
	// Value is the limit, as written.
	Value Value
}

// Op is a comparison operator. Its value is the operator as written.
type Op string

// The operators.
const (
	Less           Op = "<"
	LessOrEqual    Op = "<="
	Greater        Op = ">"
	GreaterOrEqual Op = ">="
)

func (op Op) valid() bool {
	switch op {
	case Less, LessOrEqual, Greater, GreaterOrEqual:
		return true
	}
	return false
}

// holds reports whether "observed op limit" is true; it is false when
// either side is NaN.
func (op Op) holds(observed, limit float64) bool {
	switch op {
	case Less:
		return observed < limit
	case LessOrEqual:
		return observed <= limit
	case Greater:
		return observed > limit
	case GreaterOrEqual:
		return observed >= limit
	}
	return false
}

// AggregateFunc names how a per-request metric is aggregated.
type AggregateFunc string

// The aggregate functions. "mean" parses as AggAvg and "median" as the
// 50th percentile.
const (
	AggAvg        AggregateFunc = "avg"
	AggMin        AggregateFunc = "min"
	AggMax        AggregateFunc = "max"
	AggPercentile AggregateFunc = "p" // the P-th percentile
)

// Aggregate is an aggregate function with its parameter.
type Aggregate struct {
	Func AggregateFunc
	// P is the percentile, 0 ≤ P ≤ 100, when Func is AggPercentile.
	P float64
}

// String returns the aggregate as written in canonical form: "avg",
// "min", "max" or "p" and the percentile, such as "p99.9".
func (a Aggregate) String() string {
	if a.Func == AggPercentile {
		return "p" + formatNumber(a.P)
	}
	return string(a.Func)
}

// RunStatistic names a statistic of the whole run. Its value is its
// canonical name in the language.
type RunStatistic string

// The run statistics.
const (
	// RunErrorRate is failed requests / all requests, a ratio.
	RunErrorRate RunStatistic = "error_rate"
	// RunFailedRequests and RunTotalRequests are counts of requests.
	RunFailedRequests RunStatistic = "failed_requests"
	RunTotalRequests  RunStatistic = "total_requests"
	// RunRequestsPerSecond and RunRequestsPerMinute are all requests over
	// the run's total test time.
	RunRequestsPerSecond RunStatistic = "requests_per_second"
	RunRequestsPerMinute RunStatistic = "requests_per_minute"
	// RunOutputTokensPerSecond is the output tokens of the successful
	// requests over the run's total test time.
	RunOutputTokensPerSecond RunStatistic = "output_tokens_per_second"
	// RunGeneratorHealthy is the verdict of the load generator's
	// self-check (reporters.Generator): a bare statistic, with no
	// operator and no value, that holds when the run has a self-check
	// with samples and its generator was not saturated.
	RunGeneratorHealthy RunStatistic = "generator_healthy"
)

// Condition is one per-request condition of a goodput statistic, such as
// "ttft < 1s". Metric must be a latency metric, Op Less or LessOrEqual, and
// Value a duration.
type Condition struct {
	Metric llmtest.Metric
	Op     Op
	Value  Value
}

// String returns the condition in canonical form, such as "ttft < 1s".
func (c Condition) String() string {
	return metricName(c.Metric) + " " + string(c.Op) + " " + c.Value.String()
}

// Value is a number with its unit, as written: Value{800, "ms"} is
// "800ms". Unit is one of "ns", "µs", "ms", "s", "m" (minutes), "%" or ""
// (a bare number); the parser writes "us" and "μs" as "µs".
type Value struct {
	Number float64
	Unit   string
}

// String returns the value as written in canonical form, such as "800ms",
// "1%" or "0.5".
func (v Value) String() string { return formatNumber(v.Number) + v.Unit }

// Duration returns the value as a time.Duration, rounded to the
// nanosecond. ok is false when the unit is not a duration unit or the
// value does not fit a time.Duration.
func (v Value) Duration() (d time.Duration, ok bool) {
	u, isDur := durationUnits[v.Unit]
	if !isDur {
		return 0, false
	}
	ns := math.Round(v.Number * float64(u))
	if !(ns >= 0 && ns < 1<<63) {
		return 0, false
	}
	return time.Duration(ns), true
}

// ratio returns a ratio value (a percentage or a bare ratio) as a ratio.
func (v Value) ratio() float64 {
	if v.Unit == "%" {
		return v.Number / 100
	}
	return v.Number
}

var durationUnits = map[string]time.Duration{
	"ns": time.Nanosecond,
	"µs": time.Microsecond,
	"ms": time.Millisecond,
	"s":  time.Second,
	"m":  time.Minute,
}

// knownUnit reports whether u is a unit of the language, in canonical
// spelling.
func knownUnit(u string) bool {
	_, ok := durationUnits[u]
	return ok || u == "%" || u == ""
}

// String returns the threshold in canonical form: canonical names,
// aggregates and units, single spaces around the operator, the number as
// written — "ttft p99 < 800ms", "error_rate <= 1%",
// "goodput(ttft < 1s, tpot < 50ms) >= 95%"; a verdict alone,
// "generator_healthy". Parse(th.String()) gives th back.
func (th *Threshold) String() string {
	if th.kind() == kindVerdict {
		return th.Statistic()
	}
	return th.Statistic() + " " + string(th.Op) + " " + th.Value.String()
}

// Statistic returns the statistic in canonical form: "ttft p99",
// "error_rate", "goodput(ttft < 1s, tpot < 50ms)".
func (th *Threshold) Statistic() string {
	switch {
	case th.Goodput != nil:
		var b strings.Builder
		b.WriteString("goodput(")
		for i, c := range th.Goodput {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.String())
		}
		b.WriteString(")")
		return b.String()
	case th.Run != "":
		return string(th.Run)
	}
	return metricName(th.Metric) + " " + th.Aggregate.String()
}

// metricNames maps every spelling of a metric to it; the first spelling of
// each metric is its canonical name.
var metricNames = []struct {
	name   string
	metric llmtest.Metric
}{
	{"ttft", llmtest.TimeToFirstToken},
	{"time_to_first_token", llmtest.TimeToFirstToken},
	{"ttfo", llmtest.TimeToFirstOutput},
	{"time_to_first_output", llmtest.TimeToFirstOutput},
	{"ttlt", llmtest.TimeToLastToken},
	{"e2e", llmtest.TimeToLastToken},
	{"time_to_last_token", llmtest.TimeToLastToken},
	{"tpot", llmtest.TimePerOutputToken},
	{"time_per_output_token", llmtest.TimePerOutputToken},
	{"itl", llmtest.InterTokenLatency},
	{"inter_token_latency", llmtest.InterTokenLatency},
	{"input_tokens", llmtest.NumTokensInput},
	{"num_tokens_input", llmtest.NumTokensInput},
	{"output_tokens", llmtest.NumTokensOutput},
	{"num_tokens_output", llmtest.NumTokensOutput},
	{"schedule_lag", llmtest.ScheduleLag},
	{"ttft_from_intended", llmtest.TimeToFirstTokenFromIntended},
	{"ttlt_from_intended", llmtest.TimeToLastTokenFromIntended},
	{"ttfb", llmtest.TimeToFirstByte},
	{"time_to_first_byte", llmtest.TimeToFirstByte},
	{"connect_time", llmtest.ConnectTime},
}

func lookupMetric(name string) (llmtest.Metric, bool) {
	for _, n := range metricNames {
		if n.name == name {
			return n.metric, true
		}
	}
	return "", false
}

// metricName returns the canonical name of m, or m itself when unknown.
func metricName(m llmtest.Metric) string {
	for _, n := range metricNames {
		if n.metric == m {
			return n.name
		}
	}
	return string(m)
}

var runNames = map[string]RunStatistic{
	"error_rate":               RunErrorRate,
	"failed_requests_rate":     RunErrorRate,
	"failed_requests":          RunFailedRequests,
	"total_requests":           RunTotalRequests,
	"requests_per_second":      RunRequestsPerSecond,
	"requests_per_minute":      RunRequestsPerMinute,
	"output_tokens_per_second": RunOutputTokensPerSecond,
	"generator_healthy":        RunGeneratorHealthy,
}

// kind is what a statistic measures, which decides its values' units.
type kind int

const (
	kindInvalid kind = iota
	kindDuration
	kindTokens
	kindRatio
	kindCount
	kindTokensPerSecond
	kindRequestsPerSecond
	kindRequestsPerMinute
	kindVerdict // yes or no: no operator, no value
)

// unit returns the kind's llmtest.Check unit.
func (k kind) unit() string {
	return [...]string{
		kindDuration:          "s",
		kindTokens:            "tokens",
		kindRatio:             "ratio",
		kindCount:             "",
		kindTokensPerSecond:   "tokens/s",
		kindRequestsPerSecond: "requests/s",
		kindRequestsPerMinute: "requests/min",
		kindVerdict:           "",
		kindInvalid:           "",
	}[k]
}

// describe completes "…, which ".
func (k kind) describe() string {
	return [...]string{
		kindDuration:          "is a duration",
		kindTokens:            "is in tokens",
		kindRatio:             "is a ratio",
		kindCount:             "is a count",
		kindTokensPerSecond:   "is in tokens/s",
		kindRequestsPerSecond: "is in requests/s",
		kindRequestsPerMinute: "is in requests/min",
		kindVerdict:           "is a verdict",
		kindInvalid:           "is unknown",
	}[k]
}

// kind returns the kind of the threshold's statistic.
func (th *Threshold) kind() kind {
	switch {
	case th.Goodput != nil:
		return kindRatio
	case th.Run != "":
		switch th.Run {
		case RunErrorRate:
			return kindRatio
		case RunFailedRequests, RunTotalRequests:
			return kindCount
		case RunRequestsPerSecond:
			return kindRequestsPerSecond
		case RunRequestsPerMinute:
			return kindRequestsPerMinute
		case RunOutputTokensPerSecond:
			return kindTokensPerSecond
		case RunGeneratorHealthy:
			return kindVerdict
		}
		return kindInvalid
	case th.Metric.Valid():
		if th.Metric.IsDuration() {
			return kindDuration
		}
		return kindTokens
	}
	return kindInvalid
}

// limit returns the threshold's limit in the statistic's base unit:
// nanoseconds for durations, a ratio for ratios, else the number. The
// threshold must be valid.
func (th *Threshold) limit() float64 {
	switch th.kind() {
	case kindDuration:
		d, _ := th.Value.Duration()
		return float64(d)
	case kindRatio:
		return th.Value.ratio()
	}
	return th.Value.Number
}

// formatNumber formats v as the language writes numbers: no exponent, the
// fewest digits that give v back.
func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// runStatistics are the run statistics in the order StatisticNames lists
// them.
var runStatistics = []RunStatistic{
	RunErrorRate, RunFailedRequests, RunTotalRequests,
	RunRequestsPerSecond, RunRequestsPerMinute, RunOutputTokensPerSecond,
	RunGeneratorHealthy,
}

// StatisticName is a statistic a threshold can check, with its spellings.
type StatisticName struct {
	// Name is the canonical spelling; Aliases are the others, which parse
	// the same.
	Name    string
	Aliases []string
	// Metric is true for a per-request metric, written with an aggregate
	// ("ttft p99", "tpot avg"), false for a statistic of the whole run
	// ("error_rate < 1%").
	Metric bool
	// Verdict is true for a statistic of the whole run written alone,
	// with no operator and no value ("generator_healthy").
	Verdict bool
}

// StatisticNames returns the statistics of the language: the per-request
// metrics, then the run statistics. goodput(...) is not among them: it is
// written with conditions on the latency metrics.
func StatisticNames() []StatisticName {
	var out []StatisticName
	var prev llmtest.Metric
	for _, n := range metricNames { // each metric's spellings are adjacent
		if len(out) > 0 && n.metric == prev {
			out[len(out)-1].Aliases = append(out[len(out)-1].Aliases, n.name)
			continue
		}
		prev = n.metric
		out = append(out, StatisticName{Name: n.name, Metric: true})
	}
	for _, s := range runStatistics {
		sn := StatisticName{Name: string(s), Verdict: s == RunGeneratorHealthy}
		for name, stat := range runNames {
			if stat == s && name != string(s) {
				sn.Aliases = append(sn.Aliases, name)
			}
		}
		slices.Sort(sn.Aliases)
		out = append(out, sn)
	}
	return out
}
