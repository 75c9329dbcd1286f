package jsonscan

import (
	"math"
	"strconv"
)

// Number consumes a number and returns its text, which is valid until the
// next Reset.
func (s *Scanner) Number() ([]byte, bool) {
	if s.err != nil {
		return nil, false
	}
	if kinds[s.next()] != Number {
		return nil, s.fail("want a number")
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
		return nil, s.fail("want a digit in number")
	}
	if i < len(d) && d[i] == '.' {
		if i++; i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return nil, s.fail("want a digit after the decimal point")
		}
		i = digits(d, i+1)
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return nil, s.fail("want a digit in the exponent")
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

// WholeNumber converts the text of a JSON number to a non-negative int:
// it reports 0, false for a negative number (other than -0), a fraction, or
// one beyond the range of int. Whole numbers written with a fraction or an
// exponent, such as 12.0 or 1.2e1, are accepted, as encoding/json decodes
// them into float64 without loss; integers written without either are
// converted exactly.
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
		if i < 0 || i > math.MaxInt {
			return 0, false
		}
		return int(i), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f >= 1<<63 || f != math.Trunc(f) || f > math.MaxInt {
		return 0, false
	}
	return int(f), true
}
