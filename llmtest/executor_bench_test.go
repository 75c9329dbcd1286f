package llmtest

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

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

// BenchmarkKeepStall grows a kept list of 200,000 invocations, each with
// its own text on the heap, while a probe goroutine sleeps 50µs at a time,
// as a client waiting for its response does, and reports the longest the
// probe overslept (max-stall-ns): how long the list's growth kept it from
// running. The "append" variant grows the list with append, as the
// collector once did. On a 2-core machine append stalls the probe for 40
// to 300 ms, at the growths that start a GC cycle; keep for 5 to 25 ms,
// because the builder here, unlike the collector, never waits, and shares
// the two processors with the GC's workers.
//
//	go test ./llmtest -run '^$' -bench BenchmarkKeepStall -benchtime 5x -count 5
func BenchmarkKeepStall(b *testing.B) {
	for _, variant := range []string{"keep", "append"} {
		b.Run(variant, func(b *testing.B) {
			var worst time.Duration
			for b.Loop() {
				stop := make(chan struct{})
				done := make(chan time.Duration)
				go func() {
					var most time.Duration
					for {
						select {
						case <-stop:
							done <- most
							return
						default:
						}
						t := time.Now()
						time.Sleep(50 * time.Microsecond)
						most = max(most, time.Since(t)-50*time.Microsecond)
					}
				}()
				var invs []Invocation
				for i := range 200_000 {
					inv := Invocation{ID: "req-" + strconv.Itoa(i), ResponseText: strings.Repeat("x", 64+i%8)}
					if variant == "keep" {
						invs = keep(invs, inv)
					} else {
						invs = append(invs, inv)
					}
				}
				close(stop)
				worst = max(worst, <-done)
				runtime.KeepAlive(invs)
			}
			b.ReportMetric(float64(worst), "max-stall-ns")
		})
	}
}
