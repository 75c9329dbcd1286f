package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/jsonval"
)

// Prepare validates a payload for the Endpoint's API and encodes the
// request body. It implements [endpoints.Endpoint]; it does not keep or
// modify p.
//
// For Chat, "messages" must be a non-empty list of objects, each with a
// string "role" and a "content" that is a string or a list of parts (an
// assistant message with "tool_calls" may have no content). For
// Completions, "prompt" must be a string or a non-empty list of strings.
// For both, "max_tokens" and "max_completion_tokens", when present, must be
// positive whole numbers. For every API, "model" must be a non-empty
// string, "stream" a boolean and "stream_options" an object.
//
// Prepare sets "model" to Config.Model when the payload has none (an error
// if Config.Model is empty too). The payload's "stream" decides whether the
// response is streamed; when it is absent, Prepare sets "stream": true.
// For Chat and Completions, when streaming, it sets "stream_options":
// {"include_usage": true}, unless the payload has "stream_options" already,
// so that the server reports token usage at the end of the stream.
//
// For Responses, "input" must be a non-empty string or a non-empty list of
// input items: a message (an item with a "role", or of type "message") has
// a non-empty string "role" and a "content" that is a string or a list of
// parts, each with a non-empty string "type"; the text of "input_text",
// "text" and "output_text" parts must be a string. Items of other types
// (function_call_output, reasoning, item_reference and others) are sent as
// they are. "instructions", when present, must be a string, "reasoning" an
// object, and "max_output_tokens" a positive whole number. Prepare sets no
// "stream_options" for Responses: its stream reports usage at the end
// unasked.
//
// The returned Request's Payload is the payload as sent, a copy; its Prompt
// is the text of the messages (or the prompts) joined with "\n"; for
// Responses, the instructions followed by the text of the input's
// messages, joined with "\n" (parts that hold no text, such as images, and
// items that are not messages add nothing).
func (e *Endpoint) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	if p == nil {
		return nil, errors.New("openai: payload: empty")
	}
	q, err := jsonval.Decode(p)
	if err != nil {
		return nil, fmt.Errorf("openai: payload: %w", err)
	}

	var prompt string
	limits := []string{"max_tokens", "max_completion_tokens"}
	switch e.api {
	case Completions:
		prompt, err = completionPrompt(q)
	case Responses:
		prompt, err = responsesPrompt(q)
		limits = []string{"max_output_tokens"}
	default:
		prompt, err = chatPrompt(q)
	}
	if err != nil {
		return nil, err
	}
	for _, key := range limits {
		if v, ok := q[key]; ok {
			if n, ok := jsonval.Int(v); !ok || n <= 0 {
				return nil, fmt.Errorf("openai: payload: %s: want a positive whole number, got %s", key, jsonval.Describe(v))
			}
		}
	}

	if err := jsonval.SetModel(q, e.model); err != nil {
		return nil, fmt.Errorf("openai: payload: %w", err)
	}
	stream, err := jsonval.SetStream(q)
	if err != nil {
		return nil, fmt.Errorf("openai: payload: %w", err)
	}
	if so, ok := q["stream_options"]; ok && so != nil {
		if _, ok := so.(map[string]any); !ok {
			return nil, fmt.Errorf("openai: payload: stream_options: want an object, got %s", jsonval.Describe(so))
		}
	} else if stream && e.api != Responses {
		// The Responses API reports usage in its final event unasked.
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
		return "", fmt.Errorf("openai: payload: messages: want a non-empty list of messages, got %s", jsonval.Describe(v))
	}
	var texts []string
	for i, m := range msgs {
		msg, ok := m.(map[string]any)
		if !ok {
			return "", fmt.Errorf("openai: payload: messages[%d]: want an object, got %s", i, jsonval.Describe(m))
		}
		role, ok := msg["role"].(string)
		if !ok || role == "" {
			return "", fmt.Errorf("openai: payload: messages[%d].role: want a non-empty string, got %s", i, jsonval.Describe(msg["role"]))
		}
		switch c := msg["content"].(type) {
		case string:
			texts = append(texts, c)
		case []any:
			var parts []string
			for j, part := range c {
				pm, ok := part.(map[string]any)
				if !ok {
					return "", fmt.Errorf("openai: payload: messages[%d].content[%d]: want an object, got %s", i, j, jsonval.Describe(part))
				}
				typ, ok := pm["type"].(string)
				if !ok || typ == "" {
					return "", fmt.Errorf("openai: payload: messages[%d].content[%d].type: want a non-empty string, got %s", i, j, jsonval.Describe(pm["type"]))
				}
				if typ == "text" {
					t, ok := pm["text"].(string)
					if !ok {
						return "", fmt.Errorf("openai: payload: messages[%d].content[%d].text: want a string, got %s", i, j, jsonval.Describe(pm["text"]))
					}
					parts = append(parts, t)
				}
			}
			texts = append(texts, strings.Join(parts, "\n"))
		case nil:
			if _, calls := msg["tool_calls"]; role == "assistant" && calls {
				continue
			}
			return "", fmt.Errorf("openai: payload: messages[%d].content: want a string or a list of parts, got %s", i, jsonval.Describe(msg["content"]))
		default:
			return "", fmt.Errorf("openai: payload: messages[%d].content: want a string or a list of parts, got %s", i, jsonval.Describe(c))
		}
	}
	return strings.Join(texts, "\n"), nil
}

// responsesPrompt validates the Responses API's "input" and
// "instructions" (and "reasoning") and returns their text.
func responsesPrompt(q map[string]any) (string, error) {
	var texts []string
	switch v := q["instructions"].(type) {
	case nil:
	case string:
		if v != "" {
			texts = append(texts, v)
		}
	default:
		return "", fmt.Errorf("openai: payload: instructions: want a string, got %s", jsonval.Describe(v))
	}
	if r, ok := q["reasoning"]; ok && r != nil {
		if _, ok := r.(map[string]any); !ok {
			return "", fmt.Errorf("openai: payload: reasoning: want an object, got %s", jsonval.Describe(r))
		}
	}

	v, ok := q["input"]
	if !ok {
		if _, chat := q["messages"]; chat {
			return "", errors.New(`openai: payload: input: missing (the payload has "messages", as Config.API "chat" expects)`)
		}
		return "", errors.New("openai: payload: input: missing")
	}
	const want = "a non-empty string or a non-empty list of input items"
	switch in := v.(type) {
	case string:
		if in == "" {
			return "", fmt.Errorf("openai: payload: input: want %s, got an empty string", want)
		}
		texts = append(texts, in)
	case []any:
		if len(in) == 0 {
			return "", fmt.Errorf("openai: payload: input: want %s, got an empty list", want)
		}
		for i, item := range in {
			t, isMsg, err := inputItem(i, item)
			if err != nil {
				return "", err
			}
			if isMsg {
				texts = append(texts, t)
			}
		}
	default:
		return "", fmt.Errorf("openai: payload: input: want %s, got %s", want, jsonval.Describe(v))
	}
	return strings.Join(texts, "\n"), nil
}

// inputItem validates element i of a Responses API "input" list and
// returns its text, and whether it is a message.
func inputItem(i int, v any) (text string, isMsg bool, err error) {
	item, ok := v.(map[string]any)
	if !ok {
		return "", false, fmt.Errorf("openai: payload: input[%d]: want an object, got %s", i, jsonval.Describe(v))
	}
	typ, hasType := item["type"]
	if hasType && typ != nil {
		s, ok := typ.(string)
		if !ok || s == "" {
			return "", false, fmt.Errorf("openai: payload: input[%d].type: want a non-empty string, got %s", i, jsonval.Describe(typ))
		}
		if s != "message" {
			return "", false, nil // another kind of item, sent as it is
		}
	} else if _, ok := item["role"]; !ok {
		return "", false, fmt.Errorf(`openai: payload: input[%d]: want a message with a "role" or an item with a "type"`, i)
	}
	role, ok := item["role"].(string)
	if !ok || role == "" {
		return "", false, fmt.Errorf("openai: payload: input[%d].role: want a non-empty string, got %s", i, jsonval.Describe(item["role"]))
	}
	switch c := item["content"].(type) {
	case string:
		return c, true, nil
	case []any:
		var parts []string
		for j, part := range c {
			pm, ok := part.(map[string]any)
			if !ok {
				return "", false, fmt.Errorf("openai: payload: input[%d].content[%d]: want an object, got %s", i, j, jsonval.Describe(part))
			}
			pt, ok := pm["type"].(string)
			if !ok || pt == "" {
				return "", false, fmt.Errorf("openai: payload: input[%d].content[%d].type: want a non-empty string, got %s", i, j, jsonval.Describe(pm["type"]))
			}
			switch pt {
			case "input_text", "text", "output_text":
				t, ok := pm["text"].(string)
				if !ok {
					return "", false, fmt.Errorf("openai: payload: input[%d].content[%d].text: want a string, got %s", i, j, jsonval.Describe(pm["text"]))
				}
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, "\n"), true, nil
	}
	return "", false, fmt.Errorf("openai: payload: input[%d].content: want a string or a list of parts, got %s", i, jsonval.Describe(item["content"]))
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
				return "", fmt.Errorf("openai: payload: prompt[%d]: want a string, got %s", i, jsonval.Describe(e))
			}
			texts[i] = s
		}
		return strings.Join(texts, "\n"), nil
	}
	return "", fmt.Errorf("openai: payload: prompt: want a string or a non-empty list of strings, got %s", jsonval.Describe(v))
}
