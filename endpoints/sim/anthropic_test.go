package sim_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/tokenizers"
)

// message is what a client assembles from a Messages event stream.
type message struct {
	id, model         string
	thinking, text    string
	signature         string
	stop              string
	inputTokens       int
	startOutputTokens int
	outputTokens      int
	blocks            []string // content block types in index order
	pings, textDeltas int
	thinkingDeltas    int
	events            []string // event names in order, deltas collapsed
}

// assemble checks an Anthropic event stream as a strict client would: each
// event's name equals its data's type, the events come in the documented
// order (message_start; per block, content_block_start, deltas,
// content_block_stop; message_delta; message_stop; pings anywhere after
// message_start), block indexes count from 0, and deltas match their
// block's type.
func assemble(t *testing.T, events []event) message {
	t.Helper()
	var m message
	open := -1 // index of the open block, -1 when none
	for i, ev := range events {
		d := obj(t, ev.data)
		require.Equal(t, ev.name, d["type"], "event %d: the event name is the data's type", i)
		if n := len(m.events); n == 0 || m.events[n-1] != ev.name || ev.name != "content_block_delta" {
			m.events = append(m.events, ev.name)
		}
		switch ev.name {
		case "message_start":
			require.Zero(t, i, "message_start comes first")
			msg := d["message"].(map[string]any)
			m.id, _ = msg["id"].(string)
			m.model, _ = msg["model"].(string)
			assert.Equal(t, "message", msg["type"])
			assert.Equal(t, "assistant", msg["role"])
			assert.Equal(t, []any{}, msg["content"])
			assert.Nil(t, msg["stop_reason"])
			m.inputTokens = int(path(msg, "usage", "input_tokens").(float64))
			m.startOutputTokens = int(path(msg, "usage", "output_tokens").(float64))
		case "ping":
			require.NotZero(t, i)
			m.pings++
		case "content_block_start":
			require.Equal(t, -1, open, "event %d: a block is already open", i)
			idx := int(d["index"].(float64))
			require.Equal(t, len(m.blocks), idx, "event %d: block indexes count from 0", i)
			typ := path(d, "content_block", "type").(string)
			m.blocks = append(m.blocks, typ)
			open = idx
		case "content_block_delta":
			idx := int(d["index"].(float64))
			require.Equal(t, open, idx, "event %d: a delta of the open block", i)
			delta := d["delta"].(map[string]any)
			switch delta["type"] {
			case "text_delta":
				require.Equal(t, "text", m.blocks[idx])
				m.text += delta["text"].(string)
				m.textDeltas++
			case "thinking_delta":
				require.Equal(t, "thinking", m.blocks[idx])
				m.thinking += delta["thinking"].(string)
				m.thinkingDeltas++
			case "signature_delta":
				require.Equal(t, "thinking", m.blocks[idx])
				m.signature += delta["signature"].(string)
			default:
				t.Fatalf("event %d: unknown delta %v", i, delta["type"])
			}
		case "content_block_stop":
			require.Equal(t, open, int(d["index"].(float64)), "event %d", i)
			open = -1
		case "message_delta":
			require.Equal(t, -1, open, "event %d: message_delta after every block stopped", i)
			m.stop, _ = path(d, "delta", "stop_reason").(string)
			assert.Contains(t, d["delta"], "stop_sequence")
			m.outputTokens = int(path(d, "usage", "output_tokens").(float64))
		case "message_stop":
			require.Equal(t, len(events)-1, i, "message_stop comes last")
		default:
			t.Fatalf("event %d: unexpected event %q", i, ev.name)
		}
	}
	return m
}

func TestServerMessagesStream(t *testing.T) {
	ws := tokenizers.Whitespace{}
	tests := []struct {
		name      string
		cfg       sim.Config
		maxTokens int
		thinking  string
		think     int    // thinking tokens expected
		stop      string // stop_reason expected
	}{
		{"end_turn", sim.Config{Seed: 21, MinOutputTokens: 4, MaxOutputTokens: 8}, 100, "", 0, "end_turn"},
		{"max_tokens", sim.Config{Seed: 22, MinOutputTokens: 40, MaxOutputTokens: 50}, 12, "", 0, "max_tokens"},
		{"thinking", sim.Config{Seed: 23, MinOutputTokens: 20, MaxOutputTokens: 20}, 64, `{"type":"enabled","budget_tokens":32}`, sim.ThinkingTokens, "end_turn"},
		{"thinking within budget", sim.Config{Seed: 24, MinOutputTokens: 20, MaxOutputTokens: 20}, 64, `{"type":"enabled","budget_tokens":3}`, 3, "end_turn"},
		{"thinking in chunks", sim.Config{Seed: 25, MinOutputTokens: 20, MaxOutputTokens: 20, TokensPerChunk: 3}, 64, `{"type":"enabled","budget_tokens":5}`, 5, "end_turn"},
		{"thinking, one token: no room for it", sim.Config{Seed: 27, MinOutputTokens: 1, MaxOutputTokens: 1}, 10, `{"type":"enabled","budget_tokens":4}`, 0, "end_turn"},
		{"thinking disabled", sim.Config{Seed: 26, MinOutputTokens: 20, MaxOutputTokens: 20}, 64, `{"type":"disabled"}`, 0, "end_turn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sim.Start(t, sim.ServerConfig{Config: tt.cfg})
			twin := twinOf(t, s)
			body := `{"model":"claude-x","system":[{"type":"text","text":"be brief"}],"messages":[{"role":"user","content":"tell me"},{"role":"assistant","content":[{"type":"text","text":"ok"}]},{"role":"user","content":"go on"}],"max_tokens":` +
				strconv.Itoa(tt.maxTokens) + `,"stream":true`
			if tt.thinking != "" {
				body += `,"thinking":` + tt.thinking
			}
			res, out := do(t, client(t), "POST", s.URL+"/v1/messages", body+"}", "Anthropic-Version", "2023-06-01")
			require.Equal(t, http.StatusOK, res.StatusCode, out)
			assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
			plan := twin.PlanCapped(7, tt.maxTokens)

			m := assemble(t, parseSSE(t, out, true))
			assert.Equal(t, "msg_sim_1", m.id)
			assert.Equal(t, "llmtest-sim", m.model)
			assert.Equal(t, 7, m.inputTokens)
			assert.Equal(t, 1, m.startOutputTokens)
			assert.Equal(t, plan.OutputTokens, m.outputTokens, "output tokens count thinking and text")
			assert.Equal(t, tt.stop, m.stop)
			assert.Equal(t, 1, m.pings)

			full := twin.Text(plan)
			if tt.think == 0 {
				assert.Equal(t, []string{"text"}, m.blocks)
				assert.Equal(t, full, m.text)
				assert.Equal(t, []string{"message_start", "content_block_start", "ping", "content_block_delta", "content_block_stop", "message_delta", "message_stop"}, m.events)
				assert.Equal(t, plan.OutputTokens, m.textDeltas)
				return
			}
			assert.Equal(t, []string{"thinking", "text"}, m.blocks)
			assert.Equal(t, []string{"message_start", "content_block_start", "ping", "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"}, m.events)
			assert.NotEmpty(t, m.signature)
			assert.Equal(t, tt.think, ws.Count(m.thinking), "thinking tokens")
			assert.Equal(t, plan.OutputTokens-tt.think, ws.Count(m.text), "text tokens")
			assert.False(t, strings.HasPrefix(m.text, " "), "the text starts with a word")
			assert.Equal(t, full, m.thinking+" "+m.text, "thinking, then text, are the model's output")
		})
	}
}

func TestServerMessages(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Seed: 31, MinOutputTokens: 10, MaxOutputTokens: 30}})
	twin := twinOf(t, s)
	c := client(t)
	for i := range 4 {
		body := `{"messages":[{"role":"user","content":"a b c"}],"max_tokens":20}`
		if i%2 == 1 {
			body = `{"messages":[{"role":"user","content":"a b c"}],"max_tokens":20,"stream":false,"thinking":{"type":"enabled","budget_tokens":10}}`
		}
		res, out := do(t, c, "POST", s.URL+"/v1/messages", body)
		require.Equal(t, http.StatusOK, res.StatusCode, out)
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
		plan := twin.PlanCapped(3, 20)
		m := obj(t, out)
		assert.Equal(t, "msg_sim_"+strconv.Itoa(int(plan.Seq)), m["id"])
		assert.Equal(t, "message", m["type"])
		assert.Equal(t, "assistant", m["role"])
		assert.Nil(t, m["stop_sequence"])
		assert.Contains(t, m, "stop_sequence")
		stop := "end_turn"
		if plan.OutputTokens == 20 {
			stop = "max_tokens"
		}
		assert.Equal(t, stop, m["stop_reason"])
		assert.Equal(t, map[string]any{"input_tokens": 3.0, "output_tokens": float64(plan.OutputTokens)}, m["usage"])
		content := m["content"].([]any)
		full := twin.Text(plan)
		if i%2 == 0 {
			require.Len(t, content, 1)
			assert.Equal(t, map[string]any{"type": "text", "text": full}, content[0])
			continue
		}
		require.Len(t, content, 2)
		assert.Equal(t, "thinking", path(content, 0, "type"))
		assert.NotEmpty(t, path(content, 0, "signature"))
		thinking, text := path(content, 0, "thinking").(string), path(content, 1, "text").(string)
		assert.Equal(t, sim.ThinkingTokens, tokenizers.Whitespace{}.Count(thinking))
		assert.Equal(t, full, thinking+" "+text)
	}
}
