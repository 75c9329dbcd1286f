package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/tokenizers"
)

// twinOf returns a model with the server's configuration, to predict the
// plans it draws: the N-th plan depends only on the seed and N.
func twinOf(t testing.TB, s *sim.Server) *sim.Model {
	t.Helper()
	m, err := sim.NewModel(s.Model().Config())
	require.NoError(t, err)
	return m
}

// client returns a plain HTTP client of the test's own, whose idle
// connections are closed when the test ends.
func client(t testing.TB) *http.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// send sends a request and returns the response, whose body the caller
// reads and closes.
func send(t testing.TB, ctx context.Context, c *http.Client, method, url, body string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// do sends a request and reads the whole response body.
func do(t testing.TB, c *http.Client, method, url, body string, header ...string) (*http.Response, string) {
	t.Helper()
	res := send(t, context.Background(), c, method, url, body, header...)
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

// event is one server-sent event: its "event" field (empty when it has
// none) and its one data line.
type event struct{ name, data string }

// parseSSE splits a complete event stream, checking its framing exactly:
// each event is "data: <json>\n\n", preceded by "event: <name>\n" when
// named is true, and each data is valid JSON or [DONE].
func parseSSE(t testing.TB, body string, named bool) []event {
	t.Helper()
	var events []event
	for rest := body; rest != ""; {
		var ev event
		if named {
			after, ok := strings.CutPrefix(rest, "event: ")
			require.True(t, ok, "event %d does not start with \"event: \": %.80q", len(events), rest)
			ev.name, rest, ok = strings.Cut(after, "\n")
			require.True(t, ok, "event %d: no newline after the event name", len(events))
		}
		after, ok := strings.CutPrefix(rest, "data: ")
		require.True(t, ok, "event %d: no \"data: \" line: %.80q", len(events), rest)
		ev.data, rest, ok = strings.Cut(after, "\n\n")
		require.True(t, ok, "event %d: not ended by a blank line", len(events))
		require.NotContains(t, ev.data, "\n", "event %d: one data line", len(events))
		require.True(t, ev.data == "[DONE]" || json.Valid([]byte(ev.data)), "event %d: invalid JSON: %s", len(events), ev.data)
		events = append(events, ev)
	}
	return events
}

// obj decodes a JSON object.
func obj(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), s)
	return m
}

// path walks a decoded JSON value along keys and indexes.
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func TestServerChatStream(t *testing.T) {
	for _, includeUsage := range []bool{true, false} {
		t.Run("include_usage="+strconv.FormatBool(includeUsage), func(t *testing.T) {
			s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Seed: 5, TokensPerChunk: 3, Model: `sim "q"`}})
			twin := twinOf(t, s)
			body := `{"model":"x","messages":[{"role":"user","content":"four words of prompt"}],"max_tokens":10,"stream":true`
			if includeUsage {
				body += `,"stream_options":{"include_usage":true}`
			}
			res, out := do(t, client(t), "POST", s.URL+"/v1/chat/completions", body+"}")
			require.Equal(t, http.StatusOK, res.StatusCode, out)
			assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
			plan := twin.Plan(4, 10)

			events := parseSSE(t, out, false)
			chunks := 4                // 10 tokens in chunks of 3
			want := 1 + chunks + 1 + 1 // role, content, finish, [DONE]
			if includeUsage {
				want++
			}
			require.Len(t, events, want)
			assert.Equal(t, "[DONE]", events[len(events)-1].data)
			var text strings.Builder
			var created any
			for i, ev := range events[:len(events)-1] {
				c := obj(t, ev.data)
				assert.Equal(t, plan.ID, c["id"], "chunk %d", i)
				assert.Equal(t, "chat.completion.chunk", c["object"], "chunk %d", i)
				assert.Equal(t, `sim "q"`, c["model"], "chunk %d", i)
				if i == 0 {
					created = c["created"]
					assert.IsType(t, float64(0), created)
				}
				assert.Equal(t, created, c["created"], "chunk %d: the same created in every chunk", i)
				usage, hasUsage := c["usage"]
				assert.Equal(t, includeUsage, hasUsage, "chunk %d: usage key only with include_usage", i)
				choices := c["choices"].([]any)
				switch {
				case i == 0:
					assert.Equal(t, map[string]any{"role": "assistant", "content": ""}, path(choices, 0, "delta"))
					assert.Nil(t, path(choices, 0, "finish_reason"))
				case i <= chunks:
					assert.Equal(t, []string{"content"}, keys(path(choices, 0, "delta")), "chunk %d", i)
					text.WriteString(path(choices, 0, "delta", "content").(string))
					assert.Nil(t, path(choices, 0, "finish_reason"))
					assert.Nil(t, usage)
				case i == chunks+1:
					assert.Equal(t, map[string]any{}, path(choices, 0, "delta"))
					assert.Equal(t, "length", path(choices, 0, "finish_reason"), "max_tokens fixed the length")
					assert.Nil(t, usage)
				default:
					assert.Empty(t, choices, "the usage chunk has no choices")
					assert.Equal(t, map[string]any{"prompt_tokens": 4.0, "completion_tokens": 10.0, "total_tokens": 14.0}, usage)
				}
			}
			assert.Equal(t, twin.Text(plan), text.String())
		})
	}
}

// keys returns the keys of a JSON object.
func keys(v any) []string {
	m, _ := v.(map[string]any)
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestServerCompletionsStream(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Seed: 6, MinOutputTokens: 3, MaxOutputTokens: 9}})
	twin := twinOf(t, s)
	for range 3 {
		res, out := do(t, client(t), "POST", s.URL+"/v1/completions",
			`{"prompt":["a b","c"],"stream":true,"stream_options":{"include_usage":true}}`)
		require.Equal(t, http.StatusOK, res.StatusCode, out)
		plan := twin.Plan(3, 0)
		events := parseSSE(t, out, false)
		require.Len(t, events, plan.OutputTokens+3, "chunks, finish, usage, [DONE]")
		var text strings.Builder
		for i, ev := range events[:plan.OutputTokens] {
			c := obj(t, ev.data)
			assert.Equal(t, "text_completion", c["object"], "chunk %d", i)
			assert.Equal(t, plan.ID, c["id"], "chunk %d", i)
			text.WriteString(path(c, "choices", 0, "text").(string))
		}
		assert.Equal(t, twin.Text(plan), text.String())
		fin := obj(t, events[plan.OutputTokens].data)
		assert.Equal(t, "", path(fin, "choices", 0, "text"))
		assert.Equal(t, "stop", path(fin, "choices", 0, "finish_reason"), "no max_tokens: the model stopped")
		usage := obj(t, events[plan.OutputTokens+1].data)
		assert.Equal(t, []any{}, usage["choices"])
		assert.Equal(t, float64(plan.OutputTokens), path(usage, "usage", "completion_tokens"))
		assert.Equal(t, "[DONE]", events[len(events)-1].data)
	}
}

func TestServerNonStreaming(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Seed: 7}})
	twin := twinOf(t, s)
	c := client(t)

	// No "stream" means not streaming, as in OpenAI's API.
	res, out := do(t, c, "POST", s.URL+"/v1/chat/completions",
		`{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"say hi"}]}],"max_completion_tokens":6}`)
	require.Equal(t, http.StatusOK, res.StatusCode, out)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Equal(t, strconv.Itoa(len(out)), res.Header.Get("Content-Length"))
	plan := twin.Plan(4, 6)
	body := obj(t, out)
	assert.Equal(t, plan.ID, body["id"])
	assert.Equal(t, "chat.completion", body["object"])
	assert.Equal(t, "llmtest-sim", body["model"])
	assert.Equal(t, map[string]any{"role": "assistant", "content": twin.Text(plan)}, path(body, "choices", 0, "message"))
	assert.Equal(t, "length", path(body, "choices", 0, "finish_reason"))
	assert.Equal(t, map[string]any{"prompt_tokens": 4.0, "completion_tokens": 6.0, "total_tokens": 10.0}, body["usage"])

	res, out = do(t, c, "POST", s.URL+"/v1/completions", `{"prompt":"once upon a time","stream":false}`)
	require.Equal(t, http.StatusOK, res.StatusCode, out)
	plan = twin.Plan(4, 0)
	body = obj(t, out)
	assert.Equal(t, "text_completion", body["object"])
	assert.Equal(t, twin.Text(plan), path(body, "choices", 0, "text"))
	assert.Equal(t, "stop", path(body, "choices", 0, "finish_reason"))
	assert.Equal(t, float64(plan.OutputTokens), path(body, "usage", "completion_tokens"))
}

func TestServerModels(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Model: "tiny"}})
	res, out := do(t, client(t), "GET", s.URL+"/v1/models", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	body := obj(t, out)
	assert.Equal(t, "list", body["object"])
	assert.Equal(t, "tiny", path(body, "data", 0, "id"))
	assert.Equal(t, "model", path(body, "data", 0, "object"))
	assert.Len(t, body["data"], 1)

	res, out = do(t, client(t), "HEAD", s.URL+"/v1/models", "")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, out)
}

func TestServerRouting(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{})
	c := client(t)
	tests := []struct {
		method, path string
		status       int
		allow        string
		anthropic    bool
	}{
		{"GET", "/v1/chat/completions", 405, "POST", false},
		{"PUT", "/v1/completions", 405, "POST", false},
		{"GET", "/v1/responses", 405, "POST", false},
		{"GET", "/v1/messages", 405, "POST", true},
		{"POST", "/v1/models", 405, "GET, HEAD", false},
		{"POST", "/v1/embeddings", 404, "", false},
		{"GET", "/", 404, "", false},
		{"POST", "/chat/completions", 404, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res, out := do(t, c, tt.method, s.URL+tt.path, "{}")
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
			assert.Equal(t, tt.allow, res.Header.Get("Allow"))
			body := obj(t, out)
			if tt.anthropic {
				assert.Equal(t, "error", body["type"])
				assert.Equal(t, "invalid_request_error", path(body, "error", "type"))
			} else {
				assert.Equal(t, "invalid_request_error", path(body, "error", "type"))
			}
			msg, _ := path(body, "error", "message").(string)
			assert.Contains(t, msg, tt.path)
		})
	}
}

func TestServerBadRequests(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{})
	c := client(t)
	tests := []struct {
		route, body, want string
	}{
		{"/v1/chat/completions", `{"messages":`, "invalid JSON"},
		{"/v1/chat/completions", ``, "want a JSON object, got an empty body"},
		{"/v1/chat/completions", `[1,2]`, "want a JSON object, got array"},
		{"/v1/chat/completions", `null`, "want a JSON object, got null"},
		{"/v1/chat/completions", `{"prompt":"x"}`, `"prompt" is not a field of this route`},
		{"/v1/chat/completions", `{"max_tokens":3}`, `"messages" is required`},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"a"}],"max_tokens":-3}`, `"max_tokens" must be a positive whole number, got -3`},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":5}]}`, `messages[0].content: must be a string or a list of content parts`},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"a"}],"stream_options":{"include_usage":true}}`, `"stream_options" is only allowed when "stream" is true`},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"a"}],"stream":true,"stream_options":{"include_usage":1}}`, `"stream_options.include_usage" must be a boolean`},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"a"}],"stream":true,"stream_options":[]}`, `"stream_options" must be an object`},
		{"/v1/completions", `{"messages":[{"role":"user","content":"a"}]}`, `"messages" is not a field of this route`},
		{"/v1/completions", `{"prompt":"x","stream":"yes"}`, `"stream" must be a boolean, got "yes"`},
		{"/v1/messages", `{"messages":[{"role":"user","content":"a"}]}`, `"max_tokens" is required`},
		{"/v1/messages", `{"max_tokens":5}`, `"messages" is required`},
		{"/v1/messages", `{"messages":[],"max_tokens":5}`, `"messages" must not be empty`},
		{"/v1/messages", `{"messages":[{"role":"system","content":"a"}],"max_tokens":5}`, `messages[0].role: must be "user" or "assistant"`},
		{"/v1/messages", `{"messages":[{"role":"user"}],"max_tokens":5}`, `messages[0].content: is required`},
		{"/v1/messages", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"u"}}]}],"max_tokens":5}`, `messages[0].content[0].type: only "text", "image" and "document" blocks are supported, got "image_url"`},
		{"/v1/messages", `{"messages":[{"role":"user","content":[{"type":"image"}]}],"max_tokens":5}`, `messages[0].content[0].source: must be an object, got null`},
		{"/v1/messages", `{"messages":[{"role":"user","content":[{"type":"image","source":{"type":"text","data":"a"}}]}],"max_tokens":5}`, `messages[0].content[0].source.type: must be "base64" or "url", got "text"`},
		{"/v1/messages", `{"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","data":"iVBOR"}}]}],"max_tokens":5}`, `messages[0].content[0].source.media_type: must be a non-empty string, got null`},
		{"/v1/messages", `{"messages":[{"role":"user","content":[{"type":"document","source":{"type":"file","file_id":"f"}}]}],"max_tokens":5}`, `messages[0].content[0].source.type: must be "base64", "url" or "text", got "file"`},
		{"/v1/messages", `{"system":[{"type":"image","source":{"type":"url","url":"u"}}],"messages":[{"role":"user","content":"a"}],"max_tokens":5}`, `system[0].type: only "text" parts are supported, got "image"`},
		{"/v1/messages", `{"system":7,"messages":[{"role":"user","content":"a"}],"max_tokens":5}`, `system: must be a string or a list of content parts`},
		{"/v1/messages", `{"messages":[{"role":"user","content":"a"}],"max_tokens":0}`, `"max_tokens" must be a positive whole number, got 0`},
		{"/v1/messages", `{"messages":[{"role":"user","content":"a"}],"max_tokens":5,"thinking":{"type":"enabled","budget_tokens":5}}`, `"thinking.budget_tokens" must be a whole number in [1, max_tokens), got 5`},
		{"/v1/messages", `{"messages":[{"role":"user","content":"a"}],"max_tokens":5,"thinking":{"type":"on"}}`, `"thinking.type" must be "enabled" or "disabled", got "on"`},
		{"/v1/messages", `{"messages":[{"role":"user","content":"a"}],"max_tokens":5,"thinking":true}`, `"thinking" must be an object, got true`},
		{"/v1/messages", `{"messages":[{"role":"user","content":"a"}],"max_tokens":5,"stream":1}`, `"stream" must be a boolean, got 1`},
		{"/v1/messages", `{"messages":`, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.route+" "+tt.want, func(t *testing.T) {
			res, out := do(t, c, "POST", s.URL+tt.route, tt.body)
			require.Equal(t, http.StatusBadRequest, res.StatusCode, out)
			body := obj(t, out)
			assert.Equal(t, "invalid_request_error", path(body, "error", "type"))
			if tt.route == "/v1/messages" {
				assert.Equal(t, "error", body["type"], "Anthropic's error shape")
			} else {
				assert.Contains(t, path(body, "error"), "param", "OpenAI's error shape")
			}
			assert.Contains(t, path(body, "error", "message"), tt.want)
		})
	}
	assert.Equal(t, 0, s.Model().InFlight())

	// A body over 32 MiB is refused before it is read.
	for _, route := range []string{"/v1/chat/completions", "/v1/messages"} {
		req, err := http.NewRequest("POST", s.URL+route, strings.NewReader("{}"))
		require.NoError(t, err)
		req.ContentLength = 32<<20 + 1
		rec := &recorder{}
		s.Handler().ServeHTTP(rec, req)
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.status, route)
		assert.Contains(t, rec.body.String(), "larger than 32 MiB", route)
	}
}

// recorder is a ResponseWriter that keeps what the handler writes and
// counts its writes and flushes.
type recorder struct {
	header  http.Header
	status  int
	body    bytes.Buffer
	writes  int
	flushes int
	onWrite func([]byte) // when not nil, called with each write
}

func (r *recorder) Header() http.Header {
	if r.header == nil {
		r.header = http.Header{}
	}
	return r.header
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	r.writes++
	if r.onWrite != nil {
		r.onWrite(b)
	}
	return r.body.Write(b)
}

func (r *recorder) Flush() { r.flushes++ }

func TestServerAuth(t *testing.T) {
	const key = "sk-sim-SECRET-4242"
	const wrong = "sk-sim-WRONG-1717"
	s := sim.Start(t, sim.ServerConfig{APIKey: key})
	c := client(t)
	chat := `{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}`
	msgs := `{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}`
	resp := `{"input":"hi","max_output_tokens":2,"stream":true}`
	tests := []struct {
		name, method, route, body string
		header                    []string
		status                    int
		errType                   string
	}{
		{"chat without key", "POST", "/v1/chat/completions", chat, nil, 401, "invalid_request_error"},
		{"chat wrong key", "POST", "/v1/chat/completions", chat, []string{"Authorization", "Bearer " + wrong}, 401, "invalid_request_error"},
		{"chat key without Bearer", "POST", "/v1/chat/completions", chat, []string{"Authorization", key}, 401, "invalid_request_error"},
		{"chat key as x-api-key", "POST", "/v1/chat/completions", chat, []string{"X-Api-Key", key}, 401, "invalid_request_error"},
		{"chat right key", "POST", "/v1/chat/completions", chat, []string{"Authorization", "Bearer " + key}, 200, ""},
		{"chat right key, lower-case scheme", "POST", "/v1/chat/completions", chat, []string{"Authorization", "bearer " + key}, 200, ""},
		{"chat empty Bearer", "POST", "/v1/chat/completions", chat, []string{"Authorization", "Bearer "}, 401, "invalid_request_error"},
		{"completions wrong key", "POST", "/v1/completions", `{"prompt":"x"}`, []string{"Authorization", "Bearer " + wrong}, 401, "invalid_request_error"},
		{"responses without key", "POST", "/v1/responses", resp, nil, 401, "invalid_request_error"},
		{"responses wrong key", "POST", "/v1/responses", resp, []string{"Authorization", "Bearer " + wrong}, 401, "invalid_request_error"},
		{"responses key as x-api-key", "POST", "/v1/responses", resp, []string{"X-Api-Key", key}, 401, "invalid_request_error"},
		{"responses right key", "POST", "/v1/responses", resp, []string{"Authorization", "Bearer " + key}, 200, ""},
		{"models without key", "GET", "/v1/models", "", nil, 401, "invalid_request_error"},
		{"models right key", "GET", "/v1/models", "", []string{"Authorization", "Bearer " + key}, 200, ""},
		{"messages without key", "POST", "/v1/messages", msgs, []string{"Anthropic-Version", "2023-06-01"}, 401, "authentication_error"},
		{"messages wrong key", "POST", "/v1/messages", msgs, []string{"X-Api-Key", wrong}, 401, "authentication_error"},
		{"messages key as Bearer", "POST", "/v1/messages", msgs, []string{"Authorization", "Bearer " + key}, 401, "authentication_error"},
		{"messages right key", "POST", "/v1/messages", msgs, []string{"X-Api-Key", key, "Anthropic-Version", "2023-06-01"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, out := do(t, c, tt.method, s.URL+tt.route, tt.body, tt.header...)
			assert.Equal(t, tt.status, res.StatusCode, out)
			assert.NotContains(t, out, key, "the key is never echoed")
			assert.NotContains(t, out, wrong, "nor the wrong one")
			assert.NotContains(t, out, "SECRET")
			if tt.errType != "" {
				assert.Equal(t, tt.errType, path(obj(t, out), "error", "type"))
			}
		})
	}

	t.Run("no APIKey: anything goes", func(t *testing.T) {
		open := sim.Start(t, sim.ServerConfig{})
		res, _ := do(t, c, "POST", open.URL+"/v1/chat/completions", chat)
		assert.Equal(t, 200, res.StatusCode)
		res, _ = do(t, c, "POST", open.URL+"/v1/messages", msgs, "X-Api-Key", wrong)
		assert.Equal(t, 200, res.StatusCode)
	})
}

func TestServerConfigErrors(t *testing.T) {
	_, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Jitter: 2}})
	assert.ErrorContains(t, err, "sim: Config.Jitter: ")
	_, err = sim.NewServer(sim.ServerConfig{RetryAfter: -time.Second})
	assert.EqualError(t, err, "sim: ServerConfig.RetryAfter: must not be negative, got -1s")
	_, err = sim.NewServer(sim.ServerConfig{APIKey: "sk-has space"})
	assert.EqualError(t, err, "sim: ServerConfig.APIKey: must be printable ASCII without spaces, byte 6 is not")
	assert.NotContains(t, err.Error(), "sk-has")
	_, err = sim.Listen("127.0.0.1:0", sim.ServerConfig{Config: sim.Config{MaxQueue: 2}})
	assert.ErrorContains(t, err, "sim: Config.MaxQueue: ")
}

func TestListen(t *testing.T) {
	for _, addr := range []string{
		":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:0", "example.com:80", "localhost", "127.0.0.1",
		"127.0.0.1:http", "127.0.0.1:65536", "[fe80::1%lo]:0", "",
	} {
		s, err := sim.Listen(addr, sim.ServerConfig{})
		assert.Error(t, err, addr)
		assert.Nil(t, s, addr)
	}
	_, err := sim.Listen("0.0.0.0:0", sim.ServerConfig{})
	assert.ErrorIs(t, err, sim.ErrNotLoopback)
	assert.EqualError(t, err, `sim: not a loopback address: "0.0.0.0:0"; use 127.0.0.1:port, [::1]:port or localhost:port`)

	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "127.0.0.2:0"} {
		s, err := sim.Listen(addr, sim.ServerConfig{})
		require.NoError(t, err, addr)
		assert.True(t, strings.HasPrefix(s.URL, "http://127.0.0."), s.URL)
		res, _ := do(t, client(t), "GET", s.URL+"/v1/models", "")
		assert.Equal(t, 200, res.StatusCode)
		s.Close()
	}

	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		ln.Close()
		s, err := sim.Listen("[::1]:0", sim.ServerConfig{})
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(s.URL, "http://[::1]:"), s.URL)
		res, _ := do(t, client(t), "GET", s.URL+"/v1/models", "")
		assert.Equal(t, 200, res.StatusCode)
		s.Close()
	}
}

// waitFor waits until cond holds, failing the test after a generous
// deadline. It synchronises on the model's counters, not on sleeps.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, time.Millisecond, "timed out waiting for %s", what)
}

// firstEvent reads a streamed response up to the end of its first event.
func firstEvent(t *testing.T, body io.Reader) string {
	t.Helper()
	var got []byte
	buf := make([]byte, 1)
	for !bytes.HasSuffix(got, []byte("\n\n")) {
		n, err := body.Read(buf)
		got = append(got, buf[:n]...)
		require.NoError(t, err, "read %q", got)
	}
	return string(got)
}

func TestServerOverloaded(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter time.Duration
		secs, ms   string
	}{
		{"default", 0, "1", "1000"},
		{"rounded up", 1500 * time.Millisecond, "2", "1500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sim.Start(t, sim.ServerConfig{
				Config:     sim.Config{Capacity: 1, MaxQueue: 1, InterTokenLatency: time.Hour},
				RetryAfter: tc.retryAfter,
			})
			m := s.Model()
			c := client(t)
			const stream = `{"messages":[{"role":"user","content":"x"}],"max_tokens":5,"stream":true}`

			// The first request holds the one slot, the second the one
			// place in the queue.
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			first := send(t, ctx, c, "POST", s.URL+"/v1/chat/completions", stream)
			require.Equal(t, 200, first.StatusCode)
			firstEvent(t, first.Body)
			require.Equal(t, 1, m.InFlight())
			queued := make(chan error, 1)
			qctx, qcancel := context.WithCancel(t.Context())
			defer qcancel()
			go func() {
				req, _ := http.NewRequestWithContext(qctx, "POST", s.URL+"/v1/chat/completions", strings.NewReader(stream))
				res, err := c.Do(req)
				if err == nil {
					res.Body.Close()
				}
				queued <- err
			}()
			waitFor(t, "the second request to queue", func() bool { return m.Queued() == 1 })

			res, out := do(t, c, "POST", s.URL+"/v1/chat/completions", stream)
			assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
			assert.Equal(t, tc.secs, res.Header.Get("Retry-After"))
			assert.Equal(t, tc.ms, res.Header.Get("Retry-After-Ms"))
			body := obj(t, out)
			assert.Equal(t, "rate_limit_error", path(body, "error", "type"))
			assert.Contains(t, path(body, "error", "message"), "queue is full")

			for _, body := range []string{`{"input":"x","stream":true}`, `{"input":"x"}`} {
				res, out = do(t, c, "POST", s.URL+"/v1/responses", body)
				assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, body)
				assert.Equal(t, tc.secs, res.Header.Get("Retry-After"))
				assert.Equal(t, tc.ms, res.Header.Get("Retry-After-Ms"))
				assert.Equal(t, "rate_limit_error", path(obj(t, out), "error", "type"))
			}

			res, out = do(t, c, "POST", s.URL+"/v1/messages", `{"messages":[{"role":"user","content":"x"}],"max_tokens":5}`)
			assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
			assert.Equal(t, tc.secs, res.Header.Get("Retry-After"))
			body = obj(t, out)
			assert.Equal(t, "error", body["type"])
			assert.Equal(t, "rate_limit_error", path(body, "error", "type"))

			// Cancelled while queued, the second request fails before any
			// response; then the first frees the slot.
			qcancel()
			assert.ErrorIs(t, <-queued, context.Canceled)
			waitFor(t, "the queue to empty", func() bool { return m.Queued() == 0 })
			cancel()
			waitFor(t, "capacity to be freed", func() bool { return m.InFlight() == 0 })
		})
	}
}

func TestServerInjectedError(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{ErrorRate: 1, FirstTokenLatency: time.Millisecond}})
	c := client(t)
	for _, tc := range []struct{ route, body string }{
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"stream":true}`},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`},
		{"/v1/completions", `{"prompt":"x","stream":true}`},
		{"/v1/responses", `{"input":"x","stream":true}`},
		{"/v1/responses", `{"input":"x"}`},
		{"/v1/messages", `{"messages":[{"role":"user","content":"x"}],"max_tokens":9,"stream":true}`},
		{"/v1/messages", `{"messages":[{"role":"user","content":"x"}],"max_tokens":9}`},
	} {
		res, out := do(t, c, "POST", s.URL+tc.route, tc.body)
		assert.Equal(t, http.StatusInternalServerError, res.StatusCode, tc.body)
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
		body := obj(t, out)
		assert.Contains(t, path(body, "error", "message"), "injected fault (error)")
		if tc.route == "/v1/messages" {
			assert.Equal(t, "api_error", path(body, "error", "type"))
		} else {
			assert.Equal(t, "server_error", path(body, "error", "type"))
		}
	}
	assert.Equal(t, 0, s.Model().InFlight())
}

func TestServerMidStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  sim.Config
	}{
		{"zero latency", sim.Config{Seed: 9, MidStreamFailureRate: 1}},
		{"timed", sim.Config{Seed: 9, MidStreamFailureRate: 1, InterTokenLatency: time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sim.Start(t, sim.ServerConfig{Config: tc.cfg})
			twin := twinOf(t, s)
			c := client(t)

			res := send(t, t.Context(), c, "POST", s.URL+"/v1/chat/completions",
				`{"messages":[{"role":"user","content":"x"}],"max_tokens":20,"stream":true,"stream_options":{"include_usage":true}}`)
			require.Equal(t, 200, res.StatusCode)
			out, err := io.ReadAll(res.Body)
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "a cut stream")
			plan := twin.Plan(1, 20)
			require.Equal(t, sim.FaultMidStream, plan.Fault)
			assert.NotContains(t, string(out), "[DONE]")
			assert.NotContains(t, string(out), "finish_reason\":\"")
			events := parseSSE(t, string(out), false)
			require.Len(t, events, 1+plan.FaultAt, "the role chunk and the tokens before the failure")
			var text strings.Builder
			for _, ev := range events[1:] {
				text.WriteString(path(obj(t, ev.data), "choices", 0, "delta", "content").(string))
			}
			assert.Equal(t, plan.FaultAt, tokenizers.Whitespace{}.Count(text.String()))
			assert.True(t, strings.HasPrefix(twin.Text(plan), text.String()))

			// Anthropic: no message_stop.
			res = send(t, t.Context(), c, "POST", s.URL+"/v1/messages",
				`{"messages":[{"role":"user","content":"x"}],"max_tokens":20,"stream":true}`)
			require.Equal(t, 200, res.StatusCode)
			out, err = io.ReadAll(res.Body)
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.NotContains(t, string(out), "message_stop")
			assert.Contains(t, string(out), "text_delta")

			// Not streaming: the connection is cut before any response.
			res2, err := c.Post(s.URL+"/v1/completions", "application/json", strings.NewReader(`{"prompt":"x","max_tokens":20}`))
			if err == nil {
				res2.Body.Close()
			}
			assert.Error(t, err)
			waitFor(t, "capacity to be freed", func() bool { return s.Model().InFlight() == 0 })
		})
	}
}
