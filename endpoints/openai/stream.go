package openai

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
)

// maxKeep is the largest buffer a pooled state keeps.
const maxKeep = 1 << 20

// state is the per-request working memory: the SSE reader and the chunk
// decoder with their buffers. It is pooled, so that a request allocates
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
	st.dec.s.Reset(nil)
	st.dec.ev.trim()
	statePool.Put(st)
}

var done = []byte("[DONE]")

// stream reads a streamed response (text/event-stream) to its end.
//
// Each event's data is one chunk. A chunk's visible text goes to
// rec.TextBytes and its reasoning to rec.Reasoning; the first response id
// to rec.ID; usage to rec.Usage. "data: [DONE]" ends the stream
// successfully. An error object in a chunk, or an "event: error", fails it
// with a *ResponseError; the end of the body before [DONE] with an error
// wrapping endpoints.ErrIncompleteStream.
//
// contentType is the response's, for the error when no chunk arrives.
func (e *Endpoint) stream(ctx context.Context, body io.Reader, contentType string, rec endpoints.Recorder, cancel context.CancelFunc) error {
	st := getState()
	defer putState(st)
	r, d := &st.sse, &st.dec
	r.Reset(body)
	d.shape = chatDelta
	if e.api == Completions {
		d.shape = textChoice
	}
	c := &d.c
	chunks := 0
	idSent := false
	for {
		ev, err := r.Next()
		if err != nil {
			return e.streamEnd(ctx, r, err, chunks, contentType)
		}
		data := ev.Data
		switch string(ev.Type) {
		case "", "message":
		case "error":
			return e.errorEvent(data, chunks)
		default:
			continue // an event type this API does not define
		}
		if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 {
			continue // an event without data: a keep-alive
		} else if trimmed[0] == '[' && bytes.Equal(trimmed, done) {
			httpx.Drain(body, r.ReadErr(), cancel)
			return nil
		}
		chunks++
		if err := d.decode(data); err != nil {
			return fmt.Errorf("openai: stream chunk %d: %w", chunks, err)
		}
		if msg, typ, code, ok := c.streamError(); ok {
			return e.responseError(msg, typ, code, data, chunks-1)
		}
		if !idSent && len(c.id) > 0 {
			rec.ID(string(c.id))
			idSent = true
		}
		if t := c.reasoningText(); len(t) > 0 {
			rec.Reasoning(string(t))
		}
		if len(c.text) > 0 {
			rec.TextBytes(c.text)
		}
		if c.hasUsage {
			rec.Usage(c.usage)
		}
	}
}

// streamEnd turns the error that ended the event stream into Invoke's
// result.
func (e *Endpoint) streamEnd(ctx context.Context, r *sse.Reader, err error, chunks int, contentType string) error {
	hint := httpx.ContentTypeHint(contentType, chunks)
	switch {
	case ctx.Err() != nil:
		return e.transportError(ctx, err, chunks)
	case err == sse.ErrTruncated:
		// The standard drops an event the stream ends in the middle of; a
		// [DONE] cut off before its blank line still says the server
		// finished, so it counts.
		if ev, ok := r.Pending(); ok && len(ev.Type) == 0 && bytes.Equal(bytes.TrimSpace(ev.Data), done) {
			return nil
		}
		return fmt.Errorf("openai: stream ended inside an event after %d chunks, without [DONE]%s: %w", chunks, hint, endpoints.ErrIncompleteStream)
	case err == io.EOF:
		return fmt.Errorf("openai: stream ended after %d chunks without [DONE]%s: %w", chunks, hint, endpoints.ErrIncompleteStream)
	case errors.Is(err, sse.ErrEventTooLarge):
		return fmt.Errorf("openai: stream chunk %d: %w", chunks+1, err)
	}
	// A read error: the connection broke.
	return fmt.Errorf("openai: stream broken after %d chunks: %w (%w)", chunks, err, endpoints.ErrIncompleteStream)
}

// errorEvent builds the error for an "event: error": the message of the
// JSON error object it carries, or its data as text.
func (e *Endpoint) errorEvent(data []byte, chunks int) error {
	var d decoder
	d.shape = chatDelta
	if d.decode(data) == nil {
		if msg, typ, code, ok := d.c.streamError(); ok {
			return e.responseError(msg, typ, code, data, chunks)
		}
		if len(d.c.message) > 0 { // {"message": ...}
			return e.responseError(d.c.message, d.c.typ, d.c.code, data, chunks)
		}
	}
	return e.responseError(nil, nil, nil, data, chunks)
}
