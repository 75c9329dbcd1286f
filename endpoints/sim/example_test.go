package sim_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/sim"
)

// The in-process endpoint answers OpenAI-style payloads. Latencies are zero
// here, so the example runs at once; a real test sets FirstTokenLatency and
// InterTokenLatency.
func Example() {
	ep, err := sim.New(sim.Config{Seed: 1, TokensPerChunk: 2})
	if err != nil {
		panic(err)
	}
	req, err := ep.Prepare(endpoints.Payload{
		"messages":   []any{map[string]any{"role": "user", "content": "Tell me a short story."}},
		"max_tokens": 5,
	})
	if err != nil {
		panic(err)
	}
	var rec endpointstest.Recorder
	if err := ep.Invoke(context.Background(), req, &rec); err != nil {
		panic(err)
	}
	fmt.Println("id:", rec.ResponseID)
	fmt.Println("chunks:", len(rec.Chunks))
	fmt.Printf("usage: %d in, %d out\n", rec.LastUsage.InputTokens, rec.LastUsage.OutputTokens)
	fmt.Printf("text: %q\n", rec.Output())
	// Output:
	// id: chatcmpl-sim-1
	// chunks: 3
	// usage: 5 in, 5 out
	// text: "paper green small line from"
}

// A Model can be driven directly, as an HTTP handler would: plan a request,
// then generate it chunk by chunk. Here every request fails mid-stream.
func ExampleModel_Generate() {
	m, err := sim.NewModel(sim.Config{Seed: 7, MidStreamFailureRate: 1})
	if err != nil {
		panic(err)
	}
	p := m.Plan(12, 8)
	var got []string
	err = m.Generate(context.Background(), p, func(chunk string) error {
		got = append(got, chunk)
		return nil
	})
	fmt.Println("fault:", p.Fault, "after", p.FaultAt, "of", p.OutputTokens, "tokens")
	fmt.Printf("received: %q\n", strings.Join(got, ""))
	fmt.Printf("complete: %q\n", m.Text(p))
	var injected *sim.InjectedError
	fmt.Println("injected:", errors.As(err, &injected), err)
	// Output:
	// fault: mid-stream after 7 of 8 tokens
	// received: "metal far east builder page must again"
	// complete: "metal far east builder page must again idea"
	// injected: true sim: injected fault (mid-stream) in request 1
}

// Plans depend only on the seed and the arrival number, so the faults among
// the first N requests are the same on every run, at any concurrency.
func ExampleModel_Plan() {
	m, err := sim.NewModel(sim.Config{
		Seed:                 2026,
		MinOutputTokens:      16,
		MaxOutputTokens:      64,
		ErrorRate:            0.02,
		MidStreamFailureRate: 0.01,
		StallRate:            0.05,
	})
	if err != nil {
		panic(err)
	}
	faults := map[sim.Fault]int{}
	tokens := 0
	for range 1000 {
		p := m.Plan(100, 0)
		faults[p.Fault]++
		tokens += p.OutputTokens
	}
	for _, f := range []sim.Fault{sim.FaultNone, sim.FaultError, sim.FaultMidStream, sim.FaultStall} {
		fmt.Printf("%s: %d\n", f, faults[f])
	}
	fmt.Println("output tokens:", tokens)
	// Output:
	// none: 924
	// error: 21
	// mid-stream: 8
	// stall: 47
	// output tokens: 39895
}
