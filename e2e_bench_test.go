package llmtest_test

import (
	"testing"
	"time"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
)

// simOverHTTP starts the simulator on loopback and returns an OpenAI chat
// endpoint pointed at it.
func simOverHTTP(b *testing.B, cfg sim.Config) *openai.Endpoint {
	b.Helper()
	srv, err := sim.NewServer(sim.ServerConfig{Config: cfg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	ep, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "sim"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ep.Close() })
	return ep
}

func chatPayload(b *testing.B, maxTokens int) endpoints.Payload {
	b.Helper()
	p, err := openai.ChatPayload("Tell me about load testing in one paragraph.", maxTokens)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkEndToEnd drives the simulator over loopback HTTP at zero
// latency, 64 output tokens per streamed response, 8 clients: the whole
// path of a real run (engine, OpenAI endpoint, SSE, HTTP, the simulator's
// server) with client and server sharing the machine. One op is one
// request; req/s and out-tokens/s are the throughput.
//
//	go test . -run '^$' -bench BenchmarkEndToEnd -benchtime 20000x -count 5
func BenchmarkEndToEnd(b *testing.B) {
	ep := simOverHTTP(b, sim.Config{Seed: 1})
	b.ReportAllocs()
	res := llmtest.Benchmark(b, llmtest.Config{Endpoint: ep, Payloads: chatPayload(b, 64), Clients: 8})
	if res.Stats.FailedRequests > 0 {
		b.Fatalf("%d of %d requests failed: %s", res.Stats.FailedRequests, res.Stats.TotalRequests, res.Invocations[0].Error)
	}
	if got := res.Stats.TotalOutputTokens; got != 64*res.Stats.TotalRequests {
		b.Fatalf("%d output tokens for %d requests, want 64 each", got, res.Stats.TotalRequests)
	}
}

// BenchmarkTimingAccuracy measures how far the measured time to first
// token and inter-token latency are from the simulator's configured truth
// (100ms to the first token, 10ms per token, no jitter) with 256 streams
// at once over loopback. The reported errors (measured − truth) include
// everything between the two clocks: HTTP, SSE parsing, both sides'
// scheduling and the server's timers.
//
// Each of the 256 clients sends b.N/256 requests. With one each the
// ramp-up leaves all 256 in flight only at its peak; with four each
// (-benchtime 1024x) three of every four requests run while all 256
// streams are open, and the percentiles rest on 1,024 samples:
//
//	go test . -run '^$' -bench BenchmarkTimingAccuracy -benchtime 1024x -count 5
func BenchmarkTimingAccuracy(b *testing.B) {
	const (
		ttft    = 100 * time.Millisecond
		itl     = 10 * time.Millisecond
		streams = 256
	)
	ep := simOverHTTP(b, sim.Config{Seed: 1, FirstTokenLatency: ttft, InterTokenLatency: itl})
	// Warm up: one request per client opens the 256 connections, so that
	// connection set-up is not counted as latency.
	warm, err := llmtest.NewRunner(llmtest.Config{Endpoint: ep, Payloads: chatPayload(b, 1), Clients: streams, Requests: 1}).
		Run(b.Context(), llmtest.Config{})
	if err != nil || warm.Stats.FailedRequests > 0 {
		b.Fatalf("warm-up: %v (%d failed)", err, warm.Stats.FailedRequests)
	}
	// The clients' starts are spread over one request's length (100ms +
	// 15 gaps of 10ms), so that the 256 streams are all in flight together
	// without arriving in one synchronised burst.
	res := llmtest.Benchmark(b, llmtest.Config{Endpoint: ep, Payloads: chatPayload(b, 16), Clients: streams,
		RampUp: ttft + 15*itl})
	if res.Stats.FailedRequests > 0 {
		b.Fatalf("%d requests failed: %s", res.Stats.FailedRequests, res.Invocations[0].Error)
	}
	st := res.Stats
	b.ReportMetric(float64(st.TimeToFirstToken.P50-ttft), "ttft-p50-err-ns")
	b.ReportMetric(float64(st.TimeToFirstToken.P99-ttft), "ttft-p99-err-ns")
	b.ReportMetric(float64(st.InterTokenLatency.P50-itl), "itl-p50-err-ns")
	b.ReportMetric(float64(st.InterTokenLatency.P99-itl), "itl-p99-err-ns")
}
