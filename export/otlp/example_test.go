package otlp_test

import (
	"fmt"

	"github.com/llmtest/llmtest/export/otlp"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// The Exporter as a callback sends each run to an OpenTelemetry
// collector when it ends.
func ExampleExporter() {
	cfg := llmtest.Config{
		// Endpoint, Payloads, Clients, …
		Callbacks: []llmtest.Callback{&otlp.Exporter{
			Endpoint: "http://otel-collector:4318",
			Headers:  map[string]string{"Authorization": "Bearer …"},
		}},
	}
	_ = cfg
}

// The metrics of a run without samples: its figures only.
func ExampleResourceMetrics() {
	run := &reporters.Run{Name: "nightly", Counts: reporters.Counts{Total: 20}}
	rm := otlp.ResourceMetrics(run)
	for _, m := range rm.ScopeMetrics[0].Metrics[:3] {
		fmt.Println(m.Name, m.Unit)
	}
	// Output:
	// llmtest.requests {request}
	// llmtest.failed_requests {request}
	// llmtest.cancelled_requests {request}
}
