package openai

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

const testKey = "sk-test-0123456789abcdef"

// write modes for a transcript.
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
		if strings.HasPrefix(transcript, "<html>") {
			w.Header().Set("Content-Type", "text/html")
		}
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

// newEndpoint returns an Endpoint for srv, with cfg's other fields.
func newEndpoint(t testing.TB, srv *httptest.Server, cfg Config) *Endpoint {
	t.Helper()
	cfg.BaseURL = srv.URL + "/v1"
	if cfg.Model == "" {
		cfg.Model = "test-model"
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

func chatPayload() endpoints.Payload {
	return endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "Say hi"}}, "max_tokens": 16}
}

func completionPayload() endpoints.Payload {
	return endpoints.Payload{"prompt": "Once upon a time", "max_tokens": 16}
}

// Chunk lines used by the transcripts.
const (
	dRole    = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`
	dHello   = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}`
	dWorld   = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" world"},"finish_reason":null}]}`
	dEmpty   = `data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":""},"finish_reason":null}]}`
	dNull    = `data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":null},"finish_reason":"stop"}]}`
	dUsage   = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":5}}}`
	dThink   = `data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"reasoning_content":"Hmm"}}]}`
	dThink2  = `data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"reasoning":"Let me see"}}]}`
	dDone    = `data: [DONE]`
	dErr     = `data: {"error":{"message":"Model overloaded","type":"server_error","code":503}}`
	dNoSpace = `data:{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hello"}}]}`
)

func lf(lines ...string) string   { return strings.Join(lines, "\n\n") + "\n\n" }
func crlf(lines ...string) string { return strings.Join(lines, "\r\n\r\n") + "\r\n\r\n" }

func TestStreamTranscripts(t *testing.T) {
	type want struct {
		chunks    []string
		reasoning []string
		id        string
		usage     endpoints.Usage
		usageSeen bool
		err       string // substring of the error; empty for success
		errIs     error
	}
	hello := []string{"Hello", " world"}
	tests := []struct {
		name       string
		api        API
		transcript string
		modes      []string
		want       want
	}{
		{"LF", Chat, lf(dRole, dHello, dWorld, dDone), nil, want{chunks: hello, id: "chatcmpl-1"}},
		{"CRLF", Chat, crlf(dRole, dHello, dWorld, dDone), nil, want{chunks: hello, id: "chatcmpl-1"}},
		{"CR", Chat, strings.Join([]string{dHello, dWorld, dDone}, "\r\r") + "\r\r", nil, want{chunks: hello, id: "chatcmpl-1"}},
		{"comments and keep-alives", Chat, ": ping\n\n" + dHello + "\n: ping\n\n: ping\n\n" + lf(dWorld, dDone), nil, want{chunks: hello, id: "chatcmpl-1"}},
		{"data without space", Chat, lf(dNoSpace, dDone), nil, want{chunks: []string{"Hello"}, id: "chatcmpl-1"}},
		{"multi-line data", Chat, "data: {\"choices\":[{\"index\":0,\n" + `data: "delta":{"content":"Hi"}}]}` + "\n\n" + lf(dDone), nil, want{chunks: []string{"Hi"}}},
		{"split into single bytes", Chat, lf(dRole, dHello, dWorld, dUsage, dDone), []string{byteWise}, want{chunks: hello, id: "chatcmpl-1",
			usage: endpoints.Usage{InputTokens: 12, OutputTokens: 2, CachedInputTokens: 8, ReasoningTokens: 5}, usageSeen: true}},
		{"role-only, empty and null chunks are no tokens", Chat, lf(dRole, dEmpty, dHello, dEmpty, dNull, dDone), nil, want{chunks: []string{"Hello"}, id: "chatcmpl-1"}},
		{"reasoning_content and reasoning", Chat, lf(dRole, dThink, dThink2, dHello, dDone), nil, want{chunks: []string{"Hello"}, reasoning: []string{"Hmm", "Let me see"}, id: "chatcmpl-1"}},
		{"usage in the final chunk", Chat, lf(dHello, dWorld, dUsage, dDone), nil, want{chunks: hello, id: "chatcmpl-1",
			usage: endpoints.Usage{InputTokens: 12, OutputTokens: 2, CachedInputTokens: 8, ReasoningTokens: 5}, usageSeen: true}},
		{"id from the first chunk that has one", Chat, lf(`data: {"choices":[{"delta":{"content":"a"}}]}`, `data: {"id":"first","choices":[]}`, `data: {"id":"second","choices":[]}`, dDone), nil, want{chunks: []string{"a"}, id: "first"}},
		{"[DONE] without blank line", Chat, lf(dHello) + dDone, nil, want{chunks: []string{"Hello"}, id: "chatcmpl-1"}},
		{"[DONE] with extra spaces", Chat, lf(dHello, "data:  [DONE] "), nil, want{chunks: []string{"Hello"}, id: "chatcmpl-1"}},
		{"other event types ignored", Chat, "event: ping\ndata: {}\n\n" + lf(dHello, dDone), nil, want{chunks: []string{"Hello"}, id: "chatcmpl-1"}},
		{"empty data ignored", Chat, "data:\n\n" + lf(dHello, dDone), nil, want{chunks: []string{"Hello"}, id: "chatcmpl-1"}},
		{"completions text", Completions, lf(`data: {"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":"Once","finish_reason":null}]}`,
			`data: {"id":"cmpl-1","choices":[{"index":0,"text":"","finish_reason":"length"}]}`,
			`data: {"id":"cmpl-1","choices":[{"index":0,"text":" more"}]}`,
			`data: {"id":"cmpl-1","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2}}`, dDone), nil,
			want{chunks: []string{"Once", " more"}, id: "cmpl-1", usage: endpoints.Usage{InputTokens: 4, OutputTokens: 2}, usageSeen: true}},

		{"error object in the stream", Chat, lf(dHello, dErr), nil, want{chunks: []string{"Hello"}, id: "chatcmpl-1",
			err: "openai: server error: Model overloaded (type server_error, code 503, after 1 chunks)"}},
		{"event: error", Chat, lf(dHello) + "event: error\n" + lf(`data: {"error":{"message":"Internal failure","type":"internal"}}`), nil,
			want{chunks: []string{"Hello"}, id: "chatcmpl-1", err: "openai: server error: Internal failure (type internal, after 1 chunks)"}},
		{"event: error with a message", Chat, "event: error\n" + lf(`data: {"message":"shard down","code":"E7"}`), nil, want{err: "openai: server error: shard down (code E7)"}},
		{"event: error with text", Chat, "event: error\n" + lf("data: worker died"), nil, want{err: "openai: server error: worker died"}},
		{"vLLM error object", Chat, lf(`data: {"object":"error","message":"context too long","type":"BadRequestError","code":400}`), nil,
			want{err: "openai: server error: context too long (type BadRequestError, code 400)"}},
		{"ends without [DONE]", Chat, lf(dHello, dWorld), nil, want{chunks: hello, id: "chatcmpl-1",
			err: "openai: stream ended after 2 chunks without [DONE]", errIs: endpoints.ErrIncompleteStream}},
		{"ends inside an event", Chat, lf(dHello) + dWorld, nil, want{chunks: []string{"Hello"}, id: "chatcmpl-1",
			err: "openai: stream ended inside an event after 1 chunks, without [DONE]", errIs: endpoints.ErrIncompleteStream}},
		{"empty body", Chat, "", nil, want{err: "after 0 chunks without [DONE]", errIs: endpoints.ErrIncompleteStream}},
		{"not an event stream", Chat, "<html>Welcome to the captive portal</html>", nil, want{
			err: `after 0 chunks, without [DONE] (the response's Content-Type is "text/html")`, errIs: endpoints.ErrIncompleteStream}},
		{"invalid JSON chunk", Chat, lf(dHello, `data: {"choices":[`, dDone), nil, want{chunks: []string{"Hello"}, id: "chatcmpl-1",
			err: "openai: stream chunk 2: invalid JSON: unexpected end of input"}},
		{"wrong type", Chat, lf(`data: {"choices":[{"delta":{"content":["a"]}}]}`, dDone), nil,
			want{err: "openai: stream chunk 1: choices[0].delta.content: want a string, got an array"}},
	}
	for _, tt := range tests {
		modes := tt.modes
		if modes == nil {
			modes = []string{whole, perLine}
		}
		for _, mode := range modes {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				srv := newServer(t, serveSSE(tt.transcript, mode))
				e := newEndpoint(t, srv, Config{API: tt.api})
				p := chatPayload()
				if tt.api == Completions {
					p = completionPayload()
				}
				var rec endpointstest.Recorder
				err := invoke(t, e, p, &rec)
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
				assert.Equal(t, tt.want.usageSeen, rec.UsageCalls > 0, "usage reported")
				assert.Zero(t, rec.CompleteCalls, "Complete is for whole responses")
				if len(tt.want.chunks) > 0 && len(tt.want.reasoning) == 0 {
					assert.Equal(t, "text", firstOf(rec.Events, "text", "reasoning"), "the first output is text")
				}
			})
		}
	}
}

func firstOf(events []string, names ...string) string {
	for _, ev := range events {
		for _, n := range names {
			if ev == n {
				return ev
			}
		}
	}
	return ""
}

func TestStreamErrorIsResponseError(t *testing.T) {
	srv := newServer(t, serveSSE(lf(dErr), whole))
	e := newEndpoint(t, srv, Config{})
	err := invoke(t, e, chatPayload(), &endpointstest.Recorder{})
	var rerr *ResponseError
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, ResponseError{Message: "Model overloaded", Type: "server_error", Code: "503"}, *rerr)
}

func TestStreamUsageOrder(t *testing.T) {
	srv := newServer(t, serveSSE(lf(dThink, dHello, dUsage, dDone), whole))
	e := newEndpoint(t, srv, Config{})
	var rec endpointstest.Recorder
	require.NoError(t, invoke(t, e, chatPayload(), &rec))
	assert.Equal(t, []string{"id", "reasoning", "text", "usage"}, rec.Events)
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

func TestRequestShape(t *testing.T) {
	t.Run("streaming chat", func(t *testing.T) {
		srv, got := captureServer(t, serveSSE(lf(dHello, dDone), whole))
		e := newEndpoint(t, srv, Config{APIKey: testKey, Model: "m1",
			Headers: map[string]string{"OpenAI-Organization": "org-1", "X-Trace": "abc"}})
		p := chatPayload()
		p["temperature"] = 0.5
		before := p.Clone()
		require.NoError(t, invoke(t, e, p, &endpointstest.Recorder{}))
		c := <-got
		assert.Equal(t, http.MethodPost, c.method)
		assert.Equal(t, "/v1/chat/completions", c.path)
		assert.Empty(t, c.query)
		assert.Equal(t, "Bearer "+testKey, c.header.Get("Authorization"))
		assert.Equal(t, "application/json", c.header.Get("Content-Type"))
		assert.Equal(t, "text/event-stream", c.header.Get("Accept"))
		assert.Equal(t, "org-1", c.header.Get("OpenAI-Organization"))
		assert.Equal(t, "abc", c.header.Get("X-Trace"))
		assert.Empty(t, c.header.Get("Accept-Encoding"), "no compression asked for")
		assert.Equal(t, "m1", c.body["model"])
		assert.Equal(t, true, c.body["stream"])
		assert.Equal(t, map[string]any{"include_usage": true}, c.body["stream_options"])
		assert.Equal(t, 0.5, c.body["temperature"])
		assert.Equal(t, float64(16), c.body["max_tokens"])
		assert.Equal(t, before, p, "the caller's payload is not changed")
	})
	t.Run("payload settings win", func(t *testing.T) {
		srv, got := captureServer(t, serveSSE(lf(dHello, dDone), whole))
		e := newEndpoint(t, srv, Config{Model: "m1"})
		p := chatPayload()
		p["model"] = "own"
		p["stream_options"] = map[string]any{"include_usage": false}
		before := p.Clone()
		require.NoError(t, invoke(t, e, p, &endpointstest.Recorder{}))
		c := <-got
		assert.Equal(t, "own", c.body["model"])
		assert.Equal(t, map[string]any{"include_usage": false}, c.body["stream_options"])
		assert.Empty(t, c.header.Get("Authorization"), "no key, no header")
		assert.Equal(t, before, p)
	})
	t.Run("non-streaming completions with api-version", func(t *testing.T) {
		srv, got := captureServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"c","choices":[{"index":0,"text":"x"}]}`)
		})
		e := newEndpoint(t, srv, Config{API: Completions, APIVersion: "2024-10-21",
			Headers: map[string]string{"api-key": testKey}})
		p := completionPayload()
		p["stream"] = false
		require.NoError(t, invoke(t, e, p, &endpointstest.Recorder{}))
		c := <-got
		assert.Equal(t, "/v1/completions", c.path)
		assert.Equal(t, "api-version=2024-10-21", c.query)
		assert.Equal(t, testKey, c.header.Get("api-key"))
		assert.Equal(t, "application/json", c.header.Get("Accept"))
		assert.Equal(t, false, c.body["stream"])
		assert.NotContains(t, c.body, "stream_options")
	})
}

func TestWholeResponses(t *testing.T) {
	tests := []struct {
		name      string
		api       API
		body      string
		text      string
		reasoning []string
		id        string
		usage     endpoints.Usage
		err       string
	}{
		{"chat", Chat, `{"id":"chatcmpl-9","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there","reasoning_content":"greet back"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":2},"completion_tokens_details":{"reasoning_tokens":1}}}`,
			"Hi there", []string{"greet back"}, "chatcmpl-9", endpoints.Usage{InputTokens: 9, OutputTokens: 3, CachedInputTokens: 2, ReasoningTokens: 1}, ""},
		{"completions", Completions, `{"id":"cmpl-3","object":"text_completion","choices":[{"index":0,"text":" a princess","finish_reason":"length"}],"usage":{"prompt_tokens":4,"completion_tokens":2}}`,
			" a princess", nil, "cmpl-3", endpoints.Usage{InputTokens: 4, OutputTokens: 2}, ""},
		{"not JSON", Chat, `<html>oops</html>`, "", nil, "", endpoints.Usage{}, "openai: response: invalid JSON at offset 0"},
		{"no choices", Chat, `{"id":"x","choices":[]}`, "", nil, "", endpoints.Usage{}, "openai: response: choices: no choice with index 0"},
		{"wrong type", Chat, `{"choices":[{"message":{"content":7}}]}`, "", nil, "", endpoints.Usage{}, "openai: response: choices[0].message.content: want a string, got a number"},
		{"error in a 200", Chat, `{"error":{"message":"quota exceeded","type":"insufficient_quota"}}`, "", nil, "", endpoints.Usage{}, "openai: server error: quota exceeded (type insufficient_quota)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.body)
			}))
			e := newEndpoint(t, srv, Config{API: tt.api})
			p := chatPayload()
			if tt.api == Completions {
				p = completionPayload()
			}
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
				assert.Equal(t, "reasoning", firstOf(rec.Events, "reasoning", "complete"), "reasoning before Complete")
			}
		})
	}
}

func TestStatusErrors(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		message    string
		retryAfter time.Duration
		tolerance  time.Duration
	}{
		{"OpenAI error", 429, map[string]string{"Retry-After": "7"},
			`{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`,
			"Rate limit reached for requests", 7 * time.Second, 0},
		{"retry-after-ms", 429, map[string]string{"Retry-After": "7", "Retry-After-Ms": "1500"}, `{"error":"slow down"}`, "slow down", 1500 * time.Millisecond, 0},
		{"HTTP date", 503, map[string]string{"Retry-After": date}, `{"message":"overloaded"}`, "overloaded", 90 * time.Second, 3 * time.Second},
		{"bad Retry-After", 503, map[string]string{"Retry-After": "soon"}, `{"detail":"Not ready"}`, "Not ready", 0, 0},
		{"FastAPI detail list", 422, nil, `{"detail":[{"loc":["body","messages"],"msg":"field required"}]}`, `[{"loc":["body","messages"],"msg":"field required"}]`, 0, 0},
		{"text body", 502, nil, "<html>\n<body>Bad gateway</body>\n</html>\n", "<html> <body>Bad gateway</body> </html>", 0, 0},
		{"empty body", 500, nil, "", "Internal Server Error", 0, 0},
		{"long message", 400, nil, `{"error":{"message":"` + strings.Repeat("é", 1000) + `"}}`, redact.Truncate(strings.Repeat("é", 1000), endpoints.MaxErrorMessage), 0, 0},
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
			err := invoke(t, e, chatPayload(), &rec)
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
	echo := "Incorrect API key provided: " + testKey + " (header " + headerSecret + ")"
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"status error JSON", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": echo}})
		}},
		{"status error text", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, "Authorization: "+r.Header.Get("Authorization")+" "+headerSecret)
		}},
		{"in-stream error", serveSSE(lf(`data: {"error":{"message":"`+echo+`","type":"`+testKey+`","code":"`+testKey+`"}}`), whole)},
		{"event: error", serveSSE("event: error\n"+lf("data: "+echo), whole)},
		{"error in a JSON body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"error": echo})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.handler)
			e := newEndpoint(t, srv, Config{APIKey: testKey, Headers: map[string]string{"X-Api-Token": headerSecret}})
			err := invoke(t, e, chatPayload(), &endpointstest.Recorder{})
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
		req, err := e.Prepare(chatPayload())
		require.NoError(t, err)
		err = e.Invoke(context.Background(), req, &endpointstest.Recorder{})
		require.Error(t, err)
		assert.NotContains(t, err.Error(), testKey)
		assert.Contains(t, err.Error(), "http://"+addr+"/v1/chat/completions")
		var opErr *net.OpError
		assert.ErrorAs(t, err, &opErr, "the cause stays reachable")
	})
}

func TestContextCancelledMidStream(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, lf(dHello))
		w.(http.Flusher).Flush()
		select { // a server that stalls mid-stream
		case <-release:
		case <-r.Context().Done():
		}
	}))
	e := newEndpoint(t, srv, Config{})
	req, err := e.Prepare(chatPayload())
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
				assert.Contains(t, err.Error(), "after 1 chunks")
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
		{"stream", serveSSE(lf(dRole, dHello, dWorld, dUsage, dDone), perLine), true, false},
		{"whole", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"choices":[{"message":{"content":"x"}}]}`)
		}, false, false},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"error":{"message":"slow down"}}`)
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
			p := chatPayload()
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

func TestSlowEndAfterDone(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, lf(dHello, dDone))
		w.(http.Flusher).Flush()
		select { // never ends the response by itself
		case <-release:
		case <-r.Context().Done():
		}
	}))
	e := newEndpoint(t, srv, Config{})
	var rec endpointstest.Recorder
	result := make(chan error, 1)
	go func() { result <- invoke(t, e, chatPayload(), &rec) }()
	select {
	case err := <-result:
		require.NoError(t, err, "[DONE] completed the request")
		assert.Equal(t, []string{"Hello"}, rec.Chunks)
	case <-time.After(5 * time.Second):
		t.Fatal("Invoke waited for the server to end the response")
	}
}

func TestJSONInsteadOfStream(t *testing.T) {
	for body, want := range map[string]string{
		`{"error":{"message":"streaming is not supported"}}`:   "openai: server error: streaming is not supported",
		`{"choices":[{"message":{"content":"whole answer"}}]}`: `the request asked for a stream, but the response is application/json`,
	} {
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = io.WriteString(w, body)
		}))
		e := newEndpoint(t, srv, Config{})
		var rec endpointstest.Recorder
		err := invoke(t, e, chatPayload(), &rec)
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
		assert.Empty(t, rec.Events)
	}
}

func TestInvokeUnprepared(t *testing.T) {
	e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1"})
	require.NoError(t, err)
	err = e.Invoke(context.Background(), &endpoints.Request{}, &endpointstest.Recorder{})
	require.ErrorIs(t, err, errNotPrepared)
}

func TestPrepare(t *testing.T) {
	e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m"})
	require.NoError(t, err)

	t.Run("chat", func(t *testing.T) {
		p := endpoints.Payload{
			"messages": []map[string]any{
				{"role": "system", "content": "Be brief."},
				{"role": "user", "content": []any{
					map[string]any{"type": "text", "text": "Describe"},
					map[string]any{"type": "image_url", "image_url": map[string]any{"url": "data:..."}},
					map[string]any{"type": "text", "text": "this"},
				}},
				{"role": "assistant", "content": nil, "tool_calls": []any{}},
			},
			"max_completion_tokens": int64(32),
		}
		before := p.Clone()
		req, err := e.Prepare(p)
		require.NoError(t, err)
		assert.Equal(t, before, p, "p is not modified")
		assert.Equal(t, "Be brief.\nDescribe\nthis", req.Prompt)
		assert.True(t, req.Stream)
		var body map[string]any
		require.NoError(t, json.Unmarshal(req.Body, &body))
		assert.Equal(t, "m", body["model"])
		assert.Equal(t, true, body["stream"])
		assert.Equal(t, map[string]any{"include_usage": true}, body["stream_options"])
		assert.Equal(t, float64(32), body["max_completion_tokens"])
		assert.Equal(t, "m", req.Payload["model"], "Payload is what is sent")
		_, kept := p["model"]
		assert.False(t, kept)
	})
	t.Run("not streaming", func(t *testing.T) {
		p := chatPayload()
		p["stream"] = false
		req, err := e.Prepare(p)
		require.NoError(t, err)
		assert.False(t, req.Stream)
		assert.NotContains(t, string(req.Body), "stream_options")
	})
	t.Run("numbers kept exactly", func(t *testing.T) {
		p := chatPayload()
		p["temperature"] = json.Number("0.70")
		p["seed"] = uint64(1) << 60
		req, err := e.Prepare(p)
		require.NoError(t, err)
		assert.Contains(t, string(req.Body), `"temperature":0.70`)
		assert.Contains(t, string(req.Body), `"seed":1152921504606846976`)
	})
	t.Run("completions", func(t *testing.T) {
		c, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", API: Completions})
		require.NoError(t, err)
		req, err := c.Prepare(endpoints.Payload{"prompt": []string{"a", "b"}})
		require.NoError(t, err)
		assert.Equal(t, "a\nb", req.Prompt)
	})

	chatErrors := []struct {
		name string
		p    endpoints.Payload
		want string
	}{
		{"nil", nil, "openai: payload: empty"},
		{"no messages", endpoints.Payload{"prompt": "x"}, "openai: payload: messages: missing"},
		{"empty messages", endpoints.Payload{"messages": []any{}}, "openai: payload: messages: want a non-empty list of messages, got an empty list"},
		{"messages not a list", endpoints.Payload{"messages": "hi"}, "openai: payload: messages: want a non-empty list of messages, got a string"},
		{"message not an object", endpoints.Payload{"messages": []any{"hi"}}, "openai: payload: messages[0]: want an object, got a string"},
		{"no role", endpoints.Payload{"messages": []any{map[string]any{"content": "hi"}}}, "openai: payload: messages[0].role: want a non-empty string, got null or nothing"},
		{"bad content", endpoints.Payload{"messages": []any{
			map[string]any{"role": "user", "content": "a"}, map[string]any{"role": "assistant", "content": "b"},
			map[string]any{"role": "user", "content": 5}}}, "openai: payload: messages[2].content: want a string or a list of parts, got the number 5"},
		{"no content", endpoints.Payload{"messages": []any{map[string]any{"role": "user"}}}, "openai: payload: messages[0].content: want a string or a list of parts, got null or nothing"},
		{"bad part", endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "x"}}}}},
			"openai: payload: messages[0].content[0].type: want a non-empty string"},
		{"bad text part", endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"type": "text"}}}}},
			"openai: payload: messages[0].content[0].text: want a string"},
		{"zero max_tokens", withField(chatPayload(), "max_tokens", 0), "openai: payload: max_tokens: want a positive whole number, got the number 0"},
		{"fractional max_tokens", withField(chatPayload(), "max_tokens", 1.5), "openai: payload: max_tokens: want a positive whole number, got the number 1.5"},
		{"string max_completion_tokens", withField(chatPayload(), "max_completion_tokens", "10"), "openai: payload: max_completion_tokens: want a positive whole number, got a string"},
		{"bad model", withField(chatPayload(), "model", 3), "openai: payload: model: want a non-empty string, got the number 3"},
		{"bad stream", withField(chatPayload(), "stream", "yes"), "openai: payload: stream: want a boolean, got a string"},
		{"bad stream_options", withField(chatPayload(), "stream_options", true), "openai: payload: stream_options: want an object, got a boolean"},
		{"not JSON", withField(chatPayload(), "x", func() {}), "openai: payload: json: unsupported type"},
	}
	for _, tt := range chatErrors {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Prepare(tt.p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	t.Run("no model anywhere", func(t *testing.T) {
		n, err := New(Config{BaseURL: "http://127.0.0.1:1/v1"})
		require.NoError(t, err)
		_, err = n.Prepare(chatPayload())
		require.EqualError(t, err, "openai: payload: model: missing, and Config.Model is empty")
	})
	t.Run("completions errors", func(t *testing.T) {
		c, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", API: Completions})
		require.NoError(t, err)
		for p, want := range map[string]endpoints.Payload{
			"openai: payload: prompt: missing": {"messages": []any{}},
			"openai: payload: prompt: want a string or a non-empty list of strings, got an empty list": {"prompt": []any{}},
			"openai: payload: prompt[1]: want a string, got the number 2":                              {"prompt": []any{"a", 2}},
			"openai: payload: prompt: want a string or a non-empty list of strings, got an object":     {"prompt": map[string]any{}},
		} {
			_, err := c.Prepare(want)
			require.Error(t, err)
			assert.Contains(t, err.Error(), p)
		}
	})
}

func withField(p endpoints.Payload, key string, v any) endpoints.Payload {
	p[key] = v
	return p
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no BaseURL", Config{}, "openai: Config.BaseURL: required"},
		{"bad URL", Config{BaseURL: "http://" + testKey + "@host:port/v1", APIKey: testKey}, `openai: Config.BaseURL: not a valid URL (percent-encode the user name and password in it: a '/', '?', '#' or '@' there ends them)`},
		{"bad URL echoing the key", Config{BaseURL: "http://host:" + testKey + "/v1", APIKey: testKey}, `openai: Config.BaseURL: not a valid URL: invalid port ":[REDACTED]" after host`},
		{"relative URL", Config{BaseURL: "/v1"}, `openai: Config.BaseURL: want an http or https URL, got scheme ""`},
		{"other scheme", Config{BaseURL: "ftp://host/v1"}, `openai: Config.BaseURL: want an http or https URL, got scheme "ftp"`},
		{"no host", Config{BaseURL: "http:///v1"}, "openai: Config.BaseURL: no host"},
		{"unknown API", Config{BaseURL: "http://h/v1", API: "embeddings"}, `openai: Config.API: unknown API "embeddings", want "chat", "completions" or "responses"`},
		{"key with line break", Config{BaseURL: "http://h/v1", APIKey: testKey + "\n"}, "openai: Config.APIKey: contains a line break or NUL"},
		{"bad header name", Config{BaseURL: "http://h/v1", Headers: map[string]string{"Bad Name": "x"}}, `openai: Config.Headers: invalid header name "Bad Name"`},
		{"bad header value", Config{BaseURL: "http://h/v1", Headers: map[string]string{"X-Key": testKey + "\r\nX: y"}}, `openai: Config.Headers["X-Key"]: value contains a line break or NUL`},
		{"negative idle conns", Config{BaseURL: "http://h/v1", MaxIdleConnsPerHost: -1}, "openai: Config.MaxIdleConnsPerHost: want a positive number or zero, got -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			require.EqualError(t, err, tt.want)
			assert.NotContains(t, err.Error(), testKey)
		})
	}

	t.Run("default transport", func(t *testing.T) {
		e, err := New(Config{BaseURL: "https://api.example.com/v1/"})
		require.NoError(t, err)
		tr, ok := e.http.HTTPClient().Transport.(*http.Transport)
		require.True(t, ok)
		assert.Equal(t, DefaultMaxIdleConnsPerHost, tr.MaxIdleConnsPerHost)
		assert.True(t, tr.DisableCompression)
		assert.False(t, tr.ForceAttemptHTTP2)
		assert.Equal(t, "https://api.example.com/v1/chat/completions", e.url)

		e, err = New(Config{BaseURL: "https://api.example.com/v1", MaxIdleConnsPerHost: 16})
		require.NoError(t, err)
		assert.Equal(t, 16, e.http.HTTPClient().Transport.(*http.Transport).MaxIdleConnsPerHost)
	})
	t.Run("own client", func(t *testing.T) {
		c := &http.Client{}
		e, err := New(Config{BaseURL: "https://api.example.com/v1", HTTPClient: c})
		require.NoError(t, err)
		assert.Same(t, c, e.http.HTTPClient())
	})
	t.Run("caller's headers are copied", func(t *testing.T) {
		srv, got := captureServer(t, serveSSE(lf(dHello, dDone), whole))
		h := map[string]string{"X-A": "1"}
		e := newEndpoint(t, srv, Config{Headers: h})
		h["X-A"] = "2"
		require.NoError(t, invoke(t, e, chatPayload(), &endpointstest.Recorder{}))
		assert.Equal(t, "1", (<-got).header.Get("X-A"))
	})
}

func TestInfo(t *testing.T) {
	tests := []struct {
		cfg  Config
		want endpoints.Info
	}{
		{Config{BaseURL: "https://api.openai.com/v1", APIKey: testKey, Model: "gpt-4o-mini"},
			endpoints.Info{Provider: "openai", Model: "gpt-4o-mini", Name: "chat/completions", URL: "https://api.openai.com/v1"}},
		{Config{BaseURL: "http://user:" + testKey + "@localhost:8000/v1/?token=" + testKey, APIKey: testKey, API: Completions},
			endpoints.Info{Provider: "openai", Name: "completions", URL: "http://localhost:8000/v1"}},
		{Config{BaseURL: "https://r.openai.azure.com/openai/deployments/d", APIVersion: "2024-10-21", Headers: map[string]string{"api-key": testKey}},
			endpoints.Info{Provider: "openai", Name: "chat/completions", URL: "https://r.openai.azure.com/openai/deployments/d"}},
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

func TestPayloadConstructors(t *testing.T) {
	p, err := ChatPayload("Hello", 64)
	require.NoError(t, err)
	assert.Equal(t, endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "Hello"}}, "max_tokens": 64}, p)
	e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m"})
	require.NoError(t, err)
	_, err = e.Prepare(p)
	require.NoError(t, err, "ChatPayload passes Prepare")

	p, err = CompletionPayload("Once", 8)
	require.NoError(t, err)
	assert.Equal(t, endpoints.Payload{"prompt": "Once", "max_tokens": 8}, p)

	for _, f := range []func(string, int) (endpoints.Payload, error){ChatPayload, CompletionPayload} {
		_, err = f(" \n", 8)
		assert.ErrorContains(t, err, "is empty")
		_, err = f("x", 0)
		assert.ErrorContains(t, err, "maxTokens: want a positive number, got 0")
	}
}

func TestStreamBrokenConnection(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, lf(dHello))
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack() // drop the connection mid-stream
		if assert.NoError(t, err) {
			_ = conn.Close()
		}
	}))
	e := newEndpoint(t, srv, Config{})
	var rec endpointstest.Recorder
	err := invoke(t, e, chatPayload(), &rec)
	require.ErrorIs(t, err, endpoints.ErrIncompleteStream)
	assert.Contains(t, err.Error(), "openai: stream broken after 1 chunks")
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "the cause stays reachable: %v", err)
	assert.Equal(t, []string{"Hello"}, rec.Chunks)
}

func TestStreamEventTooLarge(t *testing.T) {
	big := "data: " + strings.Repeat("x", 16<<20) + "\n\n"
	srv := newServer(t, serveSSE(lf(dHello)+big+lf(dDone), whole))
	e := newEndpoint(t, srv, Config{})
	var rec endpointstest.Recorder
	err := invoke(t, e, chatPayload(), &rec)
	require.ErrorContains(t, err, "openai: stream chunk 2: sse: event too large: a line or the data of one event exceeds 16777216 bytes")
	assert.Equal(t, []string{"Hello"}, rec.Chunks)
}
