package bedrock

import (
	"testing"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/internal/awstest"
)

// discard is a Recorder that keeps nothing.
type discard struct{ chunks int }

func (d *discard) Text(string)           { d.chunks++ }
func (d *discard) TextBytes([]byte)      { d.chunks++ }
func (d *discard) Reasoning(string)      {}
func (d *discard) Complete(string)       {}
func (d *discard) Usage(endpoints.Usage) {}
func (d *discard) ID(string)             {}
func (d *discard) Retries(int)           {}
func (d *discard) Resend()               {}
func (d *discard) reset()                { d.chunks = 0 }
func (d *discard) count() int            { return d.chunks }

// BenchmarkStream measures one streamed response of 64 text events
// through the SDK and the loopback fake service: the endpoint's and the
// SDK's cost per event, with the event stream decoding included.
func BenchmarkStream(b *testing.B) {
	const deltas = 64
	for _, tc := range []struct {
		name    string
		api     API
		events  []awstest.Event
		payload endpoints.Payload
	}{
		{"converse-stream", ConverseStream, converseEvents(deltas), endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "hi"}}}},
		{"invoke-stream", InvokeModelWithResponseStream, invokeEvents(deltas), endpoints.Payload{"prompt": "hi"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := awstest.New(b, awstest.Stream(tc.events...))
			e := newEndpoint(b, srv, Config{API: tc.api})
			req, err := e.Prepare(tc.payload)
			if err != nil {
				b.Fatal(err)
			}
			var rec discard
			b.ReportAllocs()
			for b.Loop() {
				rec.reset()
				if err := e.Invoke(b.Context(), req, &rec); err != nil {
					b.Fatal(err)
				}
				if rec.count() != deltas {
					b.Fatalf("%d chunks, want %d", rec.count(), deltas)
				}
			}
			b.ReportMetric(float64(b.N*deltas)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
		})
	}
}

func converseEvents(n int) []awstest.Event {
	evs := []awstest.Event{awstest.MessageStart()}
	for range n {
		evs = append(evs, awstest.TextDelta("tok "))
	}
	return append(evs, awstest.ContentBlockStop(), awstest.MessageStop("end_turn"), awstest.Metadata(awstest.Usage{Input: 5, Output: n}, 10))
}

func invokeEvents(n int) []awstest.Event {
	var evs []awstest.Event
	for range n - 1 {
		evs = append(evs, awstest.Chunk(`{"choices":[{"delta":{"content":"tok "}}]}`))
	}
	return append(evs, awstest.Chunk(`{"choices":[{"delta":{"content":"tok "}}],"amazon-bedrock-invocationMetrics":{"inputTokenCount":5,"outputTokenCount":64}}`))
}
