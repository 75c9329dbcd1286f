package llmtest_test

import (
	"context"
	"fmt"
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

// newSim returns an in-process simulated LLM with small, fixed latencies.
func newSim() *sim.Endpoint {
	ep, err := sim.New(sim.Config{
		Seed:              1,
		FirstTokenLatency: 2 * time.Millisecond,
		InterTokenLatency: 500 * time.Microsecond,
		Capacity:          8,
	})
	if err != nil {
		panic(err)
	}
	return ep
}

// A load test with SLO gates. In a test, llmtest.Run(t, cfg) replaces the
// Runner and t replaces printT; a failing SLO fails the test with one line
// such as "ttft p99 = 912ms, want < 800ms (n=400)".
func Example_sloGate() {
	res, err := llmtest.NewRunner(llmtest.Config{
		Endpoint: newSim(),
		Payloads: "testdata/prompts.jsonl",
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

// A Runner keeps a base configuration; each run overrides some fields
// (LLMeter's Runner and run).
func Example_runnerTwoRuns() {
	runner := llmtest.NewRunner(llmtest.Config{
		Endpoint: newSim(),
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

// llmtest.Benchmark runs b.N requests and reports benchstat-ready units.
// In a _test.go file it is the body of a func BenchmarkX(b *testing.B).
func Example_benchmark() {
	result := testing.Benchmark(func(b *testing.B) {
		llmtest.Benchmark(b, llmtest.Config{
			Endpoint: newSim(),
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

// A run folder can be read back, to compare or re-check a saved run.
func Example_loadResult() {
	out, err := os.MkdirTemp("", "llmtest-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)
	_, err = llmtest.NewRunner(llmtest.Config{
		Endpoint:   newSim(),
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
	fmt.Println(res.RunName, res.Endpoint.Provider, res.Stats.TotalRequests, "requests, interrupted:", res.Interrupted)
	fmt.Println("errors within 1% of requests:", assertions.ErrorRate(printT{}, res, 0.01))
	// Output:
	// saved sim 8 requests, interrupted: false
	// errors within 1% of requests: true
}
