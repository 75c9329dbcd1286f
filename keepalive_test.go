package llmtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/anthropic"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/internal/keepalivetest"
	"github.com/llmtest/llmtest/llmtest"
)

// httpKind is one HTTP provider API, with a stream that answers "Hello
// there" in two chunks.
type httpKind struct {
	name    string
	stream  string
	payload func(t *testing.T) endpoints.Payload
	// endpoint returns an Endpoint for base, closed when t ends.
	endpoint func(t *testing.T, base string) endpoints.Endpoint
}

func sseEvents(events ...string) string { return strings.Join(events, "\n\n") + "\n\n" }

func httpKinds() []httpKind {
	openaiAPI := func(api openai.API) func(t *testing.T, base string) endpoints.Endpoint {
		return func(t *testing.T, base string) endpoints.Endpoint {
			ep, err := openai.New(openai.Config{BaseURL: base + "/v1", Model: "m", API: api})
			require.NoError(t, err)
			t.Cleanup(func() { _ = ep.Close() })
			return ep
		}
	}
	must := func(p endpoints.Payload, err error) func(t *testing.T) endpoints.Payload {
		return func(t *testing.T) endpoints.Payload {
			require.NoError(t, err)
			return p
		}
	}
	return []httpKind{
		{"openai-chat", sseEvents(
			`data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]}`,
			`data: {"choices":[{"index":0,"delta":{"content":" there"}}]}`,
			`data: [DONE]`,
		), must(openai.ChatPayload("Say hello.", 8)), openaiAPI(openai.Chat)},
		{"openai-completions", sseEvents(
			`data: {"choices":[{"index":0,"text":"Hello"}]}`,
			`data: {"choices":[{"index":0,"text":" there"}]}`,
			`data: [DONE]`,
		), must(openai.CompletionPayload("Say hello.", 8)), openaiAPI(openai.Completions)},
		{"openai-responses", sseEvents(
			"event: response.output_text.delta\ndata: "+`{"type":"response.output_text.delta","delta":"Hello"}`,
			"event: response.output_text.delta\ndata: "+`{"type":"response.output_text.delta","delta":" there"}`,
			"event: response.completed\ndata: "+`{"type":"response.completed","response":{"id":"r1","status":"completed","output":[]}}`,
		), must(openai.ResponsesPayload("Say hello.", 8)), openaiAPI(openai.Responses)},
		{"anthropic", sseEvents(
			"event: content_block_delta\ndata: "+`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`,
			"event: content_block_delta\ndata: "+`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}}`,
			"event: message_stop\ndata: "+`{"type":"message_stop"}`,
		), must(anthropic.MessagesPayload("Say hello.", 8, 0)), func(t *testing.T, base string) endpoints.Endpoint {
			ep, err := anthropic.New(anthropic.Config{BaseURL: base, Model: "m"})
			require.NoError(t, err)
			t.Cleanup(func() { _ = ep.Close() })
			return ep
		}},
	}
}

// runLoad sends clients × requests requests through the engine, within a
// minute.
func runLoad(t *testing.T, ep endpoints.Endpoint, p endpoints.Payload, clients, requests int) *llmtest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := llmtest.NewRunner(llmtest.Config{
		Endpoint: ep,
		Payloads: p,
		Clients:  clients,
		Requests: requests,
		Timeout:  10 * time.Second,
	}).Run(ctx, llmtest.Config{})
	require.NoError(t, err)
	require.False(t, res.Run.Interrupted)
	return res
}

// TestServerClosingKeptAliveConnections runs 8 clients × 100 requests
// against a server that closes every connection after its streamed
// response despite Keep-Alive, as llama.cpp's llama-server does: every
// request that met a closed connection is resent, none fails, and the
// server answered each request once.
func TestServerClosingKeptAliveConnections(t *testing.T) {
	for _, k := range httpKinds() {
		for _, closing := range []struct {
			name string
			c    keepalivetest.Closing
		}{
			{"after-response", keepalivetest.AfterResponse},  // the race as llama-server runs it
			{"on-next-request", keepalivetest.OnNextRequest}, // the race always lost
		} {
			t.Run(k.name+"/"+closing.name, func(t *testing.T) {
				srv := keepalivetest.NewServer(t, closing.c, "text/event-stream", k.stream)
				res := runLoad(t, k.endpoint(t, srv.URL), k.payload(t), 8, 100)
				assert.Equal(t, 800, res.Stats.TotalRequests)
				assert.Zero(t, res.Stats.FailedRequests)
				retries, wrong, firstErr := 0, 0, ""
				for _, inv := range res.Invocations {
					if inv.ResponseText != "Hello there" || inv.Retries > 1 {
						wrong++
					}
					if firstErr == "" {
						firstErr = inv.Error
					}
					retries += inv.Retries
				}
				assert.Zero(t, wrong, "requests without the whole answer, or resent more than once; first error: %s", firstErr)
				assert.Equal(t, 800, srv.Answered(), "each request reached the server once")
				if closing.c == keepalivetest.OnNextRequest {
					assert.Equal(t, len(srv.Dropped()), retries, "a retry counted for each request the server dropped")
					// Every other request of a client meets its kept connection.
					assert.GreaterOrEqual(t, retries, 400-8)
				}
				t.Logf("%d of 800 requests resent", retries)
			})
		}
	}
}

// TestFailuresAreNotResent checks that a failure on a fresh connection,
// and a response that breaks after its first byte, are recorded once and
// never resent.
func TestFailuresAreNotResent(t *testing.T) {
	for _, k := range httpKinds() {
		t.Run(k.name+"/fresh", func(t *testing.T) {
			srv := keepalivetest.NewServer(t, keepalivetest.Fresh, "text/event-stream", k.stream)
			res := runLoad(t, k.endpoint(t, srv.URL), k.payload(t), 2, 3)
			assert.Equal(t, 6, res.Stats.FailedRequests)
			for _, inv := range res.Invocations {
				assert.NotEmpty(t, inv.Error)
				assert.Zero(t, inv.Retries)
			}
			assert.Len(t, srv.Dropped(), 6, "each request sent once")
		})
		t.Run(k.name+"/cut-response", func(t *testing.T) {
			srv := keepalivetest.NewServer(t, keepalivetest.CutNextResponse, "text/event-stream", k.stream)
			res := runLoad(t, k.endpoint(t, srv.URL), k.payload(t), 1, 4)
			assert.Equal(t, 2, res.Stats.FailedRequests, "every second request breaks on its reused connection")
			for _, inv := range res.Invocations {
				assert.Zero(t, inv.Retries)
			}
			assert.Len(t, srv.Dropped(), 2)
			assert.Equal(t, 2, srv.Answered())
		})
	}
}

// TestResentRequestIsTimedFromTheResend checks that a resent request's
// send time is that of the resend: after the server dropped the first
// attempt.
func TestResentRequestIsTimedFromTheResend(t *testing.T) {
	for _, k := range httpKinds() {
		t.Run(k.name, func(t *testing.T) {
			srv := keepalivetest.NewServer(t, keepalivetest.OnNextRequest, "text/event-stream", k.stream)
			res := runLoad(t, k.endpoint(t, srv.URL), k.payload(t), 1, 2)
			require.Zero(t, res.Stats.FailedRequests)
			dropped := srv.Dropped()
			require.Len(t, dropped, 1)
			var resent []llmtest.Invocation
			for _, inv := range res.Invocations {
				if inv.Retries > 0 {
					resent = append(resent, inv)
				}
			}
			require.Len(t, resent, 1)
			assert.True(t, resent[0].RequestTime.After(dropped[0]),
				"request time %v is after the dropped attempt ended, at %v", resent[0].RequestTime, dropped[0])
		})
	}
}
