package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
)

// Prepare validates a payload for the Endpoint's API and encodes the
// request body. It implements [endpoints.Endpoint]; it does not keep or
// modify p.
//
// For Chat, "messages" must be a non-empty list of objects, each with a
// string "role" and a "content" that is a string or a list of parts (an
// assistant message with "tool_calls" may have no content). For
// Completions, "prompt" must be a string or a non-empty list of strings.
// "max_tokens" and "max_completion_tokens", when present, must be positive
// whole numbers; "model" a non-empty string; "stream" a boolean;
// "stream_options" an object.
//
// Prepare sets "model" to Config.Model when the payload has none (an error
// if Config.Model is empty too). The payload's "stream" decides whether the
// response is streamed; when it is absent, Prepare sets "stream": true.
// When streaming, it sets "stream_options": {"include_usage": true}, unless
// the payload has "stream_options" already, so that the server reports
// token usage at the end of the stream.
//
// The returned Request's Payload is the payload as sent, a copy; its Prompt
// is the text of the messages (or the prompts) joined with "\n".
func (e *Endpoint) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	if p == nil {
		return nil, errors.New("openai: payload: empty")
	}
	// A JSON round trip gives a deep copy in plain JSON types, whatever Go
	// types the caller used, and checks that the payload can be encoded.
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("openai: payload: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers are sent again exactly as written
	var q map[string]any
	if err := dec.Decode(&q); err != nil {
		return nil, fmt.Errorf("openai: payload: %w", err)
	}

	var prompt string
	if e.api == Completions {
		prompt, err = completionPrompt(q)
	} else {
		prompt, err = chatPrompt(q)
	}
	if err != nil {
		return nil, err
	}
	for _, key := range []string{"max_tokens", "max_completion_tokens"} {
		if v, ok := q[key]; ok {
			if n, ok := endpoints.Int(v); !ok || n <= 0 {
				return nil, fmt.Errorf("openai: payload: %s: want a positive whole number, got %s", key, describe(v))
			}
		}
	}

	switch m, ok := q["model"]; {
	case !ok || m == nil:
		if e.cfg.Model == "" {
			return nil, errors.New("openai: payload: model: missing, and Config.Model is empty")
		}
		q["model"] = e.cfg.Model
	default:
		if s, ok := m.(string); !ok || s == "" {
			return nil, fmt.Errorf("openai: payload: model: want a non-empty string, got %s", describe(m))
		}
	}

	stream := true
	switch s, ok := q["stream"]; {
	case !ok || s == nil:
		q["stream"] = true
	default:
		b, ok := s.(bool)
		if !ok {
			return nil, fmt.Errorf("openai: payload: stream: want a boolean, got %s", describe(s))
		}
		stream = b
	}
	if so, ok := q["stream_options"]; ok && so != nil {
		if _, ok := so.(map[string]any); !ok {
			return nil, fmt.Errorf("openai: payload: stream_options: want an object, got %s", describe(so))
		}
	} else if stream {
		q["stream_options"] = map[string]any{"include_usage": true}
	}

	body, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("openai: payload: %w", err)
	}
	return &endpoints.Request{
		Payload: endpoints.Payload(q),
		Prompt:  prompt,
		Body:    body,
		Stream:  stream,
	}, nil
}

// chatPrompt validates "messages" and returns their text.
func chatPrompt(q map[string]any) (string, error) {
	v, ok := q["messages"]
	if !ok {
		return "", errors.New("openai: payload: messages: missing")
	}
	msgs, ok := v.([]any)
	if !ok || len(msgs) == 0 {
		return "", fmt.Errorf("openai: payload: messages: want a non-empty list of messages, got %s", describe(v))
	}
	var texts []string
	for i, m := range msgs {
		msg, ok := m.(map[string]any)
		if !ok {
			return "", fmt.Errorf("openai: payload: messages[%d]: want an object, got %s", i, describe(m))
		}
		role, ok := msg["role"].(string)
		if !ok || role == "" {
			return "", fmt.Errorf("openai: payload: messages[%d].role: want a non-empty string, got %s", i, describe(msg["role"]))
		}
		switch c := msg["content"].(type) {
		case string:
			texts = append(texts, c)
		case []any:
			var parts []string
			for j, part := range c {
				pm, ok := part.(map[string]any)
				if !ok {
					return "", fmt.Errorf("openai: payload: messages[%d].content[%d]: want an object, got %s", i, j, describe(part))
				}
				typ, ok := pm["type"].(string)
				if !ok || typ == "" {
					return "", fmt.Errorf("openai: payload: messages[%d].content[%d].type: want a non-empty string, got %s", i, j, describe(pm["type"]))
				}
				if typ == "text" {
					t, ok := pm["text"].(string)
					if !ok {
						return "", fmt.Errorf("openai: payload: messages[%d].content[%d].text: want a string, got %s", i, j, describe(pm["text"]))
					}
					parts = append(parts, t)
				}
			}
			texts = append(texts, strings.Join(parts, "\n"))
		case nil:
			if _, calls := msg["tool_calls"]; role == "assistant" && calls {
				continue
			}
			return "", fmt.Errorf("openai: payload: messages[%d].content: want a string or a list of parts, got %s", i, describe(msg["content"]))
		default:
			return "", fmt.Errorf("openai: payload: messages[%d].content: want a string or a list of parts, got %s", i, describe(c))
		}
	}
	return strings.Join(texts, "\n"), nil
}

// completionPrompt validates "prompt" and returns its text.
func completionPrompt(q map[string]any) (string, error) {
	v, ok := q["prompt"]
	if !ok {
		return "", errors.New("openai: payload: prompt: missing")
	}
	switch p := v.(type) {
	case string:
		return p, nil
	case []any:
		if len(p) == 0 {
			return "", errors.New("openai: payload: prompt: want a string or a non-empty list of strings, got an empty list")
		}
		texts := make([]string, len(p))
		for i, e := range p {
			s, ok := e.(string)
			if !ok {
				return "", fmt.Errorf("openai: payload: prompt[%d]: want a string, got %s", i, describe(e))
			}
			texts[i] = s
		}
		return strings.Join(texts, "\n"), nil
	}
	return "", fmt.Errorf("openai: payload: prompt: want a string or a non-empty list of strings, got %s", describe(v))
}

// describe names the JSON type of a decoded value, for error messages; it
// never quotes the value, which could be long or private.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null or nothing"
	case string:
		if v == "" {
			return "an empty string"
		}
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "the number " + string(v)
	case map[string]any:
		return "an object"
	case []any:
		if len(v) == 0 {
			return "an empty list"
		}
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}
