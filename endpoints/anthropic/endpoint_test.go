package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/internal/redact"
)

const testKey = "sk-ant-test-0123456789abcdef"

// How a transcript is written.
const (
	whole    = "whole"     // one write
	byteWise = "byte-wise" // one byte per write, each flushed
	perLine  = "per-line"  // one line per write, each flushed
)

// serveSSE returns a handler that answers with transcript as an event
// stream, written as mode says.
func serveSSE(transcript, mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		flush := w.(http.Flusher).Flush
		switch mode {
		case byteWise:
			for i := range len(transcript) {
				_, _ = w.Write([]byte{transcript[i]})
				flush()
			}
		case perLine:
			for line := range strings.SplitAfterSeq(transcript, "\n") {
				_, _ = io.WriteString(w, line)
				flush()
			}
		default:
			_, _ = io.WriteString(w, transcript)
		}
	}
}

// newServer starts a server on 127.0.0.1, closed when the test ends.
func newServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// newEndpoint returns an Endpoint for srv ("/v1" appended, as the llmtest
// command passes URLs), with cfg's other fields.
func newEndpoint(t testing.TB, srv *httptest.Server, cfg Config) *Endpoint {
	t.Helper()
	cfg.BaseURL = srv.URL + "/v1"
	if cfg.Model == "" {
		cfg.Model = "claude-test"
	}
	e, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// invoke prepares p and invokes it, with a bound on the time it may take.
func invoke(t testing.TB, e *Endpoint, p endpoints.Payload, rec endpoints.Recorder) error {
	t.Helper()
	req, err := e.Prepare(p)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return e.Invoke(ctx, req, rec)
}

func payload() endpoints.Payload {
	return endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "Say hi"}}, "max_tokens": 64}
}

// ev returns one event as Anthropic writes it: "event: <type>" and a data
// line, with the data's type matching.
func ev(data string) string {
	var v struct{ Type string }
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		panic(err)
	}
	return "event: " + v.Type + "\ndata: " + data + "\n\n"
}

// lf joins events written by ev.
func lf(events ...string) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString(ev(e))
	}
	return b.String()
}

const (
	tHello = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`
	tWorld = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world"}}`
	tEmpty = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}`
)

var basic = []string{evStart, evBlockStart, evPing, tHello, tWorld, evBlockStop, evMsgDelta, evStop}

func TestStreamTranscripts(t *testing.T) {
	type want struct {
		chunks    []string
		reasoning []string
		id        string
		usage     endpoints.Usage
		err       string // substring of the error; empty for success
		errIs     error
	}
	hello := []string{"Hello", " world"}
	const id = "msg_01XFDUDYJgAACzvnptvVoYEL"
	u := endpoints.Usage{InputTokens: 25, OutputTokens: 15}
	tests := []struct {
		name       string
		transcript string
		modes      []string
		want       want
	}{
		{"LF", lf(basic...), nil, want{chunks: hello, id: id, usage: u}},
		{"CRLF", strings.ReplaceAll(lf(basic...), "\n", "\r\n"), nil, want{chunks: hello, id: id, usage: u}},
		{"CR", strings.ReplaceAll(lf(basic...), "\n", "\r"), nil, want{chunks: hello, id: id, usage: u}},
		{"split into single bytes", lf(basic...), []string{byteWise}, want{chunks: hello, id: id, usage: u}},
		{"data lines only", "data: " + strings.Join(basic, "\n\ndata: ") + "\n\n", nil, want{chunks: hello, id: id, usage: u}},
		{"comments and keep-alives", ": ping\n\n" + lf(evStart, tHello) + ": keep-alive\n\n" + lf(evPing, evPing, tWorld, evMsgDelta, evStop), nil,
			want{chunks: hello, id: id, usage: u}},
		{"unknown event types and deltas ignored", lf(evStart, tHello) +
			"event: future_event\ndata: {\"type\":\"future_event\",\"delta\":{\"text\":7}}\n\n" +
			"event: ping\ndata: " + tWorld + "\n\n" + // the event name decides
			lf(evSignature, evInputJSON, `{"type":"content_block_delta","index":2,"delta":{"type":"citations_delta","citation":{"cited_text":"x"}}}`, evMsgDelta, evStop),
			nil, want{chunks: []string{"Hello"}, id: id, usage: u}},
		{"empty deltas are no tokens", lf(evStart, evBlockStart, tEmpty, tHello, tEmpty, evMsgDelta, evStop), nil, want{chunks: []string{"Hello"}, id: id, usage: u}},
		{"thinking", lf(evStart, evThinkingStart, evThinkingDelta, `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":" more"}}`,
			evSignature, evBlockStop, `{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}`, tHello, evBlockStop, evMsgDelta, evStop), nil,
			want{chunks: []string{"Hello"}, reasoning: []string{"Let me think", " more"}, id: id, usage: u}},
		{"text in content_block_start", lf(evStart, `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Hi"}}`, tWorld, evMsgDelta, evStop), nil,
			want{chunks: []string{"Hi", " world"}, id: id, usage: u}},
		{"cache tokens", lf(evStartCached, tHello, evMsgDelta, evStop), nil,
			want{chunks: []string{"Hello"}, id: "msg_2", usage: endpoints.Usage{InputTokens: 12 + 2000 + 30, CachedInputTokens: 2000, OutputTokens: 15}}},
		{"cumulative usage in message_delta", lf(evStart, tHello,
			`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":30,"cache_read_input_tokens":5,"output_tokens":2}}`, evStop), nil,
			want{chunks: []string{"Hello"}, id: id, usage: endpoints.Usage{InputTokens: 35, CachedInputTokens: 5, OutputTokens: 2}}},
		{"message_stop without its blank line", lf(evStart, tHello) + "event: message_stop\ndata: {\"type\":\"message_stop\"}", nil,
			want{chunks: []string{"Hello"}, id: id, usage: endpoints.Usage{InputTokens: 25}}},
		{"data-only message_stop without its blank line", lf(evStart, tHello) + "data: {\"type\":\"message_stop\"}", nil,
			want{chunks: []string{"Hello"}, id: id, usage: endpoints.Usage{InputTokens: 25}}},

		{"error event mid-stream", lf(evStart, evBlockStart, tHello, evOverloaded), nil, want{chunks: []string{"Hello"}, id: id, usage: endpoints.Usage{InputTokens: 25},
			err: "anthropic: overloaded_error: Overloaded (after 3 events)"}},
		{"data-only error", lf(evStart) + "data: " + evOverloaded + "\n\n", nil, want{id: id, usage: endpoints.Usage{InputTokens: 25},
			err: "anthropic: overloaded_error: Overloaded (after 1 events)"}},
		{"error event with text", "event: error\ndata: upstream connect error\n\n", nil, want{err: "anthropic: error: upstream connect error"}},
		{"ends without message_stop", lf(evStart, tHello, tWorld, evMsgDelta), nil, want{chunks: hello, id: id, usage: u,
			err: "anthropic: stream ended after 4 events without message_stop", errIs: endpoints.ErrIncompleteStream}},
		{"ends inside an event", lf(evStart, tHello) + "event: content_block_delta\ndata: " + tWorld, nil, want{chunks: []string{"Hello"}, id: id,
			usage: endpoints.Usage{InputTokens: 25}, err: "anthropic: stream ended inside an event after 2 events, without message_stop", errIs: endpoints.ErrIncompleteStream}},
		{"empty body", "", nil, want{err: "anthropic: stream ended after 0 events without message_stop", errIs: endpoints.ErrIncompleteStream}},
		{"invalid JSON", lf(evStart) + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":\n\n" + lf(evStop), nil,
			want{id: id, usage: endpoints.Usage{InputTokens: 25}, err: "anthropic: stream event 2 (content_block_delta): invalid JSON: unexpected end of input"}},
		{"wrong type", lf(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":["a"]}}`, evStop), nil,
			want{err: "anthropic: stream event 1 (content_block_delta): delta.text: want a string, got an array"}},
		{"bad token count", lf(evStart, `{"type":"message_delta","usage":{"output_tokens":-1}}`, evStop), nil,
			want{id: id, usage: endpoints.Usage{InputTokens: 25}, err: "anthropic: stream event 2 (message_delta): usage.output_tokens: want a non-negative whole number, got -1"}},
	}
	for _, tt := range tests {
		modes := tt.modes
		if modes == nil {
			modes = []string{whole, perLine}
		}
		for _, mode := range modes {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				srv := newServer(t, serveSSE(tt.transcript, mode))
				e := newEndpoint(t, srv, Config{})
				var rec endpointstest.Recorder
				err := invoke(t, e, payload(), &rec)
				if tt.want.err == "" {
					require.NoError(t, err)
				} else {
					require.Error(t, err)
					require.Contains(t, err.Error(), tt.want.err)
					if tt.want.errIs != nil {
						require.ErrorIs(t, err, tt.want.errIs)
					}
				}
				assert.Equal(t, tt.want.chunks, rec.Chunks, "text chunks")
				assert.Equal(t, tt.want.reasoning, rec.ReasoningChunks, "reasoning chunks")
				assert.Equal(t, tt.want.id, rec.ResponseID, "id")
				assert.Equal(t, tt.want.usage, rec.LastUsage, "usage")
				assert.Zero(t, rec.CompleteCalls, "Complete is for whole responses")
			})
		}
	}
}

func TestStreamErrorIsResponseError(t *testing.T) {
	srv := newServer(t, serveSSE(lf(evStart, tHello, evOverloaded), whole))
	e := newEndpoint(t, srv, Config{})
	err := invoke(t, e, payload(), &endpointstest.Recorder{})
	var rerr *ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, ResponseError{Type: "overloaded_error", Message: "Overloaded", Events: 2}, *rerr)
	assert.NotErrorIs(t, err, endpoints.ErrIncompleteStream)
}

func TestStreamEventOrder(t *testing.T) {
	srv := newServer(t, serveSSE(lf(evStart, evThinkingStart, evThinkingDelta, evSignature, evBlockStop, tHello, evMsgDelta, evStop), whole))
	e := newEndpoint(t, srv, Config{})
	var rec endpointstest.Recorder
	require.NoError(t, invoke(t, e, payload(), &rec))
	assert.Equal(t, []string{"id", "usage", "reasoning", "text", "usage"}, rec.Events)
	assert.Equal(t, 2, rec.UsageCalls)
}

// capture records the requests a server receives.
type capture struct {
	method, path, query string
	header              http.Header
	body                map[string]any
}

func captureServer(t *testing.T, respond http.HandlerFunc) (*httptest.Server, chan capture) {
	got := make(chan capture, 1)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		got <- capture{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body}
		respond(w, r)
	}))
	return srv, got
}

func wholeBody(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, wholeMessage)
}

func TestRequestShape(t *testing.T) {
	t.Run("streaming", func(t *testing.T) {
		srv, got := captureServer(t, serveSSE(lf(basic...), whole))
		e := newEndpoint(t, srv, Config{APIKey: testKey, Model: "claude-x",
			Headers: map[string]string{"anthropic-beta": "interleaved-thinking-2025-05-14", "X-Trace": "abc"}})
		p := payload()
		p["temperature"] = 0.5
		p["system"] = "Be brief."
		before := p.Clone()
		require.NoError(t, invoke(t, e, p, &endpointstest.Recorder{}))
		c := <-got
		assert.Equal(t, http.MethodPost, c.method)
		assert.Equal(t, "/v1/messages", c.path)
		assert.Empty(t, c.query)
		assert.Equal(t, testKey, c.header.Get("X-Api-Key"))
		assert.Empty(t, c.header.Get("Authorization"))
		assert.Equal(t, DefaultVersion, c.header.Get("Anthropic-Version"))
		assert.Equal(t, "interleaved-thinking-2025-05-14", c.header.Get("Anthropic-Beta"))
		assert.Equal(t, "abc", c.header.Get("X-Trace"))
		assert.Equal(t, "application/json", c.header.Get("Content-Type"))
		assert.Equal(t, "text/event-stream", c.header.Get("Accept"))
		assert.Empty(t, c.header.Get("Accept-Encoding"), "no compression asked for")
		assert.Equal(t, map[string]any{
			"model":       "claude-x",
			"stream":      true,
			"max_tokens":  64.0,
			"temperature": 0.5,
			"system":      "Be brief.",
			"messages":    []any{map[string]any{"role": "user", "content": "Say hi"}},
		}, c.body)
		assert.Equal(t, before, p, "the caller's payload is not changed")
	})
	t.Run("not streaming, own version and model", func(t *testing.T) {
		srv, got := captureServer(t, wholeBody)
		e := newEndpoint(t, srv, Config{Version: "2024-01-01"})
		p := payload()
		p["stream"] = false
		p["model"] = "own"
		before := p.Clone()
		require.NoError(t, invoke(t, e, p, &endpointstest.Recorder{}))
		c := <-got
		assert.Equal(t, "2024-01-01", c.header.Get("Anthropic-Version"))
		assert.Equal(t, "application/json", c.header.Get("Accept"))
		assert.Empty(t, c.header.Get("X-Api-Key"), "no key, no header")
		assert.Equal(t, false, c.body["stream"])
		assert.Equal(t, "own", c.body["model"])
		assert.Equal(t, before, p)
	})
	t.Run("headers replace the endpoint's own", func(t *testing.T) {
		srv, got := captureServer(t, serveSSE(lf(basic...), whole))
		e := newEndpoint(t, srv, Config{APIKey: testKey, Headers: map[string]string{"anthropic-version": "2099-01-01", "Accept": "*/*"}})
		require.NoError(t, invoke(t, e, payload(), &endpointstest.Recorder{}))
		c := <-got
		assert.Equal(t, "2099-01-01", c.header.Get("Anthropic-Version"))
		assert.Equal(t, "*/*", c.header.Get("Accept"))
	})
	for base, want := range map[string]string{
		"":                        "/v1/messages",
		"/":                       "/v1/messages",
		"/v1":                     "/v1/messages",
		"/v1/":                    "/v1/messages",
		"/anthropic":              "/anthropic/v1/messages",
		"/v1/messages":            "/v1/messages",
		"/v1/messages/":           "/v1/messages",
		"/anthropic/v1?beta=true": "/anthropic/v1/messages?beta=true",
	} {
		t.Run("base URL "+base, func(t *testing.T) {
			srv, got := captureServer(t, serveSSE(lf(basic...), whole))
			e, err := New(Config{BaseURL: srv.URL + base, Model: "m"})
			require.NoError(t, err)
			require.NoError(t, invoke(t, e, payload(), &endpointstest.Recorder{}))
			c := <-got
			path := c.path
			if c.query != "" {
				path += "?" + c.query
			}
			assert.Equal(t, want, path)
		})
	}
}

func TestWholeResponses(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		text      string
		reasoning []string
		id        string
		usage     endpoints.Usage
		err       string
	}{
		{"text, thinking, tool use", wholeMessage, "Hello there", []string{"Hmm.", "Done."}, "msg_9",
			endpoints.Usage{InputTokens: 13, CachedInputTokens: 4, OutputTokens: 12}, ""},
		{"simple", `{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"Hi!"}],"usage":{"input_tokens":3,"output_tokens":2}}`,
			"Hi!", nil, "msg_1", endpoints.Usage{InputTokens: 3, OutputTokens: 2}, ""},
		{"empty content", `{"id":"msg_2","type":"message","content":[],"usage":{"input_tokens":3,"output_tokens":0}}`,
			"", nil, "msg_2", endpoints.Usage{InputTokens: 3}, ""},
		{"not JSON", `<html>oops</html>`, "", nil, "", endpoints.Usage{}, "anthropic: response: invalid JSON at offset 0"},
		{"no content", `{"id":"x","type":"message"}`, "", nil, "", endpoints.Usage{}, "anthropic: response: content: missing"},
		{"wrong type", `{"content":[{"type":"text","text":7}]}`, "", nil, "", endpoints.Usage{}, "anthropic: response: content[0].text: want a string, got a number"},
		{"error in a 200", `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`, "", nil, "", endpoints.Usage{},
			"anthropic: api_error: Internal server error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.body)
			}))
			e := newEndpoint(t, srv, Config{})
			p := payload()
			p["stream"] = false
			var rec endpointstest.Recorder
			err := invoke(t, e, p, &rec)
			if tt.err != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), tt.err)
				assert.Zero(t, rec.CompleteCalls)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, rec.CompleteCalls)
			assert.Equal(t, tt.text, rec.Completed)
			assert.Empty(t, rec.Chunks, "no streamed text")
			assert.Equal(t, tt.reasoning, rec.ReasoningChunks)
			assert.Equal(t, tt.id, rec.ResponseID)
			assert.Equal(t, tt.usage, rec.LastUsage)
			if len(tt.reasoning) > 0 {
				assert.Equal(t, []string{"id", "reasoning", "reasoning", "complete", "usage"}, rec.Events, "reasoning before Complete")
			}
		})
	}
}

func TestStatusErrors(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	long := strings.Repeat("é", 1000)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		message    string
		retryAfter time.Duration
		tolerance  time.Duration
	}{
		{"rate limit", 429, map[string]string{"Retry-After": "20"},
			`{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}`,
			"rate_limit_error: Number of request tokens has exceeded your per-minute rate limit", 20 * time.Second, 0},
		{"overloaded", 529, nil, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "overloaded_error: Overloaded", 0, 0},
		{"authentication", 401, nil, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`,
			"authentication_error: invalid x-api-key", 0, 0},
		{"type only", 400, nil, `{"type":"error","error":{"type":"invalid_request_error"}}`, "invalid_request_error", 0, 0},
		{"retry-after-ms", 429, map[string]string{"Retry-After": "7", "Retry-After-Ms": "1500"}, `{"error":"slow down"}`, "slow down", 1500 * time.Millisecond, 0},
		{"HTTP date", 503, map[string]string{"Retry-After": date}, `{"message":"unavailable"}`, "unavailable", 90 * time.Second, 3 * time.Second},
		{"bad Retry-After", 503, map[string]string{"Retry-After": "soon"}, `{"detail":"Not ready"}`, "Not ready", 0, 0},
		{"text body", 502, nil, "<html>\n<body>Bad gateway</body>\n</html>\n", "<html> <body>Bad gateway</body> </html>", 0, 0},
		{"empty body", 500, nil, "", "Internal Server Error", 0, 0},
		{"long message", 400, nil, `{"type":"error","error":{"type":"invalid_request_error","message":"` + long + `"}}`,
			redact.Truncate("invalid_request_error: "+long, endpoints.MaxErrorMessage), 0, 0},
		{"redirect is not followed", 301, map[string]string{"Location": "/elsewhere"}, "", "Moved Permanently", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			e := newEndpoint(t, srv, Config{APIKey: testKey})
			var rec endpointstest.Recorder
			err := invoke(t, e, payload(), &rec)
			var serr *endpoints.StatusError
			require.ErrorAs(t, err, &serr)
			assert.Equal(t, tt.status, serr.StatusCode)
			assert.Equal(t, tt.message, serr.Message)
			assert.InDelta(t, float64(tt.retryAfter), float64(serr.RetryAfter), float64(tt.tolerance))
			assert.Empty(t, rec.Events, "nothing recorded")
		})
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	const headerSecret = "hdr-secret-9876543210"
	echo := "invalid x-api-key: " + testKey + " (with " + headerSecret + ")"
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"status error JSON", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			_ = json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": "authentication_error " + testKey, "message": echo}})
		}},
		{"status error text", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, "x-api-key: "+r.Header.Get("X-Api-Key")+" "+r.Header.Get("X-Auth-Token"))
		}},
		{"error event", serveSSE(lf(evStart, `{"type":"error","error":{"type":"`+testKey+`","message":"`+echo+`"}}`), whole)},
		{"error event with text", serveSSE("event: error\ndata: "+echo+"\n\n", whole)},
		{"error in a JSON body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": "api_error", "message": echo}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.handler)
			e := newEndpoint(t, srv, Config{APIKey: testKey, Headers: map[string]string{"X-Auth-Token": headerSecret}})
			err := invoke(t, e, payload(), &endpointstest.Recorder{})
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testKey)
			assert.NotContains(t, err.Error(), headerSecret)
			assert.Contains(t, err.Error(), "[REDACTED]")
		})
	}

	t.Run("transport error", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close()) // nothing listens there any more
		e, err := New(Config{BaseURL: "http://user:" + testKey + "@" + addr + "/v1?key=" + testKey, APIKey: testKey, Model: "m"})
		require.NoError(t, err)
		req, err := e.Prepare(payload())
		require.NoError(t, err)
		err = e.Invoke(context.Background(), req, &endpointstest.Recorder{})
		require.Error(t, err)
		assert.NotContains(t, err.Error(), testKey)
		assert.Contains(t, err.Error(), "anthropic: POST http://"+addr+"/v1/messages: ")
		var opErr *net.OpError
		assert.ErrorAs(t, err, &opErr, "the cause stays reachable")
	})
}

func TestContextCancelledMidStream(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, lf(evStart, evBlockStart, tHello))
		w.(http.Flusher).Flush()
		select { // a server that stalls mid-stream
		case <-release:
		case <-r.Context().Done():
		}
	}))
	e := newEndpoint(t, srv, Config{})
	req, err := e.Prepare(payload())
	require.NoError(t, err)

	for _, how := range []string{"cancel", "deadline"} {
		t.Run(how, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rec := &cancelRecorder{}
			if how == "cancel" {
				rec.onText = cancel // cancel once the first token is in
			} else {
				ctx, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
				defer cancel()
			}
			result := make(chan error, 1)
			go func() { result <- e.Invoke(ctx, req, rec) }()
			select {
			case err := <-result:
				require.Error(t, err)
				require.ErrorIs(t, err, ctx.Err())
				assert.Contains(t, err.Error(), "anthropic: request ended after 3 events")
				assert.Equal(t, []string{"Hello"}, rec.Chunks)
			case <-time.After(5 * time.Second):
				t.Fatal("Invoke did not return after its context ended")
			}
		})
	}
}

// cancelRecorder calls onText after the first text delta.
type cancelRecorder struct {
	endpointstest.Recorder
	onText func()
}

func (r *cancelRecorder) TextBytes(b []byte) {
	r.Recorder.TextBytes(b)
	if r.onText != nil {
		r.onText()
		r.onText = nil
	}
}

func TestConnectionReuse(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		stream  bool
		wantErr bool
	}{
		{"stream", serveSSE(lf(basic...), perLine), true, false},
		{"whole", wholeBody, false, false},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`)
		}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var conns atomic.Int32
			srv := httptest.NewUnstartedServer(tt.handler)
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			e := newEndpoint(t, srv, Config{})
			p := payload()
			p["stream"] = tt.stream
			req, err := e.Prepare(p)
			require.NoError(t, err)
			for i := range 50 {
				err := e.Invoke(context.Background(), req, &endpointstest.Recorder{})
				require.Equal(t, tt.wantErr, err != nil, "request %d: %v", i, err)
			}
			assert.Equal(t, int32(1), conns.Load(), "connections opened for 50 sequential requests")
		})
	}
}

func TestSlowEndAfterMessageStop(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, lf(basic...))
		w.(http.Flusher).Flush()
		select { // never ends the response by itself
		case <-release:
		case <-r.Context().Done():
		}
	}))
	e := newEndpoint(t, srv, Config{})
	req, err := e.Prepare(payload())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rec endpointstest.Recorder
	result := make(chan error, 1)
	go func() { result <- e.Invoke(ctx, req, &rec) }()
	select {
	case err := <-result:
		require.NoError(t, err, "message_stop completed the request")
		assert.Equal(t, []string{"Hello", " world"}, rec.Chunks)
	case <-time.After(5 * time.Second):
		t.Fatal("Invoke waited for the server to end the response")
	}
}

func TestJSONInsteadOfStream(t *testing.T) {
	for body, want := range map[string]string{
		`{"type":"error","error":{"type":"invalid_request_error","message":"streaming is not supported"}}`: "anthropic: invalid_request_error: streaming is not supported",
		wholeMessage: `the request asked for a stream, but the response is application/json`,
	} {
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = io.WriteString(w, body)
		}))
		e := newEndpoint(t, srv, Config{})
		var rec endpointstest.Recorder
		err := invoke(t, e, payload(), &rec)
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
		assert.Empty(t, rec.Events)
	}
}

func TestNotAnEventStream(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>Welcome to the captive portal</html>")
	}))
	e := newEndpoint(t, srv, Config{})
	err := invoke(t, e, payload(), &endpointstest.Recorder{})
	require.ErrorIs(t, err, endpoints.ErrIncompleteStream)
	assert.Contains(t, err.Error(), `after 0 events, without message_stop (the response's Content-Type is "text/html")`)
}

func TestStreamBrokenConnection(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, lf(evStart, tHello))
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack() // drop the connection mid-stream
		if assert.NoError(t, err) {
			_ = conn.Close()
		}
	}))
	e := newEndpoint(t, srv, Config{})
	var rec endpointstest.Recorder
	err := invoke(t, e, payload(), &rec)
	require.ErrorIs(t, err, endpoints.ErrIncompleteStream)
	assert.Contains(t, err.Error(), "anthropic: stream broken after 2 events, without message_stop: unexpected EOF")
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "the cause stays reachable: %v", err)
	assert.Equal(t, []string{"Hello"}, rec.Chunks)
}

func TestStreamEventTooLarge(t *testing.T) {
	big := "event: content_block_delta\ndata: " + strings.Repeat("x", 16<<20) + "\n\n"
	srv := newServer(t, serveSSE(lf(evStart, tHello)+big+lf(evStop), whole))
	e := newEndpoint(t, srv, Config{})
	req, err := e.Prepare(payload())
	require.NoError(t, err)
	// 16 MiB go through the reader: a longer bound than invoke's, for
	// slow machines under the race detector.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var rec endpointstest.Recorder
	err = e.Invoke(ctx, req, &rec)
	require.ErrorContains(t, err, "anthropic: stream event 3: sse: event too large")
	assert.Equal(t, []string{"Hello"}, rec.Chunks)
}

func TestInvokeUnprepared(t *testing.T) {
	e, err := New(Config{})
	require.NoError(t, err)
	err = e.Invoke(context.Background(), &endpoints.Request{}, &endpointstest.Recorder{})
	require.ErrorIs(t, err, errNotPrepared)
	require.ErrorIs(t, e.Invoke(context.Background(), nil, &endpointstest.Recorder{}), errNotPrepared)
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"bad URL", Config{BaseURL: "http://" + testKey + "@host:port/v1", APIKey: testKey}, `anthropic: Config.BaseURL: not a valid URL (percent-encode the user name and password in it: a '/', '?', '#' or '@' there ends them)`},
		{"bad URL echoing the key", Config{BaseURL: "http://host:" + testKey + "/v1", APIKey: testKey}, `anthropic: Config.BaseURL: not a valid URL: invalid port ":[REDACTED]" after host`},
		{"relative URL", Config{BaseURL: "/v1"}, `anthropic: Config.BaseURL: want an http or https URL, got scheme ""`},
		{"other scheme", Config{BaseURL: "ftp://host/v1"}, `anthropic: Config.BaseURL: want an http or https URL, got scheme "ftp"`},
		{"no host", Config{BaseURL: "http:///v1"}, "anthropic: Config.BaseURL: no host"},
		{"fragment", Config{BaseURL: "http://h/v1#x"}, "anthropic: Config.BaseURL: want no fragment"},
		{"key with line break", Config{APIKey: testKey + "\n"}, "anthropic: Config.APIKey: contains a line break or NUL"},
		{"version with line break", Config{Version: "2023-06-01\r\nX: y"}, "anthropic: Config.Version: contains a line break or NUL"},
		{"bad header name", Config{Headers: map[string]string{"Bad Name": "x"}}, `anthropic: Config.Headers: invalid header name "Bad Name"`},
		{"bad header value", Config{Headers: map[string]string{"X-Key": testKey + "\r\nX: y"}}, `anthropic: Config.Headers["X-Key"]: value contains a line break or NUL`},
		{"negative idle conns", Config{MaxIdleConnsPerHost: -1}, "anthropic: Config.MaxIdleConnsPerHost: want a positive number or zero, got -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			require.EqualError(t, err, tt.want)
			assert.NotContains(t, err.Error(), testKey)
		})
	}

	t.Run("defaults", func(t *testing.T) {
		e, err := New(Config{})
		require.NoError(t, err)
		assert.Equal(t, DefaultBaseURL+"/v1/messages", e.url)
		tr, ok := e.http.HTTPClient().Transport.(*http.Transport)
		require.True(t, ok)
		assert.Equal(t, DefaultMaxIdleConnsPerHost, tr.MaxIdleConnsPerHost)
		assert.True(t, tr.DisableCompression)
		assert.False(t, tr.ForceAttemptHTTP2)

		e, err = New(Config{MaxIdleConnsPerHost: 16})
		require.NoError(t, err)
		assert.Equal(t, 16, e.http.HTTPClient().Transport.(*http.Transport).MaxIdleConnsPerHost)
	})
	t.Run("own client", func(t *testing.T) {
		c := &http.Client{}
		e, err := New(Config{HTTPClient: c})
		require.NoError(t, err)
		assert.Same(t, c, e.http.HTTPClient())
	})
	t.Run("caller's headers are copied", func(t *testing.T) {
		srv, got := captureServer(t, serveSSE(lf(basic...), whole))
		h := map[string]string{"X-A": "1"}
		e := newEndpoint(t, srv, Config{Headers: h})
		h["X-A"] = "2"
		require.NoError(t, invoke(t, e, payload(), &endpointstest.Recorder{}))
		assert.Equal(t, "1", (<-got).header.Get("X-A"))
	})
}

func TestInfo(t *testing.T) {
	tests := []struct {
		cfg  Config
		want endpoints.Info
	}{
		{Config{APIKey: testKey, Model: "claude-sonnet-4-5"},
			endpoints.Info{Provider: "anthropic", Model: "claude-sonnet-4-5", Name: "messages", URL: "https://api.anthropic.com"}},
		{Config{BaseURL: "https://api.anthropic.com/v1/", APIKey: testKey},
			endpoints.Info{Provider: "anthropic", Name: "messages", URL: "https://api.anthropic.com"}},
		{Config{BaseURL: "http://user:" + testKey + "@127.0.0.1:8080/v1?key=" + testKey, Headers: map[string]string{"Authorization": "Bearer " + testKey}},
			endpoints.Info{Provider: "anthropic", Name: "messages", URL: "http://127.0.0.1:8080"}},
	}
	for _, tt := range tests {
		e, err := New(tt.cfg)
		require.NoError(t, err)
		assert.Equal(t, tt.want, e.Info())
		b, err := json.Marshal(e.Info())
		require.NoError(t, err)
		assert.NotContains(t, string(b), testKey)
	}
}

func TestResponseErrorText(t *testing.T) {
	for want, e := range map[string]ResponseError{
		"anthropic: overloaded_error: Overloaded (after 4 events)": {Type: "overloaded_error", Message: "Overloaded", Events: 4},
		"anthropic: api_error":              {Type: "api_error"},
		"anthropic: error: it broke":        {Message: "it broke"},
		"anthropic: error (after 1 events)": {Events: 1},
	} {
		assert.Equal(t, want, e.Error())
	}
}
