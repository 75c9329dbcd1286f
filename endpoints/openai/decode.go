package openai

import (
	"fmt"
	"math"
	"strconv"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/internal/jsonscan"
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
//
// Its methods read one value each with d.s and stop at the first syntax
// error, which d.s keeps (see [jsonscan.Scanner]); they return the first
// field of the wrong type they find.
type decoder struct {
	s     jsonscan.Scanner
	shape shape
	c     chunk     // what decode finds
	ev    respEvent // what decodeEvent and decodeResponse find
}

// decode decodes one JSON text, a chunk or a whole response, into d.c. It
// fails on invalid JSON, on a text that is not an object, and on a field
// it reads that has the wrong type (see chunk); it ignores the others.
func (d *decoder) decode(data []byte) error {
	s, c := &d.s, &d.c
	s.Reset(data)
	c.id, c.hasID = c.id[:0], false
	c.hasChoice = false
	c.text, c.reasoning, c.reasoningAlt = c.text[:0], c.reasoning[:0], c.reasoningAlt[:0]
	c.usage, c.hasUsage = endpoints.Usage{}, false
	c.hasError = false
	c.errMessage, c.errType, c.errCode = c.errMessage[:0], c.errType[:0], c.errCode[:0]
	c.object, c.message, c.typ, c.code = c.object[:0], c.message[:0], c.typ[:0], c.code[:0]

	if err := d.beginTop(); err != nil {
		return err
	}
	var choicesErr, usageErr error
	for s.NextKey() {
		switch string(s.Key()) {
		case "id":
			c.id, c.hasID = d.optString(c.id[:0])
		case "choices":
			choicesErr = d.choices()
		case "usage":
			usageErr = d.usage(&chatUsageKeys, &c.usage, &c.hasUsage)
		case "error":
			d.errorValue()
		case "object":
			c.object, _ = d.optString(c.object[:0])
		case "message":
			c.message, _ = d.optString(c.message[:0])
		case "type":
			c.typ, _ = d.optString(c.typ[:0])
		case "code":
			c.code = d.optCode(c.code[:0])
		default:
			s.Skip()
		}
	}
	if !s.End() {
		return s.Err()
	}
	return orErr(choicesErr, usageErr)
}

// beginTop opens the top-level object of a text, failing when the text is
// not an object: with "invalid JSON" when it is not JSON at all, whatever
// its first byte.
func (d *decoder) beginTop() error { return d.s.BeginTopObject() }

// orErr returns the first of its errors that is not nil.
func orErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// mismatch skips a value of the wrong type and describes it.
func (d *decoder) mismatch(field, want string) error {
	err := fmt.Errorf("%s: want %s, got %s", field, want, d.s.Peek())
	d.s.Skip()
	return err
}

// optString reads a string into dst; any other value is skipped and
// reported absent.
func (d *decoder) optString(dst []byte) (v []byte, present bool) {
	if d.s.Peek() == jsonscan.String {
		return d.s.AppendString(dst)
	}
	d.s.Skip()
	return dst, false
}

// optCode reads an error code, a string or a number (kept as written); any
// other value is skipped and reported empty.
func (d *decoder) optCode(dst []byte) []byte {
	switch d.s.Peek() {
	case jsonscan.String:
		dst, _ = d.s.AppendString(dst)
		return dst
	case jsonscan.Number:
		num, _ := d.s.Number()
		return append(dst, num...)
	}
	d.s.Skip()
	return dst
}

// text reads a string or null into *dst (appending to it), for field.
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

// tokens reads a token count or null into *dst, for field.
func (d *decoder) tokens(dst *int, field string) error {
	*dst = 0
	switch d.s.Peek() {
	case jsonscan.Number:
		num, ok := d.s.Number()
		if !ok {
			return nil
		}
		n, whole := count(num)
		if !whole {
			return fmt.Errorf("%s: want a non-negative whole number, got %s", field, num)
		}
		*dst = n
		return nil
	case jsonscan.Null:
		d.s.Skip()
		return nil
	}
	return d.mismatch(field, "a number")
}

// count converts the text of a JSON number to a token count: a whole number
// from 0 to math.MaxInt, written in any JSON form (12, 12.0, 1.2e1), as
// encoding/json decodes it into a float64 (so that integers beyond 2^53 are
// rounded).
func count(num []byte) (int, bool) {
	if len(num) > 0 && len(num) <= 18 {
		n := 0
		for _, c := range num {
			if c < '0' || c > '9' {
				n = -1
				break
			}
			n = n*10 + int(c-'0')
		}
		if n >= 0 {
			return n, true
		}
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f >= math.MaxInt64 {
		return 0, false
	}
	return int(f), true
}

// choices reads the "choices" array, keeping the choice with index 0.
func (d *decoder) choices() error {
	s, c := &d.s, &d.c
	c.hasChoice = false
	c.text, c.reasoning, c.reasoningAlt = c.text[:0], c.reasoning[:0], c.reasoningAlt[:0]
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return nil
	case jsonscan.Array:
	default:
		return d.mismatch("choices", "an array")
	}
	var err error
	s.BeginArray()
	for i := 0; s.NextElement(); i++ {
		if cerr := d.choice(i); err == nil {
			err = cerr
		}
	}
	return err
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
func (d *decoder) choice(n int) error {
	s, c := &d.s, &d.c
	if s.Peek() != jsonscan.Object {
		return d.mismatch(fmt.Sprintf("choices[%d]", n), "an object")
	}
	tm, rm, am := len(c.text), len(c.reasoning), len(c.reasoningAlt)
	index := 0
	var indexErr, bodyErr error
	s.BeginObject()
	for s.NextKey() {
		switch key := s.Key(); {
		case string(key) == "index":
			indexErr = d.tokens(&index, "index")
		case d.shape == chatDelta && string(key) == "delta":
			c.text, c.reasoning, c.reasoningAlt = c.text[:tm], c.reasoning[:rm], c.reasoningAlt[:am]
			bodyErr = d.delta("delta")
		case d.shape == chatMessage && string(key) == "message":
			c.text, c.reasoning, c.reasoningAlt = c.text[:tm], c.reasoning[:rm], c.reasoningAlt[:am]
			bodyErr = d.delta("message")
		case d.shape == textChoice && string(key) == "text":
			c.text = c.text[:tm]
			bodyErr = d.text(&c.text, "text")
		default:
			s.Skip()
		}
	}
	if err := orErr(indexErr, bodyErr); err != nil {
		return inField(fmt.Sprintf("choices[%d]", n), err)
	}
	if index == 0 && !c.hasChoice {
		c.hasChoice = true
	} else {
		c.text, c.reasoning, c.reasoningAlt = c.text[:tm], c.reasoning[:rm], c.reasoningAlt[:am]
	}
	return nil
}

// delta reads a choice's "delta" or "message" object.
func (d *decoder) delta(name string) error {
	s, c := &d.s, &d.c
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return nil
	case jsonscan.Object:
	default:
		return d.mismatch(name, "an object")
	}
	tm, rm, am := len(c.text), len(c.reasoning), len(c.reasoningAlt)
	var textErr, reasoningErr, altErr error
	s.BeginObject()
	for s.NextKey() {
		switch string(s.Key()) {
		case "content":
			c.text = c.text[:tm]
			textErr = d.text(&c.text, "content")
		case "reasoning_content":
			c.reasoning = c.reasoning[:rm]
			reasoningErr = d.text(&c.reasoning, "reasoning_content")
		case "reasoning":
			c.reasoningAlt = c.reasoningAlt[:am]
			altErr = d.text(&c.reasoningAlt, "reasoning")
		default:
			s.Skip()
		}
	}
	return inField(name, orErr(textErr, reasoningErr, altErr))
}

// usageKeys names the fields of a usage object.
type usageKeys struct{ in, out, inDetails, outDetails string }

// The usage fields of Chat Completions and Completions, and of the
// Responses API.
var (
	chatUsageKeys      = usageKeys{"prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"}
	responsesUsageKeys = usageKeys{"input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details"}
)

// usage reads a "usage" object with the field names k into u; has reports
// whether it was an object rather than null.
func (d *decoder) usage(k *usageKeys, u *endpoints.Usage, has *bool) error {
	s := &d.s
	*u, *has = endpoints.Usage{}, false
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return nil
	case jsonscan.Object:
	default:
		return d.mismatch("usage", "an object")
	}
	*has = true
	var inErr, outErr, cachedErr, reasoningErr error
	s.BeginObject()
	for s.NextKey() {
		switch key := s.Key(); {
		case string(key) == k.in:
			inErr = d.tokens(&u.InputTokens, k.in)
		case string(key) == k.out:
			outErr = d.tokens(&u.OutputTokens, k.out)
		case string(key) == k.inDetails:
			cachedErr = d.details(&u.CachedInputTokens, k.inDetails, "cached_tokens")
		case string(key) == k.outDetails:
			reasoningErr = d.details(&u.ReasoningTokens, k.outDetails, "reasoning_tokens")
		default:
			s.Skip()
		}
	}
	return inField("usage", orErr(inErr, outErr, cachedErr, reasoningErr))
}

// details reads one token count out of a usage details object.
func (d *decoder) details(dst *int, name, field string) error {
	s := &d.s
	*dst = 0
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return nil
	case jsonscan.Object:
	default:
		return d.mismatch(name, "an object")
	}
	var err error
	s.BeginObject()
	for s.NextKey() {
		if string(s.Key()) == field {
			err = d.tokens(dst, field)
		} else {
			s.Skip()
		}
	}
	return inField(name, err)
}

// errorValue reads the "error" member of a chunk into the chunk.
func (d *decoder) errorValue() {
	c := &d.c
	eo := errObject{message: c.errMessage[:0], typ: c.errType[:0], code: c.errCode[:0]}
	d.errorObject(&eo)
	c.hasError, c.errMessage, c.errType, c.errCode = eo.has, eo.message, eo.typ, eo.code
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
func (d *decoder) errorObject(dst *errObject) {
	s := &d.s
	dst.reset()
	switch s.Peek() {
	case jsonscan.Null:
		s.Skip()
		return
	case jsonscan.String:
		dst.has = true
		dst.message, _ = s.AppendString(dst.message)
		return
	case jsonscan.Object:
	default:
		dst.has = true
		s.Skip()
		return
	}
	dst.has = true
	s.BeginObject()
	for s.NextKey() {
		switch string(s.Key()) {
		case "message":
			dst.message, _ = d.optString(dst.message[:0])
		case "type":
			dst.typ, _ = d.optString(dst.typ[:0])
		case "code":
			dst.code = d.optCode(dst.code[:0])
		default:
			s.Skip()
		}
	}
}
