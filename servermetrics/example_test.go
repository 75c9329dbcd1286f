package servermetrics_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/servermetrics"
)

// Compare of two scrapes of a vLLM-like server that served 3 requests in
// between.
func ExampleCompare() {
	var served atomic.Int64
	served.Store(10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "# TYPE vllm:request_success_total counter\nvllm:request_success_total{finished_reason=\"stop\"} %d\n", served.Load())
	}))
	defer srv.Close()
	ctx := context.Background()
	before, err := servermetrics.Get(ctx, nil, srv.URL+"/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	served.Add(3)
	after, err := servermetrics.Get(ctx, nil, srv.URL+"/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	sm := servermetrics.Compare(srv.URL+"/metrics", before, after)
	s := sm.Get("vllm:request_success_total")
	fmt.Println(sm.Server, s.Type, s.Delta)
	// Output:
	// vllm counter 3
}

// The Callback scrapes around every run and records the deltas in
// Result.Run.ServerMetrics, which the summary and the reports show.
func ExampleCallback() {
	cfg := llmtest.Config{
		// Endpoint, Payloads, Clients, …
		Callbacks: []llmtest.Callback{&servermetrics.Callback{URL: "http://vllm:8000/metrics"}},
	}
	_ = cfg
}
