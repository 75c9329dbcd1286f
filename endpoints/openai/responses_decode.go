package openai

import (
	"fmt"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/internal/jsonscan"
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
	deltaKind byte   // jsonscan.Kind of "delta"; 0 when absent or null

	respKind byte       // jsonscan.Kind of "response"; 0 when absent or null
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
	s.Reset(data)
	ev.typ = ev.typ[:0]
	ev.delta, ev.deltaKind = ev.delta[:0], 0
	ev.respKind = 0
	ev.resp.reset()
	ev.message, ev.code = ev.message[:0], ev.code[:0]
	ev.err.reset()

	if err := d.beginTop(); err != nil {
		return err
	}
	var respErr error
	for s.NextKey() {
		switch string(s.Key()) {
		case "type":
			ev.typ, _ = d.optString(ev.typ[:0])
		case "delta":
			ev.delta, ev.deltaKind = ev.delta[:0], 0
			switch k := s.Peek(); k {
			case jsonscan.String:
				ev.deltaKind = byte(k)
				ev.delta, _ = s.AppendString(ev.delta)
			case jsonscan.Null:
				s.Skip()
			default:
				ev.deltaKind = byte(k)
				s.Skip()
			}
		case "response":
			ev.resp.reset()
			ev.respKind = 0
			switch k := s.Peek(); k {
			case jsonscan.Object:
				ev.respKind = byte(k)
				respErr = inField("response", d.responseObject(false))
			case jsonscan.Null:
				respErr = nil
				s.Skip()
			default:
				ev.respKind = byte(k)
				respErr = nil
				s.Skip()
			}
		case "message":
			ev.message, _ = d.optString(ev.message[:0])
		case "code":
			ev.code = d.optCode(ev.code[:0])
		case "error":
			d.errorObject(&ev.err)
		default:
			s.Skip()
		}
	}
	if !s.End() {
		return s.Err()
	}
	return respErr
}

// decodeResponse decodes a whole Responses API response object into
// d.ev.resp, output included. It fails on invalid JSON, on a text that is
// not an object, on a usage field of the wrong type, and on an output
// whose items, content lists, parts or texts have the wrong type.
func (d *decoder) decodeResponse(data []byte) error {
	s := &d.s
	s.Reset(data)
	d.ev.resp.reset()
	if err := d.beginTop(); err != nil {
		return err
	}
	err := d.responseMembers(true)
	if !s.End() {
		return s.Err()
	}
	return err
}

// responseObject reads a response object into d.ev.resp; the scanner is at
// its '{'. With output, it reads the output items too.
func (d *decoder) responseObject(output bool) error {
	d.s.BeginObject()
	return d.responseMembers(output)
}

// responseMembers reads the members of a response object whose '{' has
// been consumed, up to its '}'.
func (d *decoder) responseMembers(output bool) error {
	s, o := &d.s, &d.ev.resp
	var usageErr, outputErr error
	for s.NextKey() {
		switch string(s.Key()) {
		case "id":
			o.id, o.hasID = d.optString(o.id[:0])
		case "status":
			o.status, _ = d.optString(o.status[:0])
		case "error":
			d.errorObject(&o.err)
		case "incomplete_details":
			d.incompleteDetails()
		case "usage":
			usageErr = d.usage(&responsesUsageKeys, &d.ev.resp.usage, &d.ev.resp.hasUsage)
		case "output":
			if output {
				outputErr = d.output()
			} else {
				s.Skip()
			}
		default:
			s.Skip()
		}
	}
	return orErr(usageErr, outputErr)
}

// incompleteDetails reads "incomplete_details": an object whose "reason"
// string is kept; any other value is skipped, and leaves no reason.
func (d *decoder) incompleteDetails() {
	s, o := &d.s, &d.ev.resp
	o.reason = o.reason[:0]
	if s.Peek() != jsonscan.Object {
		s.Skip()
		return
	}
	s.BeginObject()
	for s.NextKey() {
		if string(s.Key()) == "reason" {
			o.reason, _ = d.optString(o.reason[:0])
		} else {
			s.Skip()
		}
	}
}

// output reads a response's "output" list.
func (d *decoder) output() error {
	s, o := &d.s, &d.ev.resp
	o.text, o.summary, o.reasoning = o.text[:0], o.summary[:0], o.reasoning[:0]
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return nil
	case jsonscan.Array:
	default:
		return d.mismatch("output", "an array")
	}
	var err error
	s.BeginArray()
	for i := 0; s.NextElement(); i++ {
		if ierr := d.outputItem(i); err == nil {
			err = ierr
		}
	}
	return err
}

// outputItem reads element n of "output". The text of its parts goes into
// the response's buffers, after what they hold; what the item's type does
// not keep is cut off again at its end.
func (d *decoder) outputItem(n int) error {
	s, ev, o := &d.s, &d.ev, &d.ev.resp
	name := func() string { return fmt.Sprintf("output[%d]", n) }
	if s.Peek() != jsonscan.Object {
		return d.mismatch(name(), "an object")
	}
	tm, sm, rm := len(o.text), len(o.summary), len(o.reasoning)
	ev.itemType = ev.itemType[:0]
	var contentErr, summaryErr error
	s.BeginObject()
	for s.NextKey() {
		switch string(s.Key()) {
		case "type":
			ev.itemType, _ = d.optString(ev.itemType[:0])
		case "content":
			o.text, o.reasoning = o.text[:tm], o.reasoning[:rm]
			contentErr = d.parts("content", false)
		case "summary":
			o.summary = o.summary[:sm]
			summaryErr = d.parts("summary", true)
		default:
			s.Skip()
		}
	}
	if err := orErr(contentErr, summaryErr); err != nil {
		o.text, o.summary, o.reasoning = o.text[:tm], o.summary[:sm], o.reasoning[:rm]
		return inField(name(), err)
	}
	if string(ev.itemType) != "message" {
		o.text = o.text[:tm]
	}
	if string(ev.itemType) != "reasoning" {
		o.summary, o.reasoning = o.summary[:sm], o.reasoning[:rm]
	}
	return nil
}

// parts reads an output item's "content" (summary false) or "summary"
// (summary true) list of parts: the text of an "output_text" or
// "reasoning_text" part of the content goes to the response's text or
// reasoning, the text of a "summary_text" part of the summary to its
// summary. A part's "text" must be a string or null, whatever its type.
func (d *decoder) parts(name string, summary bool) error {
	s, ev, o := &d.s, &d.ev, &d.ev.resp
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return nil
	case jsonscan.Array:
	default:
		return d.mismatch(name, "an array")
	}
	var err error
	s.BeginArray()
	for j := 0; s.NextElement(); j++ {
		if s.Peek() != jsonscan.Object {
			if perr := d.mismatch(fmt.Sprintf("%s[%d]", name, j), "an object"); err == nil {
				err = perr
			}
			continue
		}
		ev.partType, ev.partText = ev.partType[:0], ev.partText[:0]
		var textErr error
		s.BeginObject()
		for s.NextKey() {
			switch string(s.Key()) {
			case "type":
				ev.partType, _ = d.optString(ev.partType[:0])
			case "text":
				ev.partText = ev.partText[:0]
				textErr = d.text(&ev.partText, "text")
			default:
				s.Skip()
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
	return err
}
