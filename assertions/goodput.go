package assertions

import (
	"fmt"
	"time"

	"github.com/llmtest/llmtest/llmtest"
)

// GoodputLimits are per-request latency limits. A request is good when it
// succeeded and each non-zero limit holds for it (value ≤ limit); a zero
// limit does not apply. A request that lacks a value whose limit applies
// is not good: with TTFT limited, a non-streaming request (no TTFT) is not
// good; with TPOT limited, neither is a request of one output token.
type GoodputLimits struct {
	// TTFT limits the time to first token.
	TTFT time.Duration
	// TTFO limits the time to first output (text or reasoning).
	TTFO time.Duration
	// TPOT limits the time per output token.
	TPOT time.Duration
	// TTLT limits the time to last token (end to end).
	TTLT time.Duration
	// ITL limits every inter-token gap of the request; a request without
	// any gap (fewer than two chunks) is not good.
	ITL time.Duration
}

// conditions returns the limits that apply as goodput conditions (≤), in
// field order.
func (l GoodputLimits) conditions() []Condition {
	var cs []Condition
	for _, x := range []struct {
		m llmtest.Metric
		d time.Duration
	}{
		{llmtest.TimeToFirstToken, l.TTFT},
		{llmtest.TimeToFirstOutput, l.TTFO},
		{llmtest.TimePerOutputToken, l.TPOT},
		{llmtest.TimeToLastToken, l.TTLT},
		{llmtest.InterTokenLatency, l.ITL},
	} {
		if x.d != 0 {
			cs = append(cs, Condition{Metric: x.m, Op: LessOrEqual, Value: durationValue(x.d)})
		}
	}
	return cs
}

// GoodputShare returns the share of the requests of res that ended (failed
// ones count, and are never good; cancelled ones do not count) that met
// every limit of limits, and the number of those requests n. With no limit
// set, every successful request is good. No request meets a negative
// limit. share is 0 when n is 0.
//
// Goodput needs each request's values, which no aggregate keeps: it reads
// the records with res.Responses, from memory, or, for a low-memory run,
// streamed from responses.jsonl — err is a failure to read that file.
func GoodputShare(res *llmtest.Result, limits GoodputLimits) (share float64, n int, err error) {
	return goodShare(res, limits.conditions())
}

// Good reports whether the request inv is good under l: it succeeded, and
// meets every limit of l that applies (see [GoodputLimits]). It is the
// test [GoodputShare] applies to each request, and it fits
// llmtest.SweepConfig.Good, which defines a sweep's goodput:
//
//	Good: assertions.GoodputLimits{TTFT: time.Second, TPOT: 50 * time.Millisecond}.Good
func (l GoodputLimits) Good(inv *llmtest.Invocation) bool {
	ls, ok := goodLimits(l.conditions())
	return ok && !inv.Cancelled && inv.Succeeded() && meets(inv, ls)
}

// goodLimit is one goodput condition, its limit in nanoseconds.
type goodLimit struct {
	metric llmtest.Metric
	op     Op
	ns     float64
}

// goodLimits returns conds as limits; ok is false when one is negative,
// which no request meets.
func goodLimits(conds []Condition) (ls []goodLimit, ok bool) {
	ls = make([]goodLimit, len(conds))
	for i, c := range conds {
		d, ok := c.Value.Duration()
		if !ok {
			return nil, false
		}
		ls[i] = goodLimit{c.Metric, c.Op, float64(d)}
	}
	return ls, true
}

// meets reports whether inv, a successful request, meets every limit.
func meets(inv *llmtest.Invocation, limits []goodLimit) bool {
	for _, l := range limits {
		var v time.Duration
		switch l.metric {
		case llmtest.InterTokenLatency:
			if len(inv.InterTokenLatencies) == 0 {
				return false
			}
			for _, g := range inv.InterTokenLatencies {
				if !l.op.holds(float64(g), l.ns) {
					return false
				}
			}
			continue
		case llmtest.TimeToFirstToken:
			v = inv.TimeToFirstToken
		case llmtest.TimeToFirstOutput:
			v = inv.TimeToFirstOutput
		case llmtest.TimePerOutputToken:
			v = inv.TimePerOutputToken
		case llmtest.TimeToLastToken:
			v = inv.TimeToLastToken
		}
		if v == 0 || !l.op.holds(float64(v), l.ns) { // zero: absent
			return false
		}
	}
	return true
}

// goodShare is GoodputShare for conditions on latency metrics.
func goodShare(res *llmtest.Result, conds []Condition) (float64, int, error) {
	n := res.Stats.TotalRequests - res.Stats.CancelledRequests
	if n <= 0 {
		return 0, 0, nil
	}
	limits, ok := goodLimits(conds)
	if !ok { // a negative limit: no request meets it
		return 0, n, nil
	}
	good, read := 0, 0
	for inv, err := range res.Responses() {
		if err != nil {
			return 0, n, err
		}
		if inv.Warmup {
			continue // not a measured request
		}
		if !inv.Cancelled {
			read++
		}
		if inv.Succeeded() && meets(&inv, limits) {
			good++
		}
	}
	if read != n {
		return 0, n, fmt.Errorf("goodput needs the record of every request: the result has %d of the %d that ended (loaded without its %s?)",
			read, n, llmtest.ResponsesFile)
	}
	return float64(good) / float64(n), n, nil
}
