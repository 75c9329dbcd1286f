package llmtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/reporters"
)

// CostModel is a [Callback] that prices a run, as LLMeter's CostModel
// does: request dimensions price each successful request's tokens at a
// price per million, run dimensions price the run's endpoint time at a
// price per hour. When the run ends it sets Result.Run.Cost, which every
// report renders and stats.json holds under LLMeter's keys (cost_total,
// cost_InputTokens, cost_per_request-p50, …; see [reporters.Cost.Stats]).
//
// A nil dimension is not priced. The costs are in the prices' unit.
//
// Requests are priced as they complete, in AfterInvoke, so a low-memory
// run is priced whole (LLMeter's loses its request costs). Failed,
// cancelled and warm-up requests are not priced, as their tokens are not
// in the run's token totals; a priced request's input and output
// dimensions sum to the run's total_input_tokens and total_output_tokens
// at their prices (granularity 1).
//
// A CostModel holds the state of the run it prices: it may price one run
// after another (a sweep's levels), each from BeforeRun, but not two at
// once.
type CostModel struct {
	// Input prices the input tokens (LLMeter's InputTokens): all of them,
	// or, with CachedInput, those not served from the server's cache.
	Input *TokenPrice
	// CachedInput prices the input tokens the server reported served
	// from its cache (Invocation.NumTokensInputCached), at their own
	// price. Without it, cached tokens are priced as Input.
	CachedInput *TokenPrice
	// Output prices the output tokens, reasoning tokens included
	// (LLMeter's OutputTokens).
	Output *TokenPrice
	// EndpointTime prices the run's total_test_time (LLMeter's
	// EndpointTime).
	EndpointTime *TimePrice

	lowMemory bool
	dims      []requestDim
	total     costAccumulator
}

// TokenPrice prices tokens.
type TokenPrice struct {
	// PerMillion is the price of a million tokens.
	PerMillion float64
	// Granularity is the billing unit in tokens: each request's count is
	// rounded up to a multiple of it. 0 means 1.
	Granularity int
}

// TimePrice prices time.
type TimePrice struct {
	// PerHour is the price of an hour.
	PerHour float64
	// Granularity is the billing unit: the time is rounded up to a
	// multiple of it. 0 means DefaultBillingGranularity.
	Granularity time.Duration
	// Minimum is the least time billed; 0 means none.
	Minimum time.Duration
}

// DefaultBillingGranularity is TimePrice's default granularity: per
// second, as LLMeter's EndpointTime and SageMaker's billing.
const DefaultBillingGranularity = time.Second

var _ Callback = (*CostModel)(nil)

// requestDim accumulates one request dimension.
type requestDim struct {
	name  string
	price TokenPrice
	count func(inv *Invocation) int
	costAccumulator
	tokens int64 // billed, after rounding
}

// costAccumulator accumulates the costs of requests: exact sums, and
// every cost (unless the run is low-memory) and a histogram for the
// percentiles.
type costAccumulator struct {
	n        int
	sum      float64
	min, max float64
	values   []float64
	hist     *reporters.Histogram
}

func (a *costAccumulator) add(v float64, keep bool) {
	if a.n == 0 || v < a.min {
		a.min = v
	}
	if a.n == 0 || v > a.max {
		a.max = v
	}
	a.n++
	a.sum += v
	if keep {
		a.values = append(a.values, v)
	}
	if a.hist == nil {
		a.hist = reporters.NewHistogram()
	}
	a.hist.Record(int64(math.Round(v / reporters.CostHistogramUnit)))
}

// aggregate returns the aggregate: exact percentiles from the values kept,
// else from the histogram.
func (a *costAccumulator) aggregate() reporters.CostAggregate {
	out := reporters.CostAggregate{N: a.n, Sum: a.sum, Histogram: a.hist}
	if a.n == 0 {
		return out
	}
	out.Average, out.Min, out.Max = a.sum/float64(a.n), a.min, a.max
	if len(a.values) == a.n {
		slices.Sort(a.values)
		out.P50, out.P90, out.P99 = Percentile(a.values, 50), Percentile(a.values, 90), Percentile(a.values, 99)
		out.Exact = true
		return out
	}
	ps := a.hist.Quantiles(50, 90, 99)
	for i, dst := range []*float64{&out.P50, &out.P90, &out.P99} {
		*dst = min(max(ps[i]*reporters.CostHistogramUnit, a.min), a.max)
	}
	return out
}

// Validate reports a negative price, granularity or minimum, and a model
// that prices nothing.
func (m *CostModel) Validate() error {
	var errs []error
	tokens := func(name string, p *TokenPrice) {
		switch {
		case p == nil:
		case p.PerMillion < 0 || math.IsNaN(p.PerMillion) || math.IsInf(p.PerMillion, 0):
			errs = append(errs, fmt.Errorf("CostModel.%s.PerMillion: want a finite price ≥ 0, got %v", name, p.PerMillion))
		case p.Granularity < 0:
			errs = append(errs, fmt.Errorf("CostModel.%s.Granularity: want ≥ 0 tokens, got %d", name, p.Granularity))
		}
	}
	tokens("Input", m.Input)
	tokens("CachedInput", m.CachedInput)
	tokens("Output", m.Output)
	if p := m.EndpointTime; p != nil {
		switch {
		case p.PerHour < 0 || math.IsNaN(p.PerHour) || math.IsInf(p.PerHour, 0):
			errs = append(errs, fmt.Errorf("CostModel.EndpointTime.PerHour: want a finite price ≥ 0, got %v", p.PerHour))
		case p.Granularity < 0:
			errs = append(errs, fmt.Errorf("CostModel.EndpointTime.Granularity: want ≥ 0, got %v", p.Granularity))
		case p.Minimum < 0:
			errs = append(errs, fmt.Errorf("CostModel.EndpointTime.Minimum: want ≥ 0, got %v", p.Minimum))
		}
	}
	if m.Input == nil && m.CachedInput == nil && m.Output == nil && m.EndpointTime == nil {
		errs = append(errs, errors.New("CostModel: no dimension is priced"))
	}
	return errors.Join(errs...)
}

// BeforeRun validates the model and starts pricing a run.
func (m *CostModel) BeforeRun(_ context.Context, cfg Config) error {
	if err := m.Validate(); err != nil {
		return err
	}
	m.lowMemory = cfg.LowMemory
	m.total = costAccumulator{}
	m.dims = m.dims[:0]
	add := func(name string, p *TokenPrice, count func(inv *Invocation) int) {
		if p != nil {
			m.dims = append(m.dims, requestDim{name: name, price: *p, count: count})
		}
	}
	cached := m.CachedInput != nil
	add(reporters.CostInputTokens, m.Input, func(inv *Invocation) int {
		if cached {
			return max(inv.NumTokensInput-inv.NumTokensInputCached, 0)
		}
		return inv.NumTokensInput
	})
	add(reporters.CostCachedInputTokens, m.CachedInput, func(inv *Invocation) int {
		return min(inv.NumTokensInputCached, inv.NumTokensInput)
	})
	add(reporters.CostOutputTokens, m.Output, func(inv *Invocation) int { return inv.NumTokensOutput })
	return nil
}

// BeforeInvoke does nothing, as NopCallback's: the engine skips the
// payload copy for it.
func (m *CostModel) BeforeInvoke(ctx context.Context, p endpoints.Payload) error {
	return NopCallback{}.BeforeInvoke(ctx, p)
}

// AfterInvoke prices a successful request that is not a warm-up one.
func (m *CostModel) AfterInvoke(_ context.Context, inv *Invocation) error {
	if inv.Warmup || !inv.Succeeded() {
		return nil
	}
	if len(m.dims) == 0 {
		return nil
	}
	keep := !m.lowMemory
	var total float64
	for i := range m.dims {
		d := &m.dims[i]
		n := d.count(inv)
		if g := d.price.Granularity; g > 1 {
			n = (n + g - 1) / g * g
		}
		d.tokens += int64(n)
		c := float64(n) * d.price.PerMillion / 1e6
		d.add(c, keep)
		total += c
	}
	m.total.add(total, keep)
	return nil
}

// AfterRun sets res.Run.Cost: the request dimensions' totals and
// distributions, and the run dimension billed for res.Run.TestTime.
func (m *CostModel) AfterRun(_ context.Context, res *Result) error {
	res.Run.Cost = m.cost(res.Run.TestTime)
	return nil
}

// cost returns the cost of the requests priced so far and of a run of
// testTime seconds.
func (m *CostModel) cost(testTime float64) *reporters.Cost {
	c := &reporters.Cost{}
	for i := range m.dims {
		d := &m.dims[i]
		agg := d.aggregate()
		g := max(d.price.Granularity, 1)
		c.Dimensions = append(c.Dimensions, reporters.CostDimension{
			Name: d.name, Kind: reporters.CostPerRequest, Price: d.price.PerMillion, Granularity: float64(g),
			Quantity: float64(d.tokens), Total: float64(d.tokens) * d.price.PerMillion / 1e6, PerRequest: &agg,
		})
	}
	if p := m.EndpointTime; p != nil {
		g := p.Granularity
		if g == 0 {
			g = DefaultBillingGranularity
		}
		d := reporters.CostDimension{Name: reporters.CostEndpointTime, Kind: reporters.CostPerRun, Price: p.PerHour,
			Granularity: g.Seconds(), Minimum: p.Minimum.Seconds()}
		d.Bill(testTime)
		c.Dimensions = append(c.Dimensions, d)
	}
	for _, d := range c.Dimensions {
		c.Total += d.Total
	}
	if len(m.dims) > 0 {
		c.PerRequest = m.total.aggregate()
	}
	return c
}

// Price prices a finished run again from its records, replacing
// res.Run.Cost (LLMeter's calculate_run_cost with
// recalculate_request_costs): BeforeRun, AfterInvoke for every record of
// res.Responses() — read one at a time from responses.jsonl for a run
// folder opened with OpenResult — and AfterRun. A record that cannot be
// read is an error, and res is left as it was.
func (m *CostModel) Price(ctx context.Context, res *Result) error {
	if err := m.BeforeRun(ctx, Config{LowMemory: res.Run.Config.LowMemory || len(res.Invocations) == 0}); err != nil {
		return err
	}
	for inv, err := range res.Responses() {
		if err != nil {
			return fmt.Errorf("llmtest: pricing %s: %w", res.Run.Name, err)
		}
		if err := m.AfterInvoke(ctx, &inv); err != nil {
			return err
		}
	}
	return m.AfterRun(ctx, res)
}
