package html

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// metricOf returns a duration metric of the values (seconds), with its
// histogram and exact percentiles (or, without exact, the percentiles
// read from the histogram).
func metricOf(name string, values []float64, exact bool) reporters.Metric {
	m := reporters.Metric{Name: name, Unit: reporters.UnitSeconds, N: len(values), Exact: exact, Histogram: reporters.NewHistogram()}
	sorted := slices.Sorted(slices.Values(values))
	for _, v := range sorted {
		m.Sum += v
		m.Histogram.Record(int64(v * 1e9))
	}
	m.Average = m.Sum / float64(len(values))
	m.Min, m.Max = sorted[0], sorted[len(sorted)-1]
	for _, pa := range []struct {
		p float64
		v *float64
	}{{50, &m.P50}, {90, &m.P90}, {95, &m.P95}, {99, &m.P99}, {99.9, &m.P999}} {
		*pa.v, _ = m.Percentile(pa.p)
	}
	return m
}

// fixtureRun returns a run of 200 requests over 10 seconds, 12 of them
// failed, with the four latency metrics, a token metric, a series, a
// generator self-check, one passing and one failing check, and two error
// messages.
func fixtureRun() *reporters.Run {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(n int, base, spread float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = base + rng.ExpFloat64()*spread
		}
		return out
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := &reporters.Run{
		SchemaVersion: reporters.SchemaVersion,
		Name:          "fixture",
		Description:   "a <b>run</b> & its figures",
		Endpoint:      reporters.Endpoint{Provider: "openai", Model: "sim", Name: "chat/completions", URL: "http://127.0.0.1:1/v1"},
		Config:        reporters.Config{Clients: 4, Duration: 10, Timeout: 60, Tokenizer: "whitespace"},
		StartTime:     start,
		EndTime:       start.Add(10 * time.Second),
		TestTime:      10,
		Counts:        reporters.Counts{Total: 200, Failed: 12},
		Tokens:        reporters.Tokens{Input: 2000, Output: 12000},
		RelativeError: reporters.RelativeError,
		Metrics: []reporters.Metric{
			metricOf("time_to_first_token", gen(188, 0.05, 0.02), true),
			metricOf("time_to_last_token", gen(188, 0.8, 0.3), true),
			metricOf("time_per_output_token", gen(188, 0.012, 0.003), true),
			metricOf("inter_token_latency", gen(5000, 0.01, 0.004), true),
		},
		Errors:    []reporters.ErrorCount{{Message: "HTTP 500: <overloaded>", Count: 10}, {Message: "stream cut", Count: 2}},
		Generator: &reporters.Generator{CPU: 0.3, PeakCPU: 0.5, GOMAXPROCS: 2, SchedLatencyP99: 0.0002, Samples: 12},
		Checks: []reporters.Check{
			{Expression: "ttft p99 < 800ms", Statistic: "ttft p99", Op: "<", Observed: 0.15, Limit: 0.8, Unit: "s", Samples: 188, Pass: true, Message: "ttft p99 = 150ms, want < 800ms (n=188)"},
			{Expression: "error_rate < 1%", Statistic: "error_rate", Op: "<", Observed: 0.06, Limit: 0.01, Unit: "ratio", Samples: 200, Pass: false, Message: "error_rate = 6.00%, want < 1% (n=200)"},
		},
	}
	tokens := reporters.Metric{Name: "num_tokens_output", Unit: reporters.UnitTokens, N: 188, Sum: 12000, Average: 63.8, Min: 10, Max: 64, P50: 64, P90: 64, P95: 64, P99: 64, P999: 64, Exact: true, Histogram: reporters.NewHistogram()}
	for range 188 {
		tokens.Histogram.Record(64)
	}
	run.Metrics = append(run.Metrics, tokens)
	for i := range 10 {
		w := reporters.Window{Start: start.Add(time.Duration(i) * time.Second), Started: 20, Completed: 18, Failed: 2, InFlight: 4, OutputTokens: 1150}
		if i != 3 { // one second without a TTFT
			w.TTFTP50, w.TTFTP99 = 0.05+float64(i)*0.001, 0.12
		}
		run.Series = append(run.Series, w)
	}
	return run
}

// fixtureSweep returns a sweep of four client levels, saturated at 4
// clients, with goodput.
func fixtureSweep() *reporters.Sweep {
	good := func(v float64) *float64 { return &v }
	s := &reporters.Sweep{
		SchemaVersion: reporters.SweepSchemaVersion, Name: "load", Kind: reporters.SweepClients,
		Levels: []reporters.SweepLevel{
			{Level: 1, RunName: "00001-clients", Requests: 20, AchievedRate: 10, Throughput: 600, TTFTP50: 0.05, TTFTP99: 0.06, TTLTP50: 0.1, TTLTP99: 0.12, GoodShare: good(1), Goodput: good(10)},
			{Level: 2, RunName: "00002-clients", Requests: 40, AchievedRate: 20, Throughput: 1200, TTFTP50: 0.05, TTFTP99: 0.07, TTLTP50: 0.1, TTLTP99: 0.13, GoodShare: good(1), Goodput: good(20)},
			{Level: 4, RunName: "00004-clients", Requests: 80, AchievedRate: 38, Throughput: 2300, TTFTP50: 0.06, TTFTP99: 0.09, TTLTP50: 0.11, TTLTP99: 0.15, GoodShare: good(0.95), Goodput: good(36)},
			{Level: 8, RunName: "00008-clients", Requests: 160, Failed: 16, AchievedRate: 40, Throughput: 2350, TTFTP50: 0.2, TTFTP99: 0.5, TTLTP50: 0.3, TTLTP99: 0.7, ErrorRate: 0.1, GoodShare: good(0.5), Goodput: good(20)},
		},
		Checks: []reporters.Check{{Expression: "saturation >= 8 clients", Pass: false, Message: "saturation = 4 clients, want >= 8 clients"}},
	}
	s.Locate()
	return s
}

// fixtureHeatmap returns a 2 × 3 heatmap whose last cell had failures and
// whose cell (1, 0) had no successful request.
func fixtureHeatmap() *reporters.Heatmap {
	h := &reporters.Heatmap{Inputs: []int{10, 100}, Outputs: []int{16, 64, 256}, PerCell: 4}
	for _, in := range h.Inputs {
		for _, out := range h.Outputs {
			v := float64(in)*0.001 + float64(out)*0.01
			c := reporters.HeatmapCell{Input: in, Output: out, Requests: 4, Succeeded: 4,
				TTFT: reporters.Metric{N: 4, P50: v / 10, Average: v / 10}, TTLT: reporters.Metric{N: 4, P50: v, Average: v}, TPOT: reporters.Metric{N: 4, P50: 0.01, Average: 0.01}}
			h.Cells = append(h.Cells, c)
		}
	}
	h.Cells[3].Succeeded = 0
	h.Cells[3].TTFT, h.Cells[3].TTLT, h.Cells[3].TPOT = reporters.Metric{}, reporters.Metric{}, reporters.Metric{}
	h.Cells[5].Succeeded = 3
	return h
}
