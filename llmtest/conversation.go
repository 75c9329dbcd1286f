package llmtest

import (
	"errors"
	"fmt"

	"github.com/llmtest/llmtest/endpoints"
)

// conversation is one closed-loop client's conversation in progress: the
// payload it started from and the replies the server gave so far.
type conversation struct {
	id      string   // "c<client>-<n>"
	idx     int      // the payload it started from
	replies []string // the server's reply to each completed turn, in order
}

// turn returns the 1-based number of the conversation's next turn.
func (cv *conversation) turn() int { return len(cv.replies) + 1 }

// chatMessages returns the "messages" array of p as maps, and the index of
// its last message whose role is "user". A payload without such an array
// or without a user message is an error: a conversation grows the chat
// payload's history (OpenAI chat, Anthropic messages, Bedrock Converse).
func chatMessages(p endpoints.Payload) ([]map[string]any, int, error) {
	var msgs []map[string]any
	switch v := p["messages"].(type) {
	case []any:
		for i, m := range v {
			mm, ok := m.(map[string]any)
			if pm, isP := m.(endpoints.Payload); isP {
				mm, ok = pm, true
			}
			if !ok {
				return nil, 0, fmt.Errorf("messages[%d] is a %T, not an object", i, m)
			}
			msgs = append(msgs, mm)
		}
	case []map[string]any:
		msgs = v
	case nil:
		return nil, 0, errors.New(`multi-turn conversations need chat payloads with a "messages" array (OpenAI chat, Anthropic messages, Bedrock Converse); this payload has none`)
	default:
		return nil, 0, fmt.Errorf(`"messages" is a %T, not an array of objects`, v)
	}
	user := -1
	for i, m := range msgs {
		if m["role"] == "user" {
			user = i
		}
	}
	if user < 0 {
		return nil, 0, errors.New(`multi-turn conversations need a "user" message in "messages" to repeat as the next turn`)
	}
	return msgs, user, nil
}

// turnPayload returns the payload of a conversation's next turn: a copy of
// p whose messages are p's, then, for each reply in order, an assistant
// message holding the reply followed by p's last user message again. The
// assistant content takes the shape of that user message's: a string for
// a string, else one text block ({"type":"text","text":…} when the user's
// first block has a "type", as Anthropic's; {"text":…} as Converse's).
func turnPayload(p endpoints.Payload, replies []string) (endpoints.Payload, error) {
	q := p.Clone()
	msgs, user, err := chatMessages(q)
	if err != nil {
		return nil, err
	}
	u := msgs[user]
	out := make([]any, 0, len(msgs)+2*len(replies))
	for _, m := range msgs {
		out = append(out, m)
	}
	for _, r := range replies {
		out = append(out, map[string]any{"role": "assistant", "content": assistantContent(u["content"], r)})
		out = append(out, map[string]any(endpoints.Payload(u).Clone())) // each turn its own copy
	}
	q["messages"] = out
	return q, nil
}

func assistantContent(userContent any, reply string) any {
	var first map[string]any
	switch v := userContent.(type) {
	case string, nil:
		return reply
	case []any:
		if len(v) > 0 {
			first, _ = v[0].(map[string]any)
		}
	case []map[string]any:
		if len(v) > 0 {
			first = v[0]
		}
	}
	if _, ok := first["type"]; ok {
		return []any{map[string]any{"type": "text", "text": reply}}
	}
	return []any{map[string]any{"text": reply}}
}
