package anthropic

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/jsonval"
)

// Prepare validates a Messages payload and encodes the request body. It
// implements [endpoints.Endpoint]; it does not keep or modify p.
//
// The payload must have:
//
//   - "messages": a non-empty list of objects, each with "role" "user" or
//     "assistant" and "content" either a string or a list of content
//     blocks (objects with a non-empty string "type"; a "text" block needs
//     a string "text");
//   - "max_tokens": a positive whole number.
//
// and may have "system" (a string or a list of content blocks), "thinking"
// (an object with a string "type"; with "type": "enabled", "budget_tokens"
// must be a positive whole number less than max_tokens), "model" (a
// non-empty string) and "stream" (a boolean). Null counts as absent. Every
// other field is sent as it is.
//
// Prepare sets "model" to Config.Model when the payload has none (an error
// if Config.Model is empty too). The payload's "stream" decides whether the
// response is streamed; when it is absent, Prepare sets "stream": true, as
// the openai endpoint does, since time to first token is what a load test
// measures.
//
// The returned Request's Payload is the payload as sent, a copy; its Prompt
// is the system text and the messages' text (the text of their text
// blocks) joined with "\n".
func (e *Endpoint) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	if p == nil {
		return nil, errors.New("anthropic: payload: empty")
	}
	q, err := jsonval.Decode(p)
	if err != nil {
		return nil, fmt.Errorf("anthropic: payload: %w", err)
	}

	var texts []string
	if v := q["system"]; v != nil {
		t, err := contentText("system", v)
		if err != nil {
			return nil, err
		}
		texts = appendText(texts, t)
	}
	mt, err := messagesText(q["messages"])
	if err != nil {
		return nil, err
	}
	texts = append(texts, mt...)

	maxTokens, err := positive("max_tokens", q["max_tokens"])
	if err != nil {
		return nil, err
	}
	if err := checkThinking(q["thinking"], maxTokens); err != nil {
		return nil, err
	}

	if err := jsonval.SetModel(q, e.model); err != nil {
		return nil, fmt.Errorf("anthropic: payload: %w", err)
	}
	stream, err := jsonval.SetStream(q)
	if err != nil {
		return nil, fmt.Errorf("anthropic: payload: %w", err)
	}

	body, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("anthropic: payload: %w", err)
	}
	return &endpoints.Request{
		Payload: endpoints.Payload(q),
		Prompt:  strings.Join(texts, "\n"),
		Body:    body,
		Stream:  stream,
	}, nil
}

// appendText appends t to texts unless it is empty.
func appendText(texts []string, t string) []string {
	if t == "" {
		return texts
	}
	return append(texts, t)
}

// messagesText validates "messages" and returns their text, one string per
// message that has some.
func messagesText(v any) ([]string, error) {
	if v == nil {
		return nil, errors.New("anthropic: payload: messages: missing")
	}
	msgs, ok := v.([]any)
	if !ok || len(msgs) == 0 {
		return nil, fmt.Errorf("anthropic: payload: messages: want a non-empty list of messages, got %s", jsonval.Describe(v))
	}
	var texts []string
	for i, m := range msgs {
		field := fmt.Sprintf("messages[%d]", i)
		msg, ok := m.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("anthropic: payload: %s: want an object, got %s", field, jsonval.Describe(m))
		}
		if role, _ := msg["role"].(string); role != "user" && role != "assistant" {
			return nil, fmt.Errorf(`anthropic: payload: %s.role: want "user" or "assistant", got %s`, field, jsonval.Describe(msg["role"]))
		}
		t, err := contentText(field+".content", msg["content"])
		if err != nil {
			return nil, err
		}
		texts = appendText(texts, t)
	}
	return texts, nil
}

// contentText validates a content value, a string or a list of content
// blocks, and returns its text: the string, or the text blocks' text
// joined with "\n".
func contentText(field string, v any) (string, error) {
	switch c := v.(type) {
	case string:
		return c, nil
	case []any:
		var parts []string
		for j, b := range c {
			bf := fmt.Sprintf("%s[%d]", field, j)
			block, ok := b.(map[string]any)
			if !ok {
				return "", fmt.Errorf("anthropic: payload: %s: want a content block object, got %s", bf, jsonval.Describe(b))
			}
			typ, ok := block["type"].(string)
			if !ok || typ == "" {
				return "", fmt.Errorf("anthropic: payload: %s.type: want a non-empty string, got %s", bf, jsonval.Describe(block["type"]))
			}
			if typ != "text" {
				continue
			}
			t, ok := block["text"].(string)
			if !ok {
				return "", fmt.Errorf("anthropic: payload: %s.text: want a string, got %s", bf, jsonval.Describe(block["text"]))
			}
			parts = appendText(parts, t)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", fmt.Errorf("anthropic: payload: %s: want a string or a list of content blocks, got %s", field, jsonval.Describe(v))
}

// positive returns the value v of field as a positive whole number.
func positive(field string, v any) (int, error) {
	if v == nil {
		return 0, fmt.Errorf("anthropic: payload: %s: missing, want a positive whole number", field)
	}
	n, ok := jsonval.Int(v)
	if !ok || n <= 0 {
		return 0, fmt.Errorf("anthropic: payload: %s: want a positive whole number, got %s", field, jsonval.Describe(v))
	}
	return n, nil
}

// checkThinking validates "thinking". Types other than "enabled", such as
// "disabled" or "adaptive", are passed on for the API to judge.
func checkThinking(v any, maxTokens int) error {
	if v == nil {
		return nil
	}
	th, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("anthropic: payload: thinking: want an object, got %s", jsonval.Describe(v))
	}
	typ, ok := th["type"].(string)
	if !ok || typ == "" {
		return fmt.Errorf("anthropic: payload: thinking.type: want a non-empty string, got %s", jsonval.Describe(th["type"]))
	}
	if typ != "enabled" {
		return nil
	}
	budget, err := positive("thinking.budget_tokens", th["budget_tokens"])
	if err != nil {
		return err
	}
	if budget >= maxTokens {
		return fmt.Errorf("anthropic: payload: thinking.budget_tokens: want less than max_tokens (%d), got %d", maxTokens, budget)
	}
	return nil
}
