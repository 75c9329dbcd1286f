package jsonscan

import (
	"encoding/binary"
	"math/bits"
)

// Where skipFast starts.
const (
	atValue      = iota // at a value (white space first allowed)
	inObject            // inside an object just opened: at its first key or '}'
	inArray             // inside an array just opened: at its first element or ']'
	afterMember         // inside an object after a member: at ',' or '}'
	afterElement        // inside an array after an element: at ',' or ']'
)

// skipFast skips, from d[i], one value (entry atValue) or the rest of the
// object or array being read, through its closing bracket, and returns the
// index after it. It works on local state in a single loop, for speed, and
// reports false, leaving the diagnosis to the caller's slow path, on a
// syntax error, on nesting deeper than 64 levels, or deeper than maxNest
// (which counts the container skipFast starts in).
func skipFast(d []byte, i, maxNest, entry int) (int, bool) {
	var objects uint64 // bit n set: level n is an object, else an array
	n := 0             // nesting level
	maxNest = min(maxNest, 64)
	var c byte

	switch entry {
	case inObject:
		n, objects = 1, 1
		goto objectOpen
	case inArray:
		n = 1
		goto arrayOpen
	case afterMember:
		n, objects = 1, 1
		goto after
	case afterElement:
		n = 1
		goto after
	}

value:
	for i < len(d) && d[i] <= ' ' && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
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
		goto objectOpen
	case '[':
		if n++; n > maxNest {
			return i, false
		}
		objects &^= 1 << (n - 1)
		i++
		goto arrayOpen
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

objectOpen: // after the '{' of an object
	for i < len(d) && d[i] <= ' ' && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	if i < len(d) && d[i] == '}' {
		i++
		objects &^= 1 << (n - 1)
		n--
		goto after
	}
	goto key

arrayOpen: // after the '[' of an array
	for i < len(d) && d[i] <= ' ' && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	if i < len(d) && d[i] == ']' {
		i++
		n--
		goto after
	}
	goto value

key: // inside an object, at a key
	if i >= len(d) || d[i] != '"' {
		return i, false
	}
	c = ':' // marks the string as a key
	goto str

colon:
	for i < len(d) && d[i] <= ' ' && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
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
	for i < len(d) && d[i] <= ' ' && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	if i >= len(d) {
		return i, false
	}
	if objects&(1<<(n-1)) != 0 {
		switch d[i] {
		case ',':
			i++
			for i < len(d) && d[i] <= ' ' && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
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
