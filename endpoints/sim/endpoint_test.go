package sim_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/tokenizers"
)

func newEndpoint(t testing.TB, cfg sim.Config) *sim.Endpoint {
	t.Helper()
	ep, err := sim.New(cfg)
	require.NoError(t, err)
	return ep
}

// decode builds a payload as the engine's loader does, from JSON.
func decode(t testing.TB, s string) endpoints.Payload {
	t.Helper()
	var p endpoints.Payload
	require.NoError(t, json.Unmarshal([]byte(s), &p))
	return p
}

func TestNew(t *testing.T) {
	_, err := sim.New(sim.Config{Jitter: 2})
	assert.ErrorContains(t, err, "sim: Config.Jitter: ")

	m, err := sim.NewModel(sim.Config{Model: "tiny"})
	require.NoError(t, err)
	ep := sim.NewEndpoint(m)
	assert.Same(t, m, ep.Model())
	assert.Equal(t, endpoints.Info{Provider: "sim", Model: "tiny", Name: "in-process"}, ep.Info())
	assert.Equal(t, "llmtest-sim", newEndpoint(t, sim.Config{}).Info().Model)
}

func TestPrepare(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		prompt  string
		stream  bool
		max     int // 0: drawn (the test config fixes it at 5)
	}{
		{"chat", `{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"say hello world"}]}`, "be brief\nsay hello world", true, 0},
		{"chat parts", `{"messages":[{"role":"user","content":[{"type":"text","text":"two "},{"type":"text","text":"parts"}]}]}`, "two \nparts", true, 0},
		{"null content", `{"messages":[{"role":"assistant","content":null},{"role":"user","content":"go on"}]}`, "\ngo on", true, 0},
		{"completion", `{"prompt":"once upon a time","max_tokens":7}`, "once upon a time", true, 7},
		{"completion list", `{"prompt":["a b","c"],"stream":false}`, "a b\nc", false, 0},
		{"max_completion_tokens", `{"prompt":"x","max_completion_tokens":3,"stream":true}`, "x", true, 3},
		{"max_completion_tokens wins", `{"prompt":"x","max_tokens":9,"max_completion_tokens":4}`, "x", true, 4},
		{"null fields are absent", `{"prompt":"x","max_tokens":null,"stream":null,"messages":null}`, "x", true, 0},
		{"other fields ignored", `{"model":"gpt-x","temperature":0.2,"prompt":"x","max_tokens":2.0}`, "x", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := newEndpoint(t, sim.Config{MaxOutputTokens: 5})
			p := decode(t, tt.payload)
			orig := p.Clone()
			req, err := ep.Prepare(p)
			require.NoError(t, err)
			assert.Equal(t, orig, p, "Prepare must not modify the payload")
			assert.Equal(t, orig, req.Payload)
			assert.Equal(t, tt.prompt, req.Prompt)
			assert.Equal(t, tt.stream, req.Stream)

			var rec endpointstest.Recorder
			require.NoError(t, ep.Invoke(t.Context(), req, &rec))
			want := tt.max
			if want == 0 {
				want = 5
			}
			assert.Equal(t, endpoints.Usage{InputTokens: tokenizers.Whitespace{}.Count(tt.prompt), OutputTokens: want}, rec.LastUsage)
			assert.Equal(t, want, tokenizers.Whitespace{}.Count(rec.Output()))
		})
	}

	t.Run("Go values", func(t *testing.T) {
		ep := newEndpoint(t, sim.Config{})
		req, err := ep.Prepare(endpoints.Payload{
			"messages":   []map[string]any{{"role": "user", "content": "hi there"}},
			"max_tokens": json.Number("6"),
			"stream":     false,
		})
		require.NoError(t, err)
		assert.Equal(t, "hi there", req.Prompt)
		assert.False(t, req.Stream)
		req, err = ep.Prepare(endpoints.Payload{"prompt": []string{"a", "b"}, "max_tokens": int64(1)})
		require.NoError(t, err)
		assert.Equal(t, "a\nb", req.Prompt)
	})
}

func TestPrepareErrors(t *testing.T) {
	tests := []struct {
		name, payload, want string
	}{
		{"empty", `{}`, `sim: payload: "messages" or "prompt" is required`},
		{"both", `{"prompt":"x","messages":[{"role":"user","content":"y"}]}`, `sim: payload: "messages" and "prompt" are mutually exclusive`},
		{"negative max_tokens", `{"prompt":"x","max_tokens":-3}`, `sim: payload: "max_tokens" must be a positive whole number, got -3`},
		{"zero max_tokens", `{"prompt":"x","max_tokens":0}`, `sim: payload: "max_tokens" must be a positive whole number, got 0`},
		{"fractional max_tokens", `{"prompt":"x","max_tokens":2.5}`, `sim: payload: "max_tokens" must be a positive whole number, got 2.5`},
		{"string max_completion_tokens", `{"prompt":"x","max_completion_tokens":"10"}`, `sim: payload: "max_completion_tokens" must be a positive whole number, got "10"`},
		{"string stream", `{"prompt":"x","stream":"yes"}`, `sim: payload: "stream" must be a boolean, got "yes"`},
		{"messages not a list", `{"messages":"hi"}`, `sim: payload: "messages" must be a list of messages, got "hi"`},
		{"messages empty", `{"messages":[]}`, `sim: payload: "messages" must not be empty`},
		{"message not an object", `{"messages":[{"role":"user","content":"a"},7]}`, `sim: payload: messages[1]: must be an object with "role" and "content", got 7`},
		{"missing role", `{"messages":[{"role":"user","content":"a"},{"content":"b"}]}`, `sim: payload: messages[1].role: must be a non-empty string, got null`},
		{"bad content", `{"messages":[{"role":"user","content":"a"},{"role":"user","content":5}]}`, `sim: payload: messages[1].content: must be a string or a list of content parts, got 5`},
		{"part not an object", `{"messages":[{"role":"user","content":["a"]}]}`, `sim: payload: messages[0].content[0]: must be an object with a "type", got "a"`},
		{"video part", `{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"video_url","video_url":{"url":"x"}}]}]}`, `sim: payload: messages[0].content[1].type: only "text", "image_url", "input_audio" and "file" parts are supported, got "video_url"`},
		{"image without url", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"detail":"low"}}]}]}`, `sim: payload: messages[0].content[0].image_url.url: must be a non-empty string, got null`},
		{"image_url a string", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":"https://x"}]}]}`, `sim: payload: messages[0].content[0].image_url: must be an object, got "https://x"`},
		{"audio without format", `{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGR"}}]}]}`, `sim: payload: messages[0].content[0].input_audio.format: must be a non-empty string, got null`},
		{"file without data", `{"messages":[{"role":"user","content":[{"type":"file","file":{"filename":"a.pdf"}}]}]}`, `sim: payload: messages[0].content[0].file: needs one of "file_data", "file_id", a non-empty string`},
		{"part without text", `{"messages":[{"role":"user","content":[{"type":"text"}]}]}`, `sim: payload: messages[0].content[0].text: must be a string, got null`},
		{"prompt not a string", `{"prompt":3}`, `sim: payload: "prompt" must be a string or a list of strings, got 3`},
		{"prompt empty list", `{"prompt":[]}`, `sim: payload: "prompt" must not be an empty list`},
		{"prompt token ids", `{"prompt":["a",[1,2]]}`, `sim: payload: prompt[1]: must be a string, got [1,2]`},
	}
	ep := newEndpoint(t, sim.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ep.Prepare(decode(t, tt.payload))
			assert.Nil(t, req)
			assert.EqualError(t, err, tt.want)
		})
	}
}

// twin returns a model with the same config, to predict the plans an
// endpoint draws: the N-th plan depends only on the seed and N.
func twin(t *testing.T, ep *sim.Endpoint) *sim.Model {
	t.Helper()
	m, err := sim.NewModel(ep.Model().Config())
	require.NoError(t, err)
	return m
}

func TestInvokeStreaming(t *testing.T) {
	ep := newEndpoint(t, sim.Config{Seed: 11, TokensPerChunk: 3})
	want := twin(t, ep)
	req, err := ep.Prepare(decode(t, `{"messages":[{"role":"user","content":"four words of prompt"}],"max_tokens":10}`))
	require.NoError(t, err)
	for range 3 {
		var rec endpointstest.Recorder
		require.NoError(t, ep.Invoke(t.Context(), req, &rec))
		plan := want.Plan(4, 10)
		assert.Equal(t, plan.ID, rec.ResponseID)
		assert.Equal(t, want.Text(plan), strings.Join(rec.Chunks, ""))
		assert.Len(t, rec.Chunks, 4, "10 tokens in chunks of 3")
		assert.Zero(t, rec.CompleteCalls)
		assert.Equal(t, endpoints.Usage{InputTokens: 4, OutputTokens: 10}, rec.LastUsage)
		assert.Equal(t, []string{"id", "text", "text", "text", "text", "usage"}, rec.Events)
	}
}

func TestInvokeNonStreaming(t *testing.T) {
	ep := newEndpoint(t, sim.Config{Seed: 12, MinOutputTokens: 3, MaxOutputTokens: 30})
	want := twin(t, ep)
	req, err := ep.Prepare(decode(t, `{"prompt":"a b c","stream":false}`))
	require.NoError(t, err)
	for range 5 {
		var rec endpointstest.Recorder
		require.NoError(t, ep.Invoke(t.Context(), req, &rec))
		plan := want.Plan(3, 0)
		assert.Equal(t, plan.ID, rec.ResponseID)
		assert.Empty(t, rec.Chunks)
		assert.Equal(t, 1, rec.CompleteCalls)
		assert.Equal(t, want.Text(plan), rec.Completed)
		assert.Equal(t, endpoints.Usage{InputTokens: 3, OutputTokens: plan.OutputTokens}, rec.LastUsage)
		assert.Equal(t, []string{"id", "complete", "usage"}, rec.Events)
	}
}

func TestInvokeFailures(t *testing.T) {
	t.Run("mid-stream", func(t *testing.T) {
		ep := newEndpoint(t, sim.Config{Seed: 3, MidStreamFailureRate: 1})
		want := twin(t, ep)
		req, err := ep.Prepare(decode(t, `{"prompt":"x","max_tokens":20}`))
		require.NoError(t, err)
		var rec endpointstest.Recorder
		err = ep.Invoke(t.Context(), req, &rec)
		plan := want.Plan(1, 20)
		var ie *sim.InjectedError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, sim.FaultMidStream, ie.Kind)
		assert.Len(t, rec.Chunks, plan.FaultAt, "tokens before the failure stay reported")
		assert.True(t, strings.HasPrefix(want.Text(plan), rec.Output()))
		assert.Zero(t, rec.UsageCalls, "no usage for a failed request")
	})
	t.Run("mid-stream, not streaming", func(t *testing.T) {
		ep := newEndpoint(t, sim.Config{MidStreamFailureRate: 1})
		req, err := ep.Prepare(decode(t, `{"prompt":"x","max_tokens":20,"stream":false}`))
		require.NoError(t, err)
		var rec endpointstest.Recorder
		var ie *sim.InjectedError
		require.ErrorAs(t, ep.Invoke(t.Context(), req, &rec), &ie)
		assert.Zero(t, rec.CompleteCalls)
		assert.Equal(t, []string{"id"}, rec.Events)
	})
	t.Run("error", func(t *testing.T) {
		ep := newEndpoint(t, sim.Config{ErrorRate: 1})
		req, err := ep.Prepare(decode(t, `{"prompt":"x"}`))
		require.NoError(t, err)
		var rec endpointstest.Recorder
		var ie *sim.InjectedError
		require.ErrorAs(t, ep.Invoke(t.Context(), req, &rec), &ie)
		assert.Equal(t, sim.FaultError, ie.Kind)
		assert.Empty(t, rec.Chunks)
	})
	t.Run("cancelled", func(t *testing.T) {
		ep := newEndpoint(t, sim.Config{})
		req, err := ep.Prepare(decode(t, `{"prompt":"x"}`))
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		var rec endpointstest.Recorder
		assert.ErrorIs(t, ep.Invoke(ctx, req, &rec), context.Canceled)
		assert.Empty(t, rec.Chunks)
	})
	t.Run("foreign request", func(t *testing.T) {
		ep := newEndpoint(t, sim.Config{})
		var rec endpointstest.Recorder
		err := ep.Invoke(t.Context(), &endpoints.Request{Prompt: "x"}, &rec)
		assert.EqualError(t, err, "sim: request was not prepared by sim.Endpoint.Prepare")
		assert.Empty(t, rec.Events)
	})
}

// nopRecorder counts chunks and keeps nothing, to measure Invoke's own
// allocations.
type nopRecorder struct{ chunks int }

func (r *nopRecorder) Text(string)           { r.chunks++ }
func (r *nopRecorder) TextBytes([]byte)      { r.chunks++ }
func (r *nopRecorder) Reasoning(string)      {}
func (r *nopRecorder) Complete(string)       {}
func (r *nopRecorder) Usage(endpoints.Usage) {}
func (r *nopRecorder) ID(string)             {}
func (r *nopRecorder) Retries(int)           {}
func (r *nopRecorder) Resend()               {}

func TestInvokeAllocs(t *testing.T) {
	ctx := t.Context()
	measure := func(tokens int) float64 {
		ep := newEndpoint(t, sim.Config{MaxOutputTokens: tokens})
		req, err := ep.Prepare(endpoints.Payload{"prompt": "a b c"})
		require.NoError(t, err)
		var rec nopRecorder
		allocs := testing.AllocsPerRun(200, func() {
			rec = nopRecorder{}
			if err := ep.Invoke(ctx, req, &rec); err != nil {
				t.Fatal(err)
			}
		})
		assert.Equal(t, tokens, rec.chunks)
		return allocs
	}
	a16, a256 := measure(16), measure(256)
	t.Logf("Invoke: %v allocs/request at 16 tokens, %v at 256", a16, a256)
	assert.Equal(t, a16, a256, "no allocation per chunk")
	assert.LessOrEqual(t, a16, 2.0, "the response ID, and little else")
}
