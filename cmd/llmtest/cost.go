package main

import (
	"math"
	"time"

	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/llmtest"
)

// costFlags are the flags of the run's cost model (llmtest.CostModel): a
// dimension is priced when its price flag is given, at that price (0
// included).
type costFlags struct {
	input, output, cached float64 // per million tokens
	hour                  float64
	granularity, minimum  time.Duration
}

// costFlagNames are the names of the cost flags, in help order.
var costFlagNames = []string{"price-input", "price-output", "price-cached-input", "price-hour", "billing-granularity", "billing-minimum"}

func (c *costFlags) register(fs *pflag.FlagSet) {
	fs.Float64Var(&c.input, "price-input", 0, "price a million input tokens at this (all of them, or without --price-cached-input's; cost_InputTokens)")
	fs.Float64Var(&c.output, "price-output", 0, "price a million output tokens, reasoning included, at this (cost_OutputTokens)")
	fs.Float64Var(&c.cached, "price-cached-input", 0, "price a million input tokens the server served from its cache at this (cost_CachedInputTokens)")
	fs.Float64Var(&c.hour, "price-hour", 0, "price the run's endpoint time (total_test_time) at this per hour (cost_EndpointTime)")
	fs.DurationVar(&c.granularity, "billing-granularity", llmtest.DefaultBillingGranularity, "with --price-hour: bill the endpoint time in whole units of this")
	fs.DurationVar(&c.minimum, "billing-minimum", 0, "with --price-hour: bill at least this much endpoint time")
}

// model returns the cost model the flags given (set) ask for, nil when no
// price flag is given.
func (c *costFlags) model(set map[string]bool) (*llmtest.CostModel, error) {
	price := func(flag string, v float64) error {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return usageErrorf("--%s: want a price ≥ 0, got %v", flag, v)
		}
		return nil
	}
	m := &llmtest.CostModel{}
	for _, p := range []struct {
		flag string
		v    float64
		dst  **llmtest.TokenPrice
	}{{"price-input", c.input, &m.Input}, {"price-output", c.output, &m.Output}, {"price-cached-input", c.cached, &m.CachedInput}} {
		if !set[p.flag] {
			continue
		}
		if err := price(p.flag, p.v); err != nil {
			return nil, err
		}
		*p.dst = &llmtest.TokenPrice{PerMillion: p.v}
	}
	if set["price-hour"] {
		if err := price("price-hour", c.hour); err != nil {
			return nil, err
		}
		if c.granularity <= 0 {
			return nil, usageErrorf("--billing-granularity: want a positive duration, got %v", c.granularity)
		}
		if c.minimum < 0 {
			return nil, usageErrorf("--billing-minimum: want a duration ≥ 0, got %v", c.minimum)
		}
		m.EndpointTime = &llmtest.TimePrice{PerHour: c.hour, Granularity: c.granularity, Minimum: c.minimum}
	} else {
		for _, f := range []string{"billing-granularity", "billing-minimum"} {
			if set[f] {
				return nil, usageErrorf("--%s applies to --price-hour, which is not given", f)
			}
		}
	}
	if m.Input == nil && m.Output == nil && m.CachedInput == nil && m.EndpointTime == nil {
		return nil, nil
	}
	return m, nil
}
