package openai

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a small JSON walker for the streaming hot path: it scans
// one JSON text (RFC 8259) in place, skips the values its caller does not
// need, and unescapes the strings it does need into buffers that the caller
// reuses, so that decoding a chunk allocates nothing. It accepts exactly the
// texts encoding/json accepts and unescapes strings exactly as it does
// (invalid UTF-8 and lone surrogates become U+FFFD); the fuzz test
// FuzzDecodeChunk holds it to that.

// maxDepth is encoding/json's nesting limit, which the walker shares so that
// both accept the same texts.
const maxDepth = 10000

// scanner walks one JSON text. Its methods report a syntax error by
// returning false after setting err; callers stop at the first one.
type scanner struct {
	data  []byte
	pos   int
	depth int
	err   error
	key   []byte // unescaped object key, when it had escapes
}

func (s *scanner) reset(data []byte) {
	s.data, s.pos, s.depth, s.err = data, 0, 0, nil
}

// fail records a syntax error at the current position.
func (s *scanner) fail(what string) bool {
	if s.err == nil {
		if s.pos >= len(s.data) {
			s.err = fmt.Errorf("invalid JSON: unexpected end of input, %s", what)
		} else {
			s.err = fmt.Errorf("invalid JSON at offset %d: %s, found %s", s.pos, what, quoteByte(s.data[s.pos]))
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

// ws skips white space and returns the next byte, or 0 at the end.
func (s *scanner) ws() byte {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return s.data[s.pos] // the common case: no white space
	}
	return s.wsSlow()
}

func (s *scanner) wsSlow() byte {
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

// end checks that only white space follows the top-level value.
func (s *scanner) end() bool {
	if s.err != nil {
		return false
	}
	if s.ws(); s.pos < len(s.data) {
		return s.fail("want the end of the text after the top-level value")
	}
	return true
}

// beginObject consumes the '{' that opens an object.
func (s *scanner) beginObject() bool {
	if s.ws() != '{' {
		return s.fail("want '{'")
	}
	s.pos++
	if s.depth++; s.depth > maxDepth {
		return s.fail("exceeded the maximum nesting depth")
	}
	return true
}

// member moves to the next member of the object opened by beginObject: i is
// the number of members read so far. It returns the member's key, unescaped
// (valid until the next call), with the scanner at the member's value; or
// more == false after the closing '}'.
func (s *scanner) member(i int) (key []byte, more, ok bool) {
	c := s.ws()
	if c == '}' {
		s.pos++
		s.depth--
		return nil, false, true
	}
	if i > 0 {
		if c != ',' {
			return nil, false, s.fail("want ',' or '}' after an object member")
		}
		s.pos++
		c = s.ws()
	}
	if c != '"' {
		return nil, false, s.fail("want a string as object key")
	}
	start := s.pos + 1
	escaped, ok := s.skipString()
	if !ok {
		return nil, false, false
	}
	key = s.data[start : s.pos-1]
	if escaped {
		s.key = unescape(s.key[:0], key)
		key = s.key
	}
	if s.pos < len(s.data) && s.data[s.pos] == ':' {
		s.pos++
	} else if s.ws() == ':' {
		s.pos++
	} else {
		return nil, false, s.fail("want ':' after object key")
	}
	s.ws()
	return key, true, true
}

// beginArray consumes the '[' that opens an array.
func (s *scanner) beginArray() bool {
	if s.ws() != '[' {
		return s.fail("want '['")
	}
	s.pos++
	if s.depth++; s.depth > maxDepth {
		return s.fail("exceeded the maximum nesting depth")
	}
	return true
}

// element moves to the next element of the array opened by beginArray: i is
// the number of elements read so far. more is false after the closing ']'.
func (s *scanner) element(i int) (more, ok bool) {
	c := s.ws()
	if c == ']' {
		s.pos++
		s.depth--
		return false, true
	}
	if i > 0 {
		if c != ',' {
			return false, s.fail("want ',' or ']' after an array element")
		}
		s.pos++
		s.ws()
	}
	return true, true
}

// kind returns the type of the next value: '"', '{', '[', '0' (number),
// 't' (true or false), 'n' (null), or 0 when no value can start here. It
// does not consume anything.
func (s *scanner) kind() byte {
	switch c := s.ws(); c {
	case '"', '{', '[', 'n':
		return c
	case 't', 'f':
		return 't'
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return '0'
	}
	return 0
}

// skip consumes one value of any type, checking its syntax.
func (s *scanner) skip() bool {
	if i, ok := skipFast(s.data, s.pos, maxDepth-s.depth); ok {
		s.pos = i
		return true
	}
	return s.skipSlow() // to find the error, or for deep nesting
}

// skipFast skips one value starting at d[i] (white space first allowed) and
// returns the index after it. It works on local state in a single loop, for
// speed, and reports false, leaving the diagnosis to skipSlow, on a syntax
// error, on nesting deeper than 64 levels, or deeper than maxNest.
func skipFast(d []byte, i, maxNest int) (int, bool) {
	var objects uint64 // bit n set: level n is an object, else an array
	n := 0             // nesting level
	maxNest = min(maxNest, 64)
	var c byte

value:
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	if i >= len(d) {
		return i, false
	}
	switch c = d[i]; c {
	case '"':
		goto str
	case '{':
		if n++; n > maxNest {
			return i, false
		}
		objects |= 1 << (n - 1)
		i++
		for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
			i++
		}
		if i < len(d) && d[i] == '}' {
			i++
			objects &^= 1 << (n - 1)
			n--
			goto after
		}
		goto key
	case '[':
		if n++; n > maxNest {
			return i, false
		}
		objects &^= 1 << (n - 1)
		i++
		for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
			i++
		}
		if i < len(d) && d[i] == ']' {
			i++
			n--
			goto after
		}
		goto value
	case 't':
		if len(d)-i < 4 || string(d[i:i+4]) != "true" {
			return i, false
		}
		i += 4
		goto after
	case 'f':
		if len(d)-i < 5 || string(d[i:i+5]) != "false" {
			return i, false
		}
		i += 5
		goto after
	case 'n':
		if len(d)-i < 4 || string(d[i:i+4]) != "null" {
			return i, false
		}
		i += 4
		goto after
	default:
		if c != '-' && !isDigit(c) {
			return i, false
		}
		if c == '-' {
			i++
		}
		switch {
		case i < len(d) && d[i] == '0':
			i++
		case i < len(d) && d[i] >= '1' && d[i] <= '9':
			for i++; i < len(d) && isDigit(d[i]); i++ {
			}
		default:
			return i, false
		}
		if i < len(d) && d[i] == '.' {
			if i++; i >= len(d) || !isDigit(d[i]) {
				return i, false
			}
			for i++; i < len(d) && isDigit(d[i]); i++ {
			}
		}
		if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
			if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
				i++
			}
			if i >= len(d) || !isDigit(d[i]) {
				return i, false
			}
			for i++; i < len(d) && isDigit(d[i]); i++ {
			}
		}
		goto after
	}

str: // d[i] is the opening quote of a string
	for i++; i < len(d); i++ {
		for ; i+8 <= len(d); i += 8 {
			if m := special(binary.LittleEndian.Uint64(d[i:])); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
		}
		if i >= len(d) {
			break
		}
		if strClass[d[i]] != 1 {
			continue
		}
		switch d[i] {
		case '"':
			i++
			if n > 0 && objects&(1<<(n-1)) != 0 && c == ':' {
				goto colon // the string was a key
			}
			goto after
		case '\\':
			i++
			if i >= len(d) {
				return i, false
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(d)-i < 5 || !isHex(d[i+1]) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		default:
			return i, false // a control character
		}
	}
	return i, false // unterminated

key: // inside an object, at a key
	if i >= len(d) || d[i] != '"' {
		return i, false
	}
	c = ':' // marks the string as a key
	goto str

colon:
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	if i >= len(d) || d[i] != ':' {
		return i, false
	}
	i++
	goto value

after: // after a value
	if n == 0 {
		return i, true
	}
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	if i >= len(d) {
		return i, false
	}
	if objects&(1<<(n-1)) != 0 {
		switch d[i] {
		case ',':
			i++
			for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
				i++
			}
			goto key
		case '}':
			i++
			objects &^= 1 << (n - 1)
			n--
			goto after
		}
		return i, false
	}
	switch d[i] {
	case ',':
		i++
		goto value
	case ']':
		i++
		n--
		goto after
	}
	return i, false
}

// skipSlow is skip, value by value, with precise errors.
func (s *scanner) skipSlow() bool {
	switch s.kind() {
	case '"':
		_, ok := s.skipString()
		return ok
	case '0':
		_, ok := s.number()
		return ok
	case 't', 'n':
		return s.literal()
	case '{':
		if !s.beginObject() {
			return false
		}
		for i := 0; ; i++ {
			_, more, ok := s.member(i)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			if !s.skipSlow() {
				return false
			}
		}
	case '[':
		if !s.beginArray() {
			return false
		}
		for i := 0; ; i++ {
			more, ok := s.element(i)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			if !s.skipSlow() {
				return false
			}
		}
	}
	return s.fail("want a JSON value")
}

// literal consumes true, false or null.
func (s *scanner) literal() bool {
	rest := s.data[s.pos:]
	var w string
	switch rest[0] {
	case 't':
		w = "true"
	case 'f':
		w = "false"
	default:
		w = "null"
	}
	if len(rest) >= len(w) && string(rest[:len(w)]) == w {
		s.pos += len(w)
		return true
	}
	// Point at the first byte that differs, as encoding/json does.
	for i := 1; i < len(w) && i < len(rest) && rest[i] == w[i]; i++ {
		s.pos++
	}
	s.pos++
	return s.fail("invalid literal")
}

// null consumes a null if one comes next.
func (s *scanner) null() bool {
	if s.kind() != 'n' {
		return false
	}
	return s.literal()
}

// number consumes a number and returns its text.
func (s *scanner) number() ([]byte, bool) {
	d := s.data
	start, i := s.pos, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i++; i < len(d) && isDigit(d[i]); i++ {
		}
	default:
		s.pos = i
		return nil, s.fail("want a digit in number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return nil, s.fail("want a digit after the decimal point")
		}
		for i++; i < len(d) && isDigit(d[i]); i++ {
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return nil, s.fail("want a digit in the exponent")
		}
		for i++; i < len(d) && isDigit(d[i]); i++ {
		}
	}
	s.pos = i
	return d[start:i], true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// String scanning works eight bytes at a time: the SWAR masks below flag,
// in the lowest flagged byte exactly, the first byte that needs attention.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special returns a mask flagging the bytes of x that are '"', '\\' or
// control characters.
func special(x uint64) uint64 {
	q := x ^ (lsb * '"')
	b := x ^ (lsb * '\\')
	return ((q-lsb)&^q | (b-lsb)&^b | (x-lsb*0x20)&^x) & msb
}

// plain returns the length of the prefix of b without '"', '\\' or control
// characters (and without bytes >= 0x80 when ascii is set).
func plain(b []byte, ascii bool) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		m := special(x)
		if ascii {
			m |= x & msb
		}
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' || c == '\\' || c < 0x20 || ascii && c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// skipString consumes a string, checking its syntax, and reports whether it
// holds escapes.
func (s *scanner) skipString() (escaped, ok bool) {
	flags, ok := s.scanString()
	return flags&hasEscape != 0, ok
}

// Flags that scanString reports.
const (
	hasEscape   = 1 << iota // a backslash escape
	hasNonASCII             // a byte >= 0x80
)

// scanString consumes a string, checking its syntax, and reports whether it
// holds escapes and bytes beyond ASCII.
func (s *scanner) scanString() (flags int, ok bool) {
	d := s.data
	i := s.pos + 1 // after the opening quote
	var high uint64
	for {
		// Eight bytes at a time while they last, then one at a time.
		for ; i+8 <= len(d); i += 8 {
			x := binary.LittleEndian.Uint64(d[i:])
			if m := special(x); m != 0 {
				n := bits.TrailingZeros64(m)
				high |= x & (1<<n - 1)
				i += n / 8
				goto found
			}
			high |= x
		}
		for ; i < len(d); i++ {
			c := d[i]
			if strClass[c] == 1 {
				goto found
			}
			high |= uint64(c)
		}
		s.pos = i
		return 0, s.fail("unterminated string")
	found:
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			if high&msb != 0 {
				flags |= hasNonASCII
			}
			return flags, true
		case c == '\\':
			flags |= hasEscape
			s.pos = i
			if !s.escape() {
				return 0, false
			}
			i = s.pos
		default:
			s.pos = i
			return 0, s.fail("control character in string")
		}
	}
}

// strClass classifies the bytes of a string: 0 for a byte that stands for
// itself, hasNonASCII for a byte >= 0x80, 1 for '"', '\\' and control
// characters.
var strClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c < 0x20 || c == '"' || c == '\\':
			t[c] = 1
		case c >= 0x80:
			t[c] = hasNonASCII
		}
	}
	return t
}()

// escape consumes the escape sequence at s.pos, checking its syntax.
func (s *scanner) escape() bool {
	s.pos++
	if s.pos >= len(s.data) {
		return s.fail("unterminated string")
	}
	switch s.data[s.pos] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.pos++
		return true
	case 'u':
		s.pos++
		for range 4 {
			if s.pos >= len(s.data) || !isHex(s.data[s.pos]) {
				return s.fail("want a hexadecimal digit in \\u escape")
			}
			s.pos++
		}
		return true
	}
	return s.fail("invalid escape in string")
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// str consumes a string and appends its unescaped value to dst.
func (s *scanner) str(dst []byte) ([]byte, bool) {
	start := s.pos + 1
	flags, ok := s.scanString()
	if !ok {
		return dst, false
	}
	raw := s.data[start : s.pos-1]
	if flags == 0 || flags == hasNonASCII && utf8.Valid(raw) {
		return append(dst, raw...), true // nothing to unescape or replace
	}
	return unescape(dst, raw), true
}

// unescape appends to dst the value of the string whose syntax-checked
// contents, between the quotes, are raw, as encoding/json decodes it.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		n := plain(raw[i:], true)
		dst = append(dst, raw[i:i+n]...)
		i += n
		if i >= len(raw) {
			break
		}
		c := raw[i]
		if c != '\\' {
			r, size := utf8.DecodeRune(raw[i:])
			dst = utf8.AppendRune(dst, r) // U+FFFD for an invalid byte
			i += size
			continue
		}
		switch e := raw[i+1]; e {
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
			r := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if d := utf16.DecodeRune(r, hex4(raw[i+2:])); d != utf8.RuneError {
						dst = utf8.AppendRune(dst, d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
		i += 2
	}
	return dst
}

// hex4 decodes four hexadecimal digits, already checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// count converts the text of a JSON number to a token count: a whole number
// from 0 to math.MaxInt, written in any JSON form (12, 12.0, 1.2e1).
func count(num []byte) (int, bool) {
	if len(num) > 0 && len(num) <= 18 {
		n := 0
		for _, c := range num {
			if !isDigit(c) {
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
