package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/jsonval"
)

// This file holds Anthropic's Messages wire format: the request fields the
// server reads, the event stream, the message body and the error body.

// ThinkingTokens is the most tokens of the thinking block the HTTP server
// streams before the text of a /v1/messages response when the request
// enables extended thinking, and of the reasoning summary before the
// message of a /v1/responses response when the request asks for one. The
// block holds min(ThinkingTokens, budget_tokens, output tokens − 1) tokens
// (the summary min(ThinkingTokens, output tokens − 1)), the first ones of
// the response's output; see the package documentation.
const ThinkingTokens = 8

// thinkingSignature is the signature of every simulated thinking block
// (base64 of "simulated thinking"); clients keep it opaque.
const thinkingSignature = "c2ltdWxhdGVkIHRoaW5raW5n"

// anthropicCall is a Messages request as the server reads it.
type anthropicCall struct {
	inputTokens int
	maxTokens   int  // the required max_tokens: a limit, not a length
	stream      bool // false when absent
	budget      int  // thinking.budget_tokens; 0 when thinking is off
}

// parseAnthropic reads a Messages request: "messages", a non-empty list of
// {"role": "user" or "assistant", "content": c} where c is a string or a
// list of {"type": "text", "text": string}, image and document blocks
// (see parseContent); "system", a string or a list of text blocks; "max_tokens", a required positive whole number;
// "stream", a boolean; "thinking", {"type": "enabled", "budget_tokens": n}
// with 0 < n < max_tokens, or {"type": "disabled"}. The prompt is the
// system text and the messages' texts joined with "\n", plus MediaTokens
// per image and document (a text document is text). Other fields,
// "model" included, are ignored; null counts as absent.
func parseAnthropic(p endpoints.Payload) (anthropicCall, error) {
	var c anthropicCall
	var texts []string
	media := 0
	if v, ok := present(p, "system"); ok {
		sc, err := parseContent("system", v, textParts)
		if err != nil {
			return c, err
		}
		texts = append(texts, sc.text)
	}
	v, ok := present(p, "messages")
	if !ok {
		return c, errors.New(`sim: payload: "messages" is required`)
	}
	msgs, ok := list(v)
	if !ok {
		return c, fmt.Errorf(`sim: payload: "messages" must be a list of messages, got %s`, show(v))
	}
	if len(msgs) == 0 {
		return c, errors.New(`sim: payload: "messages" must not be empty`)
	}
	for i, mv := range msgs {
		field := "messages[" + strconv.Itoa(i) + "]"
		msg, ok := object(mv)
		if !ok {
			return c, fmt.Errorf("sim: payload: %s: must be an object with \"role\" and \"content\", got %s", field, show(mv))
		}
		if role, _ := msg["role"].(string); role != "user" && role != "assistant" {
			return c, fmt.Errorf(`sim: payload: %s.role: must be "user" or "assistant", got %s`, field, show(msg["role"]))
		}
		content, ok := present(msg, "content")
		if !ok {
			return c, fmt.Errorf("sim: payload: %s.content: is required", field)
		}
		mc, err := parseContent(field+".content", content, anthropicParts)
		if err != nil {
			return c, err
		}
		texts = append(texts, mc.text)
		media += mc.media
	}
	c.inputTokens = promptTokens(texts, media)

	v, ok = present(p, "max_tokens")
	if !ok {
		return c, errors.New(`sim: payload: "max_tokens" is required`)
	}
	n, ok := jsonval.Int(v)
	if !ok || n <= 0 {
		return c, fmt.Errorf(`sim: payload: "max_tokens" must be a positive whole number, got %s`, show(v))
	}
	c.maxTokens = n

	if v, ok := present(p, "stream"); ok {
		b, ok := v.(bool)
		if !ok {
			return c, fmt.Errorf(`sim: payload: "stream" must be a boolean, got %s`, show(v))
		}
		c.stream = b
	}

	if v, ok := present(p, "thinking"); ok {
		th, ok := object(v)
		if !ok {
			return c, fmt.Errorf(`sim: payload: "thinking" must be an object, got %s`, show(v))
		}
		switch typ, _ := th["type"].(string); typ {
		case "disabled":
		case "enabled":
			b, ok := jsonval.Int(th["budget_tokens"])
			if !ok || b <= 0 || b >= c.maxTokens {
				return c, fmt.Errorf(`sim: payload: "thinking.budget_tokens" must be a whole number in [1, max_tokens), got %s`, show(th["budget_tokens"]))
			}
			c.budget = b
		default:
			return c, fmt.Errorf(`sim: payload: "thinking.type" must be "enabled" or "disabled", got %s`, show(th["type"]))
		}
	}
	return c, nil
}

// thinkingTokens is the length of the thinking block of a response of p:
// min(ThinkingTokens, budget, p.OutputTokens−1), so at least one token of
// text follows; 0 means no thinking block.
func thinkingTokens(c *anthropicCall, p *Plan) int {
	if c.budget <= 0 {
		return 0
	}
	return max(0, min(ThinkingTokens, c.budget, p.OutputTokens-1))
}

// anthropicStop is the stop_reason of a completed message: "max_tokens"
// when the output reached max_tokens, else "end_turn".
func anthropicStop(c *anthropicCall, p *Plan) string {
	if p.OutputTokens >= c.maxTokens {
		return "max_tokens"
	}
	return "end_turn"
}

// appendMessageID appends the message id, "msg_sim_<Seq>".
func appendMessageID(dst []byte, p *Plan) []byte {
	dst = append(dst, `"msg_sim_`...)
	dst = strconv.AppendUint(dst, p.Seq, 10)
	return append(dst, '"')
}

// appendMessageHead appends the members a message starts with, up to its
// content: `"id":…,"type":"message","role":"assistant","model":…,`.
func appendMessageHead(dst []byte, p *Plan, model string) []byte {
	dst = append(dst, `"id":`...)
	dst = appendMessageID(dst, p)
	dst = append(dst, `,"type":"message","role":"assistant","model":`...)
	dst = appendString(dst, model)
	return append(dst, ',')
}

// appendEvent appends the start of an event of type typ, up to its data's
// type member included: `event: typ\ndata: {"type":"typ"`.
func appendEvent(dst []byte, typ string) []byte {
	dst = append(dst, "event: "...)
	dst = append(dst, typ...)
	dst = append(dst, "\ndata: {\"type\":\""...)
	dst = append(dst, typ...)
	return append(dst, '"')
}

// beginAnthropicStream prepares x to encode the events of a Messages
// stream whose first think tokens are thinking.
func (x *exchange) beginAnthropicStream(think int) {
	x.sse, x.think = true, think
	x.textIdx = '0'
	if think > 0 {
		x.textIdx = '1'
	}
}

// emitAnthropic appends the events of one chunk (the model's Emit hook):
// before the first, message_start, the first block's content_block_start
// and a ping; a chunk's first x.think tokens as thinking_delta events, the
// rest as text_delta, closing the thinking block (signature_delta,
// content_block_stop) and opening the text block between the two. The
// visible text does not start with a space. It allocates nothing once buf
// has grown.
func (x *exchange) emitAnthropic(chunk string) error {
	x.chunks++
	if !x.begun {
		x.anthropicStart()
	}
	if x.think > 0 {
		k := chunkTokens(chunk)
		cut := len(chunk)
		if k > x.think {
			cut = tokenCut(chunk, x.think)
			k = x.think
		}
		x.buf = appendEvent(x.buf, "content_block_delta")
		x.buf = append(x.buf, `,"index":0,"delta":{"type":"thinking_delta","thinking":`...)
		x.buf = appendString(x.buf, chunk[:cut])
		x.buf = append(x.buf, "}}\n\n"...)
		x.think -= k
		chunk = chunk[cut:]
		if chunk == "" {
			return nil
		}
	}
	if !x.textOn {
		x.anthropicText()
		chunk = strings.TrimPrefix(chunk, " ")
	}
	x.buf = appendEvent(x.buf, "content_block_delta")
	x.buf = append(x.buf, `,"index":`...)
	x.buf = append(x.buf, x.textIdx)
	x.buf = append(x.buf, `,"delta":{"type":"text_delta","text":`...)
	x.buf = appendString(x.buf, chunk)
	x.buf = append(x.buf, "}}\n\n"...)
	return nil
}

// anthropicStart appends message_start (from x.head), the first block's
// content_block_start and a ping.
func (x *exchange) anthropicStart() {
	x.begun = true
	x.buf = append(x.buf, x.head...)
	if x.think > 0 {
		x.buf = appendEvent(x.buf, "content_block_start")
		x.buf = append(x.buf, `,"index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}`+"\n\n"...)
	} else {
		x.anthropicText()
	}
	x.buf = appendEvent(x.buf, "ping")
	x.buf = append(x.buf, "}\n\n"...)
}

// anthropicText closes the thinking block, if there is one, and opens the
// text block.
func (x *exchange) anthropicText() {
	x.textOn = true
	if x.textIdx != '0' {
		x.buf = appendEvent(x.buf, "content_block_delta")
		x.buf = append(x.buf, `,"index":0,"delta":{"type":"signature_delta","signature":"`+thinkingSignature+`"}}`+"\n\n"...)
		x.buf = appendEvent(x.buf, "content_block_stop")
		x.buf = append(x.buf, `,"index":0}`+"\n\n"...)
	}
	x.buf = appendEvent(x.buf, "content_block_start")
	x.buf = append(x.buf, `,"index":`...)
	x.buf = append(x.buf, x.textIdx)
	x.buf = append(x.buf, `,"content_block":{"type":"text","text":""}}`+"\n\n"...)
}

// setAnthropicHead keeps the message_start event in x.head: it is written
// with the first chunk.
func (x *exchange) setAnthropicHead(p *Plan, model string) {
	x.head = appendEvent(x.head[:0], "message_start")
	x.head = append(x.head, `,"message":{`...)
	x.head = appendMessageHead(x.head, p, model)
	x.head = append(x.head, `"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":`...)
	x.head = strconv.AppendInt(x.head, int64(p.InputTokens), 10)
	x.head = append(x.head, `,"output_tokens":1}}}`+"\n\n"...)
}

// endAnthropicStream appends the end of a completed stream:
// content_block_stop, message_delta with the stop reason and the output
// tokens, message_stop.
func (x *exchange) endAnthropicStream(c *anthropicCall, p *Plan) {
	if !x.begun {
		x.anthropicStart()
	}
	if !x.textOn {
		x.anthropicText()
	}
	x.buf = appendEvent(x.buf, "content_block_stop")
	x.buf = append(x.buf, `,"index":`...)
	x.buf = append(x.buf, x.textIdx)
	x.buf = append(x.buf, "}\n\n"...)
	x.buf = appendEvent(x.buf, "message_delta")
	x.buf = append(x.buf, `,"delta":{"stop_reason":"`...)
	x.buf = append(x.buf, anthropicStop(c, p)...)
	x.buf = append(x.buf, `","stop_sequence":null},"usage":{"output_tokens":`...)
	x.buf = strconv.AppendInt(x.buf, int64(p.OutputTokens), 10)
	x.buf = append(x.buf, "}}\n\n"...)
	x.buf = appendEvent(x.buf, "message_stop")
	x.buf = append(x.buf, "}\n\n"...)
}

// appendMessageBody appends the whole non-streaming message: its content
// (a thinking block when thinking, then the text block) and its usage.
func appendMessageBody(dst []byte, c *anthropicCall, p *Plan, text string, model string) []byte {
	dst = append(dst, '{')
	dst = appendMessageHead(dst, p, model)
	dst = append(dst, `"content":[`...)
	if think := thinkingTokens(c, p); think > 0 {
		cut := tokenCut(text, think)
		dst = append(dst, `{"type":"thinking","thinking":`...)
		dst = appendString(dst, text[:cut])
		dst = append(dst, `,"signature":"`+thinkingSignature+`"},`...)
		text = strings.TrimPrefix(text[cut:], " ")
	}
	dst = append(dst, `{"type":"text","text":`...)
	dst = appendString(dst, text)
	dst = append(dst, `}],"stop_reason":"`...)
	dst = append(dst, anthropicStop(c, p)...)
	dst = append(dst, `","stop_sequence":null,"usage":{"input_tokens":`...)
	dst = strconv.AppendInt(dst, int64(p.InputTokens), 10)
	dst = append(dst, `,"output_tokens":`...)
	dst = strconv.AppendInt(dst, int64(p.OutputTokens), 10)
	return append(dst, "}}"...)
}

// appendAnthropicError appends an Anthropic error body:
// {"type":"error","error":{"type":…,"message":…}}.
func appendAnthropicError(dst []byte, status int, message string) []byte {
	typ := "invalid_request_error"
	switch status {
	case 401:
		typ = "authentication_error"
	case 404:
		typ = "not_found_error"
	case 413:
		typ = "request_too_large"
	case 429:
		typ = "rate_limit_error"
	case 500:
		typ = "api_error"
	}
	dst = append(dst, `{"type":"error","error":{"type":"`...)
	dst = append(dst, typ...)
	dst = append(dst, `","message":`...)
	dst = appendString(dst, message)
	return append(dst, "}}"...)
}

// chunkTokens counts the tokens of a chunk of the model's text: each token
// is a word, with one leading space unless it is the response's first, and
// words hold no spaces, so a token starts at index 0 and at every later
// space.
func chunkTokens(s string) int {
	if s == "" {
		return 0
	}
	n := strings.Count(s[1:], " ")
	return n + 1
}

// tokenCut returns the byte offset of the end of the first k tokens of a
// chunk (see chunkTokens): the k-th space after index 0, or len(s).
func tokenCut(s string, k int) int {
	for i := 1; i < len(s); i++ {
		if s[i] == ' ' {
			if k--; k == 0 {
				return i
			}
		}
	}
	return len(s)
}
