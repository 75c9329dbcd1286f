package assertions_test

import (
	"fmt"
	"time"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// printT is a TestingT that prints what a test would report, like the
// reporting of a *testing.T in a test function.
type printT struct{}

func (printT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }

// exampleResult builds the result of a small run from known records, as a
// test of a real run would get from llmtest.Run: 600 streaming requests
// over 60s, 6 of which failed. TTFT is 120ms for most, 950ms for the 12
// slowest; every response streams 101 tokens in 100 gaps of 20ms (TPOT
// 20ms).
func exampleResult() *llmtest.Result {
	invs := make([]llmtest.Invocation, 600)
	for i := range invs {
		if i%100 == 99 {
			invs[i] = llmtest.Invocation{Error: "HTTP 503", StatusCode: 503}
			continue
		}
		ttft := 120 * time.Millisecond
		if i%50 == 0 {
			ttft = 950 * time.Millisecond
		}
		gaps := make([]time.Duration, 100)
		for j := range gaps {
			gaps[j] = 20 * time.Millisecond
		}
		invs[i] = llmtest.Invocation{
			TimeToFirstToken:    ttft,
			TimeToFirstOutput:   ttft,
			TimeToLastToken:     ttft + 2*time.Second,
			TimePerOutputToken:  20 * time.Millisecond,
			InterTokenLatencies: gaps,
			Chunks:              101,
			NumTokensInput:      200,
			InputTokensFrom:     llmtest.FromServer,
			NumTokensOutput:     101,
			OutputTokensFrom:    llmtest.FromServer,
		}
	}
	return llmtest.NewResult(invs, time.Minute)
}

func ExampleSLO() {
	res := exampleResult()
	ok := assertions.SLO(printT{}, res,
		"ttft p99 < 800ms",
		"tpot p50 <= 40ms",
		"error_rate < 2%",
		"output_tokens_per_second > 500",
		"goodput(ttft < 1s, tpot < 50ms) >= 95%",
	)
	fmt.Println("passed:", ok)
	for _, c := range res.Checks() {
		fmt.Printf("%-5v %s\n", c.Pass, c.Message)
	}
	// Output:
	// FAIL: ttft p99 = 950ms, want < 800ms (n=594)
	// passed: false
	// false ttft p99 = 950ms, want < 800ms (n=594)
	// true  tpot p50 = 20.0ms, want <= 40ms (n=594)
	// true  error_rate = 1.00%, want < 2% (n=600)
	// true  output_tokens_per_second = 999.9 tokens/s, want > 500 tokens/s (n=600)
	// true  goodput(ttft < 1s, tpot < 50ms) = 99.00%, want >= 95% (n=600)
}

// An invalid expression fails the test with its parse error, and nothing
// is evaluated.
func ExampleSLO_invalid() {
	res := exampleResult()
	ok := assertions.SLO(printT{}, res, "error_rate < 2%", "ttft p99 < 800")
	fmt.Println("passed:", ok)
	// Output:
	// FAIL: assertions: "ttft p99 < 800": missing duration unit after "800" at column 12
	// passed: false
}

func ExamplePercentile() {
	res := exampleResult()
	assertions.Percentile(printT{}, res, llmtest.TimeToFirstToken, 99, 800*time.Millisecond)
	assertions.Percentile(printT{}, res, llmtest.TimeToFirstToken, 95, 800*time.Millisecond)
	assertions.Percentile(printT{}, res, llmtest.NumTokensOutput, 50, 100, "max_tokens is %d", 100)
	for _, c := range res.Checks() {
		fmt.Println(c.Expression, c.Pass)
	}
	// Output:
	// FAIL: ttft p99 = 950ms, want <= 800ms (n=594)
	// FAIL: output_tokens p50 = 101 tokens, want <= 100 tokens (n=594): max_tokens is 100
	// ttft p99 <= 800ms false
	// ttft p95 <= 800ms true
	// output_tokens p50 <= 100 false
}

func ExampleMean() {
	res := exampleResult()
	ok := assertions.Mean(printT{}, res, llmtest.TimePerOutputToken, 25*time.Millisecond)
	fmt.Println(ok)
	// Output:
	// true
}

func ExampleMax() {
	res := exampleResult()
	assertions.Max(printT{}, res, llmtest.InterTokenLatency, 10*time.Millisecond)
	// Output:
	// FAIL: itl max = 20.0ms, want <= 10ms (n=59400)
}

func ExampleErrorRate() {
	res := exampleResult()
	assertions.ErrorRate(printT{}, res, 0.005) // 0.5%
	// Output:
	// FAIL: error_rate = 1.00%, want <= 0.5% (n=600)
}

func ExampleThroughput() {
	res := exampleResult()
	fmt.Println(assertions.Throughput(printT{}, res, 10, assertions.RequestsPerSecond))
	fmt.Println(assertions.Throughput(printT{}, res, 1000, assertions.OutputTokensPerSecond))
	// Output:
	// true
	// FAIL: output_tokens_per_second = 999.9 tokens/s, want >= 1000 tokens/s (n=600)
	// false
}

func ExampleGoodput() {
	res := exampleResult()
	assertions.Goodput(printT{}, res, assertions.GoodputLimits{TTFT: 500 * time.Millisecond, ITL: 50 * time.Millisecond}, 0.99)
	fmt.Println(res.Checks()[0].Expression)
	// Output:
	// FAIL: goodput(ttft <= 500ms, itl <= 50ms) = 97.00%, want >= 99% (n=600)
	// goodput(ttft <= 500ms, itl <= 50ms) >= 99%
}

func ExampleGoodputShare() {
	res := exampleResult()
	share, n, err := assertions.GoodputShare(res, assertions.GoodputLimits{TTFT: 500 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%.0f%% of %d requests\n", 100*share, n)
	// Output:
	// 97% of 600 requests
}

func ExampleParse() {
	th, err := assertions.Parse("time_to_first_token p99.9<=1.5s")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(th)
	fmt.Println(th.Metric, th.Aggregate.P, th.Op, th.Value.Number, th.Value.Unit)

	_, err = assertions.Parse("ttft p99 < 800xs")
	fmt.Println(err)
	// Output:
	// ttft p99.9 <= 1.5s
	// time_to_first_token 99.9 <= 1.5 s
	// assertions: "ttft p99 < 800xs": unknown unit "xs" at column 15
}

// A command line checks its --slo flags before it sends any load.
func ExampleValidate() {
	flags := []string{"ttft p99 < 800ms", "error_rate < 1", "output_tokens p50 < 1s", "error_rate < 5"}
	if err := assertions.Validate(flags...); err != nil {
		fmt.Println(err)
	}
	// Output:
	// assertions: "output_tokens p50 < 1s": unit "s" does not fit output_tokens p50, which is in tokens at column 22
	// assertions: "error_rate < 5": ratio "5" out of range [0, 1]; write 5% for a percentage at column 14
}

func ExampleThreshold_Evaluate() {
	res := exampleResult()
	th, err := assertions.Parse("ttft p99 < 800ms")
	if err != nil {
		panic(err)
	}
	c := th.Evaluate(res)
	fmt.Println(c.Pass, c.Statistic, c.Op, c.Observed, c.Limit, c.Unit, c.Samples)
	fmt.Println(c.Message)
	// Output:
	// false ttft p99 < 0.95 0.8 s 594
	// ttft p99 = 950ms, want < 800ms (n=594)
}

func ExampleThreshold_String() {
	th := &assertions.Threshold{
		Goodput: []assertions.Condition{
			{Metric: llmtest.TimeToFirstToken, Op: assertions.Less, Value: assertions.Value{Number: 1, Unit: "s"}},
		},
		Op:    assertions.GreaterOrEqual,
		Value: assertions.Value{Number: 95, Unit: "%"},
	}
	fmt.Println(th)
	// Output:
	// goodput(ttft < 1s) >= 95%
}

func ExampleGeneratorHealthy() {
	res := exampleResult()
	// A run's self-check, as llmtest.Run fills it: here a generator that
	// waited for its one P.
	res.Run.Generator = &reporters.Generator{CPU: 0.97, PeakCPU: 0.99, GOMAXPROCS: 1, SchedLatencyP99: 0.084, Samples: 61}
	res.Run.Generator.Assess()
	fmt.Println(assertions.GeneratorHealthy(printT{}, res))

	// A result built from records, as one loaded from a run folder
	// written before llmtest checked its generator, has no self-check.
	fmt.Println(assertions.SLO(printT{}, exampleResult(), "generator_healthy"))
	// Output:
	// FAIL: generator_healthy = no: scheduler latency p99 84ms > 20ms; cpu 97% of GOMAXPROCS=1 >= 90% (n=61)
	// false
	// FAIL: generator_healthy = no self-check (n=0): the run has none
	// false
}

func ExampleNoRegression() {
	base := exampleResult()
	// The change adds 30ms to every time to first token.
	invs := append([]llmtest.Invocation(nil), base.Invocations...)
	for i := range invs {
		if invs[i].Error == "" {
			invs[i].TimeToFirstToken += 30 * time.Millisecond
			invs[i].TimeToLastToken += 30 * time.Millisecond
		}
	}
	change := llmtest.NewResult(invs, time.Minute)

	c, err := llmtest.Compare(base, change)
	if err != nil {
		fmt.Println(err)
		return
	}
	ok := assertions.NoRegression(printT{}, c, "ttft p50 +10%", "tpot p50 +5%", "error_rate +1%")
	fmt.Println("no regression:", ok)
	// Output:
	// FAIL: ttft p50: +25.0% [+25.0%, +25.0%], beyond +10% (n=594 → 594)
	// no regression: false
}
