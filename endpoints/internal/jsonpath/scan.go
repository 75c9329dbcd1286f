package jsonpath

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays that a lookup
// walks through or skips over.
const MaxDepth = 1000

// syntaxError describes malformed JSON at a byte offset.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return "invalid JSON at byte " + strconv.Itoa(e.off) + ": " + e.msg
}

func errAt(off int, msg string) error { return &syntaxError{off, msg} }

func errEnd(off int) error { return errAt(off, "unexpected end of input") }

func errChar(d []byte, off int, context string) error {
	if off >= len(d) {
		return errEnd(off)
	}
	return errAt(off, "invalid character "+strconv.QuoteRune(rune(d[off]))+" "+context)
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipWS(d []byte, i int) int {
	for i < len(d) && isWS(d[i]) {
		i++
	}
	return i
}

// kindOf returns the kind of the value starting with c, or Missing when c
// starts none.
func kindOf(c byte) Kind {
	switch {
	case c == '{':
		return Object
	case c == '[':
		return Array
	case c == '"':
		return String
	case c == 't' || c == 'f':
		return Bool
	case c == 'n':
		return Null
	case c == '-' || (c >= '0' && c <= '9'):
		return Number
	}
	return Missing
}

// scanString checks the string starting with the quote at d[i] and returns
// the offset after its closing quote, and whether it holds an escape.
func scanString(d []byte, i int) (end int, escaped bool, err error) {
	i++
	for {
		// Fast path: plain bytes.
		j := i
		for j < len(d) && d[j] != '"' && d[j] != '\\' && d[j] >= 0x20 {
			j++
		}
		i = j
		if i >= len(d) {
			return 0, false, errEnd(i)
		}
		switch c := d[i]; {
		case c == '"':
			return i + 1, escaped, nil
		case c < 0x20:
			return 0, false, errAt(i, "control character in a string")
		default: // backslash
			escaped = true
			if i+1 >= len(d) {
				return 0, false, errEnd(i + 1)
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) {
					return 0, false, errEnd(len(d))
				}
				for k := i + 2; k < i+6; k++ {
					if unhex(d[k]) < 0 {
						return 0, false, errAt(k, "invalid \\u escape")
					}
				}
				i += 6
			default:
				return 0, false, errAt(i+1, "invalid escape in a string")
			}
		}
	}
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// scanNumber checks the number starting at d[i] and returns the offset
// after it.
func scanNumber(d []byte, i int) (int, error) {
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return 0, errChar(d, i, "in a number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == start {
			return 0, errChar(d, i, "after a decimal point")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == start {
			return 0, errChar(d, i, "in an exponent")
		}
	}
	return i, nil
}

var (
	litTrue  = []byte("true")
	litFalse = []byte("false")
	litNull  = []byte("null")
)

func scanLiteral(d []byte, i int, lit []byte) (int, error) {
	if len(d)-i >= len(lit) && bytes.Equal(d[i:i+len(lit)], lit) {
		return i + len(lit), nil
	}
	for k := range lit {
		if i+k >= len(d) {
			return 0, errEnd(i + k)
		}
		if d[i+k] != lit[k] {
			return 0, errChar(d, i+k, "in a literal")
		}
	}
	return 0, errAt(i, "invalid literal") // not reached
}

// skipValue checks the value starting at d[i] (no leading white space) and
// returns the offset after it. depth is the nesting depth of the value.
func skipValue(d []byte, i, depth int) (int, error) {
	if i >= len(d) {
		return 0, errEnd(i)
	}
	switch c := d[i]; {
	case c == '"':
		end, _, err := scanString(d, i)
		return end, err
	case c == '{':
		return skipObject(d, i, depth+1)
	case c == '[':
		return skipArray(d, i, depth+1)
	case c == 't':
		return scanLiteral(d, i, litTrue)
	case c == 'f':
		return scanLiteral(d, i, litFalse)
	case c == 'n':
		return scanLiteral(d, i, litNull)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(d, i)
	}
	return 0, errChar(d, i, "looking for a value")
}

func skipObject(d []byte, i, depth int) (int, error) {
	if depth > MaxDepth {
		return 0, errAt(i, "nested too deeply")
	}
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(d) || d[i] != '"' {
			return 0, errChar(d, i, "looking for an object key")
		}
		end, _, err := scanString(d, i)
		if err != nil {
			return 0, err
		}
		i = skipWS(d, end)
		if i >= len(d) || d[i] != ':' {
			return 0, errChar(d, i, `after an object key, want ":"`)
		}
		i = skipWS(d, i+1)
		if i, err = skipValue(d, i, depth); err != nil {
			return 0, err
		}
		i = skipWS(d, i)
		if i >= len(d) {
			return 0, errEnd(i)
		}
		switch d[i] {
		case ',':
			i = skipWS(d, i+1)
		case '}':
			return i + 1, nil
		default:
			return 0, errChar(d, i, `after an object value, want "," or "}"`)
		}
	}
}

func skipArray(d []byte, i, depth int) (int, error) {
	if depth > MaxDepth {
		return 0, errAt(i, "nested too deeply")
	}
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = skipValue(d, i, depth); err != nil {
			return 0, err
		}
		i = skipWS(d, i)
		if i >= len(d) {
			return 0, errEnd(i)
		}
		switch d[i] {
		case ',':
			i = skipWS(d, i+1)
		case ']':
			return i + 1, nil
		default:
			return 0, errChar(d, i, `after an array element, want "," or "]"`)
		}
	}
}

// findKey looks for key in the object starting at d[i]. It returns the
// offset of the member's value when found.
func findKey(d []byte, i, depth int, key string) (int, bool, error) {
	if depth > MaxDepth {
		return 0, false, errAt(i, "nested too deeply")
	}
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == '}' {
		return 0, false, nil
	}
	for {
		if i >= len(d) || d[i] != '"' {
			return 0, false, errChar(d, i, "looking for an object key")
		}
		end, escaped, err := scanString(d, i)
		if err != nil {
			return 0, false, err
		}
		match := keyEqual(d[i+1:end-1], escaped, key)
		i = skipWS(d, end)
		if i >= len(d) || d[i] != ':' {
			return 0, false, errChar(d, i, `after an object key, want ":"`)
		}
		i = skipWS(d, i+1)
		if match {
			if i >= len(d) {
				return 0, false, errEnd(i)
			}
			return i, true, nil
		}
		if i, err = skipValue(d, i, depth); err != nil {
			return 0, false, err
		}
		i = skipWS(d, i)
		if i >= len(d) {
			return 0, false, errEnd(i)
		}
		switch d[i] {
		case ',':
			i = skipWS(d, i+1)
		case '}':
			return 0, false, nil
		default:
			return 0, false, errChar(d, i, `after an object value, want "," or "}"`)
		}
	}
}

// findIndex looks for element n of the array starting at d[i]. It returns
// the offset of the element when found, else the array's length.
func findIndex(d []byte, i, depth, n int) (at, length int, found bool, err error) {
	if depth > MaxDepth {
		return 0, 0, false, errAt(i, "nested too deeply")
	}
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == ']' {
		return 0, 0, false, nil
	}
	for k := 0; ; k++ {
		if i >= len(d) {
			return 0, 0, false, errEnd(i)
		}
		if k == n {
			return i, 0, true, nil
		}
		if i, err = skipValue(d, i, depth); err != nil {
			return 0, 0, false, err
		}
		i = skipWS(d, i)
		if i >= len(d) {
			return 0, 0, false, errEnd(i)
		}
		switch d[i] {
		case ',':
			i = skipWS(d, i+1)
		case ']':
			return 0, k + 1, false, nil
		default:
			return 0, 0, false, errChar(d, i, `after an array element, want "," or "]"`)
		}
	}
}

// keyEqual reports whether the raw JSON key (between its quotes) equals
// key.
func keyEqual(raw []byte, escaped bool, key string) bool {
	if !escaped {
		if string(raw) == key { // no allocation
			return true
		}
		if utf8.Valid(raw) {
			return false
		}
	}
	var tmp [64]byte
	dec := appendUnquoted(tmp[:0], raw)
	return string(dec) == key
}
