package llmtest_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
)

// printT is an assertions.TestingT that prints failures, standing in for
// the *testing.T of a real test.
type printT struct{}

func (printT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }

// Run is called from a test; this is one as it stands in a _test.go file.
// A bad configuration fails the test at once, naming the field; the run is
// named after the test, its summary goes to t.Log, and its folder (with
// junit.xml holding the SLO checks) is written in t.Cleanup, after the
// assertions ran, under t.ArtifactDir(), which `go test -artifacts
// -outputdir DIR` keeps. A failed SLO fails the test with one line, such
// as
//
//	chat_test.go:21: ttft p99 = 933ms, want < 800ms (n=400; p99 needs n≥500)
//
// An example cannot be handed a *testing.T, so this one is compiled, not
// run; Runner.Run's sloGate example runs the same kind of load outside a
// test.
func ExampleRun() {
	testChatSLO := func(t *testing.T) { // func TestChatSLO(t *testing.T)
		ep, err := sim.New(sim.Config{
			FirstTokenLatency: 150 * time.Millisecond,
			InterTokenLatency: 15 * time.Millisecond,
			Capacity:          8,
		})
		if err != nil {
			t.Fatal(err)
		}
		res := llmtest.Run(t, llmtest.Config{
			Endpoint: ep,
			Payloads: "testdata/prompts.jsonl",
			Clients:  8,
			Requests: 64,
		})
		assertions.SLO(t, res,
			"ttft p99 < 800ms",
			"tpot p50 <= 40ms",
			"error_rate < 1%",
		)
	}
	_ = testChatSLO
}

// A load test with SLO gates outside a test: the Runner returns the result
// and an error instead of failing a test, and printT stands in for the
// test's t. This is what [Run] does inside a test, less the test's
// reporting and artifacts.
func ExampleRunner_Run_sloGate() {
	ep, err := sim.New(sim.Config{
		Seed:              1,
		FirstTokenLatency: 2 * time.Millisecond,
		InterTokenLatency: 500 * time.Microsecond,
		Capacity:          8,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := llmtest.NewRunner(llmtest.Config{
		Endpoint: ep,
		Payloads: "testdata/prompts.jsonl", // 4 chat payloads, 72 output tokens in all
		Clients:  4,
	}).Run(context.Background(), llmtest.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ok := assertions.SLO(printT{}, res,
		"ttft p99 < 1s",
		"tpot p50 <= 100ms",
		"error_rate < 1%",
		"goodput(ttft < 1s, tpot < 100ms) >= 95%",
	)
	fmt.Println("requests:", res.Stats.TotalRequests, "failed:", res.Stats.FailedRequests)
	fmt.Println("output tokens:", res.Stats.TotalOutputTokens)
	fmt.Println("SLOs met:", ok)
	// Output:
	// requests: 16 failed: 0
	// output tokens: 288
	// SLOs met: true
}

// A Runner keeps a base configuration; each run overrides some of its
// fields (LLMeter's Runner and run).
func ExampleRunner() {
	ep, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	runner := llmtest.NewRunner(llmtest.Config{
		Endpoint: ep,
		Payloads: "testdata/prompts.jsonl",
	})
	for _, clients := range []int{1, 4} {
		res, err := runner.Run(context.Background(), llmtest.Config{Clients: clients, Requests: 2})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("clients=%d: %d requests, %d failed\n", clients, res.Stats.TotalRequests, res.Stats.FailedRequests)
	}
	// Output:
	// clients=1: 2 requests, 0 failed
	// clients=4: 8 requests, 0 failed
}

// Benchmark sends b.N requests and reports the run in units that
// benchstat compares. In a _test.go file its call is the body of a
// benchmark, func BenchmarkChat(b *testing.B); here testing.Benchmark
// plays `go test -bench` and the example prints the units reported.
func ExampleBenchmark() {
	ep, err := sim.New(sim.Config{
		Seed:              1,
		FirstTokenLatency: 2 * time.Millisecond,
		InterTokenLatency: 500 * time.Microsecond,
		Capacity:          8,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	result := testing.Benchmark(func(b *testing.B) {
		llmtest.Benchmark(b, llmtest.Config{
			Endpoint: ep,
			Payloads: "testdata/prompts.jsonl",
			Clients:  4,
		})
	})
	var units []string
	for unit := range result.Extra {
		units = append(units, unit)
	}
	slices.Sort(units)
	fmt.Println(units)
	// Output:
	// [e2e-p99-ns itl-p99-ns out-tokens/s req/s tpot-p50-ns ttft-p50-ns ttft-p99-ns]
}

// Payloads come from a .jsonl file (one JSON object per line), a .json
// file (an object or an array of objects) or a directory of them;
// Config.Payloads takes the path and loads it the same way. A line that is
// not a JSON object is a *PayloadError naming its file and line.
func ExampleLoadPayloads() {
	ps, err := llmtest.LoadPayloads("testdata/prompts.jsonl")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(ps), "payloads; the first asks for", ps[0]["max_tokens"], "tokens")

	dir, err := os.MkdirTemp("", "llmtest-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	bad := filepath.Join(dir, "bad.jsonl")
	lines := `{"prompt": "a fine line", "max_tokens": 8}` + "\n\n" + `{"prompt": "unclosed` + "\n"
	if err := os.WriteFile(bad, []byte(lines), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	_, err = llmtest.LoadPayloads(bad)
	var perr *llmtest.PayloadError
	if errors.As(err, &perr) {
		fmt.Printf("%s, line %d: %v\n", filepath.Base(perr.Source), perr.Line, perr.Err)
	}
	// Output:
	// 4 payloads; the first asks for 16 tokens
	// bad.jsonl, line 3: invalid JSON: unexpected EOF
}

// A run folder can be read back, to compare or re-check a saved run.
func ExampleLoadResult() {
	ep, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := os.MkdirTemp("", "llmtest-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)
	_, err = llmtest.NewRunner(llmtest.Config{
		Endpoint:   ep,
		Payloads:   "testdata/prompts.jsonl",
		Clients:    2,
		OutputPath: out,
		RunName:    "saved",
	}).Run(context.Background(), llmtest.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := llmtest.LoadResult(filepath.Join(out, "saved"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Run.Name, res.Run.Endpoint.Provider, res.Stats.TotalRequests, "requests, interrupted:", res.Run.Interrupted)
	fmt.Println("errors within 1% of requests:", assertions.ErrorRate(printT{}, res, 0.01))
	// Output:
	// saved sim 8 requests, interrupted: false
	// errors within 1% of requests: true
}

// A low-memory run keeps no record in memory, however long it runs: its
// records stream back from responses.jsonl, its statistics are the model
// it built as it went, and assertions work on it as on any other run.
func ExampleResult_Responses() {
	ep, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := os.MkdirTemp("", "llmtest-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)
	res, err := llmtest.NewRunner(llmtest.Config{
		Endpoint:   ep,
		Payloads:   "testdata/prompts.jsonl",
		Clients:    2,
		Requests:   50,
		OutputPath: out, // required: the records live there
		LowMemory:  true,
	}).Run(context.Background(), llmtest.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	streamed := 0
	for inv, err := range res.Responses() {
		if err != nil {
			fmt.Println(err)
			return
		}
		if inv.Succeeded() {
			streamed++
		}
	}
	fmt.Println(len(res.Invocations), "kept in memory,", streamed, "streamed from", llmtest.ResponsesFile)
	fmt.Println("exact percentiles:", res.Stats.TimeToFirstToken.Exact, "- total requests:", res.Stats.TotalRequests)
	fmt.Println("ttft p99 under 5s:", assertions.Percentile(printT{}, res, llmtest.TimeToFirstToken, 99, 5*time.Second))
	// Output:
	// 0 kept in memory, 100 streamed from responses.jsonl
	// exact percentiles: false - total requests: 100
	// ttft p99 under 5s: true
}

// A plan file holds a load test that a Go test and `llmtest run -f` share.
// The endpoint section is data (llmtest imports no endpoint package): the
// test builds the endpoint it names, here the in-process simulator in
// place of endpoint.url, and Config puts the plan's payloads, load and
// reports around it, checking them. The plan's SLOs are expressions for assertions.SLO.
func ExampleLoadPlan() {
	plan, err := llmtest.LoadPlan("testdata/plan/plan.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("api:", plan.Endpoint.API)
	ep, err := sim.New(sim.Config{
		Seed:              1,
		FirstTokenLatency: 2 * time.Millisecond,
		InterTokenLatency: 500 * time.Microsecond,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := plan.Config(ep)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := llmtest.NewRunner(cfg).Run(context.Background(), llmtest.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("requests:", res.Stats.TotalRequests, "failed:", res.Stats.FailedRequests)
	fmt.Println("SLOs:", plan.SLO)
	fmt.Println("SLOs met:", assertions.SLO(printT{}, res, plan.SLO...))
	// Output:
	// api: openai-chat
	// requests: 6 failed: 0
	// SLOs: [error_rate < 1% ttft p99 < 5s]
	// SLOs met: true
}

// Shards of one test — here two runs against the same endpoint with the
// same payloads, as two machines would send them — merge into one run:
// counts summed, histograms merged, the series aligned on wall-clock
// seconds.
func ExampleMerge() {
	ep, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := os.MkdirTemp("", "llmtest-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)
	var dirs []string
	for _, name := range []string{"shard-a", "shard-b"} {
		res, err := llmtest.NewRunner(llmtest.Config{
			Endpoint:   ep,
			Payloads:   "testdata/prompts.jsonl",
			Clients:    2,
			Requests:   10,
			OutputPath: out,
			RunName:    name,
		}).Run(context.Background(), llmtest.Config{})
		if err != nil {
			fmt.Println(err)
			return
		}
		dirs = append(dirs, res.OutputPath)
	}
	merged, err := llmtest.Merge(dirs, llmtest.MergeOptions{RunName: "merged"})
	if err != nil {
		fmt.Println(err)
		return
	}
	merged.OutputPath = filepath.Join(out, "merged")
	if err := merged.Save(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(merged.Run.Name, merged.Stats.TotalRequests, "requests from", merged.Run.Config.Clients, "clients")
	fmt.Println("exact percentiles:", merged.Stats.TimeToFirstToken.Exact, "- within", merged.Run.RelativeError)
	fmt.Println("ttft p99 under 5s:", assertions.Percentile(printT{}, merged, llmtest.TimeToFirstToken, 99, 5*time.Second))
	// Output:
	// merged 40 requests from 4 clients
	// exact percentiles: false - within 0.001
	// ttft p99 under 5s: true
}

// Sweep is called from a test: each level is a sub-test
// (TestChatSweep/00001-clients, …) with its own run folder under the
// sweep's, SweepConfig.Test gates each level in its sub-test, and an
// assertion on the sweep gates the whole: here, that the server keeps up
// with at least 8 clients before its throughput stops rising. An example
// cannot be handed a *testing.T, so this one is compiled, not run;
// Runner.Sweep's example runs a sweep outside a test.
func ExampleSweep() {
	testChatSweep := func(t *testing.T) { // func TestChatSweep(t *testing.T)
		ep, err := sim.New(sim.Config{FirstTokenLatency: 50 * time.Millisecond, InterTokenLatency: 5 * time.Millisecond, Capacity: 16})
		if err != nil {
			t.Fatal(err)
		}
		sw := llmtest.Sweep(t, llmtest.Config{Endpoint: ep, Payloads: "testdata/prompts.jsonl"}, llmtest.SweepConfig{
			Levels:               llmtest.ClientLevels(1, 2, 4, 8, 16, 32),
			MinRequestsPerClient: 4, MinRequestsPerRun: 64, // LLMeter's LoadTest rule
			Good: assertions.GoodputLimits{TTFT: 500 * time.Millisecond}.Good,
			Test: func(t *testing.T, res *llmtest.Result) {
				assertions.SLO(t, res, "error_rate < 1%")
			},
		})
		assertions.SaturationAtLeast(t, sw, 8)
	}
	_ = testChatSweep
}

// A sweep over client counts outside a test: one run per level, each in
// its own folder under the sweep's, and the sweep's table with its
// saturation point in sweep.md beside them.
func ExampleRunner_Sweep() {
	ep, err := sim.New(sim.Config{Seed: 1, FirstTokenLatency: time.Millisecond, Capacity: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := os.MkdirTemp("", "llmtest-sweep")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)
	r := llmtest.NewRunner(llmtest.Config{Endpoint: ep, Payloads: "testdata/prompts.jsonl", OutputPath: out})
	sw, err := r.Sweep(context.Background(), llmtest.Config{}, llmtest.SweepConfig{
		Name:   "chat",
		Levels: llmtest.ClientLevels(1, 2, 4),
		// 1 client sends 8 requests, 2 send 4 each, 4 send 2 each.
		MinRequestsPerClient: 2, MinRequestsPerRun: 8,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, res := range sw.Results {
		fmt.Printf("%s: %d requests in %s\n", sw.Levels[i], res.Run.Counts.Total, filepath.Base(res.OutputPath))
	}
	entries, _ := os.ReadDir(filepath.Join(out, "chat"))
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	// Output:
	// 00001-clients: 8 requests in 00001-clients
	// 00002-clients: 8 requests in 00002-clients
	// 00004-clients: 8 requests in 00004-clients
	// 00001-clients
	// 00002-clients
	// 00004-clients
	// sweep.json
	// sweep.md
}

// Compare compares two runs: here of the simulator, the second with a
// slower first token. Each statistic's difference has a seeded bootstrap
// confidence interval, and is significant when the interval excludes 0.
func ExampleCompare() {
	run := func(ttft time.Duration) (*llmtest.Result, error) {
		ep, err := sim.New(sim.Config{Seed: 1, FirstTokenLatency: ttft, Jitter: 0.5})
		if err != nil {
			return nil, err
		}
		return llmtest.NewRunner(llmtest.Config{
			Endpoint: ep,
			Payloads: "testdata/prompts.jsonl",
			Clients:  2,
			Requests: 30,
		}).Run(context.Background(), llmtest.Config{})
	}
	base, err := run(2 * time.Millisecond)
	if err != nil {
		fmt.Println(err)
		return
	}
	slow, err := run(20 * time.Millisecond)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := llmtest.Compare(base, slow)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range []string{"ttft p50", "error_rate"} {
		d := c.Delta(s)
		fmt.Printf("%s: significant %v, B − A above 0: %v\n", s, d.Significant, d.Diff.Low > 0)
	}
	// Output:
	// ttft p50: significant true, B − A above 0: true
	// error_rate: significant false, B − A above 0: false
}

// A CostModel prices a run as LLMeter's does: tokens at a price per
// million, endpoint time at a price per hour. The cost is in the run's
// model, in stats.json under LLMeter's keys, and in every report.
func ExampleCostModel() {
	ep, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	cost := &llmtest.CostModel{
		Output:       &llmtest.TokenPrice{PerMillion: 15},
		EndpointTime: &llmtest.TimePrice{PerHour: 3.6, Minimum: time.Minute},
	}
	res, err := llmtest.NewRunner(llmtest.Config{
		Endpoint:  ep,
		Payloads:  "testdata/prompts.jsonl",
		Clients:   2,
		Requests:  2,
		Callbacks: []llmtest.Callback{cost},
	}).Run(context.Background(), llmtest.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	stats := res.Run.Stats()
	for _, key := range []string{"total_output_tokens", "cost_OutputTokens", "cost_EndpointTime", "cost_total", "cost_per_request-p50"} {
		fmt.Printf("%s = %.6g\n", key, stats[key])
	}
	// Output:
	// total_output_tokens = 72
	// cost_OutputTokens = 0.00108
	// cost_EndpointTime = 0.06
	// cost_total = 0.06108
	// cost_per_request-p50 = 0.00027
}

// Each process of a sharded run — here, three in one program — runs the
// same Config but for its Shard, starting together at StartAt; the run's
// 5 clients are dealt out 2, 2 and 1. Merge checks that it has every
// shard of the run, and names the merge after it.
func ExampleShard() {
	ep, err := sim.New(sim.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := os.MkdirTemp("", "llmtest-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)
	cfg := llmtest.Config{
		Endpoint:   ep,
		Payloads:   "testdata/prompts.jsonl",
		Clients:    5,
		Requests:   4,
		OutputPath: out,
		RunName:    "fleet",
		StartAt:    time.Now().Add(100 * time.Millisecond),
	}
	var dirs []string
	for i := range 3 {
		shard, err := llmtest.ParseShard(fmt.Sprintf("%d/3", i)) // as from --shard
		if err != nil {
			fmt.Println(err)
			return
		}
		res, err := llmtest.NewRunner(cfg).Run(context.Background(), llmtest.Config{Shard: shard})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(res.Run.Name, res.Run.Config.Clients, "clients")
		dirs = append(dirs, res.OutputPath)
	}
	if _, err := llmtest.Merge(dirs[:2], llmtest.MergeOptions{}); err != nil {
		fmt.Println(err)
	}
	merged, err := llmtest.Merge(dirs, llmtest.MergeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(merged.Run.Name, merged.Stats.TotalRequests, "requests from", merged.Run.Config.Clients, "clients")
	// Output:
	// fleet-shard-0 2 clients
	// fleet-shard-1 2 clients
	// fleet-shard-2 1 clients
	// llmtest: reporters: run "fleet" has 3 shards; shard 2 is missing
	// fleet 20 requests from 5 clients
}

func ExampleWriteOutputFile() {
	// A report of your own, saved beside the runs: a local folder (created
	// if missing) or a bucket URL, as Config.OutputPath takes.
	out := filepath.Join(os.TempDir(), "llmtest-example-output")
	defer os.RemoveAll(out)
	if err := llmtest.WriteOutputFile(out, "notes.md", []byte("# Nightly\n")); err != nil {
		fmt.Println(err)
		return
	}
	b, err := llmtest.ReadOutputFile(out, "notes.md")
	fmt.Printf("%q %v\n", b, err)
	_, err = llmtest.ReadOutputFile(out, "missing.md")
	fmt.Println(errors.Is(err, fs.ErrNotExist))
	// Output:
	// "# Nightly\n" <nil>
	// true
}
