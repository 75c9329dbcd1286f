package llmtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/llmtest/llmtest/endpoints"
)

// zeroEndpoint answers at once with a fixed stream and server usage, so a
// benchmark through it measures the engine alone.
type zeroEndpoint struct{ chunks []string }

func (zeroEndpoint) Info() endpoints.Info { return endpoints.Info{Provider: "zero"} }

func (zeroEndpoint) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	return &endpoints.Request{Payload: p, Prompt: "a short prompt", Stream: true}, nil
}

func (z zeroEndpoint) Invoke(_ context.Context, _ *endpoints.Request, rec endpoints.Recorder) error {
	rec.ID("resp")
	for _, c := range z.chunks {
		rec.Text(c)
	}
	rec.Usage(endpoints.Usage{InputTokens: 3, OutputTokens: len(z.chunks)})
	return nil
}

// BenchmarkEngine measures the engine's overhead per request with an
// endpoint that answers at once with 8 chunks: one op is one request.
//
//	go test ./llmtest -run '^$' -bench BenchmarkEngine -benchtime 1000000x -count 5
func BenchmarkEngine(b *testing.B) {
	ep := zeroEndpoint{chunks: []string{"a", " b", " c", " d", " e", " f", " g", " h"}}
	payloads := []endpoints.Payload{{"prompt": "a"}, {"prompt": "b"}}
	for _, clients := range []int{1, 8, 64} {
		for _, files := range []bool{false, true} {
			name := fmt.Sprintf("clients=%d/files=%v", clients, files)
			b.Run(name, func(b *testing.B) {
				cfg := Config{Endpoint: ep, Payloads: payloads, Clients: clients, Requests: (b.N + clients - 1) / clients}
				if files {
					cfg.OutputPath = b.TempDir()
				}
				b.ReportAllocs()
				b.ResetTimer()
				res, err := (&Runner{}).Run(context.Background(), cfg)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if res.Stats.FailedRequests != 0 {
					b.Fatalf("%d failed requests", res.Stats.FailedRequests)
				}
				b.ReportMetric(float64(len(res.Invocations))/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}

// BenchmarkEngineLowMemory is BenchmarkEngine's run with files, in a
// low-memory run: one op is one request, whose record goes to
// responses.jsonl only.
//
//	go test ./llmtest -run '^$' -bench BenchmarkEngineLowMemory -benchtime 300000x
func BenchmarkEngineLowMemory(b *testing.B) {
	ep := zeroEndpoint{chunks: []string{"a", " b", " c", " d", " e", " f", " g", " h"}}
	payloads := []endpoints.Payload{{"prompt": "a"}, {"prompt": "b"}}
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			cfg := Config{Endpoint: ep, Payloads: payloads, Clients: clients, Requests: (b.N + clients - 1) / clients,
				OutputPath: b.TempDir(), LowMemory: true}
			b.ReportAllocs()
			b.ResetTimer()
			res, err := (&Runner{}).Run(context.Background(), cfg)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Invocations) != 0 || res.Stats.FailedRequests != 0 {
				b.Fatalf("%d invocations kept, %d failed requests", len(res.Invocations), res.Stats.FailedRequests)
			}
			b.ReportMetric(float64(res.Stats.TotalRequests)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
