package assertions

import (
	"fmt"
	"math"
)

// part names the piece of a threshold that a validation issue is about, so
// that the parser can point at its token.
type part int

const (
	partStatistic part = iota
	partAggregate
	partOp
	partNumber // the number of a value (or all of it, when it has no unit)
	partUnit   // the unit of a value
	partValue  // number and unit together
)

// issue is one reason a threshold is invalid. cond is the index of the
// goodput condition it is about, or -1 for the threshold itself.
type issue struct {
	part part
	cond int
	msg  string
}

// tokenText returns the text of a part as written, or "" when unknown; the
// parser provides it so that messages quote the input, not its canonical
// form.
type tokenText func(p part, cond int) string

// validate checks th against what its statistic supports and returns the
// first problem, or nil. text may be nil.
func validate(th *Threshold, text tokenText) *issue {
	quote := func(p part, cond int, canonical string) string {
		if text != nil {
			if s := text(p, cond); s != "" {
				return fmt.Sprintf("%q", s)
			}
		}
		return fmt.Sprintf("%q", canonical)
	}
	bad := func(p part, cond int, format string, args ...any) *issue {
		return &issue{part: p, cond: cond, msg: fmt.Sprintf(format, args...)}
	}

	set := 0
	for _, b := range []bool{th.Metric != "", th.Run != "", th.Goodput != nil} {
		if b {
			set++
		}
	}
	switch {
	case set == 0:
		return bad(partStatistic, -1, "no statistic")
	case set > 1:
		return bad(partStatistic, -1, "more than one statistic")
	case th.Metric != "":
		if !th.Metric.Valid() {
			return bad(partStatistic, -1, "unknown metric %s", quote(partStatistic, -1, string(th.Metric)))
		}
		switch a := th.Aggregate; a.Func {
		case AggAvg, AggMin, AggMax:
		case AggPercentile:
			if !(a.P >= 0 && a.P <= 100) {
				return bad(partAggregate, -1, "percentile %s out of range [0, 100]", quote(partAggregate, -1, a.String()))
			}
		default:
			return bad(partAggregate, -1, "unknown aggregate %s", quote(partAggregate, -1, a.String()))
		}
	case th.Run != "":
		switch th.kind() {
		case kindInvalid:
			return bad(partStatistic, -1, "unknown statistic %s", quote(partStatistic, -1, string(th.Run)))
		case kindVerdict:
			if th.Op != "" || th.Value != (Value{}) {
				return bad(partOp, -1, "%s takes no operator or value", quote(partStatistic, -1, string(th.Run)))
			}
			return nil
		}
	default:
		if len(th.Goodput) == 0 {
			return bad(partStatistic, -1, "goodput without conditions")
		}
		for i, c := range th.Goodput {
			if !c.Metric.Valid() {
				return bad(partStatistic, i, "unknown metric %s", quote(partStatistic, i, string(c.Metric)))
			}
			if !c.Metric.IsDuration() {
				return bad(partStatistic, i, "goodput condition on %s: want a latency metric", quote(partStatistic, i, metricName(c.Metric)))
			}
			for _, prev := range th.Goodput[:i] {
				if prev.Metric == c.Metric {
					return bad(partStatistic, i, "duplicate goodput condition on %s", quote(partStatistic, i, metricName(c.Metric)))
				}
			}
			if c.Op != Less && c.Op != LessOrEqual {
				return bad(partOp, i, "goodput condition operator %s not supported; use < or <=", quote(partOp, i, string(c.Op)))
			}
			if is := validateValue(c.Value, kindDuration, metricName(c.Metric), i, quote); is != nil {
				return is
			}
		}
	}
	if !th.Op.valid() {
		return bad(partOp, -1, "operator %s not supported; use <, <=, > or >=", quote(partOp, -1, string(th.Op)))
	}
	return validateValue(th.Value, th.kind(), th.Statistic(), -1, quote)
}

// validateValue checks that v fits a statistic of kind k named stat.
func validateValue(v Value, k kind, stat string, cond int, quote func(part, int, string) string) *issue {
	bad := func(p part, format string, args ...any) *issue {
		return &issue{part: p, cond: cond, msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case math.IsNaN(v.Number) || math.IsInf(v.Number, 0):
		return bad(partValue, "limit %s is not a finite number", quote(partValue, cond, v.String()))
	case v.Number < 0:
		return bad(partValue, "limit %s is negative", quote(partValue, cond, v.String()))
	case !knownUnit(v.Unit):
		return bad(partUnit, "unknown unit %s", quote(partUnit, cond, v.Unit))
	}
	_, isDuration := durationUnits[v.Unit]
	switch k {
	case kindDuration:
		if v.Unit == "" {
			return bad(partNumber, "missing duration unit after %s", quote(partNumber, cond, v.String()))
		}
		if !isDuration {
			break
		}
		if _, ok := v.Duration(); !ok {
			return bad(partValue, "duration %s out of range", quote(partValue, cond, v.String()))
		}
		return nil
	case kindRatio:
		switch v.Unit {
		case "%":
			if v.Number > 100 {
				return bad(partValue, "ratio %s out of range [0%%, 100%%]", quote(partValue, cond, v.String()))
			}
			return nil
		case "":
			if v.Number > 1 {
				return bad(partValue, "ratio %s out of range [0, 1]; write %s%% for a percentage",
					quote(partValue, cond, v.String()), formatNumber(v.Number))
			}
			return nil
		}
	default:
		if v.Unit == "" {
			return nil
		}
	}
	return bad(partUnit, "unit %s does not fit %s, which %s", quote(partUnit, cond, v.Unit), stat, k.describe())
}
