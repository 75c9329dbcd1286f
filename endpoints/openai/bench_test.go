package openai

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
)

// cannedChunks returns the events of a realistic chat stream with n content
// chunks: a role chunk, n tokens, a finish chunk, the usage chunk and
// [DONE], each event as one string.
func cannedChunks(n int) []string {
	const id = "chatcmpl-8f2a1c9e4b7d4e0f9a3b"
	head := `data: {"id":"` + id + `","object":"chat.completion.chunk","created":1718000000,"model":"meta-llama/Llama-3.1-8B-Instruct","system_fingerprint":null,"choices":[{"index":0,"delta":`
	events := []string{head + `{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n"}
	for i := range n {
		events = append(events, head+fmt.Sprintf(`{"content":" tok%d"},"logprobs":null,"finish_reason":null}],"usage":null}`, i%100)+"\n\n")
	}
	events = append(events,
		head+`{},"logprobs":null,"finish_reason":"length"}],"usage":null}`+"\n\n",
		`data: {"id":"`+id+`","object":"chat.completion.chunk","created":1718000000,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[],"usage":{"prompt_tokens":32,"completion_tokens":`+fmt.Sprint(n)+`,"total_tokens":`+fmt.Sprint(32+n)+`}}`+"\n\n",
		"data: [DONE]\n\n")
	return events
}

// countRecorder is an endpoints.Recorder that only counts, allocating
// nothing, so that benchmarks measure the endpoint alone.
type countRecorder struct {
	text, bytes, reasoning, usage int
}

func (r *countRecorder) Text(d string)         { r.text++; r.bytes += len(d) }
func (r *countRecorder) TextBytes(d []byte)    { r.text++; r.bytes += len(d) }
func (r *countRecorder) Reasoning(string)      { r.reasoning++ }
func (r *countRecorder) Complete(string)       {}
func (r *countRecorder) Usage(endpoints.Usage) { r.usage++ }
func (r *countRecorder) ID(string)             {}
func (r *countRecorder) Retries(int)           {}
func (r *countRecorder) reset()                { *r = countRecorder{} }
func (r *countRecorder) check(tb testing.TB, n int) {
	if r.text != n || r.usage != 1 {
		tb.Fatalf("got %d text chunks and %d usage calls, want %d and 1", r.text, r.usage, n)
	}
}

// memTransport answers every request with a stream held in memory, one
// event per Read, as a server flushing every chunk would deliver it.
type memTransport struct{ events []string }

type eventBody struct {
	events []string
	i      int
}

func (b *eventBody) Read(p []byte) (int, error) {
	if b.i == len(b.events) {
		return 0, io.EOF
	}
	n := copy(p, b.events[b.i])
	if n < len(b.events[b.i]) {
		b.events[b.i] = b.events[b.i][n:] // not reached with the SSE buffer sizes used
	} else {
		b.i++
	}
	return n, nil
}

func (b *eventBody) Close() error { return nil }

func (m *memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	_ = req.Body.Close()
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"text/event-stream"}},
		Body:       &eventBody{events: m.events},
		Request:    req,
	}, nil
}

// streamServer returns a handler writing events one by one, each flushed.
func streamServer(events []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		for _, ev := range events {
			_, _ = io.WriteString(w, ev)
			f.Flush()
		}
	}
}

// BenchmarkStream measures Invoke end to end on a 64-token stream (68
// events): against an httptest server on 127.0.0.1 that flushes each
// event, sequentially and with 8 concurrent clients, and against an
// in-memory transport, which leaves only the client's own work. chunks/s
// counts the 64 content chunks.
func BenchmarkStream(b *testing.B) {
	const tokens = 64
	events := cannedChunks(tokens)
	p, err := ChatPayload("Tell me a story", tokens)
	require.NoError(b, err)

	run := func(b *testing.B, e *Endpoint, parallel bool) {
		req, err := e.Prepare(p)
		require.NoError(b, err)
		ctx := context.Background()
		b.ReportAllocs()
		if parallel {
			b.SetParallelism(4) // 8 clients on GOMAXPROCS=2
			b.RunParallel(func(pb *testing.PB) {
				var rec countRecorder
				for pb.Next() {
					rec.reset()
					if err := e.Invoke(ctx, req, &rec); err != nil {
						b.Error(err)
						return
					}
					rec.check(b, tokens)
				}
			})
		} else {
			var rec countRecorder
			for b.Loop() {
				rec.reset()
				if err := e.Invoke(ctx, req, &rec); err != nil {
					b.Fatal(err)
				}
				rec.check(b, tokens)
			}
		}
		b.ReportMetric(float64(b.N)*tokens/b.Elapsed().Seconds(), "chunks/s")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
	}

	b.Run("httptest", func(b *testing.B) {
		srv := newServer(b, streamServer(events))
		run(b, newEndpoint(b, srv, Config{}), false)
	})
	b.Run("httptest-8-clients", func(b *testing.B) {
		srv := newServer(b, streamServer(events))
		run(b, newEndpoint(b, srv, Config{}), true)
	})
	b.Run("in-memory", func(b *testing.B) {
		e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m",
			HTTPClient: &http.Client{Transport: &memTransport{events: events}}})
		require.NoError(b, err)
		run(b, e, false)
	})
}

// TestStreamAllocsPerChunk proves that a chunk costs no allocation: a
// request with 128 tokens allocates exactly as much as one with 64.
func TestStreamAllocsPerChunk(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items, so allocations vary")
	}
	allocs := func(tokens int) float64 {
		e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m",
			HTTPClient: &http.Client{Transport: &memTransport{events: cannedChunks(tokens)}}})
		require.NoError(t, err)
		p, err := ChatPayload("Tell me a story", tokens)
		require.NoError(t, err)
		req, err := e.Prepare(p)
		require.NoError(t, err)
		var rec countRecorder
		return testing.AllocsPerRun(200, func() {
			rec.reset()
			if err := e.Invoke(context.Background(), req, &rec); err != nil {
				t.Fatal(err)
			}
			rec.check(t, tokens)
		})
	}
	a64, a128 := allocs(64), allocs(128)
	require.Equal(t, a64, a128, "allocations per request with 64 and 128 chunks")
	t.Logf("allocations per request, whatever its length: %v", a64)
}

// BenchmarkStreamDecode measures the client's per-chunk work alone: the SSE
// reader and the chunk decoder on a canned stream held in memory.
func BenchmarkStreamDecode(b *testing.B) {
	events := cannedChunks(64)
	body := strings.Join(events, "")
	e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m"})
	require.NoError(b, err)
	var rec countRecorder
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rec.reset()
		if err := e.stream(context.Background(), &eventBody{events: events}, "text/event-stream", &rec, func() {}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(events))/b.Elapsed().Seconds(), "chunks/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e9/(float64(b.N)*float64(len(events))), "ns/chunk")
}
