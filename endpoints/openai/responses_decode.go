package openai

import (
	"fmt"

	"github.com/llmtest/llmtest/endpoints"
)

// respEvent is what the decoder takes out of one event of a Responses API
// stream (decodeEvent), or out of one whole response (decodeResponse,
// which fills only resp). Its slices are reused from one decode to the
// next.
//
// As for chunk, its fields follow the JSON as encoding/json would decode it
// into an interface value: when a key appears twice in an object, the last
// one wins, and null is the same as absent.
type respEvent struct {
	typ []byte // top-level "type", when a string

	delta     []byte // "delta", when a string
	deltaKind byte   // scanner.kind of "delta"; 0 when absent or null

	respKind byte       // scanner.kind of "response"; 0 when absent or null
	resp     respObject // "response", when an object

	// An error event's fields: OpenAI's top-level "message" and "code",
	// and, as some servers send it, a non-null "error".
	message, code []byte
	err           errObject

	// Scratch buffers for decodeResponse's output items.
	itemType, partType, partText []byte
}

// respObject is a Responses API response object, as a stream's lifecycle
// events carry it and as a non-streaming request gets it.
type respObject struct {
	id    []byte // "id", when a string
	hasID bool

	status []byte    // "status", when a string
	err    errObject // "error", when not null: {"code", "message"}
	reason []byte    // "incomplete_details"."reason", when a string

	usage    endpoints.Usage // "usage", when an object
	hasUsage bool

	// Read by decodeResponse only, from "output": the text of the
	// "output_text" parts of "message" items, and of the "summary_text"
	// parts of the summary and the "reasoning_text" parts of the content
	// of "reasoning" items, each joined without separator.
	text, summary, reasoning []byte
}

// reset empties o, keeping its buffers.
func (o *respObject) reset() {
	o.id, o.hasID = o.id[:0], false
	o.status = o.status[:0]
	o.err.reset()
	o.reason = o.reason[:0]
	o.usage, o.hasUsage = endpoints.Usage{}, false
	o.text, o.summary, o.reasoning = o.text[:0], o.summary[:0], o.reasoning[:0]
}

// trim drops buffers that grew larger than maxKeep, so that a pooled
// decoder does not keep the memory of one unusually large response.
func (ev *respEvent) trim() {
	for _, b := range []*[]byte{&ev.resp.text, &ev.resp.summary, &ev.resp.reasoning, &ev.partText, &ev.delta} {
		if cap(*b) > maxKeep {
			*b = nil
		}
	}
}

// decodeEvent decodes the data of one Responses API stream event into
// d.ev: its type, its delta, the response object it carries (without its
// output, which is only checked for syntax) and the fields of an error
// event. It fails on invalid JSON, on a text that is not an object, and on
// a usage field of the wrong type; other fields of the wrong type are
// ignored, and delta's and response's kinds are kept for the caller to
// check against the event type.
func (d *decoder) decodeEvent(data []byte) error {
	s, ev := &d.s, &d.ev
	s.reset(data)
	ev.typ = ev.typ[:0]
	ev.delta, ev.deltaKind = ev.delta[:0], 0
	ev.respKind = 0
	ev.resp.reset()
	ev.message, ev.code = ev.message[:0], ev.code[:0]
	ev.err.reset()

	if !d.beginTop() {
		return s.err
	}
	var respErr error
	for i := 0; ; i++ {
		key, more, ok := s.member(i)
		if !ok {
			return s.err
		}
		if !more {
			break
		}
		switch string(key) {
		case "type":
			ev.typ, _, ok = d.optString(ev.typ[:0])
		case "delta":
			ev.delta, ev.deltaKind = ev.delta[:0], 0
			switch k := s.kind(); k {
			case '"':
				ev.deltaKind = k
				ev.delta, ok = s.str(ev.delta)
			case 'n':
				ok = s.literal()
			default:
				ev.deltaKind = k
				ok = s.skip()
			}
		case "response":
			ev.resp.reset()
			ev.respKind = 0
			switch k := s.kind(); k {
			case '{':
				ev.respKind = k
				respErr, ok = d.responseObject(false)
				respErr = inField("response", respErr)
			case 'n':
				respErr, ok = nil, s.literal()
			default:
				ev.respKind = k
				respErr, ok = nil, s.skip()
			}
		case "message":
			ev.message, _, ok = d.optString(ev.message[:0])
		case "code":
			ev.code, ok = d.optCode(ev.code[:0])
		case "error":
			ok = d.errorObject(&ev.err)
		default:
			ok = s.skip()
		}
		if !ok {
			return s.err
		}
	}
	if !s.end() {
		return s.err
	}
	return respErr
}

// decodeResponse decodes a whole Responses API response object into
// d.ev.resp, output included. It fails on invalid JSON, on a text that is
// not an object, on a usage field of the wrong type, and on an output
// whose items, content lists, parts or texts have the wrong type.
func (d *decoder) decodeResponse(data []byte) error {
	s := &d.s
	s.reset(data)
	d.ev.resp.reset()
	if !d.beginTop() {
		return s.err
	}
	err, ok := d.responseMembers(true)
	if !ok || !s.end() {
		return s.err
	}
	return err
}

// beginTop opens the top-level object of a text, failing, with s.err set,
// when the text is not an object.
func (d *decoder) beginTop() bool {
	s := &d.s
	if k := s.kind(); k != '{' {
		if k == 0 {
			return s.fail("want a JSON value")
		}
		s.err = fmt.Errorf("want a JSON object, got %s", kindName(k))
		return false
	}
	return s.beginObject()
}

// responseObject reads a response object into d.ev.resp; the scanner is at
// its '{'. With output, it reads the output items too.
func (d *decoder) responseObject(output bool) (err error, ok bool) {
	if !d.s.beginObject() {
		return nil, false
	}
	return d.responseMembers(output)
}

// responseMembers reads the members of a response object whose '{' has
// been consumed, up to its '}'.
func (d *decoder) responseMembers(output bool) (err error, ok bool) {
	s, o := &d.s, &d.ev.resp
	var usageErr, outputErr error
	for i := 0; ; i++ {
		key, more, ok := s.member(i)
		if !ok {
			return nil, false
		}
		if !more {
			break
		}
		switch string(key) {
		case "id":
			o.id, o.hasID, ok = d.optString(o.id[:0])
		case "status":
			o.status, _, ok = d.optString(o.status[:0])
		case "error":
			ok = d.errorObject(&o.err)
		case "incomplete_details":
			ok = d.incompleteDetails()
		case "usage":
			usageErr, ok = d.respUsage()
		case "output":
			if output {
				outputErr, ok = d.output()
			} else {
				ok = s.skip()
			}
		default:
			ok = s.skip()
		}
		if !ok {
			return nil, false
		}
	}
	return orErr(usageErr, outputErr), true
}

// incompleteDetails reads "incomplete_details": an object whose "reason"
// string is kept; any other value is skipped, and leaves no reason.
func (d *decoder) incompleteDetails() bool {
	s, o := &d.s, &d.ev.resp
	o.reason = o.reason[:0]
	if s.kind() != '{' {
		return s.skip()
	}
	s.beginObject()
	for i := 0; ; i++ {
		key, more, ok := s.member(i)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		if string(key) == "reason" {
			o.reason, _, ok = d.optString(o.reason[:0])
		} else {
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
}

// respUsage reads a Responses API "usage" object.
func (d *decoder) respUsage() (err error, ok bool) {
	s, o := &d.s, &d.ev.resp
	o.usage, o.hasUsage = endpoints.Usage{}, false
	switch s.kind() {
	case 'n':
		return nil, s.literal()
	case '{':
	default:
		return d.mismatch("usage", "an object")
	}
	o.hasUsage = true
	u := &o.usage
	var inErr, outErr, cachedErr, reasoningErr error
	s.beginObject()
	for i := 0; ; i++ {
		key, more, ok := s.member(i)
		if !ok {
			return nil, false
		}
		if !more {
			break
		}
		switch string(key) {
		case "input_tokens":
			inErr, ok = d.tokens(&u.InputTokens, "input_tokens")
		case "output_tokens":
			outErr, ok = d.tokens(&u.OutputTokens, "output_tokens")
		case "input_tokens_details":
			cachedErr, ok = d.details(&u.CachedInputTokens, "input_tokens_details", "cached_tokens")
		case "output_tokens_details":
			reasoningErr, ok = d.details(&u.ReasoningTokens, "output_tokens_details", "reasoning_tokens")
		default:
			ok = s.skip()
		}
		if !ok {
			return nil, false
		}
	}
	return inField("usage", orErr(inErr, outErr, cachedErr, reasoningErr)), true
}

// output reads a response's "output" list.
func (d *decoder) output() (err error, ok bool) {
	s, o := &d.s, &d.ev.resp
	o.text, o.summary, o.reasoning = o.text[:0], o.summary[:0], o.reasoning[:0]
	switch s.kind() {
	case 'n':
		return nil, s.literal()
	case '[':
	default:
		return d.mismatch("output", "an array")
	}
	s.beginArray()
	for i := 0; ; i++ {
		more, ok := s.element(i)
		if !ok {
			return nil, false
		}
		if !more {
			return err, true
		}
		ierr, ok := d.outputItem(i)
		if !ok {
			return nil, false
		}
		if err == nil {
			err = ierr
		}
	}
}

// outputItem reads element n of "output". The text of its parts goes into
// the response's buffers, after what they hold; what the item's type does
// not keep is cut off again at its end.
func (d *decoder) outputItem(n int) (err error, ok bool) {
	s, ev, o := &d.s, &d.ev, &d.ev.resp
	name := func() string { return fmt.Sprintf("output[%d]", n) }
	if s.kind() != '{' {
		return d.mismatch(name(), "an object")
	}
	tm, sm, rm := len(o.text), len(o.summary), len(o.reasoning)
	ev.itemType = ev.itemType[:0]
	var contentErr, summaryErr error
	s.beginObject()
	for i := 0; ; i++ {
		key, more, ok := s.member(i)
		if !ok {
			return nil, false
		}
		if !more {
			break
		}
		switch string(key) {
		case "type":
			ev.itemType, _, ok = d.optString(ev.itemType[:0])
		case "content":
			o.text, o.reasoning = o.text[:tm], o.reasoning[:rm]
			contentErr, ok = d.parts("content", false)
		case "summary":
			o.summary = o.summary[:sm]
			summaryErr, ok = d.parts("summary", true)
		default:
			ok = s.skip()
		}
		if !ok {
			return nil, false
		}
	}
	if err = orErr(contentErr, summaryErr); err != nil {
		o.text, o.summary, o.reasoning = o.text[:tm], o.summary[:sm], o.reasoning[:rm]
		return inField(name(), err), true
	}
	if string(ev.itemType) != "message" {
		o.text = o.text[:tm]
	}
	if string(ev.itemType) != "reasoning" {
		o.summary, o.reasoning = o.summary[:sm], o.reasoning[:rm]
	}
	return nil, true
}

// parts reads an output item's "content" (summary false) or "summary"
// (summary true) list of parts: the text of an "output_text" or
// "reasoning_text" part of the content goes to the response's text or
// reasoning, the text of a "summary_text" part of the summary to its
// summary. A part's "text" must be a string or null, whatever its type.
func (d *decoder) parts(name string, summary bool) (err error, ok bool) {
	s, ev, o := &d.s, &d.ev, &d.ev.resp
	switch s.kind() {
	case 'n':
		return nil, s.literal()
	case '[':
	default:
		return d.mismatch(name, "an array")
	}
	s.beginArray()
	for j := 0; ; j++ {
		more, ok := s.element(j)
		if !ok {
			return nil, false
		}
		if !more {
			return err, true
		}
		if s.kind() != '{' {
			perr, ok := d.mismatch(fmt.Sprintf("%s[%d]", name, j), "an object")
			if !ok {
				return nil, false
			}
			if err == nil {
				err = perr
			}
			continue
		}
		ev.partType, ev.partText = ev.partType[:0], ev.partText[:0]
		var textErr error
		s.beginObject()
		for i := 0; ; i++ {
			key, more, ok := s.member(i)
			if !ok {
				return nil, false
			}
			if !more {
				break
			}
			switch string(key) {
			case "type":
				ev.partType, _, ok = d.optString(ev.partType[:0])
			case "text":
				ev.partText = ev.partText[:0]
				textErr, ok = d.text(&ev.partText, "text")
			default:
				ok = s.skip()
			}
			if !ok {
				return nil, false
			}
		}
		if textErr != nil {
			if err == nil {
				err = inField(fmt.Sprintf("%s[%d]", name, j), textErr)
			}
			continue
		}
		switch t := string(ev.partType); {
		case summary && t == "summary_text":
			o.summary = append(o.summary, ev.partText...)
		case !summary && t == "output_text":
			o.text = append(o.text, ev.partText...)
		case !summary && t == "reasoning_text":
			o.reasoning = append(o.reasoning, ev.partText...)
		}
	}
}
