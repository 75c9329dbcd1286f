package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/jsonval"
	"github.com/llmtest/llmtest/internal/redact"
)

// Endpoint is an in-process [endpoints.Endpoint] served by a [Model]: no
// network, no encoding, just the model's pacing, capacity and faults. It is
// safe for concurrent use; every Invoke draws the next [Plan] of its model.
type Endpoint struct {
	m *Model
}

var _ endpoints.Endpoint = (*Endpoint)(nil)

// New returns an in-process endpoint over a new model with cfg. It fails,
// with an error naming the field, when cfg is invalid (see
// [Config.Validate]).
func New(cfg Config) (*Endpoint, error) {
	m, err := NewModel(cfg)
	if err != nil {
		return nil, err
	}
	return NewEndpoint(m), nil
}

// NewEndpoint returns an in-process endpoint over m. Several endpoints (and
// an HTTP server) may share one model, and with it its capacity, its queue
// and its sequence of plans.
func NewEndpoint(m *Model) *Endpoint { return &Endpoint{m: m} }

// Model returns the model that serves the endpoint.
func (e *Endpoint) Model() *Model { return e.m }

// Info returns Provider "sim", the configured model name and Name
// "in-process"; URL is empty.
func (e *Endpoint) Info() endpoints.Info {
	return endpoints.Info{Provider: "sim", Model: e.m.cfg.Model, Name: "in-process"}
}

// request is a payload as Prepare parsed it, kept in endpoints.Request.Data.
type request struct {
	inputTokens int  // whitespace words of the prompt
	maxTokens   int  // 0: draw from the configured distribution
	stream      bool // stream chunks rather than complete at once
}

// Prepare parses an OpenAI-style chat or completions payload (see the
// package documentation for the accepted shapes). The prompt is the text of
// all messages (or prompts) joined with "\n"; its whitespace word count,
// plus [MediaTokens] per image, audio or file part, is the request's input
// tokens. "stream" defaults to true, unlike OpenAI's
// API. Other fields, "model" included, are ignored. An invalid payload is an
// error naming the field, like
//
//	sim: payload: "max_tokens" must be a positive whole number, got -3
//
// Prepare does not block and does not keep or modify p.
func (e *Endpoint) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	prompt, r, err := parsePayload(p)
	if err != nil {
		return nil, err
	}
	return &endpoints.Request{
		Payload: p.Clone(),
		Prompt:  prompt,
		Stream:  r.stream,
		Data:    &r,
	}, nil
}

// Invoke runs req on the model: it draws a Plan, reports the plan's ID, then
// runs [Model.Generate], which blocks for the simulated latency (and while
// queued for capacity). A streaming request reports each chunk with
// rec.Text as it is due; a non-streaming one reports the whole text with
// rec.Complete when the response would end. A completed request then
// reports the plan's token counts with rec.Usage. A failed request returns
// Generate's error ([ErrOverloaded], an [*InjectedError] or a wrapped
// ctx.Err()); chunks streamed before a mid-stream failure stay reported.
// Invoke never reads a clock and allocates nothing per chunk.
func (e *Endpoint) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	r, ok := req.Data.(*request)
	if !ok {
		return errors.New("sim: request was not prepared by sim.Endpoint.Prepare")
	}
	plan := e.m.Plan(r.inputTokens, r.maxTokens)
	rec.ID(plan.ID)
	if r.stream {
		err := e.m.Generate(ctx, plan, func(chunk string) error {
			rec.Text(chunk)
			return nil
		})
		if err != nil {
			return err
		}
	} else {
		if err := e.m.Generate(ctx, plan, nil); err != nil {
			return err
		}
		rec.Complete(e.m.Text(plan))
	}
	rec.Usage(endpoints.Usage{InputTokens: plan.InputTokens, OutputTokens: plan.OutputTokens})
	return nil
}

// parsePayload extracts the prompt, its token count, the max tokens and the
// stream flag from an OpenAI chat or completions payload. An HTTP server
// over the same model parses its request bodies with it too.
func parsePayload(p endpoints.Payload) (string, request, error) {
	r := request{stream: true}
	msgs, chat := present(p, "messages")
	prompt, completion := present(p, "prompt")
	var c content
	var err error
	switch {
	case chat && completion:
		return "", r, errors.New(`sim: payload: "messages" and "prompt" are mutually exclusive`)
	case chat:
		c, err = messagesContent(msgs)
	case completion:
		c.text, err = promptText(prompt)
	default:
		return "", r, errors.New(`sim: payload: "messages" or "prompt" is required`)
	}
	if err != nil {
		return "", r, err
	}
	text := c.text
	r.inputTokens = promptTokens([]string{text}, c.media)

	// vLLM's rule: max_completion_tokens wins over the older max_tokens.
	for _, key := range []string{"max_tokens", "max_completion_tokens"} {
		v, ok := present(p, key)
		if !ok {
			continue
		}
		n, ok := jsonval.Int(v)
		if !ok || n <= 0 {
			return "", r, fmt.Errorf("sim: payload: %q must be a positive whole number, got %s", key, show(v))
		}
		r.maxTokens = n
	}
	if v, ok := present(p, "stream"); ok {
		b, ok := v.(bool)
		if !ok {
			return "", r, fmt.Errorf(`sim: payload: "stream" must be a boolean, got %s`, show(v))
		}
		r.stream = b
	}
	return text, r, nil
}

// present returns p[key] and whether it is there and not null.
func present(p endpoints.Payload, key string) (any, bool) {
	v, ok := p[key]
	return v, ok && v != nil
}

// messagesContent reads the messages of a chat request: their text
// joined with "\n", and their media parts.
func messagesContent(v any) (content, error) {
	var c content
	msgs, ok := list(v)
	if !ok {
		return c, fmt.Errorf(`sim: payload: "messages" must be a list of messages, got %s`, show(v))
	}
	if len(msgs) == 0 {
		return c, errors.New(`sim: payload: "messages" must not be empty`)
	}
	texts := make([]string, len(msgs))
	for i, mv := range msgs {
		field := "messages[" + strconv.Itoa(i) + "]"
		msg, ok := object(mv)
		if !ok {
			return c, fmt.Errorf("sim: payload: %s: must be an object with \"role\" and \"content\", got %s", field, show(mv))
		}
		if role, ok := msg["role"].(string); !ok || role == "" {
			return c, fmt.Errorf("sim: payload: %s.role: must be a non-empty string, got %s", field, show(msg["role"]))
		}
		mc, err := parseContent(field+".content", msg["content"], chatParts)
		if err != nil {
			return c, err
		}
		texts[i] = mc.text
		c.media += mc.media
	}
	c.text = strings.Join(texts, "\n")
	return c, nil
}

// promptText returns a completions prompt: a string, or a non-empty list of
// strings joined with "\n".
func promptText(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	items, ok := list(v)
	if !ok {
		return "", fmt.Errorf(`sim: payload: "prompt" must be a string or a list of strings, got %s`, show(v))
	}
	if len(items) == 0 {
		return "", errors.New(`sim: payload: "prompt" must not be an empty list`)
	}
	texts := make([]string, len(items))
	for i, iv := range items {
		s, ok := iv.(string)
		if !ok {
			return "", fmt.Errorf("sim: payload: prompt[%d]: must be a string, got %s", i, show(iv))
		}
		texts[i] = s
	}
	return strings.Join(texts, "\n"), nil
}

// list returns v as a list when it is one of the slice types a payload
// holds.
func list(v any) ([]any, bool) {
	switch s := v.(type) {
	case []any:
		return s, true
	case []map[string]any:
		out := make([]any, len(s))
		for i, e := range s {
			out[i] = e
		}
		return out, true
	case []endpoints.Payload:
		out := make([]any, len(s))
		for i, e := range s {
			out[i] = e
		}
		return out, true
	case []string:
		out := make([]any, len(s))
		for i, e := range s {
			out[i] = e
		}
		return out, true
	}
	return nil, false
}

// object returns v as a JSON object when it is one of the map types a
// payload holds.
func object(v any) (map[string]any, bool) {
	switch o := v.(type) {
	case map[string]any:
		return o, true
	case endpoints.Payload:
		return o, true
	case map[string]string:
		m := make(map[string]any, len(o))
		for k, e := range o {
			m[k] = e
		}
		return m, true
	}
	return nil, false
}

// show renders a payload value for an error message, as JSON when it can,
// shortened to 64 bytes.
func show(v any) string {
	if v == nil {
		return "null"
	}
	s := fmt.Sprint(v)
	if b, err := json.Marshal(v); err == nil {
		s = string(b)
	}
	return redact.Truncate(s, 64)
}
