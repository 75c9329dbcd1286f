package sagemaker

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
	"github.com/llmtest/llmtest/endpoints/internal/jsonpath"
	"github.com/llmtest/llmtest/endpoints/internal/sse"
)

// invokeStream calls InvokeEndpointWithResponseStream and reports the
// lines of the body, which arrives in PayloadPart events, as they
// complete.
func (e *Endpoint) invokeStream(ctx context.Context, p *prepared, rec endpoints.Recorder) error {
	const name = "invoke-stream"
	var at awsrt.Attempts
	out, err := e.client.InvokeEndpointWithResponseStream(ctx, p.stream, attempts(&at), ownProtocol)
	at.Report(rec)
	if err != nil {
		return e.callError(ctx, name, err)
	}
	stream := out.GetStream()
	defer stream.Close()
	awsrt.RequestID(out.ResultMetadata, rec)

	d := newDecoder(p.paths, p.style == TGI, rec)
	events := stream.Events()
	n := 0
	for {
		var ev types.ResponseStream
		var ok bool
		select {
		case ev, ok = <-events:
		case <-ctx.Done():
			return e.streamError(ctx, name, ctx.Err(), n)
		}
		if !ok {
			if err := stream.Err(); err != nil {
				return e.streamError(ctx, name, err, n)
			}
			if ctx.Err() != nil {
				return e.streamError(ctx, name, ctx.Err(), n)
			}
			if err := d.finish(); err != nil {
				if se := e.lineError(err, n); se != nil {
					return se
				}
				return fmt.Errorf("sagemaker: %s: %w: the stream ended inside line %d after %d events: %w",
					name, endpoints.ErrIncompleteStream, d.lines, n, err)
			}
			if !d.ended && !e.cfg.IgnoreStreamEnd {
				return fmt.Errorf("sagemaker: %s: %w: the stream ended after %d events without %s",
					name, endpoints.ErrIncompleteStream, n, d.endMarker())
			}
			return nil
		}
		n++
		part, ok := ev.(*types.ResponseStreamMemberPayloadPart)
		if !ok {
			continue // an event this version of the API does not define
		}
		if err := d.part(part.Value.Bytes); err != nil {
			if se := e.lineError(err, n-1); se != nil {
				return se
			}
			return fmt.Errorf("sagemaker: %s: line %d (event %d): %w", name, d.lines, n, err)
		}
	}
}

// lineError completes a *StreamError from the decoder, which saw an error
// object in the stream after events events; nil for other errors.
func (e *Endpoint) lineError(err error, events int) *StreamError {
	var se *StreamError
	if !errors.As(err, &se) {
		return nil
	}
	se.Message = awsrt.Message(e.secrets, se.Message)
	se.Code = awsrt.Message(e.secrets, se.Code)
	se.Events = events
	return se
}

// decoder reads the lines of a streamed body, given in parts split at any
// byte: Server-Sent Events ("data:" lines, with or without a space, other
// fields and comments ignored, CRLF or LF) or bare JSON lines. Once its
// line buffer has grown to the longest line split across parts, decoding
// a part allocates nothing; a line within one part is read in place.
type decoder struct {
	paths *awsrt.Paths
	tgi   bool
	rec   endpoints.Recorder
	cr    *awsrt.ChunkReader // reads each line's JSON in one pass

	line  []byte // the beginning of a line split across parts
	lines int    // the number of data lines read
	ended bool   // whether the end marker was seen
}

// newDecoder returns a decoder of one stream read with ps.
func newDecoder(ps *awsrt.Paths, tgi bool, rec endpoints.Recorder) *decoder {
	return &decoder{paths: ps, tgi: tgi, rec: rec, cr: ps.NewChunkReader()}
}

var (
	dataField = []byte("data:")
	doneData  = []byte("[DONE]")
)

// MaxLine is the longest line, in bytes, a stream may send; a longer one
// fails the request rather than grow the decoder's buffer without bound.
const MaxLine = sse.DefaultMaxEventSize

// part decodes the next part of the body. A line whose JSON value is
// complete when a part ends is decoded at once, without waiting for the
// line end in a later part, so that its text is timed when it arrived.
func (d *decoder) part(b []byte) error {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(d.line)+len(b) > MaxLine {
				return fmt.Errorf("a line longer than %d bytes", MaxLine)
			}
			d.line = append(d.line, b...)
			if complete(d.line) {
				err := d.handle(d.line)
				d.line = d.line[:0]
				return err
			}
			return nil
		}
		if len(d.line)+i > MaxLine {
			return fmt.Errorf("a line longer than %d bytes", MaxLine)
		}
		l := b[:i]
		b = b[i+1:]
		if len(d.line) > 0 {
			d.line = append(d.line, l...)
			l = d.line
		}
		err := d.handle(l)
		d.line = d.line[:0]
		if err != nil {
			return err
		}
	}
	return nil
}

// finish decodes a last line that no line end followed.
func (d *decoder) finish() error {
	if len(d.line) == 0 {
		return nil
	}
	l := d.line
	d.line = nil
	return d.handle(l)
}

// endMarker names what ends a stream, for errors.
func (d *decoder) endMarker() string {
	if d.paths.StreamEnd != nil {
		return "[DONE] or a line with " + d.paths.StreamEnd.String()
	}
	return "[DONE]"
}

// handle decodes one line.
func (d *decoder) handle(l []byte) error {
	l = bytes.TrimSpace(l)
	switch {
	case len(l) == 0 || l[0] == ':':
		return nil // an event's end, or a comment
	case bytes.HasPrefix(l, dataField):
		l = bytes.TrimSpace(l[len(dataField):])
		if len(l) == 0 {
			return nil
		}
	case l[0] != '{' && l[0] != '[' && sseField(l):
		return nil // another SSE field
	}
	d.lines++
	if bytes.Equal(l, doneData) {
		d.ended = true
		return nil
	}
	c, err := d.cr.ReadChunk(l)
	if err != nil {
		return err
	}
	v := d.cr.Values
	if c.TextFound {
		if len(c.Text) > 0 && !(d.tgi && special(v)) {
			d.rec.TextBytes(c.Text)
		}
	} else if err := errorObject(v); err != nil {
		return err
	}
	if len(c.Reasoning) > 0 {
		d.rec.Reasoning(string(c.Reasoning))
	}
	if c.Usage.InputTokens > 0 || c.Usage.OutputTokens > 0 {
		d.rec.Usage(c.Usage)
	}
	d.ended = d.ended || c.End
	return nil
}

// complete reports whether l, a line without its line end, holds a whole
// data line: "data:" and a complete JSON value or [DONE], or a complete
// bare JSON value.
func complete(l []byte) bool {
	l = bytes.TrimSpace(l)
	if bytes.HasPrefix(l, dataField) {
		l = bytes.TrimSpace(l[len(dataField):])
		if bytes.Equal(l, doneData) {
			return true
		}
	}
	if len(l) < 2 || (l[0] != '{' && l[0] != '[') || (l[len(l)-1] != '}' && l[len(l)-1] != ']') {
		return false
	}
	return closes(l)
}

// closes reports whether the brackets opened at l[0] close at the last
// byte of l, strings skipped; whether the JSON is valid is for the
// decoding to say.
func closes(l []byte) bool {
	depth := 0
	in, esc := false, false
	for i, c := range l {
		switch {
		case esc:
			esc = false
		case in:
			switch c {
			case '\\':
				esc = true
			case '"':
				in = false
			}
		case c == '"':
			in = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i == len(l)-1
			}
		}
	}
	return false
}

// sseField reports whether l is a Server-Sent Events field other than
// data: "event:", "id:" or "retry:", with or without a value.
func sseField(l []byte) bool {
	name, _, _ := bytes.Cut(l, []byte(":"))
	switch string(name) {
	case "event", "id", "retry":
		return true
	}
	return false
}

// lineExtra are the paths each line is read with besides the configured
// ones: TGI's special token and the fields of error objects, at the
// indexes below.
var lineExtra = []*jsonpath.Path{
	jsonpath.MustParse("token.special"),
	jsonpath.MustParse("error"),
	jsonpath.MustParse("error.message"),
	jsonpath.MustParse("error_type|error.type|error.code"),
	jsonpath.MustParse("object"),
	jsonpath.MustParse("message"),
	jsonpath.MustParse("type|code"),
}

// The indexes of lineExtra in a line's Values.
const (
	lineSpecial = awsrt.ChunkExtra + iota
	lineError
	lineErrorMessage
	lineErrorCode
	lineObject
	lineMessage
	lineCode
)

// special reports whether a TGI line's token is a special token, such as
// the end-of-sequence token, whose text is not part of the output.
func special(v *jsonpath.Values) bool {
	val, found := v.Lookup(lineSpecial)
	if !found {
		return false
	}
	b, err := val.Bool()
	return err == nil && b
}

// errorObject returns a *StreamError when the line read into v is an error
// object: TGI's {"error": "...", "error_type": "..."}, OpenAI's {"error":
// {"message": ..., "type": ...}} or vLLM's {"object": "error", "message":
// ...}.
func errorObject(v *jsonpath.Values) error {
	if val, found := v.Lookup(lineError); found && (val.Kind() == jsonpath.String || val.Kind() == jsonpath.Object) {
		se := &StreamError{Type: ModelErrorType, Code: text(v, lineErrorCode)}
		if val.Kind() == jsonpath.String {
			se.Message = text(v, lineError)
		} else {
			se.Message = text(v, lineErrorMessage)
		}
		return se
	}
	if val, found := v.Lookup(lineObject); found && val.Kind() == jsonpath.String {
		if t, _ := val.Text(nil); string(t) != "error" { // no allocation
			return nil
		}
		return &StreamError{Type: ModelErrorType, Code: text(v, lineCode), Message: text(v, lineMessage)}
	}
	return nil
}

// text returns the string or number path i leads to, or "".
func text(v *jsonpath.Values, i int) string {
	val, found := v.Lookup(i)
	if !found {
		return ""
	}
	switch val.Kind() {
	case jsonpath.String:
		t, _ := val.Text(nil)
		return string(t)
	case jsonpath.Number:
		return string(val.Raw())
	}
	return ""
}
