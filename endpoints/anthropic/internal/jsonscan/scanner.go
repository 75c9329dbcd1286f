// Package jsonscan reads one JSON text (RFC 8259) in place, value by value,
// for decoders on a streaming hot path: it checks the syntax of everything
// it passes over, skips what its caller does not ask for, and unescapes the
// strings its caller does ask for into buffers the caller reuses, so that
// decoding a small object allocates nothing.
//
// It accepts exactly the texts encoding/json accepts (nesting included, up
// to [MaxDepth] levels) and unescapes strings exactly as encoding/json
// does: invalid UTF-8 bytes and lone UTF-16 surrogates become U+FFFD. The
// package's fuzz tests hold it to that.
//
// # Use
//
// A [Scanner] is driven by its caller, which knows the shape it expects:
//
//	s.Reset(data)
//	if !s.BeginObject() { ... }
//	for s.NextKey() {
//		switch string(s.Key()) {
//		case "text":
//			buf, _ = s.AppendString(buf[:0])
//		default:
//			s.Skip()
//		}
//	}
//	s.End()
//	if err := s.Err(); err != nil { ... }
//
// After NextKey or NextElement reports true, the caller must consume exactly
// one value (read it or Skip it). Errors are sticky: after the first syntax
// error every method reports false and does nothing, so loops end, and
// [Scanner.Err] returns the error.
package jsonscan

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays a Scanner accepts,
// the same as encoding/json's.
const MaxDepth = 10000

// Kind is the type of a JSON value.
type Kind uint8

const (
	// Invalid means that no value starts at the current position.
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Object
	Array
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
	key   []byte // the current key: a slice of data, or keyBuf
	kbuf  []byte // an unescaped key, reused
}

// Reset makes s read data from its start, keeping s's buffers.
func (s *Scanner) Reset(data []byte) {
	s.data, s.pos, s.depth, s.comma, s.err, s.key = data, 0, 0, false, nil, nil
}

// Err returns the first syntax error found, or nil.
func (s *Scanner) Err() error { return s.err }

// Offset returns the position of the next byte to read.
func (s *Scanner) Offset() int { return s.pos }

// fail records a syntax error at the current position, if none is
// recorded yet, and returns false.
func (s *Scanner) fail(want string) bool {
	if s.err != nil {
		return false
	}
	if s.pos >= len(s.data) {
		s.err = fmt.Errorf("invalid JSON: unexpected end of input, want %s", want)
	} else {
		s.err = fmt.Errorf("invalid JSON at offset %d: want %s, found %s", s.pos, want, describeByte(s.data[s.pos]))
	}
	return false
}

func describeByte(c byte) string {
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
	switch s.next() {
	case '{':
		return Object
	case '[':
		return Array
	case '"':
		return String
	case 't', 'f':
		return Bool
	case 'n':
		return Null
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return Number
	}
	return Invalid
}

// BeginObject consumes the '{' that opens an object.
func (s *Scanner) BeginObject() bool {
	if s.Peek() != Object {
		return s.fail("'{'")
	}
	return s.open()
}

// BeginArray consumes the '[' that opens an array.
func (s *Scanner) BeginArray() bool {
	if s.Peek() != Array {
		return s.fail("'['")
	}
	return s.open()
}

func (s *Scanner) open() bool {
	s.pos++
	if s.depth++; s.depth > MaxDepth {
		s.pos--
		return s.fail("less nesting (the maximum depth is exceeded)")
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
			return s.fail("',' or '}' after an object member")
		}
		s.pos++
		c = s.next()
	}
	if c != '"' {
		return s.fail("a string for an object key")
	}
	raw, plain, ok := s.scanString()
	if !ok {
		return false
	}
	if plain {
		s.key = raw
	} else {
		s.kbuf = appendUnescaped(s.kbuf[:0], raw)
		s.key = s.kbuf
	}
	if s.next() != ':' {
		return s.fail("':' after an object key")
	}
	s.pos++
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
			return s.fail("',' or ']' after an array element")
		}
		s.pos++
	}
	s.comma = false
	return true
}

// AppendString consumes a string and appends its unescaped value to dst.
func (s *Scanner) AppendString(dst []byte) ([]byte, bool) {
	if s.Peek() != String {
		return dst, s.fail("a string")
	}
	raw, plain, ok := s.scanString()
	if !ok {
		return dst, false
	}
	s.comma = true
	if plain {
		return append(dst, raw...), true
	}
	return appendUnescaped(dst, raw), true
}

// Number consumes a number and returns its text, which is valid until the
// next Reset.
func (s *Scanner) Number() ([]byte, bool) {
	if s.Peek() != Number {
		return nil, s.fail("a number")
	}
	d := s.data
	start, i := s.pos, s.pos
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = digits(d, i+1)
	default:
		s.pos = i
		return nil, s.fail("a digit")
	}
	if i < len(d) && d[i] == '.' {
		if i++; i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return nil, s.fail("a digit after the decimal point")
		}
		i = digits(d, i+1)
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return nil, s.fail("a digit in the exponent")
		}
		i = digits(d, i+1)
	}
	s.pos = i
	s.comma = true
	return d[start:i], true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits returns the index of the first byte at or after i that is not a
// decimal digit.
func digits(d []byte, i int) int {
	for i < len(d) && isDigit(d[i]) {
		i++
	}
	return i
}

// Literal consumes true, false or null, and reports which: b is the
// boolean's value (false for null), null whether it was null.
func (s *Scanner) Literal() (b, null, ok bool) {
	var want string
	switch s.Peek() {
	case Bool:
		want = "true"
		if s.data[s.pos] == 'f' {
			want = "false"
		}
	case Null:
		want = "null"
	default:
		return false, false, s.fail("true, false or null")
	}
	rest := s.data[s.pos:]
	if len(rest) < len(want) || string(rest[:len(want)]) != want {
		return false, false, s.fail("the literal " + want)
	}
	s.pos += len(want)
	s.comma = true
	return want == "true", want == "null", true
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
	switch s.Peek() {
	case String:
		if _, _, ok := s.scanString(); !ok {
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
			s.Skip()
		}
	case Array:
		s.BeginArray()
		for s.NextElement() {
			s.Skip()
		}
	default:
		return s.fail("a JSON value")
	}
	return s.err == nil
}

// End checks that nothing but white space follows the value read.
func (s *Scanner) End() bool {
	if s.err != nil {
		return false
	}
	if s.next(); s.pos < len(s.data) {
		return s.fail("the end of the text after the top-level value")
	}
	return true
}

// scanString consumes the string that starts at s.pos and returns its raw
// contents, between the quotes. plain reports that the contents are their
// own value: no escapes, and valid UTF-8.
func (s *Scanner) scanString() (raw []byte, plain, ok bool) {
	d := s.data
	start := s.pos + 1
	ascii, escaped := true, false
	for i := start; i < len(d); {
		c := d[i]
		if plainByte[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			raw = d[start:i]
			s.pos = i + 1
			plain = !escaped && (ascii || utf8.Valid(raw))
			return raw, plain, true
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				s.pos = len(d)
				return nil, false, s.fail("the rest of an escape sequence")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(d) || !isHex(d[k]) {
						s.pos = k
						return nil, false, s.fail("a hexadecimal digit in a \\u escape")
					}
				}
				i += 6
			default:
				s.pos = i + 1
				return nil, false, s.fail("a valid escape character after '\\'")
			}
		case c < 0x20:
			s.pos = i
			return nil, false, s.fail("no control character in a string")
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			i++
		}
	}
	s.pos = len(d)
	return nil, false, s.fail("the closing '\"' of a string")
}

// plainByte marks the bytes that stand for themselves in a string: all
// ASCII but quotes, backslashes and control characters.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// appendUnescaped appends the value of a string whose syntax-checked raw
// contents are raw, as encoding/json decodes it: escapes resolved, UTF-16
// surrogate pairs combined, and each invalid UTF-8 byte and each lone
// surrogate replaced by U+FFFD.
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, raw[i:i+n]...)
			}
			i += n
		case c != '\\':
			// A run of plain ASCII.
			j := i + 1
			for j < len(raw) && raw[j] < utf8.RuneSelf && raw[j] != '\\' {
				j++
			}
			dst = append(dst, raw[i:j]...)
			i = j
		default:
			e := raw[i+1]
			i += 2
			switch e {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := hex4(raw[i : i+4])
				i += 4
				if utf16.IsSurrogate(r) {
					// A pair needs a second \u escape right after.
					if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						if pair := utf16.DecodeRune(r, hex4(raw[i+2:i+6])); pair != utf8.RuneError {
							dst = utf8.AppendRune(dst, pair)
							i += 6
							break
						}
					}
					r = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, r)
			default: // '"', '\\', '/'
				dst = append(dst, e)
			}
		}
	}
	return dst
}

// hex4 decodes four hexadecimal digits, already checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		var v byte
		switch {
		case c <= '9':
			v = c - '0'
		case c >= 'a':
			v = c - 'a' + 10
		default:
			v = c - 'A' + 10
		}
		r = r<<4 | rune(v)
	}
	return r
}

// WholeNumber converts the text of a JSON number to a non-negative int:
// it reports false for a negative number (other than -0), a fraction, or
// one beyond the range of int. Whole numbers written with a fraction or an
// exponent, such as 12.0 or 1.2e1, are accepted, as encoding/json decodes
// them into float64 without loss.
func WholeNumber(num []byte) (int, bool) {
	if n := len(num); n > 0 && n <= 18 {
		v := 0
		for _, c := range num {
			if !isDigit(c) {
				v = -1
				break
			}
			v = v*10 + int(c-'0')
		}
		if v >= 0 {
			return v, true
		}
	}
	// The slow path: long, signed, fractional or exponent forms.
	s := string(num)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return int(i), i >= 0 && i <= math.MaxInt
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f >= 1<<63 || f != math.Trunc(f) || f > math.MaxInt {
		return 0, false
	}
	return int(f), true
}
