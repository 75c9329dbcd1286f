package assertions

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/llmtest/llmtest/llmtest"
)

// Regression is a regression threshold on a comparison of two runs
// ([llmtest.Comparison]), such as "ttft p99 +10%": the change of one
// statistic from run A to run B beyond which B has regressed. It is
// parsed by [ParseRegression]; see the package documentation for the
// language.
type Regression struct {
	// Metric and Percentile are the statistic of a percentile threshold
	// (median is the 50th percentile); Metric is empty for a run
	// statistic.
	Metric     llmtest.Metric
	Percentile float64
	// Run is RunErrorRate, RunRequestsPerSecond or
	// RunOutputTokensPerSecond for a run statistic, empty otherwise.
	Run RunStatistic
	// Sign is +1 when a rise is the regression, −1 when a fall is.
	Sign int
	// Value is the size of the change: Unit "%" for a change relative to
	// A (except for error_rate, where a ratio is in its own unit: "+1%"
	// is one percentage point), a duration unit for a latency, "" for a
	// number in the statistic's unit (tokens, requests/s, tokens/s, or an
	// error rate as a ratio).
	Value Value
}

// ParseRegression parses one regression threshold. The error, a
// [*ParseError], names the first offending token and its column.
func ParseRegression(expr string) (*Regression, error) {
	p := &parser{expr: expr, src: []rune(expr)}
	rg := &Regression{}
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	if t.kind != tIdent {
		return nil, p.errorf(t, "want statistic, got %s", t.describe())
	}
	stat := t
	switch m, isMetric := lookupMetric(t.text); {
	case isMetric:
		rg.Metric = m
		a, err := p.next()
		if err != nil {
			return nil, err
		}
		if a.kind != tIdent {
			return nil, p.errorf(a, "want percentile after %q, got %s", t.text, a.describe())
		}
		agg, ok := parseAggregate(a.text)
		switch {
		case !ok:
			return nil, p.errorf(a, "unknown aggregate %q", a.text)
		case agg.Func != AggPercentile:
			return nil, p.errorf(a, "aggregate %q is not compared; use a percentile, such as p99", a.text)
		case !(agg.P >= 0 && agg.P <= 100):
			return nil, p.errorf(a, "percentile %q out of range [0, 100]", a.text)
		}
		rg.Percentile = agg.P
	case runNames[t.text] == RunErrorRate || runNames[t.text] == RunRequestsPerSecond || runNames[t.text] == RunOutputTokensPerSecond:
		rg.Run = runNames[t.text]
	case runNames[t.text] != "":
		return nil, p.errorf(t, "%q is not compared; use error_rate, requests_per_second or output_tokens_per_second", t.text)
	default:
		return nil, p.errorf(t, "unknown statistic %q", t.text)
	}

	// The sign, which the lexer does not know.
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	signTok := token{col: p.pos + 1} // tEOF
	if p.pos < len(p.src) {
		signTok.kind, signTok.text = tIdent, string(p.src[p.pos])
	}
	switch signTok.text {
	case "+":
		rg.Sign = 1
	case "-":
		rg.Sign = -1
	default:
		return nil, p.errorf(signTok, `want "+" or "-" and the change, such as +10%%, got %s`, signTok.describe())
	}
	p.pos++
	if err := rg.checkSign(p, stat, signTok); err != nil {
		return nil, err
	}
	if p.pos < len(p.src) && !isDigit(p.src[p.pos]) {
		bad := token{kind: tIdent, col: p.pos + 1, text: string(p.src[p.pos])}
		return nil, p.errorf(bad, "want the change right after %q, such as %s10%%, got %s", signTok.text, signTok.text, bad.describe())
	}
	var sp spans
	if rg.Value, err = p.parseValue(&sp); err != nil {
		return nil, err
	}
	if err := rg.checkUnit(p, sp.unit, sp.value); err != nil {
		return nil, err
	}
	end, err := p.next()
	if err != nil {
		return nil, err
	}
	if end.kind != tEOF {
		return nil, p.errorf(end, "want end of expression, got %s", end.describe())
	}
	return rg, nil
}

// checkSign refuses a sign that names an improvement: a rise of a latency
// or an error rate, or a fall of a throughput, is the regression.
func (rg *Regression) checkSign(p *parser, stat, sign token) error {
	switch {
	case rg.Run == RunRequestsPerSecond || rg.Run == RunOutputTokensPerSecond:
		if rg.Sign > 0 {
			return p.errorf(sign, "%q regresses when it falls: want \"-\"", stat.text)
		}
	case rg.Run == RunErrorRate || rg.Metric.IsDuration():
		if rg.Sign < 0 {
			return p.errorf(sign, "%q regresses when it rises: want \"+\"", stat.text)
		}
	}
	return nil
}

// checkUnit checks the change's unit against the statistic.
func (rg *Regression) checkUnit(p *parser, unit, value span) error {
	u := rg.Value.Unit
	switch {
	case u == "%":
		return nil
	case u != "" && !knownUnit(u):
		return p.errorf(token{text: unit.text, col: unit.col}, "unknown unit %q", unit.text)
	case rg.Metric.IsDuration():
		if _, ok := durationUnits[u]; !ok {
			return p.errorf(token{text: value.text, col: value.col}, "change %q of a latency needs a duration unit (ms, s, …) or %%", value.text)
		}
	case u != "":
		return p.errorf(token{text: unit.text, col: unit.col}, "unit %q does not fit %s; use %% or a bare number", unit.text, rg.Statistic())
	}
	return nil
}

// Statistic returns the statistic in canonical form, as
// [llmtest.Delta.Statistic] names it: "ttft p99", "error_rate", ….
func (rg *Regression) Statistic() string {
	if rg.Run != "" {
		return string(rg.Run)
	}
	return metricName(rg.Metric) + " " + Aggregate{Func: AggPercentile, P: rg.Percentile}.String()
}

// String returns the threshold in canonical form, such as "ttft p99 +10%".
func (rg *Regression) String() string {
	sign := "+"
	if rg.Sign < 0 {
		sign = "-"
	}
	return rg.Statistic() + " " + sign + rg.Value.String()
}

// relative reports whether the change is relative to A.
func (rg *Regression) relative() bool { return rg.Value.Unit == "%" && rg.Run != RunErrorRate }

// limit returns the change in the statistic's unit (seconds for a
// latency), or as a ratio to A when relative, with its sign.
func (rg *Regression) limit() float64 {
	v := rg.Value.Number
	switch {
	case rg.Value.Unit == "%":
		v /= 100
	case rg.Value.Unit != "":
		v = float64(durationUnits[rg.Value.Unit]) * v / float64(time.Second)
	}
	return float64(rg.Sign) * v
}

// Evaluate reports whether c shows the regression: the statistic changed
// significantly (its interval excludes 0) in the direction of the sign,
// and its estimated change goes beyond the threshold. A relative change
// of a statistic whose A is 0 is beyond any threshold. The message is one
// stable line: statistic, change with its interval, the threshold and the
// sample counts. A statistic the comparison lacks (a metric a run did not
// measure, a percentile not compared) counts as a regression, with a
// message saying so: what cannot be checked does not pass.
func (rg *Regression) Evaluate(c *llmtest.Comparison) (regressed bool, msg string) {
	stat := rg.Statistic()
	d := c.Delta(stat)
	if d == nil {
		return true, fmt.Sprintf("%s: not compared (a run has no sample of it), want no change beyond %s", stat, rg.changeText())
	}
	iv, text := d.Diff, deltaText(d, false)
	if rg.relative() {
		if d.Relative != nil {
			iv, text = *d.Relative, deltaText(d, true)
		} else {
			iv = llmtest.Interval{Estimate: math.Inf(int(math.Copysign(1, d.Diff.Estimate))), Low: d.Diff.Low, High: d.Diff.High}
		}
	}
	lim := rg.limit()
	significant := (rg.Sign > 0 && d.Diff.Low > 0) || (rg.Sign < 0 && d.Diff.High < 0)
	beyond := (rg.Sign > 0 && iv.Estimate > lim) || (rg.Sign < 0 && iv.Estimate < lim)
	regressed = significant && beyond
	verdict := "within"
	switch {
	case regressed:
		verdict = "beyond"
	case beyond:
		verdict = "not significant, beyond"
	}
	return regressed, fmt.Sprintf("%s: %s, %s %s (n=%d → %d)", stat, text, verdict, rg.changeText(), d.NA, d.NB)
}

// changeText is the threshold's change as written, such as "+10%".
func (rg *Regression) changeText() string {
	s := rg.String()
	return s[strings.LastIndexByte(s, ' ')+1:]
}

// deltaText formats d's change and interval, relative or in its unit.
func deltaText(d *llmtest.Delta, relative bool) string {
	if relative {
		r := d.Relative
		return pct(r.Estimate) + " [" + pct(r.Low) + ", " + pct(r.High) + "]"
	}
	f := func(v float64) string {
		sign := ""
		if v >= 0 {
			sign = "+"
		}
		switch d.Unit {
		case "s":
			return sign + llmtest.FormatDuration(time.Duration(math.Round(v*1e9)))
		case "ratio":
			return sign + strconv.FormatFloat(v*100, 'f', 2, 64) + " pp"
		}
		return sign + strconv.FormatFloat(v, 'f', 1, 64)
	}
	return f(d.Diff.Estimate) + " [" + f(d.Diff.Low) + ", " + f(d.Diff.High) + "]"
}

func pct(v float64) string {
	sign := ""
	if v >= 0 {
		sign = "+"
	}
	return sign + strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

// ValidateRegressions parses every regression threshold and returns their
// errors joined ([errors.Join]), one line each, or nil when all are valid.
// A command line calls it on its --fail-on flags before reading any run.
func ValidateRegressions(exprs ...string) error {
	var errs []error
	for _, e := range exprs {
		if _, err := ParseRegression(e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// NoRegression asserts that c shows none of the regressions exprs, such
// as "ttft p99 +10%" or "requests_per_second -5%" (see
// [Regression.Evaluate]). Every expression is parsed first: if any is
// invalid, NoRegression reports each error and evaluates nothing.
// NoRegression without expressions fails, as does a nil comparison.
func NoRegression(t TestingT, c *llmtest.Comparison, exprs ...string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if len(exprs) == 0 || c == nil {
		t.Errorf("assertions: NoRegression without expressions or comparison")
		return false
	}
	rgs := make([]*Regression, len(exprs))
	bad := false
	for i, e := range exprs {
		rg, err := ParseRegression(e)
		if err != nil {
			t.Errorf("%v", err)
			bad = true
		}
		rgs[i] = rg
	}
	if bad {
		return false
	}
	ok := true
	for _, rg := range rgs {
		if regressed, msg := rg.Evaluate(c); regressed {
			t.Errorf("%s", msg)
			ok = false
		}
	}
	return ok
}
