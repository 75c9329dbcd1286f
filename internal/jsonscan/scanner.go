package jsonscan

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays a Scanner accepts,
// the same as encoding/json's.
const MaxDepth = 10000

// Kind is the type of a JSON value. Its value is the byte that starts a
// value of the kind ('t' for both booleans, '0' for every number), so that
// a caller can keep it in a byte and print it with %c.
type Kind uint8

const (
	// Invalid means that no value starts at the current position.
	Invalid Kind = 0
	Null    Kind = 'n'
	Bool    Kind = 't'
	Number  Kind = '0'
	String  Kind = '"'
	Object  Kind = '{'
	Array   Kind = '['
)

// String describes the kind for error messages: "null", "a boolean",
// "a number", "a string", "an object", "an array", or "nothing".
func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "a boolean"
	case Number:
		return "a number"
	case String:
		return "a string"
	case Object:
		return "an object"
	case Array:
		return "an array"
	}
	return "nothing"
}

// kinds maps the first byte of a value to its kind.
var kinds = func() (t [256]Kind) {
	t['n'], t['t'], t['f'], t['"'], t['{'], t['['] = Null, Bool, Bool, String, Object, Array
	t['-'] = Number
	for c := '0'; c <= '9'; c++ {
		t[c] = Number
	}
	return t
}()

// Scanner reads one JSON text. The zero value is ready once Reset has given
// it a text. A Scanner is not safe for concurrent use.
type Scanner struct {
	data  []byte
	pos   int
	depth int
	// comma is set after a value inside a container: the next member or
	// element needs a ',' first.
	comma bool
	err   error
	key   []byte // the current key: a slice of data, or kbuf
	kbuf  []byte // an unescaped key, reused
}

// Reset makes s read data from its start, keeping s's buffers. Reset(nil)
// drops s's reference to the text it read.
func (s *Scanner) Reset(data []byte) {
	s.data, s.pos, s.depth, s.comma, s.err, s.key = data, 0, 0, false, nil, nil
	if data == nil && cap(s.kbuf) > maxKeptKey {
		s.kbuf = nil // Reset(nil) before pooling: do not pin a huge key
	}
}

// maxKeptKey is the largest unescaped-key buffer Reset(nil) keeps.
const maxKeptKey = 4 << 10

// ErrSyntax is wrapped by every error of a Scanner: the text is not JSON.
var ErrSyntax = errors.New("invalid JSON")

// Err returns the first syntax error found, or nil. It wraps ErrSyntax.
func (s *Scanner) Err() error { return s.err }

// Offset returns the position of the next byte to read.
func (s *Scanner) Offset() int { return s.pos }

// fail records a syntax error at the current position, if none is recorded
// yet, and returns false.
func (s *Scanner) fail(what string) bool {
	if s.err == nil {
		if s.pos >= len(s.data) {
			s.err = fmt.Errorf("%w: unexpected end of input, %s", ErrSyntax, what)
		} else {
			s.err = fmt.Errorf("%w at offset %d: %s, found %s", ErrSyntax, s.pos, what, quoteByte(s.data[s.pos]))
		}
	}
	return false
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// next skips white space and returns the next byte, or 0 at the end.
func (s *Scanner) next() byte {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return s.data[s.pos] // no white space: the common case
	}
	return s.nextSlow()
}

func (s *Scanner) nextSlow() byte {
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return c
		}
	}
	return 0
}

// Peek returns the kind of the next value without consuming it; Invalid
// after an error, at the end of the text, or where no value can start.
func (s *Scanner) Peek() Kind {
	if s.err != nil {
		return Invalid
	}
	return kinds[s.next()]
}

// BeginObject consumes the '{' that opens an object.
func (s *Scanner) BeginObject() bool {
	if s.err != nil {
		return false
	}
	if s.next() != '{' {
		return s.fail("want '{'")
	}
	return s.open()
}

// BeginArray consumes the '[' that opens an array.
func (s *Scanner) BeginArray() bool {
	if s.err != nil {
		return false
	}
	if s.next() != '[' {
		return s.fail("want '['")
	}
	return s.open()
}

// BeginTopObject consumes the '{' that opens the text, for a decoder that
// wants the text to be an object. When the text does not start with '{',
// it reads on to say why, whatever the first byte: a text that is not
// JSON, such as "this is not json", "nope", "falsey" or "[1,", fails with
// its syntax error, which Err returns too; JSON of another type fails with
// "want a JSON object, got <kind>", such as "got a boolean" for true.
func (s *Scanner) BeginTopObject() error {
	if s.err != nil {
		return s.err
	}
	k := s.Peek()
	if k == Object {
		s.BeginObject()
		return nil
	}
	if s.Skip() && s.End() {
		return fmt.Errorf("want a JSON object, got %s", k)
	}
	return s.err
}

func (s *Scanner) open() bool {
	s.pos++
	if s.depth++; s.depth > MaxDepth {
		return s.fail("exceeded the maximum nesting depth")
	}
	s.comma = false
	return true
}

func (s *Scanner) close() {
	s.pos++
	s.depth--
	s.comma = true
}

// NextKey moves to the next member of the object being read: it reports
// true with the scanner at the member's value, whose key Key returns, or
// false once the closing '}' has been consumed (or on an error).
func (s *Scanner) NextKey() bool {
	if s.err != nil {
		return false
	}
	c := s.next()
	if c == '}' {
		s.close()
		return false
	}
	if s.comma {
		if c != ',' {
			return s.fail("want ',' or '}' after an object member")
		}
		s.pos++
		c = s.next()
	}
	if c != '"' {
		return s.fail("want a string as object key")
	}
	start := s.pos + 1
	flags, ok := s.scanString()
	if !ok {
		return false
	}
	s.key = s.data[start : s.pos-1]
	if flags != 0 && (flags != hasNonASCII || !utf8.Valid(s.key)) {
		s.kbuf = unescape(s.kbuf[:0], s.key)
		s.key = s.kbuf
	}
	if s.pos < len(s.data) && s.data[s.pos] == ':' {
		s.pos++
	} else if s.next() == ':' {
		s.pos++
	} else {
		return s.fail("want ':' after object key")
	}
	s.next()
	s.comma = false
	return true
}

// Key returns the key of the current member, unescaped. It is valid until
// the next call to NextKey or Reset.
func (s *Scanner) Key() []byte { return s.key }

// NextElement moves to the next element of the array being read: true
// with the scanner at the element, or false once the closing ']' has been
// consumed (or on an error).
func (s *Scanner) NextElement() bool {
	if s.err != nil {
		return false
	}
	c := s.next()
	if c == ']' {
		s.close()
		return false
	}
	if s.comma {
		if c != ',' {
			return s.fail("want ',' or ']' after an array element")
		}
		s.pos++
		s.next()
	}
	s.comma = false
	return true
}

// Literal consumes true, false or null, and reports which: b is the
// boolean's value (false for null), null whether it was null.
func (s *Scanner) Literal() (b, null, ok bool) {
	if s.err != nil {
		return false, false, false
	}
	var w string
	switch s.next() {
	case 't':
		w = "true"
	case 'f':
		w = "false"
	case 'n':
		w = "null"
	default:
		return false, false, s.fail("want true, false or null")
	}
	rest := s.data[s.pos:]
	if len(rest) >= len(w) && string(rest[:len(w)]) == w {
		s.pos += len(w)
		s.comma = true
		return w[0] == 't', w[0] == 'n', true
	}
	// Point at the first byte that differs, as encoding/json does.
	for i := 1; i < len(w) && i < len(rest) && rest[i] == w[i]; i++ {
		s.pos++
	}
	s.pos++
	return false, false, s.fail("invalid literal")
}

// Null consumes a null if one comes next, and reports whether it did.
func (s *Scanner) Null() bool {
	if s.Peek() != Null {
		return false
	}
	_, null, ok := s.Literal()
	return ok && null
}

// Skip consumes one value of any kind, checking its syntax.
func (s *Scanner) Skip() bool {
	if s.err != nil {
		return false
	}
	if i, ok := skipFast(s.data, s.pos, MaxDepth-s.depth, atValue); ok {
		s.pos = i
		s.comma = true
		return true
	}
	return s.skipSlow() // to find the error, or for deep nesting
}

// EndObject consumes what is left of the object being read: its members,
// skipped with their syntax checked, and its closing '}'. It does what a
// loop of NextKey and Skip does, faster; call it where NextKey could be
// called.
func (s *Scanner) EndObject() bool {
	entry := inObject
	if s.comma {
		entry = afterMember
	}
	return s.endContainer(entry) || s.endSlow(true)
}

// EndArray consumes what is left of the array being read: its elements,
// skipped with their syntax checked, and its closing ']'. It does what a
// loop of NextElement and Skip does, faster; call it where NextElement
// could be called.
func (s *Scanner) EndArray() bool {
	entry := inArray
	if s.comma {
		entry = afterElement
	}
	return s.endContainer(entry) || s.endSlow(false)
}

// endContainer is the fast path of EndObject and EndArray.
func (s *Scanner) endContainer(entry int) bool {
	if s.err != nil || s.depth == 0 {
		return false
	}
	i, ok := skipFast(s.data, s.pos, MaxDepth-s.depth+1, entry)
	if ok {
		s.pos = i
		s.depth--
		s.comma = true
	}
	return ok
}

// endSlow is the slow path of EndObject and EndArray, with precise
// errors.
func (s *Scanner) endSlow(object bool) bool {
	if object {
		for s.NextKey() {
			s.Skip()
		}
	} else {
		for s.NextElement() {
			s.Skip()
		}
	}
	return s.err == nil
}

// skipSlow is Skip, value by value, with precise errors.
func (s *Scanner) skipSlow() bool {
	switch s.Peek() {
	case String:
		if _, ok := s.scanString(); !ok {
			return false
		}
		s.comma = true
		return true
	case Number:
		_, ok := s.Number()
		return ok
	case Bool, Null:
		_, _, ok := s.Literal()
		return ok
	case Object:
		s.BeginObject()
		for s.NextKey() {
			s.skipSlow()
		}
		return s.err == nil
	case Array:
		s.BeginArray()
		for s.NextElement() {
			s.skipSlow()
		}
		return s.err == nil
	}
	return s.fail("want a JSON value")
}

// End checks that nothing but white space follows the value read.
func (s *Scanner) End() bool {
	if s.err != nil {
		return false
	}
	if s.next(); s.pos < len(s.data) {
		return s.fail("want the end of the text after the top-level value")
	}
	return true
}
