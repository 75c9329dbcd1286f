package html

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xhtml "golang.org/x/net/html"

	"github.com/llmtest/llmtest/reporters"
)

// richRun returns fixtureRun priced (input and output tokens, endpoint
// time), traced (200 requests, 4 on a new connection, with the time to
// first byte and the connect time) and with a vLLM server's metrics and
// a warning holding markup.
func richRun() *reporters.Run {
	run := fixtureRun()
	run.Metric(metricTTFT).Average = 0.06
	run.Cost = &reporters.Cost{
		Total: 0.0175,
		Dimensions: []reporters.CostDimension{
			{Name: reporters.CostInputTokens, Kind: reporters.CostPerRequest, Price: 0.15, Granularity: 1, Quantity: 2000, Total: 0.0003,
				PerRequest: &reporters.CostAggregate{N: 188, P50: 1.5e-6, P90: 2e-6, P99: 3e-6, Exact: true}},
			{Name: reporters.CostOutputTokens, Kind: reporters.CostPerRequest, Price: 0.6, Granularity: 1, Quantity: 12000, Total: 0.0072,
				PerRequest: &reporters.CostAggregate{N: 188, P50: 3.84e-5, P90: 3.85e-5, P99: 3.86e-5, Exact: true}},
			{Name: reporters.CostEndpointTime, Kind: reporters.CostPerRun, Price: 3.6, Granularity: 1, Quantity: 10, Total: 0.01},
		},
		PerRequest: reporters.CostAggregate{N: 188, P50: 3.99e-5, P90: 4.04e-5, P99: 4.14e-5, Exact: true},
	}
	run.Connections = &reporters.Connections{Traced: 200, Reused: 196}
	ttfb := metricOf(metricTTFB, []float64{0.010, 0.011, 0.012, 0.0123, 0.015, 0.02, 0.031, 0.04}, true)
	ttfb.P50, ttfb.P90, ttfb.P99, ttfb.Max = 0.0123, 0.02, 0.031, 0.04
	connect := metricOf(metricConnect, []float64{0.0001, 0.00012, 0.00013, 0.0002}, true)
	connect.P50, connect.P90, connect.P99, connect.Max = 0.00012, 0.00013, 0.0002, 0.0002
	run.Metrics = append(run.Metrics, ttfb, connect)
	run.ServerMetrics = &reporters.ServerMetrics{
		URL:    "http://127.0.0.1:8000/metrics",
		Server: reporters.ServerVLLM,
		Series: []reporters.ServerSeries{
			{Name: "vllm:request_success_total", Type: reporters.SeriesCounter, Before: 10, After: 210, Delta: 200},
			{Name: "vllm:prompt_tokens_total", Type: reporters.SeriesCounter, After: 2000, Delta: 2000},
			{Name: "vllm:generation_tokens_total", Type: reporters.SeriesCounter, After: 12500, Delta: 12500},
			{Name: "vllm:request_queue_time_seconds", Type: reporters.SeriesHistogram, After: 2, Delta: 2, Count: 200},
			{Name: "vllm:time_to_first_token_seconds", Type: reporters.SeriesHistogram, After: 10, Delta: 10, Count: 200},
		},
		Warnings: []string{"server metrics http://127.0.0.1:8000/metrics: counter vllm:x went backwards <b>restart</b> & reset"},
	}
	return run
}

// cells returns the text of a row's cells, th and td.
func cells(tr *xhtml.Node) []string {
	var out []string
	for _, c := range all(tr, func(n *xhtml.Node) bool { return n.Data == "td" || n.Data == "th" }) {
		out = append(out, text(c))
	}
	return out
}

// rowsBy returns the rows under n keyed by their attribute key.
func rowsBy(n *xhtml.Node, key string) map[string][]string {
	out := map[string][]string{}
	for _, tr := range all(n, tag("tr")) {
		if v := attr(tr, key); v != "" {
			out[v] = cells(tr)
		}
	}
	return out
}

func TestRunPageShowsTheCost(t *testing.T) {
	_, doc := renderRun(t, richRun())
	sec := byID(doc, "cost")
	require.NotNil(t, sec, "a priced run has a cost section")
	assert.Equal(t, map[string][]string{
		"InputTokens":  {"InputTokens", "0.15 per million tokens", "2000 tokens", "0.0003", "1.5e-06", "2e-06", "3e-06", "188"},
		"OutputTokens": {"OutputTokens", "0.6 per million tokens", "12000 tokens", "0.0072", "3.84e-05", "3.85e-05", "3.86e-05", "188"},
		"EndpointTime": {"EndpointTime", "3.6 per hour", "10s", "0.0100", "–", "–", "–", "–"},
		"total":        {"total (cost_total)", "", "", "0.0175", "3.99e-05", "4.04e-05", "4.14e-05", "188"},
	}, rowsBy(sec, "data-dimension"))
	assert.Contains(t, text(sec), "the percentiles are exact")

	merged := richRun()
	merged.Cost.PerRequest.Exact = false
	_, doc = renderRun(t, merged)
	assert.Contains(t, text(byID(doc, "cost")), "read from histograms")
}

func TestRunPageShowsTheClientSidePhases(t *testing.T) {
	run := richRun()
	_, doc := renderRun(t, run)
	sec := byID(doc, "phases")
	require.NotNil(t, sec, "a traced run has a section of its client-side phases")
	line := all(sec, func(n *xhtml.Node) bool { return hasClass(n, "connections") })
	require.Len(t, line, 1)
	assert.Equal(t, "Connections: 200 traced requests, 196 on a reused connection, 4 on a new one.", text(line[0]))

	rows := rowsBy(sec, "data-metric")
	assert.Equal(t, []string{"time to first byte (TTFB)", "8", "12.3ms", "20ms", "31ms", "40ms"}, rows[metricTTFB])
	assert.Equal(t, []string{"TCP connect (new connections)", "4", "120µs", "130µs", "200µs", "200µs"}, rows[metricConnect])
	// TTFT, next to TTFB, reads as in the metrics table.
	var ttftMetric []string
	for _, tr := range all(byID(doc, "metrics"), tag("tr")) {
		if c := cells(tr); c[0] == metricTTFT {
			ttftMetric = c
		}
	}
	require.NotNil(t, ttftMetric)
	require.Contains(t, rows, metricTTFT)
	assert.Equal(t, []string{"time to first token (TTFT)", "188"}, rows[metricTTFT][:2])
	assert.Equal(t, ttftMetric[4:7], rows[metricTTFT][2:5], "p50, p90, p99 as in the metrics table")

	// The TTFB's distribution is drawn like the others, before them.
	assert.Equal(t, append([]string{"ttfb-histogram", "ttfb-cdf"}, runCharts...), chartIDs(t, doc))
	assert.Equal(t, []string{"ttfb-histogram", "ttfb-cdf"}, chartIDs(t, sec))

	// Traced without a TTFB sample: the line, no chart.
	run.Metrics = slices.DeleteFunc(run.Metrics, func(m reporters.Metric) bool { return m.Name == metricTTFB || m.Name == metricConnect })
	_, doc = renderRun(t, run)
	sec = byID(doc, "phases")
	require.NotNil(t, sec)
	assert.Contains(t, text(sec), "4 on a new one")
	assert.Empty(t, chartIDs(t, sec))
	assert.NotContains(t, rowsBy(sec, "data-metric"), metricTTFB)
}

func TestRunPageShowsTheServerMetrics(t *testing.T) {
	b, doc := renderRun(t, richRun())
	sec := byID(doc, "server-metrics")
	require.NotNil(t, sec, "a run with server metrics has their section")
	var rows [][]string
	for _, tr := range all(sec, tag("tr"))[1:] {
		rows = append(rows, cells(tr))
	}
	assert.Equal(t, [][]string{
		{"requests", "200", "200", "vllm:request_success_total"},
		{"input tokens", "2000", "2000", "vllm:prompt_tokens_total"},
		{"output tokens", "12500", "12000", "vllm:generation_tokens_total"},
		{"queue time (mean)", "10ms", "-", "vllm:request_queue_time_seconds"},
		{"ttft (mean)", "50ms", "60ms", "vllm:time_to_first_token_seconds"},
	}, rows)
	assert.Contains(t, text(sec), "Scraped from http://127.0.0.1:8000/metrics (vllm)")

	// The warning is in the failure colour, and its markup is text.
	warnings := all(sec, func(n *xhtml.Node) bool { return hasClass(n, "warning") })
	require.Len(t, warnings, 1)
	assert.True(t, hasClass(warnings[0], "fail"))
	assert.Equal(t, "⚠ server metrics http://127.0.0.1:8000/metrics: counter vllm:x went backwards <b>restart</b> & reset", text(warnings[0]))
	assert.Empty(t, all(sec, tag("b")), "the warning's <b> is escaped")
	assert.Contains(t, string(b), "&lt;b&gt;restart&lt;/b&gt; &amp; reset")
}

// TestServerStringsAreEscaped renders a server URL and a warning that
// would close the page's markup: they stay text.
func TestServerStringsAreEscaped(t *testing.T) {
	run := richRun()
	evil := `</code></td></tr></table><script>alert(1)</script><img src=x onerror=alert(2)>`
	run.ServerMetrics.URL = "http://127.0.0.1:1/metrics?" + evil
	run.ServerMetrics.Warnings = []string{evil}
	b, doc := renderRun(t, run)
	assert.Empty(t, all(doc, tag("script")))
	assert.Empty(t, all(doc, tag("img")))
	sec := byID(doc, "server-metrics")
	require.NotNil(t, sec)
	assert.Contains(t, text(sec), evil)
	assert.Len(t, all(sec, tag("table")), 1, "the server's table is whole")
	assert.NotContains(t, string(b), "<script>")

	// Control characters and broken UTF-8 from the server are replaced.
	run.ServerMetrics.Warnings = []string{"scrape failed: \x00\x1b[31mred\xff\tend"}
	b, doc = renderRun(t, run)
	warnings := all(byID(doc, "server-metrics"), func(n *xhtml.Node) bool { return hasClass(n, "warning") })
	require.Len(t, warnings, 1)
	assert.Equal(t, "⚠ scrape failed: \uFFFD\uFFFD[31mred\uFFFD\tend", text(warnings[0]))
	assert.NotContains(t, string(b), "\x1b")
	assert.NotContains(t, string(b), "\x00")
}

func TestRunPageWithoutCostPhasesOrServerMetricsShowsNone(t *testing.T) {
	for name, run := range map[string]*reporters.Run{"fixture": fixtureRun(), "empty": {}} {
		b, doc := renderRun(t, run)
		for _, id := range []string{"cost", "phases", "server-metrics"} {
			assert.Nil(t, byID(doc, id), "%s: no section %s", name, id)
		}
		for _, s := range []string{"Cost", "Client-side phases", "Server metrics", "cost_total", "ttfb"} {
			assert.NotContains(t, string(b), s, name)
		}
	}
	// Connections with nothing traced are no section either.
	run := fixtureRun()
	run.Connections = &reporters.Connections{}
	_, doc := renderRun(t, run)
	assert.Nil(t, byID(doc, "phases"))

	// Server metrics without a figure llmtest compares: the section says
	// so, and a run without warnings shows nothing in the failure colour.
	ok := fixtureRun()
	ok.Counts.Failed, ok.Errors, ok.Checks = 0, nil, ok.Checks[:1]
	for i := range ok.Series {
		ok.Series[i].Failed = 0
	}
	ok.ServerMetrics = &reporters.ServerMetrics{URL: "http://127.0.0.1:1/metrics", Series: []reporters.ServerSeries{}}
	_, doc = renderRun(t, ok)
	sec := byID(doc, "server-metrics")
	require.NotNil(t, sec)
	assert.Contains(t, text(sec), "reported none of the figures")
	assert.Contains(t, text(sec), "(an unknown server)")
	assert.Empty(t, all(doc, func(n *xhtml.Node) bool { return hasClass(n, "fail") }))
	assert.True(t, strings.Contains(text(sec), "127.0.0.1:1/metrics"))
}
