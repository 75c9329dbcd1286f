package anthropic

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
)

func TestPrepare(t *testing.T) {
	e, err := New(Config{Model: "m"})
	require.NoError(t, err)

	t.Run("messages with blocks", func(t *testing.T) {
		p := endpoints.Payload{
			"system": []any{map[string]any{"type": "text", "text": "Be brief.", "cache_control": map[string]any{"type": "ephemeral"}}},
			"messages": []map[string]any{
				{"role": "user", "content": []any{
					map[string]any{"type": "text", "text": "Describe"},
					map[string]any{"type": "image", "source": map[string]any{"type": "base64", "media_type": "image/png", "data": "iVBOR"}},
					map[string]any{"type": "text", "text": "this"},
				}},
				{"role": "assistant", "content": "It is a cat."},
				{"role": "user", "content": []any{map[string]any{"type": "tool_result", "tool_use_id": "t1", "content": "42"}}},
			},
			"max_tokens": int64(2048),
			"thinking":   map[string]any{"type": "enabled", "budget_tokens": 1024},
		}
		before := p.Clone()
		req, err := e.Prepare(p)
		require.NoError(t, err)
		assert.Equal(t, before, p, "p is not modified")
		assert.Equal(t, "Be brief.\nDescribe\nthis\nIt is a cat.", req.Prompt)
		assert.True(t, req.Stream)
		var body map[string]any
		require.NoError(t, json.Unmarshal(req.Body, &body))
		assert.Equal(t, "m", body["model"])
		assert.Equal(t, true, body["stream"])
		assert.Equal(t, float64(2048), body["max_tokens"])
		assert.Equal(t, map[string]any{"type": "enabled", "budget_tokens": float64(1024)}, body["thinking"])
		assert.Equal(t, "m", req.Payload["model"], "Payload is what is sent")
		assert.NotContains(t, p, "model")
	})
	t.Run("not streaming", func(t *testing.T) {
		p := payload()
		p["stream"] = false
		req, err := e.Prepare(p)
		require.NoError(t, err)
		assert.False(t, req.Stream)
		assert.Contains(t, string(req.Body), `"stream":false`)
	})
	t.Run("numbers kept exactly", func(t *testing.T) {
		p := payload()
		p["temperature"] = json.Number("0.70")
		p["top_k"] = uint64(1) << 60
		req, err := e.Prepare(p)
		require.NoError(t, err)
		assert.Contains(t, string(req.Body), `"temperature":0.70`)
		assert.Contains(t, string(req.Body), `"top_k":1152921504606846976`)
	})
	t.Run("other thinking types are passed on", func(t *testing.T) {
		for _, typ := range []string{"disabled", "adaptive"} {
			p := payload()
			p["thinking"] = map[string]any{"type": typ}
			_, err := e.Prepare(p)
			require.NoError(t, err, typ)
		}
	})
	t.Run("nulls count as absent", func(t *testing.T) {
		p := payload()
		p["system"], p["thinking"], p["stream"], p["model"] = nil, nil, nil, nil
		req, err := e.Prepare(p)
		require.NoError(t, err)
		assert.True(t, req.Stream)
		assert.Equal(t, "m", req.Payload["model"])
	})

	msg := func(role string, content any) map[string]any { return map[string]any{"role": role, "content": content} }
	with := func(key string, v any) endpoints.Payload {
		p := payload()
		p[key] = v
		return p
	}
	tests := []struct {
		name string
		p    endpoints.Payload
		want string
	}{
		{"nil", nil, "anthropic: payload: empty"},
		{"no messages", endpoints.Payload{"max_tokens": 5}, "anthropic: payload: messages: missing"},
		{"empty messages", with("messages", []any{}), "anthropic: payload: messages: want a non-empty list of messages, got an empty list"},
		{"messages not a list", with("messages", "hi"), "anthropic: payload: messages: want a non-empty list of messages, got a string"},
		{"message not an object", with("messages", []any{"hi"}), "anthropic: payload: messages[0]: want an object, got a string"},
		{"no role", with("messages", []any{map[string]any{"content": "hi"}}), `anthropic: payload: messages[0].role: want "user" or "assistant", got null or nothing`},
		{"system role", with("messages", []any{msg("user", "a"), msg("system", "b")}), `anthropic: payload: messages[1].role: want "user" or "assistant", got a string`},
		{"no content", with("messages", []any{map[string]any{"role": "user"}}), "anthropic: payload: messages[0].content: want a string or a list of content blocks, got null or nothing"},
		{"bad content", with("messages", []any{msg("user", 5)}), "anthropic: payload: messages[0].content: want a string or a list of content blocks, got the number 5"},
		{"block not an object", with("messages", []any{msg("user", []any{"x"})}), "anthropic: payload: messages[0].content[0]: want a content block object, got a string"},
		{"block without type", with("messages", []any{msg("user", []any{map[string]any{"text": "x"}})}), "anthropic: payload: messages[0].content[0].type: want a non-empty string, got null or nothing"},
		{"text block without text", with("messages", []any{msg("user", []any{map[string]any{"type": "text", "text": 1}})}), "anthropic: payload: messages[0].content[0].text: want a string, got the number 1"},
		{"bad system", with("system", 3), "anthropic: payload: system: want a string or a list of content blocks, got the number 3"},
		{"bad system block", with("system", []any{map[string]any{"type": "text"}}), "anthropic: payload: system[0].text: want a string, got null or nothing"},
		{"no max_tokens", endpoints.Payload{"messages": []any{msg("user", "a")}}, "anthropic: payload: max_tokens: missing, want a positive whole number"},
		{"zero max_tokens", with("max_tokens", 0), "anthropic: payload: max_tokens: want a positive whole number, got the number 0"},
		{"fractional max_tokens", with("max_tokens", 1.5), "anthropic: payload: max_tokens: want a positive whole number, got the number 1.5"},
		{"string max_tokens", with("max_tokens", "10"), "anthropic: payload: max_tokens: want a positive whole number, got a string"},
		{"thinking not an object", with("thinking", true), "anthropic: payload: thinking: want an object, got a boolean"},
		{"thinking without type", with("thinking", map[string]any{"budget_tokens": 10}), "anthropic: payload: thinking.type: want a non-empty string, got null or nothing"},
		{"thinking without budget", with("thinking", map[string]any{"type": "enabled"}), "anthropic: payload: thinking.budget_tokens: missing, want a positive whole number"},
		{"zero budget", with("thinking", map[string]any{"type": "enabled", "budget_tokens": 0}), "anthropic: payload: thinking.budget_tokens: want a positive whole number, got the number 0"},
		{"budget not below max_tokens", with("thinking", map[string]any{"type": "enabled", "budget_tokens": 64}), "anthropic: payload: thinking.budget_tokens: want less than max_tokens (64), got 64"},
		{"bad model", with("model", 3), "anthropic: payload: model: want a non-empty string, got the number 3"},
		{"empty model", with("model", ""), "anthropic: payload: model: want a non-empty string, got an empty string"},
		{"bad stream", with("stream", "yes"), "anthropic: payload: stream: want a boolean, got a string"},
		{"not JSON", with("x", func() {}), "anthropic: payload: json: unsupported type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Prepare(tt.p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	t.Run("no model anywhere", func(t *testing.T) {
		n, err := New(Config{})
		require.NoError(t, err)
		_, err = n.Prepare(payload())
		require.EqualError(t, err, "anthropic: payload: model: missing, and Config.Model is empty")
	})
}

func TestMessagesPayload(t *testing.T) {
	e, err := New(Config{Model: "m"})
	require.NoError(t, err)

	p, err := MessagesPayload("Hello", 64, 0)
	require.NoError(t, err)
	assert.Equal(t, endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "Hello"}}, "max_tokens": 64}, p)
	_, err = e.Prepare(p)
	require.NoError(t, err, "MessagesPayload passes Prepare")

	p, err = MessagesPayload("Think", 2048, 1024)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"type": "enabled", "budget_tokens": 1024}, p["thinking"])
	_, err = e.Prepare(p)
	require.NoError(t, err)

	for _, tt := range []struct {
		message           string
		maxTokens, budget int
		want              string
	}{
		{" \n", 8, 0, "anthropic: MessagesPayload: message is empty"},
		{"x", 0, 0, "anthropic: MessagesPayload: maxTokens: want a positive number, got 0"},
		{"x", -5, 0, "anthropic: MessagesPayload: maxTokens: want a positive number, got -5"},
		{"x", 8, -1, "anthropic: MessagesPayload: thinkingBudget: want 0 (no thinking) or a number less than maxTokens (8), got -1"},
		{"x", 8, 8, "anthropic: MessagesPayload: thinkingBudget: want 0 (no thinking) or a number less than maxTokens (8), got 8"},
	} {
		_, err := MessagesPayload(tt.message, tt.maxTokens, tt.budget)
		assert.EqualError(t, err, tt.want)
	}
}
