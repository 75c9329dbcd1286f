package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/jsonval"
)

// This file holds OpenAI's Responses API wire format: the request fields
// the server reads, the response object, the event stream and the ids.

// responsesCall is a Responses API request as the server reads it.
type responsesCall struct {
	inputTokens int
	maxTokens   int  // max_output_tokens, which fixes the length; 0 when absent
	stream      bool // false when absent
	summary     bool // reasoning.summary asks for a reasoning summary
}

// parseResponses reads a Responses API request: "input", a non-empty string
// or a non-empty list of message items ({"type": "message"} or no type,
// with a non-empty string "role" and a "content" that is a string or a list
// of {"type": "input_text" or "output_text", "text": string},
// "input_image" and "input_file" parts, see parseContent);
// "instructions", a string; "max_output_tokens", a positive whole number;
// "stream", a boolean; "reasoning", an object whose "effort" is a string
// and whose "summary" (or "generate_summary", its deprecated name) is
// "auto", "concise" or "detailed", which asks for a reasoning summary
// unless "effort" is "none". The prompt is the instructions and the
// messages' texts joined with "\n", plus MediaTokens per image and file.
// "messages" and "prompt" are refused,
// naming the route they belong to. Other fields, "model" included, are
// ignored; null counts as absent.
func parseResponses(p endpoints.Payload) (responsesCall, error) {
	var c responsesCall
	for _, f := range [...]struct{ field, route string }{
		{"messages", "/v1/chat/completions"},
		{"prompt", "/v1/completions"},
	} {
		if _, ok := present(p, f.field); ok {
			return c, fmt.Errorf(`sim: payload: %q is not a field of this route; send "input" (or use %s)`, f.field, f.route)
		}
	}
	var texts []string
	media := 0
	if v, ok := present(p, "instructions"); ok {
		s, ok := v.(string)
		if !ok {
			return c, fmt.Errorf(`sim: payload: "instructions" must be a string, got %s`, show(v))
		}
		texts = append(texts, s)
	}
	v, ok := present(p, "input")
	if !ok {
		return c, errors.New(`sim: payload: "input" is required`)
	}
	if s, ok := v.(string); ok {
		if s == "" {
			return c, errors.New(`sim: payload: "input" must not be empty`)
		}
		texts = append(texts, s)
	} else {
		items, ok := list(v)
		if !ok {
			return c, fmt.Errorf(`sim: payload: "input" must be a string or a list of input items, got %s`, show(v))
		}
		if len(items) == 0 {
			return c, errors.New(`sim: payload: "input" must not be empty`)
		}
		for i, iv := range items {
			ic, err := inputItemContent(i, iv)
			if err != nil {
				return c, err
			}
			texts = append(texts, ic.text)
			media += ic.media
		}
	}
	c.inputTokens = promptTokens(texts, media)

	if v, ok := present(p, "max_output_tokens"); ok {
		n, ok := jsonval.Int(v)
		if !ok || n <= 0 {
			return c, fmt.Errorf(`sim: payload: "max_output_tokens" must be a positive whole number, got %s`, show(v))
		}
		c.maxTokens = n
	}
	if v, ok := present(p, "stream"); ok {
		b, ok := v.(bool)
		if !ok {
			return c, fmt.Errorf(`sim: payload: "stream" must be a boolean, got %s`, show(v))
		}
		c.stream = b
	}
	if v, ok := present(p, "reasoning"); ok {
		r, ok := object(v)
		if !ok {
			return c, fmt.Errorf(`sim: payload: "reasoning" must be an object, got %s`, show(v))
		}
		effort := ""
		if e, ok := present(r, "effort"); ok {
			if effort, ok = e.(string); !ok {
				return c, fmt.Errorf(`sim: payload: "reasoning.effort" must be a string, got %s`, show(e))
			}
		}
		// "generate_summary" is the deprecated name of "summary".
		for _, key := range [...]string{"generate_summary", "summary"} {
			s, ok := present(r, key)
			if !ok {
				continue
			}
			switch s {
			case "auto", "concise", "detailed":
				c.summary = effort != "none"
			default:
				return c, fmt.Errorf(`sim: payload: "reasoning.%s" must be "auto", "concise" or "detailed", got %s`, key, show(s))
			}
		}
	}
	return c, nil
}

// inputItemContent reads element i of a Responses API "input" list,
// which must be a message.
func inputItemContent(i int, v any) (content, error) {
	field := "input[" + strconv.Itoa(i) + "]"
	item, ok := object(v)
	if !ok {
		return content{}, fmt.Errorf("sim: payload: %s: must be a message object with \"role\" and \"content\", got %s", field, show(v))
	}
	if typ, ok := present(item, "type"); ok && typ != "message" {
		return content{}, fmt.Errorf(`sim: payload: %s.type: only "message" items are supported, got %s`, field, show(typ))
	}
	if role, ok := item["role"].(string); !ok || role == "" {
		return content{}, fmt.Errorf("sim: payload: %s.role: must be a non-empty string, got %s", field, show(item["role"]))
	}
	c, ok := present(item, "content")
	if !ok {
		return content{}, fmt.Errorf("sim: payload: %s.content: is required", field)
	}
	return parseContent(field+".content", c, responsesParts)
}

// responseMeta is what the response objects and events of one Responses
// API request are made of, apart from the text.
type responseMeta struct {
	plan      Plan   // the request's plan: ids, token counts, text
	created   int64  // created_at: the Unix second the request arrived
	model     string // the configured model name
	maxTokens int    // max_output_tokens; 0 when absent
	think     int    // reasoning tokens; 0 without a reasoning item
}

// newResponseMeta returns the meta of a request c whose plan is p. The
// first min(ThinkingTokens, p.OutputTokens−1) tokens are reasoning when c
// asks for a reasoning summary, so at least one token of text follows.
func newResponseMeta(c *responsesCall, p *Plan, created int64, model string) responseMeta {
	m := responseMeta{plan: *p, created: created, model: model, maxTokens: c.maxTokens}
	if c.summary {
		m.think = max(0, min(ThinkingTokens, p.OutputTokens-1))
	}
	return m
}

// incomplete reports whether the response ends incomplete: its length was
// fixed by max_output_tokens, as a chat completion's finish_reason is then
// "length".
func (m *responseMeta) incomplete() bool { return m.maxTokens > 0 }

// split returns the reasoning summary and the message text of the model's
// whole text: the first m.think tokens, and the rest without its leading
// space.
func (m *responseMeta) split(text string) (summary, message string) {
	if m.think <= 0 {
		return "", text
	}
	cut := tokenCut(text, m.think)
	return text[:cut], strings.TrimPrefix(text[cut:], " ")
}

// appendID appends a quoted id, prefix followed by the plan's Seq:
// "resp_sim_7", "msg_sim_7" or "rs_sim_7".
func appendID(dst []byte, prefix string, seq uint64) []byte {
	dst = append(dst, '"')
	dst = append(dst, prefix...)
	dst = strconv.AppendUint(dst, seq, 10)
	return append(dst, '"')
}

// appendResponse appends a response object. Before the end (final false)
// it is "in_progress", with no output and a null usage; at the end it is
// "completed", or "incomplete" for max_output_tokens, with its output
// items (a reasoning item when m.think > 0, then the message) and usage.
// text is the model's whole text; only a final response reads it.
func appendResponse(dst []byte, m *responseMeta, text string, final bool) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendID(dst, "resp_sim_", m.plan.Seq)
	dst = append(dst, `,"object":"response","created_at":`...)
	dst = strconv.AppendInt(dst, m.created, 10)
	switch {
	case !final:
		dst = append(dst, `,"status":"in_progress","error":null,"incomplete_details":null`...)
	case m.incomplete():
		dst = append(dst, `,"status":"incomplete","error":null,"incomplete_details":{"reason":"max_output_tokens"}`...)
	default:
		dst = append(dst, `,"status":"completed","error":null,"incomplete_details":null`...)
	}
	dst = append(dst, `,"max_output_tokens":`...)
	if m.maxTokens > 0 {
		dst = strconv.AppendInt(dst, int64(m.maxTokens), 10)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"model":`...)
	dst = appendString(dst, m.model)
	dst = append(dst, `,"output":[`...)
	if !final {
		return append(dst, `],"usage":null}`...)
	}
	summary, message := m.split(text)
	if m.think > 0 {
		dst = appendReasoningItem(dst, m, summary, true)
		dst = append(dst, ',')
	}
	dst = appendMessageItem(dst, m, message, true)
	dst = append(dst, `],"usage":{"input_tokens":`...)
	dst = strconv.AppendInt(dst, int64(m.plan.InputTokens), 10)
	dst = append(dst, `,"input_tokens_details":{"cached_tokens":0},"output_tokens":`...)
	dst = strconv.AppendInt(dst, int64(m.plan.OutputTokens), 10)
	dst = append(dst, `,"output_tokens_details":{"reasoning_tokens":`...)
	dst = strconv.AppendInt(dst, int64(m.think), 10)
	dst = append(dst, `},"total_tokens":`...)
	dst = strconv.AppendInt(dst, int64(m.plan.InputTokens+m.plan.OutputTokens), 10)
	return append(dst, "}}"...)
}

// appendReasoningItem appends the reasoning output item: with done, its
// summary_text part; without, an empty summary, as output_item.added
// carries it.
func appendReasoningItem(dst []byte, m *responseMeta, summary string, done bool) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendID(dst, "rs_sim_", m.plan.Seq)
	dst = append(dst, `,"type":"reasoning","summary":[`...)
	if done {
		dst = appendSummaryPart(dst, summary)
	}
	return append(dst, "]}"...)
}

// appendSummaryPart appends a summary_text part.
func appendSummaryPart(dst []byte, text string) []byte {
	dst = append(dst, `{"type":"summary_text","text":`...)
	dst = appendString(dst, text)
	return append(dst, '}')
}

// appendMessageItem appends the assistant message output item: with done,
// its status ("completed", or "incomplete" when max_output_tokens cut the
// response) and its output_text part; without, "in_progress" and no
// content, as output_item.added carries it.
func appendMessageItem(dst []byte, m *responseMeta, text string, done bool) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendID(dst, "msg_sim_", m.plan.Seq)
	switch {
	case !done:
		return append(dst, `,"type":"message","status":"in_progress","content":[],"role":"assistant"}`...)
	case m.incomplete():
		dst = append(dst, `,"type":"message","status":"incomplete","content":[`...)
	default:
		dst = append(dst, `,"type":"message","status":"completed","content":[`...)
	}
	dst = appendTextPart(dst, text)
	return append(dst, `],"role":"assistant"}`...)
}

// appendTextPart appends an output_text part.
func appendTextPart(dst []byte, text string) []byte {
	dst = append(dst, `{"type":"output_text","text":`...)
	dst = appendString(dst, text)
	return append(dst, `,"annotations":[]}`...)
}

// appendSeq appends the end of an event's data, its sequence_number
// member and the blank line: `,"sequence_number":n}` + "\n\n".
func appendSeq(dst []byte, n int) []byte {
	dst = append(dst, `,"sequence_number":`...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, "}\n\n"...)
}

// beginResponsesStream prepares x to encode the events of a Responses API
// stream for m: the constant start of every output_text.delta event is
// computed once here, so that a text chunk is three appends, an escape and
// its sequence number.
func (x *exchange) beginResponsesStream(m *responseMeta) {
	x.sse, x.resp, x.think, x.seq = true, *m, m.think, 0
	x.textIdx = '0'
	if m.think > 0 {
		x.textIdx = '1'
	}
	x.head = appendEvent(x.head[:0], "response.output_text.delta")
	x.head = append(x.head, `,"item_id":`...)
	x.head = appendID(x.head, "msg_sim_", m.plan.Seq)
	x.head = append(x.head, `,"output_index":`...)
	x.head = append(x.head, x.textIdx)
	x.head = append(x.head, `,"content_index":0,"delta":`...)
}

// event appends the start of an event of type typ, up to its data's type
// member; the caller appends the rest and ends it with x.endEvent.
func (x *exchange) event(typ string) { x.buf = appendEvent(x.buf, typ) }

// endEvent ends the event being appended with the next sequence number.
func (x *exchange) endEvent() {
	x.buf = appendSeq(x.buf, x.seq)
	x.seq++
}

// emitResponses appends the events of one chunk (the model's Emit hook):
// before the first, response.created, response.in_progress and the first
// output item's output_item.added and part added event; a chunk's first
// x.think tokens as reasoning_summary_text.delta events, the rest as
// output_text.delta, closing the reasoning item and opening the message
// between the two. The message text does not start with a space. It
// allocates nothing once buf has grown.
func (x *exchange) emitResponses(chunk string) error {
	x.chunks++
	if !x.begun {
		x.responsesStart()
	}
	if x.think > 0 {
		k := chunkTokens(chunk)
		cut := len(chunk)
		if k > x.think {
			cut = tokenCut(chunk, x.think)
			k = x.think
		}
		x.event("response.reasoning_summary_text.delta")
		x.summaryRef()
		x.buf = append(x.buf, `,"delta":`...)
		x.buf = appendString(x.buf, chunk[:cut])
		x.endEvent()
		x.think -= k
		chunk = chunk[cut:]
		if chunk == "" {
			return nil
		}
	}
	if !x.textOn {
		x.responsesText()
		chunk = strings.TrimPrefix(chunk, " ")
	}
	x.buf = append(x.buf, x.head...)
	x.buf = appendString(x.buf, chunk)
	x.endEvent()
	return nil
}

// summaryRef appends the members that place a reasoning summary event:
// its item id, output index and summary index.
func (x *exchange) summaryRef() {
	x.buf = append(x.buf, `,"item_id":`...)
	x.buf = appendID(x.buf, "rs_sim_", x.resp.plan.Seq)
	x.buf = append(x.buf, `,"output_index":0,"summary_index":0`...)
}

// textRef appends the members that place a message text event: its item
// id, output index and content index.
func (x *exchange) textRef() {
	x.buf = append(x.buf, `,"item_id":`...)
	x.buf = appendID(x.buf, "msg_sim_", x.resp.plan.Seq)
	x.buf = append(x.buf, `,"output_index":`...)
	x.buf = append(x.buf, x.textIdx)
	x.buf = append(x.buf, `,"content_index":0`...)
}

// responsesStart appends response.created and response.in_progress, then
// opens the first output item: the reasoning item and its summary part, or
// the message and its output_text part.
func (x *exchange) responsesStart() {
	x.begun = true
	m := &x.resp
	for _, typ := range [...]string{"response.created", "response.in_progress"} {
		x.event(typ)
		x.buf = append(x.buf, `,"response":`...)
		x.buf = appendResponse(x.buf, m, "", false)
		x.endEvent()
	}
	if m.think <= 0 {
		x.responsesText()
		return
	}
	x.event("response.output_item.added")
	x.buf = append(x.buf, `,"output_index":0,"item":`...)
	x.buf = appendReasoningItem(x.buf, m, "", false)
	x.endEvent()
	x.event("response.reasoning_summary_part.added")
	x.summaryRef()
	x.buf = append(x.buf, `,"part":`...)
	x.buf = appendSummaryPart(x.buf, "")
	x.endEvent()
}

// fullText returns the model's whole text of the request, computing it
// once.
func (x *exchange) fullText() string {
	if x.text == "" {
		x.text = text(x.resp.plan.text, x.resp.plan.OutputTokens)
	}
	return x.text
}

// responsesText closes the reasoning item, if there is one (its summary
// text and part done, its output_item.done), and opens the message: its
// output_item.added and content_part.added.
func (x *exchange) responsesText() {
	x.textOn = true
	m := &x.resp
	if m.think > 0 {
		summary, _ := m.split(x.fullText())
		x.event("response.reasoning_summary_text.done")
		x.summaryRef()
		x.buf = append(x.buf, `,"text":`...)
		x.buf = appendString(x.buf, summary)
		x.endEvent()
		x.event("response.reasoning_summary_part.done")
		x.summaryRef()
		x.buf = append(x.buf, `,"part":`...)
		x.buf = appendSummaryPart(x.buf, summary)
		x.endEvent()
		x.event("response.output_item.done")
		x.buf = append(x.buf, `,"output_index":0,"item":`...)
		x.buf = appendReasoningItem(x.buf, m, summary, true)
		x.endEvent()
	}
	x.event("response.output_item.added")
	x.buf = append(x.buf, `,"output_index":`...)
	x.buf = append(x.buf, x.textIdx)
	x.buf = append(x.buf, `,"item":`...)
	x.buf = appendMessageItem(x.buf, m, "", false)
	x.endEvent()
	x.event("response.content_part.added")
	x.textRef()
	x.buf = append(x.buf, `,"part":`...)
	x.buf = appendTextPart(x.buf, "")
	x.endEvent()
}

// endResponsesStream appends the end of a completed stream:
// output_text.done, content_part.done and output_item.done with the whole
// text, then response.completed, or response.incomplete when
// max_output_tokens cut the response, with the whole response and its
// usage.
func (x *exchange) endResponsesStream() {
	if !x.begun {
		x.responsesStart()
	}
	if !x.textOn {
		x.responsesText()
	}
	m := &x.resp
	full := x.fullText()
	_, message := m.split(full)
	x.event("response.output_text.done")
	x.textRef()
	x.buf = append(x.buf, `,"text":`...)
	x.buf = appendString(x.buf, message)
	x.endEvent()
	x.event("response.content_part.done")
	x.textRef()
	x.buf = append(x.buf, `,"part":`...)
	x.buf = appendTextPart(x.buf, message)
	x.endEvent()
	x.event("response.output_item.done")
	x.buf = append(x.buf, `,"output_index":`...)
	x.buf = append(x.buf, x.textIdx)
	x.buf = append(x.buf, `,"item":`...)
	x.buf = appendMessageItem(x.buf, m, message, true)
	x.endEvent()
	typ := "response.completed"
	if m.incomplete() {
		typ = "response.incomplete"
	}
	x.event(typ)
	x.buf = append(x.buf, `,"response":`...)
	x.buf = appendResponse(x.buf, m, full, true)
	x.endEvent()
}
