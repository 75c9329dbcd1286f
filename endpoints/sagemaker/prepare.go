package sagemaker

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
	"github.com/llmtest/llmtest/endpoints/internal/jsonval"
)

// Prepare validates a payload, completes a copy of it and builds the SDK
// input of the operation it will be sent with, once: Invoke only reads
// it. It implements [endpoints.Endpoint]; it does not keep or modify p.
//
// The payload's style is Config.Style or, for Auto, OpenAI when the
// payload has "messages" and TGI when it has "inputs". A TGI payload needs
// "inputs", a non-empty string; its "parameters", when present, must be an
// object, and parameters.max_new_tokens a positive whole number. An OpenAI
// payload needs "messages", a non-empty list of objects each with a
// non-empty string "role" and a "content" that is a string, a list of
// parts or null; "max_tokens" and "max_completion_tokens", when present,
// must be positive whole numbers. Other fields are sent as they are. An
// error names the field at fault, such as "messages[1].role".
//
// The Request's Stream is the payload's "stream" when it has one (it must
// be a boolean), else whether Config.API is
// InvokeEndpointWithResponseStream; it selects the operation. Prepare sets
// "stream" in the body when the payload has none, so that the model server
// streams exactly when the operation does, and, for an OpenAI payload that
// streams without "stream_options", adds "stream_options":
// {"include_usage": true} so that the server reports token counts. The
// Request's Payload is that completed copy, its Body the JSON sent, and
// its Prompt the payload's text: "inputs", or the messages' string
// contents and text parts joined with "\n".
func (e *Endpoint) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	q, raw, err := awsrt.DecodePayload("sagemaker", p)
	if err != nil {
		return nil, err
	}

	style := e.cfg.Style
	if style == Auto {
		switch {
		case q["messages"] != nil:
			style = OpenAI
		case q["inputs"] != nil:
			style = TGI
		default:
			return nil, errors.New(`sagemaker: payload: want "inputs" (TGI style) or "messages" (OpenAI style), or set Config.Style`)
		}
	}

	stream, present, err := awsrt.StreamFlag("sagemaker", q, e.api == InvokeEndpointWithResponseStream)
	if err != nil {
		return nil, err
	}
	changed := false
	if !present {
		q["stream"] = stream
		changed = true
	}

	var prompt string
	ps := e.tgi
	if style == TGI {
		if prompt, err = checkTGI(q); err != nil {
			return nil, err
		}
	} else {
		ps = e.openai
		if prompt, err = checkOpenAI(q); err != nil {
			return nil, err
		}
		if stream && q["stream_options"] == nil {
			q["stream_options"] = map[string]any{"include_usage": true}
			changed = true
		}
	}
	if changed {
		if raw, err = json.Marshal(q); err != nil {
			return nil, fmt.Errorf("sagemaker: payload: %w", err)
		}
	}

	req := &endpoints.Request{Payload: endpoints.Payload(q), Prompt: prompt, Body: raw, Stream: stream}
	data := &prepared{style: style, paths: ps}
	c := &e.cfg
	if stream {
		data.stream = &sagemakerruntime.InvokeEndpointWithResponseStreamInput{
			EndpointName:           aws.String(c.EndpointName),
			Body:                   raw,
			ContentType:            aws.String(c.ContentType),
			Accept:                 optional(c.Accept),
			CustomAttributes:       optional(c.CustomAttributes),
			InferenceComponentName: optional(c.InferenceComponentName),
			TargetVariant:          optional(c.TargetVariant),
		}
	} else {
		data.invoke = &sagemakerruntime.InvokeEndpointInput{
			EndpointName:           aws.String(c.EndpointName),
			Body:                   raw,
			ContentType:            aws.String(c.ContentType),
			Accept:                 optional(c.Accept),
			CustomAttributes:       optional(c.CustomAttributes),
			InferenceComponentName: optional(c.InferenceComponentName),
			TargetVariant:          optional(c.TargetVariant),
		}
	}
	req.Data = data
	return req, nil
}

// optional returns nil for an empty string, so that no header is sent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// checkTGI validates a TGI payload and returns its prompt.
func checkTGI(q map[string]any) (string, error) {
	v, ok := q["inputs"]
	if !ok || v == nil {
		return "", errors.New("sagemaker: payload: inputs: missing (the TGI style needs it)")
	}
	inputs, ok := v.(string)
	if !ok || inputs == "" {
		return "", fieldError("inputs", "want a non-empty string, got %s", describe(v))
	}
	if v, ok := q["parameters"]; ok && v != nil {
		params, ok := v.(map[string]any)
		if !ok {
			return "", fieldError("parameters", "want an object, got %s", describe(v))
		}
		if err := positive("parameters.max_new_tokens", params["max_new_tokens"]); err != nil {
			return "", err
		}
	}
	return inputs, nil
}

// checkOpenAI validates an OpenAI payload and returns its prompt.
func checkOpenAI(q map[string]any) (string, error) {
	v, ok := q["messages"]
	if !ok || v == nil {
		return "", errors.New("sagemaker: payload: messages: missing (the OpenAI style needs it)")
	}
	msgs, ok := v.([]any)
	if !ok || len(msgs) == 0 {
		return "", fieldError("messages", "want a non-empty list of messages, got %s", describe(v))
	}
	var texts []string
	for i, m := range msgs {
		field := fmt.Sprintf("messages[%d]", i)
		msg, ok := m.(map[string]any)
		if !ok {
			return "", fieldError(field, "want an object, got %s", describe(m))
		}
		if role, ok := msg["role"].(string); !ok || role == "" {
			return "", fieldError(field+".role", "want a non-empty string, got %s", describe(msg["role"]))
		}
		switch c := msg["content"].(type) {
		case nil:
		case string:
			if c != "" {
				texts = append(texts, c)
			}
		case []any:
			for j, part := range c {
				pm, ok := part.(map[string]any)
				if !ok {
					return "", fieldError(fmt.Sprintf("%s.content[%d]", field, j), "want an object, got %s", describe(part))
				}
				if t, ok := pm["text"].(string); ok && t != "" {
					texts = append(texts, t)
				}
			}
		default:
			return "", fieldError(field+".content", "want a string, a list of parts or null, got %s", describe(c))
		}
	}
	for _, f := range []string{"max_tokens", "max_completion_tokens"} {
		if err := positive(f, q[f]); err != nil {
			return "", err
		}
	}
	if v, ok := q["stream_options"]; ok && v != nil {
		if _, ok := v.(map[string]any); !ok {
			return "", fieldError("stream_options", "want an object, got %s", describe(v))
		}
	}
	return strings.Join(texts, "\n"), nil
}

// positive checks that v, when present, is a positive whole number.
func positive(field string, v any) error {
	if v == nil {
		return nil
	}
	if n, ok := jsonval.Int(v); !ok || n <= 0 {
		return fieldError(field, "want a positive whole number, got %s", describe(v))
	}
	return nil
}

// fieldError is a payload error naming its field.
func fieldError(field, format string, args ...any) error {
	return awsrt.FieldError("sagemaker", field, format, args...)
}

// describe names the JSON type of a decoded value, for error messages.
func describe(v any) string { return jsonval.Describe(v) }
