// Package exporttest runs the small, real load tests that the exporters'
// tests export.
package exporttest

import (
	"fmt"
	"testing"
	"time"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
)

// Run runs 2 clients × 10 requests against an in-process simulator with
// jittered latencies and output lengths, and adds two checks, one that
// holds and one that fails, so that every part of the run model has
// values. cbs are the run's callbacks.
func Run(t testing.TB, cbs ...llmtest.Callback) *llmtest.Result {
	t.Helper()
	ep, err := sim.New(sim.Config{
		Seed:              7,
		FirstTokenLatency: 3 * time.Millisecond,
		InterTokenLatency: time.Millisecond,
		Jitter:            0.5,
		MinOutputTokens:   3,
		MaxOutputTokens:   20,
	})
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]endpoints.Payload, 5)
	for i := range ps {
		ps[i] = endpoints.Payload{"prompt": fmt.Sprintf("prompt number %d of the export test", i)}
	}
	res, err := llmtest.NewRunner(llmtest.Config{
		Endpoint: ep, Payloads: ps, Clients: 2, Requests: 10, RunName: "export-test", Callbacks: cbs,
	}).Run(t.Context(), llmtest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"error_rate < 1%", "ttft p50 < 1ns"} {
		th, err := assertions.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		res.AddCheck(th.Evaluate(res))
	}
	return res
}
