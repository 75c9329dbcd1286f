package reporters

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Cost is what a run cost, by LLMeter's CostModel: a total per dimension —
// request dimensions (tokens at a price per million, summed over the
// priced requests) and run dimensions (endpoint time at a price per hour,
// billed in whole units of a granularity, with a minimum) — their sum, and
// the distribution of the cost of one request. Costs are in the unit the
// prices are given in (a currency: llmtest does not name it).
//
// It renders as LLMeter's stats keys (see [Cost.Stats]). A Run without a
// cost model has a nil Cost.
type Cost struct {
	// Total is every dimension's total: LLMeter's cost_total.
	Total float64 `json:"total"`
	// Dimensions are the priced dimensions, request dimensions first, in
	// the order of CostDimensionNames.
	Dimensions []CostDimension `json:"dimensions"`
	// PerRequest is the distribution of a request's cost: the sum of its
	// request dimensions (LLMeter's cost_per_request-*), over the priced
	// requests. N == 0 when no request was priced or no request
	// dimension exists.
	PerRequest CostAggregate `json:"per_request"`
}

// The kinds of a [CostDimension].
const (
	// CostPerRequest marks a request dimension: priced per request, from
	// its token counts, and summed.
	CostPerRequest = "request"
	// CostPerRun marks a run dimension: priced once, from the run's
	// total_test_time.
	CostPerRun = "run"
)

// The dimensions, named as LLMeter names its dimension classes (the stats
// keys are "cost_" and the name).
const (
	// CostInputTokens prices the input tokens of a request: all of them,
	// or, when CostCachedInputTokens is priced too, those not served from
	// the server's cache.
	CostInputTokens = "InputTokens"
	// CostCachedInputTokens prices the input tokens a server reported
	// served from its cache (OpenAI's prompt_tokens_details.cached_tokens,
	// Anthropic's cache_read_input_tokens), at their own price.
	CostCachedInputTokens = "CachedInputTokens"
	// CostOutputTokens prices the output tokens of a request, reasoning
	// tokens included.
	CostOutputTokens = "OutputTokens"
	// CostEndpointTime prices the run's total_test_time at a price per
	// hour.
	CostEndpointTime = "EndpointTime"
)

// CostDimensionNames are the dimensions in report order.
var CostDimensionNames = []string{CostInputTokens, CostCachedInputTokens, CostOutputTokens, CostEndpointTime}

// CostDimension is one priced dimension of a run.
type CostDimension struct {
	// Name is one of CostDimensionNames.
	Name string `json:"name"`
	// Kind is CostPerRequest or CostPerRun.
	Kind string `json:"kind"`
	// Price is per million tokens for a request dimension, per hour for a
	// run dimension.
	Price float64 `json:"price"`
	// Granularity is the billing unit: tokens for a request dimension
	// (each request's count is rounded up to a multiple of it; LLMeter's
	// granularity, 1 by default), seconds for a run dimension (the time is
	// rounded up to a multiple of it; LLMeter's granularity_secs).
	Granularity float64 `json:"granularity"`
	// Minimum is a run dimension's least billed time, in seconds (0: none).
	Minimum float64 `json:"minimum,omitempty"`
	// Quantity is what was billed: tokens, summed over the requests after
	// rounding, or seconds.
	Quantity float64 `json:"quantity"`
	// Total is the dimension's cost: Price · Quantity / 1e6 for tokens,
	// Price · Quantity / 3600 for time.
	Total float64 `json:"total"`
	// PerRequest is a request dimension's distribution of one request's
	// cost; nil for a run dimension.
	PerRequest *CostAggregate `json:"per_request,omitempty"`
}

// CostAggregate aggregates the cost of one request over the priced
// requests. N, Sum, Average, Min and Max are exact; the percentiles are
// exact (Exact) when computed from every request's cost, as a run that
// keeps its invocations does, and otherwise read from Histogram, within
// RelativeError. With N == 0 every other field is zero.
type CostAggregate struct {
	N       int     `json:"n"`
	Sum     float64 `json:"sum"`
	Average float64 `json:"average"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	P50     float64 `json:"p50"`
	P90     float64 `json:"p90"`
	P99     float64 `json:"p99"`
	Exact   bool    `json:"exact"`
	// Histogram holds every request's cost in units of CostHistogramUnit
	// (so that a cost of 1.5e-4 is recorded as 150000), for merging.
	Histogram *Histogram `json:"histogram,omitempty"`
}

// CostHistogramUnit is the unit of a [CostAggregate]'s histogram: a
// billionth of the price's unit. A request costs at most
// HistogramMax · CostHistogramUnit (86400) in a histogram.
const CostHistogramUnit = 1e-9

// CostAggregateNames are the aggregates of LLMeter's per-request cost keys
// ("cost_per_request-p50"), in report order.
var CostAggregateNames = []string{"average", "p50", "p90", "p99"}

func (a *CostAggregate) aggregate(name string) float64 {
	switch name {
	case "average":
		return a.Average
	case "p50":
		return a.P50
	case "p90":
		return a.P90
	}
	return a.P99
}

// BilledSeconds returns the seconds a run dimension bills for a run of
// seconds: rounded up to a whole multiple of granularity (none when
// granularity ≤ 0), and at least minimum.
func BilledSeconds(seconds, granularity, minimum float64) float64 {
	billed := seconds
	if granularity > 0 {
		// The quotient is rounded to 1e-9 first, so that 3.0000000001
		// seconds of float arithmetic do not bill a fourth second.
		q := math.Round(seconds/granularity*1e9) / 1e9
		billed = math.Ceil(q) * granularity
	}
	return max(billed, minimum)
}

// Bill sets a run dimension's Quantity and Total for a run of seconds.
func (d *CostDimension) Bill(seconds float64) {
	d.Quantity = BilledSeconds(seconds, d.Granularity, d.Minimum)
	d.Total = d.Price * d.Quantity / 3600
}

// Dimension returns the dimension of that name, or nil.
func (c *Cost) Dimension(name string) *CostDimension {
	if c == nil {
		return nil
	}
	for i := range c.Dimensions {
		if c.Dimensions[i].Name == name {
			return &c.Dimensions[i]
		}
	}
	return nil
}

// Stats returns LLMeter's cost stats keys: "cost_<Dimension>" (each
// dimension's total), "cost_total", "cost_<Dimension>_per_request-<agg>"
// for each request dimension and "cost_per_request-<agg>" (request
// dimensions only), for agg in CostAggregateNames. The per-request keys
// are absent when no request was priced. A nil Cost has none.
func (c *Cost) Stats() map[string]float64 {
	m := map[string]float64{}
	c.eachStat(func(k string, v float64) { m[k] = v })
	return m
}

func (c *Cost) eachStat(f func(key string, v float64)) {
	if c == nil {
		return
	}
	for _, d := range c.Dimensions {
		f("cost_"+d.Name, d.Total)
	}
	f("cost_total", c.Total)
	for _, d := range c.Dimensions {
		if d.PerRequest == nil || d.PerRequest.N == 0 {
			continue
		}
		for _, agg := range CostAggregateNames {
			f(StatKey("cost_"+d.Name+"_per_request", agg), d.PerRequest.aggregate(agg))
		}
	}
	if c.PerRequest.N > 0 {
		for _, agg := range CostAggregateNames {
			f(StatKey("cost_per_request", agg), c.PerRequest.aggregate(agg))
		}
	}
}

// String describes the cost on one line: "cost 0.0123: InputTokens
// 0.0100 (66,000 tokens), OutputTokens 0.0020 (...), EndpointTime 0.0003
// (61s billed); per request p50 0.000123, p99 0.000250 (n=400)".
func (c *Cost) String() string {
	if c == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("cost " + FormatCost(c.Total))
	for i, d := range c.Dimensions {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(d.Name + " " + FormatCost(d.Total))
		if d.Kind == CostPerRun {
			b.WriteString(" (" + formatPlain(d.Quantity) + "s billed)")
		} else {
			b.WriteString(" (" + formatPlain(d.Quantity) + " tokens)")
		}
	}
	if a := c.PerRequest; a.N > 0 {
		fmt.Fprintf(&b, "; per request avg %s, p50 %s, p99 %s (n=%d)", FormatCost(a.Average), FormatCost(a.P50), FormatCost(a.P99), a.N)
	}
	return b.String()
}

// FormatCost formats a cost for people: four decimals from 0.01 up, else
// three significant digits ("0.0123", "1.23e-05"), "0" for zero.
func FormatCost(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 0.01:
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// compareCosts returns a *MismatchError when a and b were not priced
// alike: one has a cost and the other not, or a dimension, its price, its
// granularity or its minimum differs.
func compareCosts(a, b *Run) error {
	mismatch := func(field, av, bv string) error {
		return &MismatchError{Field: field, A: a.Name, B: b.Name, AValue: av, BValue: bv}
	}
	names := func(c *Cost) string {
		if c == nil {
			return "none"
		}
		var ns []string
		for _, d := range c.Dimensions {
			ns = append(ns, d.Name)
		}
		return strings.Join(ns, ",")
	}
	if na, nb := names(a.Cost), names(b.Cost); na != nb {
		return mismatch("cost.dimensions", na, nb)
	}
	if a.Cost == nil {
		return nil
	}
	for i, da := range a.Cost.Dimensions {
		db := b.Cost.Dimensions[i]
		for _, f := range []struct {
			name   string
			av, bv float64
		}{{"price", da.Price, db.Price}, {"granularity", da.Granularity, db.Granularity}, {"minimum", da.Minimum, db.Minimum}} {
			if f.av != f.bv {
				return mismatch("cost."+da.Name+"."+f.name, formatPlain(f.av), formatPlain(f.bv))
			}
		}
	}
	return nil
}

// mergeCost merges the costs of runs whose merge lasted testTime seconds:
// request dimensions are summed and their distributions merged, run
// dimensions billed again for testTime (shards run at once share the
// endpoint's time), with the first run's prices. It is nil when no run
// has a cost.
func mergeCost(runs []*Run, testTime float64) (*Cost, error) {
	var out *Cost
	for _, r := range runs {
		if r.Cost == nil {
			continue
		}
		if out == nil {
			out = &Cost{}
		}
		for _, d := range r.Cost.Dimensions {
			o := out.Dimension(d.Name)
			if o == nil {
				out.Dimensions = append(out.Dimensions, CostDimension{Name: d.Name, Kind: d.Kind, Price: d.Price,
					Granularity: d.Granularity, Minimum: d.Minimum})
				o = &out.Dimensions[len(out.Dimensions)-1]
				if d.Kind == CostPerRequest {
					o.PerRequest = &CostAggregate{}
				}
			}
			if o.Kind != CostPerRequest {
				continue
			}
			o.Quantity += d.Quantity
			if d.PerRequest != nil {
				if err := o.PerRequest.merge(d.PerRequest); err != nil {
					return nil, fmt.Errorf("run %q: cost %s: %w", r.Name, d.Name, err)
				}
			}
		}
		if err := out.PerRequest.merge(&r.Cost.PerRequest); err != nil {
			return nil, fmt.Errorf("run %q: cost per request: %w", r.Name, err)
		}
	}
	if out == nil {
		return nil, nil
	}
	for i := range out.Dimensions {
		d := &out.Dimensions[i]
		if d.Kind == CostPerRun {
			d.Bill(testTime)
		} else {
			d.Total = d.Price * d.Quantity / 1e6
			d.PerRequest.finishMerge()
		}
		out.Total += d.Total
	}
	out.PerRequest.finishMerge()
	return out, nil
}

// merge adds o's requests to a.
func (a *CostAggregate) merge(o *CostAggregate) error {
	if o.N == 0 {
		return nil
	}
	if a.Histogram == nil {
		a.Histogram = NewHistogram()
	}
	if a.N == 0 || o.Min < a.Min {
		a.Min = o.Min
	}
	if a.N == 0 || o.Max > a.Max {
		a.Max = o.Max
	}
	a.N += o.N
	a.Sum += o.Sum
	return a.Histogram.Merge(o.Histogram)
}

// finishMerge computes the average and the percentiles of a merged
// aggregate, from its histogram.
func (a *CostAggregate) finishMerge() {
	a.Exact = false
	if a.N == 0 {
		return
	}
	a.Average = a.Sum / float64(a.N)
	ps := a.Histogram.Quantiles(50, 90, 99)
	for i, dst := range []*float64{&a.P50, &a.P90, &a.P99} {
		*dst = min(max(ps[i]*CostHistogramUnit, a.Min), a.Max)
	}
}
