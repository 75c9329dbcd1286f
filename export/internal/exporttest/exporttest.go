// Package exporttest runs the small, real load tests that the exporters'
// tests export.
package exporttest

import (
	"fmt"
	"testing"
	"time"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
)

// Run runs 2 clients × 10 requests over HTTP, with an OpenAI endpoint,
// against the simulator on 127.0.0.1 with jittered latencies and output
// lengths, priced by a CostModel of every dimension; and adds two checks,
// one that holds and one that fails, so that every part of the run model
// has values: the connections of traced requests and the cost included.
// cbs are the run's callbacks, after the CostModel. The endpoint is
// closed, and the server with t.Cleanup.
func Run(t testing.TB, cbs ...llmtest.Callback) *llmtest.Result {
	t.Helper()
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{
		Seed:              7,
		FirstTokenLatency: 3 * time.Millisecond,
		InterTokenLatency: time.Millisecond,
		Jitter:            0.5,
		MinOutputTokens:   3,
		MaxOutputTokens:   20,
	}})
	ep, err := openai.New(openai.Config{BaseURL: s.URL + "/v1", Model: sim.DefaultModel})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ps := make([]endpoints.Payload, 5)
	for i := range ps {
		ps[i] = endpoints.Payload{
			"messages": []any{map[string]any{"role": "user", "content": fmt.Sprintf("prompt number %d of the export test", i)}},
			"stream":   true,
		}
	}
	cost := &llmtest.CostModel{
		Input:        &llmtest.TokenPrice{PerMillion: 3},
		Output:       &llmtest.TokenPrice{PerMillion: 15},
		EndpointTime: &llmtest.TimePrice{PerHour: 4.5},
	}
	res, err := llmtest.NewRunner(llmtest.Config{
		Endpoint: ep, Payloads: ps, Clients: 2, Requests: 10, RunName: "export-test",
		Callbacks: append([]llmtest.Callback{cost}, cbs...),
	}).Run(t.Context(), llmtest.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Run.Counts.Failed > 0 || res.Run.Cost == nil || res.Run.Connections == nil {
		t.Fatalf("exporttest: %d of %d requests failed, cost %v, connections %v", res.Run.Counts.Failed, res.Run.Counts.Total, res.Run.Cost, res.Run.Connections)
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
