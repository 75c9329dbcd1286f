package reporters_test

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// smokeRun is a small run with throughput figures and one check.
func smokeRun() *reporters.Run {
	start := time.Date(2026, 11, 27, 1, 53, 0, 0, time.UTC)
	return &reporters.Run{
		SchemaVersion: reporters.SchemaVersion,
		Name:          "smoke",
		Endpoint:      reporters.Endpoint{Provider: "sim", Model: "sim-small"},
		Config:        reporters.Config{Clients: 2, Requests: 5, Timeout: 30},
		StartTime:     start,
		EndTime:       start.Add(2500 * time.Millisecond),
		TestTime:      2.5,
		Counts:        reporters.Counts{Total: 10},
		Tokens:        reporters.Tokens{Input: 200, Output: 1280},
		Checks: []reporters.Check{{
			Expression: "error_rate < 1%", Statistic: "error_rate", Op: "<",
			Observed: 0, Limit: 0.01, Unit: "ratio", Samples: 10, Pass: true,
			Message: "error_rate = 0%, want < 1% (n=10)",
		}},
	}
}

func ExampleJUnit() {
	j := reporters.NewJUnit(os.Stdout)
	j.Strict = true
	j.Hostname = "ci-runner"
	if err := j.Write(smokeRun()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <testsuites>
	//   <testsuite name="smoke" package="llmtest" id="0" hostname="ci-runner" timestamp="2026-11-27T01:53:00" tests="2" failures="0" errors="0" skipped="0" time="2.500">
	//     <properties>
	//       <property name="provider" value="sim"></property>
	//       <property name="model_id" value="sim-small"></property>
	//       <property name="clients" value="2"></property>
	//       <property name="n_requests" value="5"></property>
	//       <property name="timeout" value="30"></property>
	//       <property name="total_requests" value="10"></property>
	//       <property name="failed_requests" value="0"></property>
	//       <property name="failed_requests_rate" value="0"></property>
	//       <property name="requests_per_minute" value="240"></property>
	//       <property name="output_tokens_per_second" value="512"></property>
	//     </properties>
	//     <testcase name="run smoke" classname="llmtest.smoke" time="2.500"></testcase>
	//     <testcase name="error_rate &lt; 1%" classname="llmtest.smoke" time="0.000"></testcase>
	//     <system-out>run smoke: 10 requests, 0 failed (0%) in 2.5s
	// endpoint: sim sim-small
	// load: 2 clients × 5 requests, timeout 30s
	// throughput: 240.0 requests/min, 512.0 output tokens/s
	// checks: 1 of 1 passed
	// PASS error_rate &lt; 1%: error_rate = 0%, want &lt; 1% (n=10)
	// </system-out>
	//     <system-err></system-err>
	//   </testsuite>
	// </testsuites>
}

func ExampleReadJSON() {
	var buf bytes.Buffer
	if err := reporters.NewJSON(&buf).Write(smokeRun()); err != nil {
		fmt.Println(err)
		return
	}
	run, err := reporters.ReadJSON(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(run.SchemaVersion, run.Name, run.Counts.Total, run.Passed())

	_, err = reporters.ReadJSON(bytes.NewBufferString(`{"schema_version": 99}`))
	fmt.Println(err)
	// Output:
	// 2 smoke 10 true
	// reporters: run JSON has a newer schema_version: schema_version 99, this reader supports up to 2; upgrade llmtest to read it
}

func ExampleMarkdown() {
	if err := reporters.NewMarkdown(os.Stdout).Write(smokeRun()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ### ✅ smoke: 1 check passed
	//
	// `sim sim-small` · 2 clients × 5 requests · 10 requests, 0 failed (0%) in 2.5s · 240.0 req/min, 512.0 output tokens/s
	//
	// |  | check | observed |
	// | :-: | --- | --- |
	// | ✅ | `error_rate < 1%` | error_rate = 0%, want < 1% (n=10) |
}

func ExampleBenchstat() {
	bs := reporters.NewBenchstat(os.Stdout)
	bs.Name = "smoke scenario" // shared by every run of the scenario
	if err := bs.Write(smokeRun()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// llmtest-provider: sim
	// llmtest-model: sim-small
	// llmtest-clients: 2
	// llmtest-requests: 5
	// BenchmarkLLM/smoke_scenario	10	512 out-tokens/s	4 req/s
}

func ExampleBenchMetrics() {
	for _, m := range reporters.BenchMetrics(smokeRun()) {
		fmt.Println(m.Unit, m.Value)
	}
	// Output:
	// out-tokens/s 512
	// req/s 4
}

func ExampleRun_Stats() {
	run := smokeRun()
	stats := run.Stats()
	for _, k := range run.StatKeys() {
		fmt.Println(k, stats[k])
	}
	// Output:
	// total_requests 10
	// failed_requests 0
	// cancelled_requests 0
	// dropped_requests 0
	// warmup_requests 0
	// failed_requests_rate 0
	// requests_per_minute 240
	// total_input_tokens 200
	// total_output_tokens 1280
	// output_tokens_per_second 512
	// total_test_time 2.5
}

func ExampleHistogram() {
	// Two shards of one run, each with its own histogram of latencies in
	// nanoseconds, merge into the histogram of the whole run.
	a, b := reporters.NewHistogram(), reporters.NewHistogram()
	for i := range int64(1000) {
		a.Record((i + 1) * int64(time.Millisecond))    // 1ms … 1000ms
		b.Record((i + 1001) * int64(time.Millisecond)) // 1001ms … 2000ms
	}
	var run reporters.Histogram
	if err := run.Merge(a); err != nil {
		fmt.Println(err)
	}
	if err := run.Merge(b); err != nil {
		fmt.Println(err)
	}
	p99 := time.Duration(run.Quantile(99))
	exact := 1980010 * time.Microsecond // numpy's p99 of 1ms … 2000ms
	fmt.Println(run.Count(), p99.Round(time.Millisecond), (p99-exact).Abs() <= exact/1000)
	// Output:
	// 2000 1.98s true
}

// Two shards of one test, the second started a second after the first,
// merge into one run; a run of another model is refused.
func ExampleMerge() {
	shard := func(name string, offset time.Duration, ttftMs ...int64) *reporters.Run {
		r := smokeRun()
		r.Name = name
		r.StartTime = r.StartTime.Add(offset)
		r.EndTime = r.EndTime.Add(offset)
		h := reporters.NewHistogram()
		m := reporters.Metric{Name: "time_to_first_token", Unit: reporters.UnitSeconds, Histogram: h}
		for _, v := range ttftMs {
			h.Record(v * int64(time.Millisecond))
			m.N++
			m.Sum += float64(v) / 1e3
		}
		m.Min, m.Max = float64(ttftMs[0])/1e3, float64(ttftMs[len(ttftMs)-1])/1e3
		r.Metrics = []reporters.Metric{m}
		return r
	}
	a := shard("a", 0, 100, 200, 300)
	b := shard("b", time.Second, 400, 500)
	m, err := reporters.Merge([]*reporters.Run{a, b}, reporters.MergeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ttft := m.Metric("time_to_first_token")
	fmt.Printf("%d requests, %d clients, %.1f s; ttft n=%d avg=%.2fs max=%.1fs exact=%v\n",
		m.Counts.Total, m.Config.Clients, m.TestTime, ttft.N, ttft.Average, ttft.Max, ttft.Exact)

	other := shard("c", 0, 100)
	other.Endpoint.Model = "sim-large"
	_, err = reporters.Merge([]*reporters.Run{a, other}, reporters.MergeOptions{})
	fmt.Println(err)
	// Output:
	// 20 requests, 4 clients, 3.5 s; ttft n=5 avg=0.30s max=0.5s exact=false
	// reporters: runs "a" and "c" differ in endpoint.model_id: "sim-small" and "sim-large" (force to merge them anyway)
}
