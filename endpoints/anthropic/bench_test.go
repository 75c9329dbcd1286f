package anthropic

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

// transcript returns the events of a realistic Messages stream with n
// text deltas: message_start, content_block_start, ping, the deltas,
// content_block_stop, message_delta and message_stop, one string each.
func transcript(n int) []string {
	events := []string{
		ev(`{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":32,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`),
		ev(evBlockStart),
		ev(evPing),
	}
	for i := range n {
		events = append(events, ev(fmt.Sprintf(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" tok%d"}}`, i%100)))
	}
	return append(events,
		ev(evBlockStop),
		ev(fmt.Sprintf(`{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":%d}}`, n)),
		ev(evStop))
}

// framing is the number of events of a transcript besides its text deltas.
const framing = 6

// countRecorder is an endpoints.Recorder that only counts, allocating
// nothing, so that benchmarks measure the endpoint alone.
type countRecorder struct {
	text, bytes, usage int
}

func (r *countRecorder) Text(d string)         { r.text++; r.bytes += len(d) }
func (r *countRecorder) TextBytes(d []byte)    { r.text++; r.bytes += len(d) }
func (r *countRecorder) Reasoning(string)      {}
func (r *countRecorder) Complete(string)       {}
func (r *countRecorder) Usage(endpoints.Usage) { r.usage++ }
func (r *countRecorder) ID(string)             {}
func (r *countRecorder) Retries(int)           {}
func (r *countRecorder) Resend()               {}
func (r *countRecorder) reset()                { *r = countRecorder{} }
func (r *countRecorder) check(n int) error {
	if r.text != n || r.usage != 2 {
		return fmt.Errorf("got %d text deltas and %d usage calls, want %d and 2", r.text, r.usage, n)
	}
	return nil
}

// memTransport answers every request with a stream held in memory, one
// event per Read, as a server flushing every event would deliver it.
type memTransport struct{ events []string }

type eventBody struct {
	events []string
	i, off int // the next byte to read is events[i][off]
}

func (b *eventBody) Read(p []byte) (int, error) {
	if b.i == len(b.events) {
		return 0, io.EOF
	}
	n := copy(p, b.events[b.i][b.off:])
	if b.off += n; b.off == len(b.events[b.i]) {
		b.i, b.off = b.i+1, 0
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

// streamHandler writes events one by one, each flushed.
func streamHandler(events []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		for _, e := range events {
			_, _ = io.WriteString(w, e)
			f.Flush()
		}
	}
}

// BenchmarkStream measures Invoke end to end on a 64-event stream (58 text
// deltas and 6 other events): against an in-memory transport, which leaves
// only the client's own work, and against an httptest server on 127.0.0.1
// that flushes each event, sequentially and with 8 concurrent clients.
// events/s and ns/event count all 64 events.
func BenchmarkStream(b *testing.B) {
	const events = 64
	const deltas = events - framing
	tr := transcript(deltas)
	p, err := MessagesPayload("Tell me a story", 128, 0)
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
					err := e.Invoke(ctx, req, &rec)
					if err == nil {
						err = rec.check(deltas)
					}
					if err != nil {
						b.Error(err) // not Fatal: this is not the benchmark's goroutine
						return
					}
				}
			})
		} else {
			var rec countRecorder
			for b.Loop() {
				rec.reset()
				if err := e.Invoke(ctx, req, &rec); err != nil {
					b.Fatal(err)
				}
				if err := rec.check(deltas); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N)*events/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*events), "ns/event")
	}

	b.Run("in-memory", func(b *testing.B) {
		e, err := New(Config{BaseURL: "http://127.0.0.1:1", Model: "m",
			HTTPClient: &http.Client{Transport: &memTransport{events: tr}}})
		require.NoError(b, err)
		run(b, e, false)
	})
	b.Run("httptest", func(b *testing.B) {
		srv := newServer(b, streamHandler(tr))
		run(b, newEndpoint(b, srv, Config{}), false)
	})
	b.Run("httptest-8-clients", func(b *testing.B) {
		srv := newServer(b, streamHandler(tr))
		run(b, newEndpoint(b, srv, Config{}), true)
	})
}

// BenchmarkStreamDecode measures the per-event work alone: the SSE reader,
// the event decoder and the recorder calls on a 64-event stream held in
// memory, without HTTP.
func BenchmarkStreamDecode(b *testing.B) {
	const events = 64
	tr := transcript(events - framing)
	body := strings.Join(tr, "")
	e, err := New(Config{Model: "m"})
	require.NoError(b, err)
	var rec countRecorder
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rec.reset()
		if err := e.stream(context.Background(), &eventBody{events: tr}, "text/event-stream", &rec, func() {}); err != nil {
			b.Fatal(err)
		}
		if err := rec.check(events - framing); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*events/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*events), "ns/event")
}

// TestStreamAllocsPerEvent proves that an event costs no allocation: a
// request with 128 text deltas allocates exactly as much as one with 64.
func TestStreamAllocsPerEvent(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items, so allocations vary")
	}
	allocs := func(deltas int) float64 {
		e, err := New(Config{BaseURL: "http://127.0.0.1:1", Model: "m",
			HTTPClient: &http.Client{Transport: &memTransport{events: transcript(deltas)}}})
		require.NoError(t, err)
		p, err := MessagesPayload("Tell me a story", 256, 0)
		require.NoError(t, err)
		req, err := e.Prepare(p)
		require.NoError(t, err)
		var rec countRecorder
		return testing.AllocsPerRun(200, func() {
			rec.reset()
			if err := e.Invoke(context.Background(), req, &rec); err != nil {
				t.Fatal(err)
			}
			if err := rec.check(deltas); err != nil {
				t.Fatal(err)
			}
		})
	}
	a64, a128 := allocs(64), allocs(128)
	require.Equal(t, a64, a128, "allocations per request with 64 and 128 text deltas")
	t.Logf("allocations per request, whatever its length: %v", a64)
}
