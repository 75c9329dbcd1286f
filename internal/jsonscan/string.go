package jsonscan

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// AppendString consumes a string and appends its unescaped value to dst.
func (s *Scanner) AppendString(dst []byte) ([]byte, bool) {
	if s.err != nil {
		return dst, false
	}
	if s.next() != '"' {
		return dst, s.fail("want a string")
	}
	start := s.pos + 1
	flags, ok := s.scanString()
	if !ok {
		return dst, false
	}
	s.comma = true
	raw := s.data[start : s.pos-1]
	if flags == 0 || flags == hasNonASCII && utf8.Valid(raw) {
		return append(dst, raw...), true // nothing to unescape or replace
	}
	return unescape(dst, raw), true
}

// Text consumes a string and returns its unescaped value: a slice of the
// text itself, without copying, when the string holds no escape and is
// valid UTF-8, else buf with the value appended. The result is valid until
// buf or the text changes.
func (s *Scanner) Text(buf []byte) ([]byte, bool) {
	if s.err != nil {
		return nil, false
	}
	if s.next() != '"' {
		return nil, s.fail("want a string")
	}
	start := s.pos + 1
	flags, ok := s.scanString()
	if !ok {
		return nil, false
	}
	s.comma = true
	raw := s.data[start : s.pos-1]
	if flags == 0 || flags == hasNonASCII && utf8.Valid(raw) {
		return raw, true
	}
	return unescape(buf, raw), true
}

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

// Flags that scanString reports.
const (
	hasEscape   = 1 << iota // a backslash escape
	hasNonASCII             // a byte >= 0x80
)

// scanString consumes the string whose opening quote is at s.pos, checking
// its syntax, and reports whether it holds escapes and bytes beyond ASCII.
func (s *Scanner) scanString() (flags int, ok bool) {
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
func (s *Scanner) escape() bool {
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

// unescape appends to dst the value of the string whose syntax-checked
// contents, between the quotes, are raw, as encoding/json decodes it:
// escapes resolved, UTF-16 surrogate pairs combined, and each invalid UTF-8
// byte and each lone surrogate replaced by U+FFFD.
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
				// A pair needs a second \u escape right after.
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
