// Package runmetrics holds what the metric exporters (export/prom and
// export/otlp) share: the histogram bounds, the run's parameters as
// labels, and the run's figures, each with one name and meaning in both.
package runmetrics

import (
	"strconv"
	"strings"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// DurationBounds are the upper bounds, in seconds, of the exported
// histograms of duration metrics: from 1ms to 10 minutes, about three
// per decade, fine enough for inter-token gaps and coarse enough for
// end-to-end latencies.
var DurationBounds = []float64{
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 25, 50, 100, 250, 600,
}

// TokenBounds are the upper bounds of the exported histograms of token
// metrics: powers of two from 1 to 131072 tokens.
var TokenBounds = func() []float64 {
	var b []float64
	for v := 1.0; v <= 1<<17; v *= 2 {
		b = append(b, v)
	}
	return b
}()

// Bounds returns the histogram bounds of a metric of unit.
func Bounds(unit string) []float64 {
	if unit == reporters.UnitSeconds {
		return DurationBounds
	}
	return TokenBounds
}

// Quantiles are the quantiles a summary shows, each with the aggregate of
// reporters.Metric it is (0 and 1: the minimum and the maximum).
var Quantiles = []struct {
	Q         float64
	Aggregate string
}{
	{0, "min"}, {0.5, "p50"}, {0.9, "p90"}, {0.95, "p95"}, {0.99, "p99"}, {0.999, "p99.9"}, {1, "max"},
}

// Param is one run parameter: a label name (snake case) and its value;
// Number marks a value that is a number (such as clients or rate), Bool
// one that is "true".
type Param struct {
	Key, Value   string
	Number, Bool bool
}

// Params returns the run's identity and load shape as labels, in a fixed
// order, leaving out what is empty or zero: run, test, provider, model,
// endpoint, url, clients, requests (per client; the total in an open
// loop), duration and ramp_up (seconds), rate, arrival, max_in_flight,
// turns, shards, low_memory, payloads, payloads_digest, tokenizer,
// timeout (seconds). The endpoint's URL is the model's, which holds no
// secret.
func Params(run *reporters.Run) []Param {
	c := &run.Config
	var ps []Param
	add := func(k, v string) {
		if v != "" && v != "0" && v != "false" {
			ps = append(ps, Param{Key: k, Value: v})
		}
	}
	number := func(k, v string) {
		if v != "0" {
			ps = append(ps, Param{Key: k, Value: v, Number: true})
		}
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	add("run", run.Name)
	add("test", run.TestName)
	add("provider", run.Endpoint.Provider)
	add("model", run.Endpoint.Model)
	add("endpoint", run.Endpoint.Name)
	add("url", run.Endpoint.URL)
	number("clients", strconv.Itoa(c.Clients))
	number("requests", strconv.Itoa(c.Requests))
	number("duration", num(c.Duration))
	number("ramp_up", num(c.RampUp))
	number("rate", num(c.Rate))
	add("arrival", c.Arrival)
	number("max_in_flight", strconv.Itoa(c.MaxInFlight))
	number("turns", strconv.Itoa(c.Turns))
	number("shards", strconv.Itoa(c.Shards))
	if c.LowMemory {
		ps = append(ps, Param{Key: "low_memory", Value: "true", Bool: true})
	}
	number("payloads", strconv.Itoa(c.Payloads))
	add("payloads_digest", c.PayloadsDigest)
	add("tokenizer", c.Tokenizer)
	number("timeout", num(c.Timeout))
	return ps
}

// Kinds of a [Figure].
const (
	Counter = "counter" // a total over the run
	Gauge   = "gauge"   // a rate, a ratio or a time
)

// UnitCost is the unit of a cost figure: the unit the run's prices are
// given in (a currency, which llmtest does not name).
const UnitCost = "cost"

// Figure is one run-level figure: a name in snake case without prefix
// or unit suffix, its unit ("" for a count, "s", "1" for a ratio,
// "tokens", UnitCost), its kind and its value. Figures of one name follow
// one another, told apart by their labels (a cost's dimension); a figure
// alone under its name has none.
type Figure struct {
	Name, Help, Unit, Kind string
	Value                  float64
	Labels                 []Param
}

// Figures returns the run's figures, in a fixed order: the request
// counts, the token totals, the failure ratio, the throughputs, the test
// time, the start and end times (Unix seconds), whether it was
// interrupted, and, when the run has them, whether its load generator was
// saturated, how many of its checks failed, its connections (see
// [ConnectionFigures]) and its cost (see [CostFigures]).
func Figures(run *reporters.Run) []Figure {
	unix := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return float64(t.UnixNano()) / 1e9
	}
	bit := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	fs := []Figure{
		{"requests", "Requests sent: successful, failed or cancelled; warm-up excluded.", "", Counter, float64(run.Counts.Total), nil},
		{"failed_requests", "Requests that ended with an error.", "", Counter, float64(run.Counts.Failed), nil},
		{"cancelled_requests", "Requests cut by the run's interruption, neither successes nor failures.", "", Counter, float64(run.Counts.Cancelled), nil},
		{"dropped_requests", "Open-loop arrivals that found no free slot and were never sent.", "", Counter, float64(run.Counts.Dropped), nil},
		{"warmup_requests", "Warm-up requests, sent but left out of every other figure.", "", Counter, float64(run.Counts.Warmup), nil},
		{"input_tokens", "Input tokens of the successful requests.", "tokens", Counter, float64(run.Tokens.Input), nil},
		{"output_tokens", "Output tokens of the successful requests.", "tokens", Counter, float64(run.Tokens.Output), nil},
		{"failed_requests_ratio", "Failed requests over the requests that ended.", "1", Gauge, run.FailedRequestsRate(), nil},
		{"requests_per_minute", "Requests that ended per minute of the test time.", "", Gauge, run.RequestsPerMinute(), nil},
		{"output_tokens_per_second", "Output tokens per second of the test time.", "", Gauge, run.OutputTokensPerSecond(), nil},
		{"test_duration", "The run's wall time (LLMeter's total_test_time).", "s", Gauge, run.TestTime, nil},
		{"start_timestamp", "When the first request was about to be sent, in Unix time.", "s", Gauge, unix(run.StartTime), nil},
		{"end_timestamp", "When the last response ended, in Unix time.", "s", Gauge, unix(run.EndTime), nil},
		{"interrupted", "1 when the run ended before its load shape completed.", "", Gauge, bit(run.Interrupted), nil},
	}
	if g := run.Generator; g != nil {
		fs = append(fs, Figure{Name: "generator_saturated", Help: "1 when the load generator's self-check found it saturated.", Kind: Gauge, Value: bit(g.Saturated)})
	}
	if len(run.Checks) > 0 {
		fs = append(fs, Figure{Name: "checks_failed", Help: "SLO checks of the run that failed.", Kind: Gauge, Value: float64(len(run.Failures()))})
	}
	fs = append(fs, ConnectionFigures(run.Connections)...)
	return append(fs, CostFigures(run.Cost)...)
}

// ConnectionFigures returns the figure "connections", a counter of the
// traced requests labelled reused "false" (each opened a connection:
// stats.json's connections_new) and "true" (each went on a kept-alive
// one: connections_reused). It is nil for a nil c, a run whose requests
// were not traced.
func ConnectionFigures(c *reporters.Connections) []Figure {
	if c == nil {
		return nil
	}
	const help = "Traced requests, by whether they went on a kept-alive connection (reused=\"true\") or opened a new one (reused=\"false\")."
	reused := func(v string) []Param { return []Param{{Key: "reused", Value: v, Bool: true}} }
	return []Figure{
		{Name: "connections", Help: help, Kind: Counter, Value: float64(c.New()), Labels: reused("false")},
		{Name: "connections", Help: help, Kind: Counter, Value: float64(c.Reused), Labels: reused("true")},
	}
}

// CostFigures returns a priced run's cost figures, each one of LLMeter's
// cost stats keys (see [reporters.Cost.Stats]), in UnitCost: "cost"
// (cost_total, a counter); "dimension_cost" labelled dimension
// (cost_<Dimension>, a counter, one per priced dimension, summing to
// cost); "cost_per_request" labelled aggregate (cost_per_request-<agg>,
// gauges, for agg in reporters.CostAggregateNames) when a request was
// priced; and "dimension_cost_per_request" labelled dimension and
// aggregate (cost_<Dimension>_per_request-<agg>) for each request
// dimension that priced a request. It is nil for a nil c, an unpriced
// run.
func CostFigures(c *reporters.Cost) []Figure {
	if c == nil {
		return nil
	}
	fs := []Figure{{Name: "cost", Help: "What the run cost, every dimension summed, in the unit of its prices.", Unit: UnitCost, Kind: Counter, Value: c.Total}}
	for _, d := range c.Dimensions {
		fs = append(fs, Figure{Name: "dimension_cost", Help: "What each priced dimension of the run cost, in the unit of its prices.",
			Unit: UnitCost, Kind: Counter, Value: d.Total, Labels: []Param{{Key: "dimension", Value: d.Name}}})
	}
	perRequest := func(name, help string, a *reporters.CostAggregate, labels ...Param) {
		if a == nil || a.N == 0 {
			return
		}
		for _, agg := range reporters.CostAggregateNames {
			fs = append(fs, Figure{Name: name, Help: help, Unit: UnitCost, Kind: Gauge, Value: costAggregate(a, agg),
				Labels: append(labels[:len(labels):len(labels)], Param{Key: "aggregate", Value: agg})})
		}
	}
	perRequest("cost_per_request", "The cost of one request over the priced requests: the average, p50, p90 and p99 of its request dimensions' sum.", &c.PerRequest)
	for _, d := range c.Dimensions {
		perRequest("dimension_cost_per_request", "The cost of one request in each request dimension, over the priced requests: the average, p50, p90 and p99.",
			d.PerRequest, Param{Key: "dimension", Value: d.Name})
	}
	return fs
}

// costAggregate returns one of reporters.CostAggregateNames of a.
func costAggregate(a *reporters.CostAggregate, name string) float64 {
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

// SnakeName returns a metric name in snake case: "-" and "." become "_"
// ("time_to_first_token-from-intended" →
// "time_to_first_token_from_intended").
func SnakeName(name string) string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(name)
}
