package html_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/llmtest/llmtest/reporters"
	"github.com/llmtest/llmtest/reporters/html"
)

// exampleRun returns a small run: 100 requests, 3 failed, with a TTFT and
// a TTLT histogram and a five-second series.
func exampleRun() *reporters.Run {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := &reporters.Run{Name: "example", Counts: reporters.Counts{Total: 100, Failed: 3}, TestTime: 5, StartTime: start, EndTime: start.Add(5 * time.Second)}
	for _, name := range []string{"time_to_first_token", "time_to_last_token"} {
		m := reporters.Metric{Name: name, Unit: reporters.UnitSeconds, N: 97, Exact: true, Histogram: reporters.NewHistogram()}
		for i := range 97 {
			v := 0.05 + float64(i)*0.001
			m.Histogram.Record(int64(v * 1e9))
			m.Sum += v
		}
		m.Average, m.Min, m.Max = m.Sum/97, 0.05, 0.146
		m.P50, _ = m.Percentile(50)
		m.P90, _ = m.Percentile(90)
		m.P99, _ = m.Percentile(99)
		m.P999, _ = m.Percentile(99.9)
		run.Metrics = append(run.Metrics, m)
	}
	for i := range 5 {
		run.Series = append(run.Series, reporters.Window{Start: start.Add(time.Duration(i) * time.Second), Started: 20, Completed: 19, Failed: 1, TTFTP50: 0.09, TTFTP99: 0.14})
	}
	run.Checks = []reporters.Check{{Expression: "error_rate < 1%", Pass: false, Message: "error_rate = 3.00%, want < 1% (n=100)"}}
	return run
}

// Example renders a run as report.html and lists its charts.
func Example() {
	var b bytes.Buffer
	if err := html.New(&b).Write(exampleRun()); err != nil {
		fmt.Println(err)
		return
	}
	page := b.String()
	for _, part := range strings.Split(page, `data-chart="`)[1:] {
		fmt.Println(part[:strings.IndexByte(part, '"')])
	}
	fmt.Println("script:", strings.Contains(page, "<script"))
	fmt.Println("failed check in red:", strings.Contains(page, `<tr class="fail"><td>✘ FAIL</td>`))
	// Output:
	// ttft-histogram
	// ttft-cdf
	// ttlt-histogram
	// ttlt-cdf
	// requests-over-time
	// tokens-over-time
	// inflight-over-time
	// ttft-over-time
	// errors-over-time
	// script: false
	// failed check in red: true
}

// ExampleWriteSweep renders a sweep whose throughput stops growing after
// 4 clients: the knee is marked.
func ExampleWriteSweep() {
	s := &reporters.Sweep{Name: "load", Kind: reporters.SweepClients, Levels: []reporters.SweepLevel{
		{Level: 1, Requests: 10, AchievedRate: 5, Throughput: 300, TTLTP50: 0.2, TTLTP99: 0.25},
		{Level: 4, Requests: 40, AchievedRate: 19, Throughput: 1150, TTLTP50: 0.21, TTLTP99: 0.3},
		{Level: 16, Requests: 160, AchievedRate: 20, Throughput: 1180, TTLTP50: 0.8, TTLTP99: 1.2},
	}}
	s.Locate()
	var b bytes.Buffer
	if err := html.WriteSweep(&b, s); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Count(b.String(), "<svg"), "charts")
	fmt.Println(strings.Contains(b.String(), "Saturation point (knee): 4 clients"))
	// Output:
	// 3 charts
	// true
}

// ExampleWriteHeatmap renders a 1 × 2 heatmap as coloured tables.
func ExampleWriteHeatmap() {
	h := &reporters.Heatmap{Inputs: []int{100}, Outputs: []int{16, 64}, PerCell: 2, Cells: []reporters.HeatmapCell{
		{Input: 100, Output: 16, Requests: 2, Succeeded: 2, TTLT: reporters.Metric{N: 2, P50: 0.2}},
		{Input: 100, Output: 64, Requests: 2, Succeeded: 2, TTLT: reporters.Metric{N: 2, P50: 0.7}},
	}}
	var b bytes.Buffer
	if err := html.WriteHeatmap(&b, h); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Count(b.String(), `<table class="heatmap"`), "tables")
	// Output:
	// 3 tables
}
