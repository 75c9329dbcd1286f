package llmtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/sim"
)

// BenchmarkOpenLoop runs an open loop of constant arrivals at 1,000, 5,000
// and 10,000 requests/s against the in-process simulator (2ms to the first
// token, then 16 tokens 100µs apart: about 3.5ms a request, so that tens
// of requests are in flight at the higher rates). One op is one arrival.
// It reports the achieved rate (the requests sent, over the time from the
// first send to the last: within 1% of the asked rate when the scheduler
// keeps up), the schedule lag's p50 and p99, and the dropped arrivals.
//
//	go test ./llmtest -run '^$' -bench BenchmarkOpenLoop -benchtime 3s -count 3
func BenchmarkOpenLoop(b *testing.B) {
	for _, rate := range []float64{1000, 5000, 10000} {
		b.Run(fmt.Sprintf("rate=%g", rate), func(b *testing.B) {
			ep, err := sim.New(sim.Config{Seed: 1, FirstTokenLatency: 2 * time.Millisecond,
				InterTokenLatency: 100 * time.Microsecond, MinOutputTokens: 16, MaxOutputTokens: 16})
			if err != nil {
				b.Fatal(err)
			}
			payloads := []endpoints.Payload{{"messages": []any{map[string]any{"role": "user", "content": "a short prompt"}}, "stream": true}}
			cfg := Config{Endpoint: ep, Payloads: payloads, Rate: rate, Requests: max(b.N, 2)}
			b.ResetTimer()
			res, err := (&Runner{}).Run(context.Background(), cfg)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if res.Stats.FailedRequests != 0 {
				b.Fatalf("%d failed requests", res.Stats.FailedRequests)
			}
			var first, last time.Time
			for i := range res.Invocations {
				t := res.Invocations[i].RequestTime
				if first.IsZero() || t.Before(first) {
					first = t
				}
				if t.After(last) {
					last = t
				}
			}
			if n := len(res.Invocations); n > 1 && last.After(first) {
				b.ReportMetric(float64(n-1)/last.Sub(first).Seconds(), "achieved-req/s")
			}
			b.ReportMetric(float64(res.Stats.ScheduleLag.P50), "lag-p50-ns")
			b.ReportMetric(float64(res.Stats.ScheduleLag.P99), "lag-p99-ns")
			b.ReportMetric(float64(res.Stats.DroppedRequests), "dropped")
			b.ReportMetric(0, "ns/op")
		})
	}
}
