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

// cannedResponseEvents returns the events of a realistic Responses API
// stream with n output_text.delta events, as OpenAI sends it: created,
// in_progress, output_item.added, content_part.added, n deltas,
// output_text.done, content_part.done, output_item.done and completed
// (n+8 events), each event as one string.
func cannedResponseEvents(n int) []string {
	const (
		id   = "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b"
		item = "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b"
	)
	var text strings.Builder
	for i := range n {
		fmt.Fprintf(&text, " tok%d", i%100)
	}
	response := func(status, output, usage string) string {
		return `{"id":"` + id + `","object":"response","created_at":1741476542,"status":"` + status + `","background":false,"error":null,"incomplete_details":null,` +
			`"instructions":null,"max_output_tokens":` + fmt.Sprint(n) + `,"model":"meta-llama/Llama-3.1-8B-Instruct","output":[` + output + `],"parallel_tool_calls":true,` +
			`"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":false,"temperature":1.0,"text":{"format":{"type":"text"}},` +
			`"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled","usage":` + usage + `,"user":null,"metadata":{}}`
	}
	part := `{"type":"output_text","text":"` + text.String() + `","annotations":[]}`
	message := `{"id":"` + item + `","type":"message","status":"completed","role":"assistant","content":[` + part + `]}`
	seq := 0
	ev := func(typ, fields string) string {
		seq++
		return "event: " + typ + "\ndata: " + `{"type":"` + typ + `","sequence_number":` + fmt.Sprint(seq-1) + "," + fields + "}\n\n"
	}
	at := `"item_id":"` + item + `","output_index":0,"content_index":0`
	events := []string{
		ev("response.created", `"response":`+response("in_progress", "", "null")),
		ev("response.in_progress", `"response":`+response("in_progress", "", "null")),
		ev("response.output_item.added", `"output_index":0,"item":{"id":"`+item+`","type":"message","status":"in_progress","role":"assistant","content":[]}`),
		ev("response.content_part.added", at+`,"part":{"type":"output_text","text":"","annotations":[]}`),
	}
	for i := range n {
		events = append(events, ev("response.output_text.delta", at+fmt.Sprintf(`,"delta":" tok%d","logprobs":[]`, i%100)))
	}
	return append(events,
		ev("response.output_text.done", at+`,"text":"`+text.String()+`","logprobs":[]`),
		ev("response.content_part.done", at+`,"part":`+part),
		ev("response.output_item.done", `"output_index":0,"item":`+message),
		ev("response.completed", `"response":`+response("completed", message,
			`{"input_tokens":32,"input_tokens_details":{"cached_tokens":0},"output_tokens":`+fmt.Sprint(n)+
				`,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":`+fmt.Sprint(32+n)+`}`)))
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
func (r *countRecorder) Resend()               {}
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

// BenchmarkStream measures Invoke end to end on a 64-token stream: a chat
// completion (68 events) against an httptest server on 127.0.0.1 that
// flushes each event, sequentially and with 8 concurrent clients, and
// against an in-memory transport, which leaves only the client's own work;
// and a Responses API stream (72 events, 64 of them output_text.delta),
// the same ways but for the concurrent clients. chunks/s counts the 64
// content chunks (output text deltas).
func BenchmarkStream(b *testing.B) {
	const tokens = 64
	events := cannedChunks(tokens)
	p, err := ChatPayload("Tell me a story", tokens)
	require.NoError(b, err)
	respEvents := cannedResponseEvents(tokens)
	rp, err := ResponsesPayload("Tell me a story", tokens)
	require.NoError(b, err)

	run := func(b *testing.B, e *Endpoint, p endpoints.Payload, parallel bool) {
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
		run(b, newEndpoint(b, srv, Config{}), p, false)
	})
	b.Run("httptest-8-clients", func(b *testing.B) {
		srv := newServer(b, streamServer(events))
		run(b, newEndpoint(b, srv, Config{}), p, true)
	})
	b.Run("in-memory", func(b *testing.B) {
		e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m",
			HTTPClient: &http.Client{Transport: &memTransport{events: events}}})
		require.NoError(b, err)
		run(b, e, p, false)
	})
	b.Run("responses-httptest", func(b *testing.B) {
		srv := newServer(b, streamServer(respEvents))
		run(b, newEndpoint(b, srv, Config{API: Responses}), rp, false)
	})
	b.Run("responses-in-memory", func(b *testing.B) {
		e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", API: Responses,
			HTTPClient: &http.Client{Transport: &memTransport{events: respEvents}}})
		require.NoError(b, err)
		run(b, e, rp, false)
	})
}

// TestStreamAllocsPerChunk proves that a chunk costs no allocation: a
// request with 128 tokens allocates exactly as much as one with 64, for
// a chat completion and for the Responses API.
func TestStreamAllocsPerChunk(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items, so allocations vary")
	}
	for _, api := range []API{Chat, Responses} {
		t.Run(string(api), func(t *testing.T) {
			allocs := func(tokens int) float64 {
				events, payload := cannedChunks(tokens), ChatPayload
				if api == Responses {
					events, payload = cannedResponseEvents(tokens), ResponsesPayload
				}
				e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", API: api,
					HTTPClient: &http.Client{Transport: &memTransport{events: events}}})
				require.NoError(t, err)
				p, err := payload("Tell me a story", tokens)
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
		})
	}
}

// BenchmarkStreamDecode measures the client's per-chunk work alone: the SSE
// reader and the chunk decoder on a canned stream held in memory, for a
// chat completion and for the Responses API. chunks/s and ns/chunk count
// every event of the stream.
func BenchmarkStreamDecode(b *testing.B) {
	for _, api := range []API{Chat, Responses} {
		b.Run(string(api), func(b *testing.B) {
			events := cannedChunks(64)
			stream := (*Endpoint).stream
			if api == Responses {
				events, stream = cannedResponseEvents(64), (*Endpoint).streamResponses
			}
			body := strings.Join(events, "")
			e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", API: api})
			require.NoError(b, err)
			var rec countRecorder
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				rec.reset()
				if err := stream(e, context.Background(), &eventBody{events: events}, "text/event-stream", &rec, func() {}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*float64(len(events))/b.Elapsed().Seconds(), "chunks/s")
			b.ReportMetric(b.Elapsed().Seconds()*1e9/(float64(b.N)*float64(len(events))), "ns/chunk")
		})
	}
}
