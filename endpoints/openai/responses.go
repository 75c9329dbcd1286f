package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/httpx"
	"github.com/llmtest/llmtest/endpoints/internal/sse"
	"github.com/llmtest/llmtest/internal/jsonscan"
)

// Event types of the Responses API stream that Invoke acts on; it ignores
// the others.
const (
	evTextDelta      = "response.output_text.delta"
	evReasoningDelta = "response.reasoning_text.delta"
	evSummaryDelta   = "response.reasoning_summary_text.delta"
	evCompleted      = "response.completed"
	evIncomplete     = "response.incomplete"
	evFailed         = "response.failed"
	evError          = "error"
)

// lengthLimit is the incomplete_details.reason of a response that stopped
// at max_output_tokens: Invoke counts it a success, as a chat completion
// that ends with finish_reason "length".
const lengthLimit = "max_output_tokens"

// respStream is the state of one Responses API stream being read.
type respStream struct {
	e      *Endpoint
	rec    endpoints.Recorder
	d      *decoder
	events int  // events decoded so far
	idSent bool // the response id has gone to rec
}

// streamResponses reads a streamed Responses API response
// (text/event-stream) to its end.
//
// Each event's data is a JSON object whose "type" names the event (the SSE
// event name stands in when it has none). Output text deltas go to
// rec.TextBytes, reasoning deltas to rec.Reasoning, the first response id
// to rec.ID and the response's usage to rec.Usage. response.completed ends
// the stream successfully, as does response.incomplete for
// max_output_tokens; response.incomplete for another reason fails it with
// an *IncompleteError, response.failed and error events with a
// *ResponseError, and the end of the body before any of them with an error
// wrapping endpoints.ErrIncompleteStream.
//
// contentType is the response's, for the error when no event arrives.
func (e *Endpoint) streamResponses(ctx context.Context, body io.Reader, contentType string, rec endpoints.Recorder, cancel context.CancelFunc) error {
	st := getState()
	defer putState(st)
	r := &st.sse
	r.Reset(body)
	rs := respStream{e: e, rec: rec, d: &st.dec}
	for {
		ev, err := r.Next()
		if err != nil {
			return rs.end(ctx, r, err, contentType)
		}
		end, err := rs.event(ev, false)
		if end {
			if err == nil {
				httpx.Drain(body, r.ReadErr(), cancel)
			}
			return err
		}
	}
}

// event handles one event of the stream. end reports that it was the last
// one: the response ended, successfully when err is nil. With finalOnly,
// for an event the stream ended in the middle of, it acts only on an event
// that ends the response, and ignores the others, invalid ones included.
func (rs *respStream) event(sev sse.Event, finalOnly bool) (end bool, err error) {
	data := sev.Data
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return false, nil // an event without data: a keep-alive
	}
	if trimmed[0] == '[' && bytes.Equal(trimmed, done) && !finalOnly {
		// Some servers end every stream with [DONE]; here it comes before
		// the response's final event.
		return true, fmt.Errorf("openai: stream ended by [DONE] after %d events, without %s: %w",
			rs.events, evCompleted, endpoints.ErrIncompleteStream)
	}
	rs.events++
	d, ev := rs.d, &rs.d.ev
	if err := d.decodeEvent(data); err != nil {
		if finalOnly {
			rs.events--
			return false, nil
		}
		if string(sev.Type) == evError { // an error as text
			return true, rs.e.responseError(nil, nil, nil, data, rs.events-1)
		}
		return true, fmt.Errorf("openai: stream event %d: %w", rs.events, err)
	}
	typ := ev.typ
	if len(typ) == 0 {
		typ = sev.Type
	}
	if finalOnly && !final(typ, ev) {
		rs.events--
		return false, nil
	}
	o := &ev.resp
	if !rs.idSent && len(o.id) > 0 {
		rs.rec.ID(string(o.id))
		rs.idSent = true
	}

	switch string(typ) {
	case evTextDelta:
		if err := rs.checkDelta(typ); err != nil {
			return true, err
		}
		if len(ev.delta) > 0 {
			rs.rec.TextBytes(ev.delta)
		}
		return false, nil
	case evReasoningDelta, evSummaryDelta:
		if err := rs.checkDelta(typ); err != nil {
			return true, err
		}
		if len(ev.delta) > 0 {
			rs.rec.Reasoning(string(ev.delta))
		}
		return false, nil
	case evCompleted, evIncomplete, evFailed:
		if k := jsonscan.Kind(ev.respKind); k != jsonscan.Invalid && k != jsonscan.Object {
			return true, fmt.Errorf("openai: stream event %d (%s): response: want an object, got %s",
				rs.events, typ, k)
		}
		if o.hasUsage {
			rs.rec.Usage(o.usage)
		}
		switch string(typ) {
		case evCompleted:
			return true, nil
		case evIncomplete:
			if string(o.reason) == lengthLimit {
				return true, nil
			}
			return true, rs.e.incompleteError(o.reason, rs.events-1)
		}
		return true, rs.e.failedError(o, rs.events-1)
	case evError:
		return true, rs.errorEvent(data)
	case "":
		if ev.err.has { // an error object without a type
			return true, rs.errorEvent(data)
		}
	}
	return false, nil // an event this endpoint does not act on
}

// final reports whether an event of type typ ends the response.
func final(typ []byte, ev *respEvent) bool {
	switch string(typ) {
	case evCompleted, evIncomplete, evFailed, evError:
		return true
	case "":
		return ev.err.has
	}
	return false
}

// checkDelta fails a delta event whose "delta" is neither a string nor
// null.
func (rs *respStream) checkDelta(typ []byte) error {
	if k := jsonscan.Kind(rs.d.ev.deltaKind); k != jsonscan.Invalid && k != jsonscan.String {
		return fmt.Errorf("openai: stream event %d (%s): delta: want a string, got %s", rs.events, typ, k)
	}
	return nil
}

// errorEvent builds the error for an error event: OpenAI's top-level
// message and code, or the fields of an "error" object, or the data as
// text.
func (rs *respStream) errorEvent(data []byte) error {
	ev := &rs.d.ev
	switch {
	case ev.err.has && (len(ev.err.message) > 0 || len(ev.message) == 0):
		return rs.e.responseError(ev.err.message, ev.err.typ, ev.err.code, data, rs.events-1)
	case len(ev.message) > 0 || len(ev.code) > 0:
		return rs.e.responseError(ev.message, nil, ev.code, []byte("error event"), rs.events-1)
	}
	return rs.e.responseError(nil, nil, nil, data, rs.events-1)
}

// end turns the error that ended the event stream into Invoke's result.
// A final event that the body ends in the middle of, before its blank
// line, still counts, as a cut-off [DONE] does for Chat.
func (rs *respStream) end(ctx context.Context, r *sse.Reader, err error, contentType string) error {
	hint := httpx.ContentTypeHint(contentType, rs.events)
	switch {
	case ctx.Err() != nil:
		return rs.e.transportError(ctx, err, rs.events)
	case err == sse.ErrTruncated:
		if ev, ok := r.Pending(); ok {
			if end, err := rs.event(ev, true); end {
				return err
			}
		}
		return fmt.Errorf("openai: stream ended inside an event after %d events, without %s%s: %w",
			rs.events, evCompleted, hint, endpoints.ErrIncompleteStream)
	case err == io.EOF:
		return fmt.Errorf("openai: stream ended after %d events without %s%s: %w",
			rs.events, evCompleted, hint, endpoints.ErrIncompleteStream)
	case errors.Is(err, sse.ErrEventTooLarge):
		return fmt.Errorf("openai: stream event %d: %w", rs.events+1, err)
	}
	return fmt.Errorf("openai: stream broken after %d events: %w (%w)", rs.events, err, endpoints.ErrIncompleteStream)
}

// failedError builds the error for a failed response: its error's message
// and code.
func (e *Endpoint) failedError(o *respObject, events int) *ResponseError {
	msg := o.err.message
	if len(msg) == 0 {
		msg = []byte("response failed")
	}
	return e.responseError(msg, o.err.typ, o.err.code, nil, events)
}

// incompleteError builds the error for a response that ended incomplete
// for a reason other than max_output_tokens.
func (e *Endpoint) incompleteError(reason []byte, events int) *IncompleteError {
	return &IncompleteError{
		Reason: e.secrets.Message(string(reason), 64),
		Events: events,
	}
}

// wholeResponse reads and decodes a non-streaming Responses API response.
func (e *Endpoint) wholeResponse(ctx context.Context, body io.Reader, rec endpoints.Recorder) error {
	st := getState()
	defer putState(st)
	data, err := httpx.ReadBody(st.body[:0], body, MaxResponseBody)
	st.body = data
	if err != nil {
		return e.transportError(ctx, err, 0)
	}
	d := &st.dec
	if err := d.decodeResponse(data); err != nil {
		return fmt.Errorf("openai: response: %w", err)
	}
	o := &d.ev.resp
	switch status := string(o.status); {
	case o.err.has, status == "failed":
		return e.failedError(o, 0)
	case status == "incomplete":
		if string(o.reason) != lengthLimit {
			return e.incompleteError(o.reason, 0)
		}
	case status != "" && status != "completed":
		// queued or in_progress (a background response), cancelled, or
		// one this endpoint does not know
		return fmt.Errorf("openai: response: status %q, want %q", e.secrets.Message(status, 64), "completed")
	}
	if o.hasID && len(o.id) > 0 {
		rec.ID(string(o.id))
	}
	if len(o.summary) > 0 {
		rec.Reasoning(string(o.summary))
	}
	if len(o.reasoning) > 0 {
		rec.Reasoning(string(o.reasoning))
	}
	rec.Complete(string(o.text))
	if o.hasUsage {
		rec.Usage(o.usage)
	}
	return nil
}
