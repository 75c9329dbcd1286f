package anthropic

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/httpx"
	"github.com/llmtest/llmtest/endpoints/internal/sse"
	"github.com/llmtest/llmtest/internal/redact"
)

// maxKeep is the largest buffer a pooled state keeps.
const maxKeep = 1 << 20

// state is the working memory of one request: the SSE reader, the event
// decoder and the body buffer. It is pooled, so that a request allocates
// none of it once the pool is warm.
type state struct {
	sse  sse.Reader
	dec  decoder
	body []byte
}

var statePool = sync.Pool{New: func() any { return new(state) }}

func getState() *state { return statePool.Get().(*state) }

func putState(st *state) {
	st.sse.Reset(nil) // drops the body; keeps buffers up to 1 MiB
	if cap(st.body) > maxKeep {
		st.body = nil
	}
	st.dec.trim()
	statePool.Put(st)
}

// trim drops the decoder's input and any buffer grown beyond maxKeep.
func (d *decoder) trim() {
	d.s.Reset(nil)
	ev := &d.ev
	for _, b := range []*[]byte{&ev.text, &ev.thinking, &ev.delta.text, &ev.delta.thinking,
		&ev.cblock.text, &ev.cblock.thinking, &ev.scratch.text, &ev.scratch.thinking, &ev.errMessage} {
		if cap(*b) > maxKeep {
			*b = nil
		}
	}
}

// Event types of a Messages stream.
const (
	evMessageStart      = "message_start"
	evContentBlockStart = "content_block_start"
	evContentBlockDelta = "content_block_delta"
	evMessageDelta      = "message_delta"
	evMessageStop       = "message_stop"
	evError             = "error"
)

// stream reads a streamed response (text/event-stream) to its end; see
// the package documentation for what each event reports.
//
// An event's type is its "event:" field, or, when it has none, its data's
// "type". Events of the types Invoke reads are decoded; the others (ping,
// content_block_stop, types it does not know) are skipped undecoded.
//
// contentType is the response's, for the error when no event arrives.
func (e *Endpoint) stream(ctx context.Context, body io.Reader, contentType string, rec endpoints.Recorder, cancel context.CancelFunc) error {
	st := getState()
	defer putState(st)
	r, d := &st.sse, &st.dec
	r.Reset(body)
	ev := &d.ev
	var u usage // the usage reported so far
	idSent := false
	for n := 0; ; n++ { // n: the events before this one
		sev, err := r.Next()
		if err != nil {
			return e.streamEnd(ctx, r, err, n, contentType)
		}
		name := sev.Type
		switch string(name) {
		case "":
		case evMessageStart, evContentBlockStart, evContentBlockDelta, evMessageDelta, evError:
		case evMessageStop:
			httpx.Drain(body, r.ReadErr(), cancel)
			return nil
		default:
			continue // ping, content_block_stop, or a type Invoke does not read
		}
		data := sev.Data
		if err := d.decode(data); err != nil {
			if string(name) == evError { // not JSON: the data is the message
				ev.errType, ev.errMessage = ev.errType[:0], ev.errMessage[:0]
				return e.responseError(ev, bytes.TrimSpace(data), n)
			}
			if len(bytes.TrimSpace(data)) == 0 {
				continue // an event without data, such as a keep-alive
			}
			return fmt.Errorf("anthropic: stream event %d%s: %w", n+1, named(name), err)
		}
		if len(name) == 0 {
			name = ev.typ
		}
		switch string(name) {
		case evContentBlockDelta:
			switch string(ev.delta.typ) {
			case "text_delta":
				if len(ev.delta.text) > 0 {
					rec.TextBytes(ev.delta.text)
				}
			case "thinking_delta":
				if len(ev.delta.thinking) > 0 {
					rec.Reasoning(string(ev.delta.thinking))
				}
			}
		case evContentBlockStart:
			// The block starts empty, but what it holds is output.
			switch string(ev.cblock.typ) {
			case "text":
				if len(ev.cblock.text) > 0 {
					rec.TextBytes(ev.cblock.text)
				}
			case "thinking":
				if len(ev.cblock.thinking) > 0 {
					rec.Reasoning(string(ev.cblock.thinking))
				}
			}
		case evMessageStart:
			if !idSent && len(ev.msgID) > 0 {
				rec.ID(string(ev.msgID))
				idSent = true
			}
			// Its output_tokens is a placeholder: message_delta has the
			// count.
			start := ev.msgUsage
			start.has &^= hasOutput
			if start.has != 0 {
				u.merge(start)
				rec.Usage(u.counts(false))
			}
		case evMessageDelta:
			if ev.usage.has != 0 {
				u.merge(ev.usage)
				rec.Usage(u.counts(true))
			}
		case evMessageStop:
			httpx.Drain(body, r.ReadErr(), cancel)
			return nil
		case evError:
			return e.responseError(ev, bytes.TrimSpace(data), n)
		}
	}
}

// named returns " (<name>)" for an event's type, or "" for none.
func named(name []byte) string {
	if len(name) == 0 {
		return ""
	}
	return " (" + redact.Truncate(string(name), 64) + ")"
}

// streamEnd turns the error that ended the event stream into Invoke's
// result. n is the number of events read.
func (e *Endpoint) streamEnd(ctx context.Context, r *sse.Reader, err error, n int, contentType string) error {
	hint := httpx.ContentTypeHint(contentType, n)
	switch {
	case ctx.Err() != nil:
		return e.transportError(ctx, err, n)
	case err == sse.ErrTruncated:
		// The standard drops an event cut off before its blank line; a
		// message_stop cut off so still says the message is complete.
		if pending, ok := r.Pending(); ok && isMessageStop(pending) {
			return nil
		}
		return fmt.Errorf("anthropic: stream ended inside an event after %d events, without message_stop%s: %w", n, hint, endpoints.ErrIncompleteStream)
	case err == io.EOF:
		return fmt.Errorf("anthropic: stream ended after %d events without message_stop%s: %w", n, hint, endpoints.ErrIncompleteStream)
	case errors.Is(err, sse.ErrEventTooLarge):
		return fmt.Errorf("anthropic: stream event %d: %w", n+1, err)
	}
	// A read error: the connection broke. The error unwraps to both
	// ErrIncompleteStream and the read error.
	return fmt.Errorf("anthropic: stream broken after %d events, without message_stop: %w (%w)", n, err, endpoints.ErrIncompleteStream)
}

// isMessageStop reports whether an event is a message_stop, by its name or,
// without one, by its data's type.
func isMessageStop(ev sse.Event) bool {
	if len(ev.Type) > 0 {
		return string(ev.Type) == evMessageStop
	}
	var d decoder
	return d.decode(ev.Data) == nil && string(d.ev.typ) == evMessageStop
}
