package sim

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/llmtest/llmtest/endpoints"
)

// This file holds the OpenAI wire format, as OpenAI, vLLM and SGLang serve
// it: the request fields the server reads, chat.completion(.chunk) and
// text_completion bodies, the model list and the error body.

// openaiCall is an OpenAI chat or completions request as the server reads
// it.
type openaiCall struct {
	request
	chat         bool // /v1/chat/completions, not /v1/completions
	includeUsage bool // stream_options.include_usage
}

// parseOpenAI reads a chat (chat true) or completions request: the payload
// shapes of [parsePayload], restricted to the route's own prompt field,
// with "stream" false when absent (OpenAI's default) and
// "stream_options": {"include_usage": bool}, allowed only when streaming.
func parseOpenAI(p endpoints.Payload, chat bool) (openaiCall, error) {
	c := openaiCall{chat: chat}
	want, other, route := "messages", "prompt", "/v1/completions"
	if !chat {
		want, other, route = "prompt", "messages", "/v1/chat/completions"
	}
	if _, ok := present(p, other); ok {
		return c, fmt.Errorf("sim: payload: %q is not a field of this route; send %q (or use %s)", other, want, route)
	}
	if _, ok := present(p, want); !ok {
		return c, fmt.Errorf("sim: payload: %q is required", want)
	}
	_, r, err := parsePayload(p)
	if err != nil {
		return c, err
	}
	if _, ok := present(p, "stream"); !ok {
		r.stream = false
	}
	c.request = r
	if v, ok := present(p, "stream_options"); ok {
		if !r.stream {
			return c, errors.New(`sim: payload: "stream_options" is only allowed when "stream" is true`)
		}
		opts, ok := object(v)
		if !ok {
			return c, fmt.Errorf(`sim: payload: "stream_options" must be an object, got %s`, show(v))
		}
		if u, ok := present(opts, "include_usage"); ok {
			b, ok := u.(bool)
			if !ok {
				return c, fmt.Errorf(`sim: payload: "stream_options.include_usage" must be a boolean, got %s`, show(u))
			}
			c.includeUsage = b
		}
	}
	return c, nil
}

// openaiFinish is the finish_reason of a completed response: "length" when
// the request fixed the output length with max tokens, else "stop".
func openaiFinish(c *openaiCall) string {
	if c.maxTokens > 0 {
		return "length"
	}
	return "stop"
}

// openaiObject returns the "object" of a chunk or of a whole response.
func openaiObject(chat, chunk bool) string {
	switch {
	case !chat:
		return "text_completion"
	case chunk:
		return "chat.completion.chunk"
	}
	return "chat.completion"
}

// appendOpenAIHead appends the members every body of the response starts
// with: `{"id":…,"object":…,"created":…,"model":…,`.
func appendOpenAIHead(dst []byte, id, object string, created int64, model string) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, id)
	dst = append(dst, `,"object":"`...)
	dst = append(dst, object...)
	dst = append(dst, `","created":`...)
	dst = strconv.AppendInt(dst, created, 10)
	dst = append(dst, `,"model":`...)
	dst = appendString(dst, model)
	return append(dst, ',')
}

// appendOpenAIUsage appends `"usage":{…}`.
func appendOpenAIUsage(dst []byte, p *Plan) []byte {
	dst = append(dst, `"usage":{"prompt_tokens":`...)
	dst = strconv.AppendInt(dst, int64(p.InputTokens), 10)
	dst = append(dst, `,"completion_tokens":`...)
	dst = strconv.AppendInt(dst, int64(p.OutputTokens), 10)
	dst = append(dst, `,"total_tokens":`...)
	dst = strconv.AppendInt(dst, int64(p.InputTokens+p.OutputTokens), 10)
	return append(dst, '}')
}

// beginOpenAIStream prepares x to encode the chunks of an OpenAI stream:
// the constant start and end of every chunk event are computed once here,
// so that a chunk is three appends and an escape.
func (x *exchange) beginOpenAIStream(c *openaiCall, p *Plan, created int64, model string) {
	x.sse, x.chat, x.usage = true, c.chat, c.includeUsage
	x.head = append(x.head[:0], "data: "...)
	x.head = appendOpenAIHead(x.head, p.ID, openaiObject(c.chat, true), created, model)
	x.head = append(x.head, `"choices":[{"index":0,`...)
	x.tail = `,"logprobs":null,"finish_reason":null}]}` + "\n\n"
	if x.usage {
		// OpenAI: with include_usage, every other chunk has "usage": null.
		x.tail = `,"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n"
	}
}

// emitOpenAI appends the event of one chunk of text (the model's Emit
// hook); before the first, a chat stream gets its role-only chunk. It
// allocates nothing once buf has grown.
func (x *exchange) emitOpenAI(text string) error {
	x.chunks++
	if !x.begun {
		x.openaiRole()
	}
	x.buf = append(x.buf, x.head...)
	if x.chat {
		x.buf = append(x.buf, `"delta":{"content":`...)
		x.buf = appendString(x.buf, text)
		x.buf = append(x.buf, '}')
	} else {
		x.buf = append(x.buf, `"text":`...)
		x.buf = appendString(x.buf, text)
	}
	x.buf = append(x.buf, x.tail...)
	return nil
}

// openaiRole appends the chunk a chat stream begins with, which carries the
// role and no text.
func (x *exchange) openaiRole() {
	x.begun = true
	if x.chat {
		x.buf = append(x.buf, x.head...)
		x.buf = append(x.buf, `"delta":{"role":"assistant","content":""}`...)
		x.buf = append(x.buf, x.tail...)
	}
}

// endOpenAIStream appends the end of a completed stream: the chunk with
// the finish reason, the usage chunk when asked for, and [DONE].
func (x *exchange) endOpenAIStream(c *openaiCall, p *Plan, created int64, model string) {
	if !x.begun {
		x.openaiRole()
	}
	x.buf = append(x.buf, x.head...)
	if x.chat {
		x.buf = append(x.buf, `"delta":{}`...)
	} else {
		x.buf = append(x.buf, `"text":""`...)
	}
	x.buf = append(x.buf, `,"logprobs":null,"finish_reason":"`...)
	x.buf = append(x.buf, openaiFinish(c)...)
	x.buf = append(x.buf, `"}]`...)
	if x.usage {
		x.buf = append(x.buf, `,"usage":null}`+"\n\n"...)
		x.buf = append(x.buf, "data: "...)
		x.buf = appendOpenAIHead(x.buf, p.ID, openaiObject(c.chat, true), created, model)
		x.buf = append(x.buf, `"choices":[],`...)
		x.buf = appendOpenAIUsage(x.buf, p)
	}
	x.buf = append(x.buf, "}\n\ndata: [DONE]\n\n"...)
}

// appendOpenAIBody appends the whole non-streaming response: a
// chat.completion or a text_completion with its usage.
func appendOpenAIBody(dst []byte, c *openaiCall, p *Plan, text string, created int64, model string) []byte {
	dst = appendOpenAIHead(dst, p.ID, openaiObject(c.chat, false), created, model)
	dst = append(dst, `"choices":[{"index":0,`...)
	if c.chat {
		dst = append(dst, `"message":{"role":"assistant","content":`...)
		dst = appendString(dst, text)
		dst = append(dst, '}')
	} else {
		dst = append(dst, `"text":`...)
		dst = appendString(dst, text)
	}
	dst = append(dst, `,"logprobs":null,"finish_reason":"`...)
	dst = append(dst, openaiFinish(c)...)
	dst = append(dst, `"}],`...)
	dst = appendOpenAIUsage(dst, p)
	return append(dst, '}')
}

// appendOpenAIModels appends the /v1/models list: the one model served.
func appendOpenAIModels(dst []byte, model string, created int64) []byte {
	dst = append(dst, `{"object":"list","data":[{"id":`...)
	dst = appendString(dst, model)
	dst = append(dst, `,"object":"model","created":`...)
	dst = strconv.AppendInt(dst, created, 10)
	return append(dst, `,"owned_by":"llmtest"}]}`...)
}

// appendOpenAIError appends an OpenAI error body:
// {"error":{"message":…,"type":…,"param":null,"code":…}}.
func appendOpenAIError(dst []byte, status int, message string) []byte {
	typ, code := "invalid_request_error", ""
	switch status {
	case 401:
		code = "invalid_api_key"
	case 404:
		code = "unknown_url"
	case 429:
		typ, code = "rate_limit_error", "rate_limit_exceeded"
	case 500:
		typ = "server_error"
	}
	dst = append(dst, `{"error":{"message":`...)
	dst = appendString(dst, message)
	dst = append(dst, `,"type":"`...)
	dst = append(dst, typ...)
	dst = append(dst, `","param":null,"code":`...)
	if code == "" {
		dst = append(dst, "null"...)
	} else {
		dst = appendString(dst, code)
	}
	return append(dst, "}}"...)
}
