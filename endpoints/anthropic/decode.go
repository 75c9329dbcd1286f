package anthropic

import (
	"fmt"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/internal/jsonscan"
)

// usage is a Messages usage object. A field counts as reported when it is
// present and not null; see the has* bits.
type usage struct {
	input, cacheRead, cacheCreation, output int
	has                                     uint8
}

// Bits of usage.has.
const (
	hasInput uint8 = 1 << iota
	hasCacheRead
	hasCacheCreation
	hasOutput
	hasInputParts = hasInput | hasCacheRead | hasCacheCreation
)

// merge overwrites u's fields with those that v reports.
func (u *usage) merge(v usage) {
	if v.has&hasInput != 0 {
		u.input = v.input
	}
	if v.has&hasCacheRead != 0 {
		u.cacheRead = v.cacheRead
	}
	if v.has&hasCacheCreation != 0 {
		u.cacheCreation = v.cacheCreation
	}
	if v.has&hasOutput != 0 {
		u.output = v.output
	}
	u.has |= v.has
}

// counts converts u to the engine's usage: the prompt's tokens are
// input_tokens + cache_read_input_tokens + cache_creation_input_tokens
// (Anthropic's input_tokens leaves out the tokens read from or written to
// the cache), of which cache_read_input_tokens were cached. The output
// tokens are reported only when withOutput is set.
func (u *usage) counts(withOutput bool) endpoints.Usage {
	var c endpoints.Usage
	if u.has&hasInputParts != 0 {
		c.InputTokens = u.input + u.cacheRead + u.cacheCreation
		c.CachedInputTokens = u.cacheRead
	}
	if withOutput && u.has&hasOutput != 0 {
		c.OutputTokens = u.output
	}
	return c
}

// block is a content block or a delta: its "type", and its "text" and
// "thinking" when they are strings.
type block struct {
	typ, text, thinking []byte
}

func (b *block) reset() { b.typ, b.text, b.thinking = b.typ[:0], b.text[:0], b.thinking[:0] }

// event is what the decoder takes out of one event's data, or out of a
// whole (non-streaming) message. Its slices are reused from one decode to
// the next.
//
// The fields follow the JSON as encoding/json decodes it into an interface
// value: when a key appears twice in an object, the last one wins, and
// null is the same as absent.
type event struct {
	typ []byte // "type", when a string
	id  []byte // "id", when a string (a whole message)

	hasMessage bool   // "message" is an object (message_start)
	msgID      []byte // message.id, when a string
	msgUsage   usage  // message.usage

	usage usage // "usage" (message_delta, or a whole message)

	delta  block // "delta" (content_block_delta; message_delta's too)
	cblock block // "content_block" (content_block_start)

	// "content" (a whole message): the text blocks' text concatenated, and
	// the thinking blocks' thinking concatenated, each block ending at the
	// offset thinkingEnds lists.
	hasContent   bool
	text         []byte
	thinking     []byte
	thinkingEnds []int

	// "error": an object with type and message, or a string (the message).
	hasError            bool
	errType, errMessage []byte

	scratch block // one element of "content" while it is read
}

// decoder decodes events and messages into its event, allocating nothing
// once its buffers have grown.
type decoder struct {
	s  jsonscan.Scanner
	ev event
}

// fieldError is a field with a value of the wrong type. Its text names the
// field by its path, such as "delta.text: want a string, got a number".
type fieldError struct {
	path string // empty for the value itself, until within names it
	want string
	got  string
}

func (e *fieldError) Error() string {
	return e.path + ": want " + e.want + ", got " + e.got
}

// within prefixes the path of a field error with name, the name of the
// field holding it.
func within(name string, err error) error {
	fe, ok := err.(*fieldError)
	if !ok {
		return err
	}
	path := name
	if fe.path != "" {
		path += "." + fe.path
	}
	return &fieldError{path: path, want: fe.want, got: fe.got}
}

// first returns the first of errs that is not nil.
func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// decode decodes one JSON text, an event's data or a whole message, into
// d.ev. It fails on invalid JSON, on a text that is not an object, and on
// a field it reads that has the wrong type; it ignores every other field.
func (d *decoder) decode(data []byte) error {
	s, ev := &d.s, &d.ev
	s.Reset(data)
	ev.typ, ev.id = ev.typ[:0], ev.id[:0]
	ev.hasMessage, ev.msgID, ev.msgUsage = false, ev.msgID[:0], usage{}
	ev.usage = usage{}
	ev.delta.reset()
	ev.cblock.reset()
	d.resetContent()
	ev.hasError, ev.errType, ev.errMessage = false, ev.errType[:0], ev.errMessage[:0]

	if err := s.BeginTopObject(); err != nil {
		return err // "invalid JSON" for a text that is not JSON at all
	}
	var messageErr, usageErr, deltaErr, blockErr, contentErr error
	for s.NextKey() {
		switch string(s.Key()) {
		case "type":
			ev.typ, _ = d.optString(ev.typ[:0])
		case "id":
			ev.id, _ = d.optString(ev.id[:0])
		case "message":
			messageErr = d.message()
		case "usage":
			usageErr = within("usage", d.usage(&ev.usage))
		case "delta":
			deltaErr = within("delta", d.block(&ev.delta))
		case "content_block":
			blockErr = within("content_block", d.block(&ev.cblock))
		case "content":
			contentErr = d.content()
		case "error":
			d.errorValue()
		default:
			s.Skip()
		}
	}
	if !s.End() {
		return s.Err()
	}
	return first(messageErr, usageErr, deltaErr, blockErr, contentErr)
}

// mismatch skips a value of the wrong type and describes it.
func (d *decoder) mismatch(path, want string) error {
	err := &fieldError{path: path, want: want, got: d.s.Peek().String()}
	d.s.Skip()
	return err
}

// optString reads a string into dst; any other value is skipped and
// reported absent.
func (d *decoder) optString(dst []byte) ([]byte, bool) {
	if d.s.Peek() == jsonscan.String {
		return d.s.AppendString(dst)
	}
	d.s.Skip()
	return dst, false
}

// text reads a string or null into *dst (appending to it) for field.
func (d *decoder) text(dst *[]byte, field string) error {
	switch d.s.Peek() {
	case jsonscan.String:
		*dst, _ = d.s.AppendString(*dst)
		return nil
	case jsonscan.Null:
		d.s.Skip()
		return nil
	}
	return d.mismatch(field, "a string")
}

// tokens reads a token count or null for field, setting or clearing bit in
// *has.
func (d *decoder) tokens(dst *int, has *uint8, bit uint8, field string) error {
	*dst = 0
	*has &^= bit
	switch d.s.Peek() {
	case jsonscan.Number:
		num, ok := d.s.Number()
		if !ok {
			return nil
		}
		n, whole := jsonscan.WholeNumber(num)
		if !whole {
			return &fieldError{path: field, want: "a non-negative whole number", got: string(num)}
		}
		*dst = n
		*has |= bit
		return nil
	case jsonscan.Null:
		d.s.Skip()
		return nil
	}
	return d.mismatch(field, "a number")
}

// usage reads a usage object (or null) into u.
func (d *decoder) usage(u *usage) error {
	s := &d.s
	*u = usage{}
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return nil
	case jsonscan.Object:
	default:
		return d.mismatch("", "an object")
	}
	var inErr, readErr, createErr, outErr error
	s.BeginObject()
	for s.NextKey() {
		switch string(s.Key()) {
		case "input_tokens":
			inErr = d.tokens(&u.input, &u.has, hasInput, "input_tokens")
		case "cache_read_input_tokens":
			readErr = d.tokens(&u.cacheRead, &u.has, hasCacheRead, "cache_read_input_tokens")
		case "cache_creation_input_tokens":
			createErr = d.tokens(&u.cacheCreation, &u.has, hasCacheCreation, "cache_creation_input_tokens")
		case "output_tokens":
			outErr = d.tokens(&u.output, &u.has, hasOutput, "output_tokens")
		default:
			s.Skip()
		}
	}
	return first(inErr, readErr, createErr, outErr)
}

// block reads a content block or a delta (or null) into b.
func (d *decoder) block(b *block) error {
	s := &d.s
	b.reset()
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return nil
	case jsonscan.Object:
	default:
		return d.mismatch("", "an object")
	}
	var textErr, thinkingErr error
	s.BeginObject()
	for s.NextKey() {
		switch string(s.Key()) {
		case "type":
			b.typ, _ = d.optString(b.typ[:0])
		case "text":
			b.text = b.text[:0]
			textErr = d.text(&b.text, "text")
		case "thinking":
			b.thinking = b.thinking[:0]
			thinkingErr = d.text(&b.thinking, "thinking")
		default:
			s.Skip()
		}
	}
	return first(textErr, thinkingErr)
}

// message reads "message", the message that message_start carries: its
// id and usage.
func (d *decoder) message() error {
	s, ev := &d.s, &d.ev
	ev.hasMessage, ev.msgID, ev.msgUsage = false, ev.msgID[:0], usage{}
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return nil
	case jsonscan.Object:
	default:
		return d.mismatch("message", "an object")
	}
	ev.hasMessage = true
	var usageErr error
	s.BeginObject()
	for s.NextKey() {
		switch string(s.Key()) {
		case "id":
			ev.msgID, _ = d.optString(ev.msgID[:0])
		case "usage":
			usageErr = within("usage", d.usage(&ev.msgUsage))
		default:
			s.Skip()
		}
	}
	return within("message", usageErr)
}

func (d *decoder) resetContent() {
	ev := &d.ev
	ev.hasContent, ev.text, ev.thinking, ev.thinkingEnds = false, ev.text[:0], ev.thinking[:0], ev.thinkingEnds[:0]
}

// content reads a whole message's "content", a list of content blocks (or
// null), keeping the text of its text blocks and the thinking of its
// thinking blocks.
func (d *decoder) content() error {
	s, ev := &d.s, &d.ev
	d.resetContent()
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return nil
	case jsonscan.Array:
	default:
		return d.mismatch("content", "a list")
	}
	ev.hasContent = true
	var err error
	s.BeginArray()
	for i := 0; s.NextElement(); i++ {
		berr := d.block(&ev.scratch)
		if berr != nil {
			if err == nil {
				err = within(fmt.Sprintf("content[%d]", i), berr)
			}
			continue
		}
		switch b := &ev.scratch; string(b.typ) {
		case "text":
			ev.text = append(ev.text, b.text...)
		case "thinking":
			ev.thinking = append(ev.thinking, b.thinking...)
			ev.thinkingEnds = append(ev.thinkingEnds, len(ev.thinking))
		}
	}
	return err
}

// errorValue reads "error": an object with "type" and "message", or a
// string (the message); null is no error, and any other value an error
// without details.
func (d *decoder) errorValue() {
	s, ev := &d.s, &d.ev
	ev.hasError, ev.errType, ev.errMessage = false, ev.errType[:0], ev.errMessage[:0]
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return
	case jsonscan.String:
		ev.hasError = true
		ev.errMessage, _ = s.AppendString(ev.errMessage)
		return
	case jsonscan.Object:
	default:
		ev.hasError = true
		s.Skip()
		return
	}
	ev.hasError = true
	s.BeginObject()
	for s.NextKey() {
		switch string(s.Key()) {
		case "type":
			ev.errType, _ = d.optString(ev.errType[:0])
		case "message":
			ev.errMessage, _ = d.optString(ev.errMessage[:0])
		default:
			s.Skip()
		}
	}
}

// thinkingBlocks calls f with the thinking of each thinking block of a
// whole message, in order.
func (ev *event) thinkingBlocks(f func([]byte)) {
	start := 0
	for _, end := range ev.thinkingEnds {
		f(ev.thinking[start:end])
		start = end
	}
}
