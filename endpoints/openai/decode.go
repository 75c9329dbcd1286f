package openai

import (
	"fmt"

	"github.com/llmtest/llmtest/endpoints"
)

// shape says where a response keeps the text of a choice.
type shape uint8

const (
	chatDelta   shape = iota // choices[].delta.content: a chat completion chunk
	chatMessage              // choices[].message.content: a whole chat completion
	textChoice               // choices[].text: a completion, chunk or whole
)

// chunk is what the decoder takes out of one chunk or one whole response.
// Its slices are reused from one decode to the next.
//
// Its fields follow the JSON as encoding/json would decode it into an
// interface value: when a key appears twice in an object, the last one
// wins, and null is the same as absent.
type chunk struct {
	id    []byte // top-level "id", when a string
	hasID bool

	// The choice with index 0 (or no index): the first such element of
	// "choices". With n > 1, chunks of the other choices are ignored.
	hasChoice    bool
	text         []byte // delta.content, message.content or text
	reasoning    []byte // delta.reasoning_content (vLLM, DeepSeek)
	reasoningAlt []byte // delta.reasoning (other servers)

	usage    endpoints.Usage // "usage", when an object
	hasUsage bool

	// An error reported in the body: a non-null "error" (an object with
	// message, type and code, or a string), or "object": "error" with
	// top-level message, type and code (vLLM's error shape).
	hasError                     bool
	errMessage, errType, errCode []byte
	object                       []byte
	message, typ, code           []byte
}

// streamError reports whether the chunk carries an error, and returns it.
func (c *chunk) streamError() (msg, typ, code []byte, ok bool) {
	switch {
	case c.hasError:
		return c.errMessage, c.errType, c.errCode, true
	case string(c.object) == "error":
		return c.message, c.typ, c.code, true
	}
	return nil, nil, nil, false
}

// reasoningText returns the reasoning delta: reasoning_content when it is
// not empty, else reasoning. Servers that send both send the same text.
func (c *chunk) reasoningText() []byte {
	if len(c.reasoning) > 0 {
		return c.reasoning
	}
	return c.reasoningAlt
}

// decoder decodes chunks and responses into its chunk (and Responses API
// events and responses into its respEvent), allocating nothing once its
// buffers have grown.
type decoder struct {
	s     scanner
	shape shape
	c     chunk     // what decode finds
	ev    respEvent // what decodeEvent and decodeResponse find
}

// decode decodes one JSON text, a chunk or a whole response, into d.c. It
// fails on invalid JSON, on a text that is not an object, and on a field
// it reads that has the wrong type (see chunk); it ignores the others.
func (d *decoder) decode(data []byte) error {
	s, c := &d.s, &d.c
	s.reset(data)
	c.id, c.hasID = c.id[:0], false
	c.hasChoice = false
	c.text, c.reasoning, c.reasoningAlt = c.text[:0], c.reasoning[:0], c.reasoningAlt[:0]
	c.usage, c.hasUsage = endpoints.Usage{}, false
	c.hasError = false
	c.errMessage, c.errType, c.errCode = c.errMessage[:0], c.errType[:0], c.errCode[:0]
	c.object, c.message, c.typ, c.code = c.object[:0], c.message[:0], c.typ[:0], c.code[:0]

	if k := s.kind(); k != '{' {
		if k == 0 {
			s.fail("want a JSON value")
			return s.err
		}
		return fmt.Errorf("want a JSON object, got %s", kindName(k))
	}
	s.beginObject()
	var choicesErr, usageErr error
	for i := 0; ; i++ {
		key, more, ok := s.member(i)
		if !ok {
			return s.err
		}
		if !more {
			break
		}
		switch string(key) {
		case "id":
			c.id, c.hasID, ok = d.optString(c.id[:0])
		case "choices":
			choicesErr, ok = d.choices()
		case "usage":
			usageErr, ok = d.usage()
		case "error":
			ok = d.errorValue()
		case "object":
			c.object, _, ok = d.optString(c.object[:0])
		case "message":
			c.message, _, ok = d.optString(c.message[:0])
		case "type":
			c.typ, _, ok = d.optString(c.typ[:0])
		case "code":
			c.code, ok = d.optCode(c.code[:0])
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
	return orErr(choicesErr, usageErr)
}

// orErr returns the first of its errors that is not nil.
func orErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// kindName names a value type returned by scanner.kind.
func kindName(k byte) string {
	switch k {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '0':
		return "a number"
	case 't':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "nothing"
}

// mismatch skips a value of the wrong type and describes it.
func (d *decoder) mismatch(field, want string) (error, bool) {
	err := fmt.Errorf("%s: want %s, got %s", field, want, kindName(d.s.kind()))
	return err, d.s.skip()
}

// optString reads a string into dst; any other value is skipped and
// reported absent.
func (d *decoder) optString(dst []byte) (v []byte, present, ok bool) {
	if d.s.kind() == '"' {
		v, ok = d.s.str(dst)
		return v, ok, ok
	}
	return dst, false, d.s.skip()
}

// optCode reads an error code, a string or a number (kept as written); any
// other value is skipped and reported empty.
func (d *decoder) optCode(dst []byte) ([]byte, bool) {
	switch d.s.kind() {
	case '"':
		return d.s.str(dst)
	case '0':
		num, ok := d.s.number()
		return append(dst, num...), ok
	}
	return dst, d.s.skip()
}

// text reads a string or null into *dst (appending to it), for field.
func (d *decoder) text(dst *[]byte, field string) (err error, ok bool) {
	switch d.s.kind() {
	case '"':
		*dst, ok = d.s.str(*dst)
		return nil, ok
	case 'n':
		return nil, d.s.literal()
	}
	return d.mismatch(field, "a string")
}

// tokens reads a token count or null into *dst, for field.
func (d *decoder) tokens(dst *int, field string) (err error, ok bool) {
	*dst = 0
	switch d.s.kind() {
	case '0':
		num, ok := d.s.number()
		if !ok {
			return nil, false
		}
		n, whole := count(num)
		if !whole {
			return fmt.Errorf("%s: want a non-negative whole number, got %s", field, num), true
		}
		*dst = n
		return nil, true
	case 'n':
		return nil, d.s.literal()
	}
	return d.mismatch(field, "a number")
}

// choices reads the "choices" array, keeping the choice with index 0.
func (d *decoder) choices() (err error, ok bool) {
	s, c := &d.s, &d.c
	c.hasChoice = false
	c.text, c.reasoning, c.reasoningAlt = c.text[:0], c.reasoning[:0], c.reasoningAlt[:0]
	switch s.kind() {
	case 'n':
		return nil, s.literal()
	case '[':
	default:
		return d.mismatch("choices", "an array")
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
		cerr, ok := d.choice(i)
		if !ok {
			return nil, false
		}
		if err == nil {
			err = cerr
		}
	}
}

// pathError prefixes a field error with the name of the object holding it.
type pathError struct {
	prefix string
	err    error
}

func (e *pathError) Error() string { return e.prefix + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

func inField(name string, err error) error {
	if err == nil {
		return nil
	}
	return &pathError{prefix: name + ".", err: err}
}

// choice reads element n of "choices". Its text goes into the chunk's
// buffers, after what they hold; unless the element is the one kept, it is
// cut off again at the end.
func (d *decoder) choice(n int) (err error, ok bool) {
	s, c := &d.s, &d.c
	if s.kind() != '{' {
		return d.mismatch(fmt.Sprintf("choices[%d]", n), "an object")
	}
	tm, rm, am := len(c.text), len(c.reasoning), len(c.reasoningAlt)
	index := 0
	var indexErr, bodyErr error
	s.beginObject()
	for i := 0; ; i++ {
		key, more, ok := s.member(i)
		if !ok {
			return nil, false
		}
		if !more {
			break
		}
		switch {
		case string(key) == "index":
			indexErr, ok = d.tokens(&index, "index")
		case d.shape == chatDelta && string(key) == "delta":
			c.text, c.reasoning, c.reasoningAlt = c.text[:tm], c.reasoning[:rm], c.reasoningAlt[:am]
			bodyErr, ok = d.delta("delta")
		case d.shape == chatMessage && string(key) == "message":
			c.text, c.reasoning, c.reasoningAlt = c.text[:tm], c.reasoning[:rm], c.reasoningAlt[:am]
			bodyErr, ok = d.delta("message")
		case d.shape == textChoice && string(key) == "text":
			c.text = c.text[:tm]
			bodyErr, ok = d.text(&c.text, "text")
		default:
			ok = s.skip()
		}
		if !ok {
			return nil, false
		}
	}
	if err = orErr(indexErr, bodyErr); err != nil {
		return inField(fmt.Sprintf("choices[%d]", n), err), true
	}
	if index == 0 && !c.hasChoice {
		c.hasChoice = true
	} else {
		c.text, c.reasoning, c.reasoningAlt = c.text[:tm], c.reasoning[:rm], c.reasoningAlt[:am]
	}
	return nil, true
}

// delta reads a choice's "delta" or "message" object.
func (d *decoder) delta(name string) (err error, ok bool) {
	s, c := &d.s, &d.c
	switch s.kind() {
	case 'n':
		return nil, s.literal()
	case '{':
	default:
		return d.mismatch(name, "an object")
	}
	tm, rm, am := len(c.text), len(c.reasoning), len(c.reasoningAlt)
	var textErr, reasoningErr, altErr error
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
		case "content":
			c.text = c.text[:tm]
			textErr, ok = d.text(&c.text, "content")
		case "reasoning_content":
			c.reasoning = c.reasoning[:rm]
			reasoningErr, ok = d.text(&c.reasoning, "reasoning_content")
		case "reasoning":
			c.reasoningAlt = c.reasoningAlt[:am]
			altErr, ok = d.text(&c.reasoningAlt, "reasoning")
		default:
			ok = s.skip()
		}
		if !ok {
			return nil, false
		}
	}
	return inField(name, orErr(textErr, reasoningErr, altErr)), true
}

// usage reads the "usage" object.
func (d *decoder) usage() (err error, ok bool) {
	s, c := &d.s, &d.c
	c.usage, c.hasUsage = endpoints.Usage{}, false
	switch s.kind() {
	case 'n':
		return nil, s.literal()
	case '{':
	default:
		return d.mismatch("usage", "an object")
	}
	c.hasUsage = true
	u := &c.usage
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
		case "prompt_tokens":
			inErr, ok = d.tokens(&u.InputTokens, "prompt_tokens")
		case "completion_tokens":
			outErr, ok = d.tokens(&u.OutputTokens, "completion_tokens")
		case "prompt_tokens_details":
			cachedErr, ok = d.details(&u.CachedInputTokens, "prompt_tokens_details", "cached_tokens")
		case "completion_tokens_details":
			reasoningErr, ok = d.details(&u.ReasoningTokens, "completion_tokens_details", "reasoning_tokens")
		default:
			ok = s.skip()
		}
		if !ok {
			return nil, false
		}
	}
	return inField("usage", orErr(inErr, outErr, cachedErr, reasoningErr)), true
}

// details reads one token count out of a usage details object.
func (d *decoder) details(dst *int, name, field string) (err error, ok bool) {
	s := &d.s
	*dst = 0
	switch s.kind() {
	case 'n':
		return nil, s.literal()
	case '{':
	default:
		return d.mismatch(name, "an object")
	}
	s.beginObject()
	for i := 0; ; i++ {
		key, more, ok := s.member(i)
		if !ok {
			return nil, false
		}
		if !more {
			break
		}
		if string(key) == field {
			err, ok = d.tokens(dst, field)
		} else {
			ok = s.skip()
		}
		if !ok {
			return nil, false
		}
	}
	return inField(name, err), true
}

// errorValue reads the "error" member of a chunk into the chunk.
func (d *decoder) errorValue() bool {
	c := &d.c
	eo := errObject{message: c.errMessage[:0], typ: c.errType[:0], code: c.errCode[:0]}
	ok := d.errorObject(&eo)
	c.hasError, c.errMessage, c.errType, c.errCode = eo.has, eo.message, eo.typ, eo.code
	return ok
}

// errObject is an error object a server sent: OpenAI's {"message": ...,
// "type": ..., "code": ...}, or a string, which is the message. Its slices
// are reused from one decode to the next.
type errObject struct {
	has                bool // the value was not null
	message, typ, code []byte
}

// reset empties e, keeping its buffers.
func (e *errObject) reset() {
	e.has, e.message, e.typ, e.code = false, e.message[:0], e.typ[:0], e.code[:0]
}

// errorObject reads an error value into dst: an object with message, type
// and code (a string or a number), or a string, which is the message. Any
// other value that is not null is an error without details; fields of the
// wrong type are ignored.
func (d *decoder) errorObject(dst *errObject) bool {
	s := &d.s
	dst.reset()
	switch s.kind() {
	case 'n':
		return s.literal()
	case '"':
		dst.has = true
		var ok bool
		dst.message, ok = s.str(dst.message)
		return ok
	case '{':
	default:
		dst.has = true
		return s.skip()
	}
	dst.has = true
	s.beginObject()
	for i := 0; ; i++ {
		key, more, ok := s.member(i)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		switch string(key) {
		case "message":
			dst.message, _, ok = d.optString(dst.message[:0])
		case "type":
			dst.typ, _, ok = d.optString(dst.typ[:0])
		case "code":
			dst.code, ok = d.optCode(dst.code[:0])
		default:
			ok = s.skip()
		}
		if !ok {
			return false
		}
	}
}
