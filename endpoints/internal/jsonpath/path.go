package jsonpath

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxIndexDigits bounds an index, so that it fits an int on every platform.
const maxIndexDigits = 9

// Path is a parsed path. It is immutable and safe for concurrent use.
type Path struct {
	src  string
	alts []alternative
}

// alternative is one of the "|"-separated paths.
type alternative struct {
	src  string
	segs []segment
}

// segment is one step of a path: a key, or an index when index >= 0.
type segment struct {
	key   string
	index int
	end   int // offset in the alternative's src just after this step
}

// Parse parses a path; see the package documentation for the syntax.
func Parse(s string) (*Path, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("jsonpath: empty path")
	}
	p := &Path{src: s}
	off := 0
	for {
		end := nextBar(s, off)
		raw := s[off:end]
		lead := len(raw) - len(strings.TrimLeft(raw, " "))
		text := strings.TrimRight(raw[lead:], " ")
		a, err := parseAlternative(text)
		if err != nil {
			var perr *parseError
			if errors.As(err, &perr) {
				return nil, fmt.Errorf("jsonpath: parse %q: %s at byte %d", s, perr.msg, off+lead+perr.at)
			}
			return nil, err
		}
		p.alts = append(p.alts, a)
		if end == len(s) {
			return p, nil
		}
		off = end + 1
	}
}

// MustParse is Parse for paths known to be valid, such as defaults; it
// panics on an error.
func MustParse(s string) *Path {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the path as it was written.
func (p *Path) String() string { return p.src }

// nextBar returns the offset of the next "|" outside a quoted key, or
// len(s).
func nextBar(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case '|':
			return i
		case '[':
			if i+1 < len(s) && s[i+1] == '"' {
				i += 2
				for i < len(s) && s[i] != '"' {
					if s[i] == '\\' {
						i++
					}
					i++
				}
			}
		}
		i++
	}
	return len(s)
}

type parseError struct {
	at  int
	msg string
}

func (e *parseError) Error() string { return e.msg }

func parseAlternative(s string) (alternative, error) {
	a := alternative{src: s}
	if s == "" {
		return a, &parseError{0, "empty alternative"}
	}
	i := 0
	for i < len(s) {
		switch c := s[i]; {
		case c == '[':
			seg, next, err := parseBracket(s, i)
			if err != nil {
				return a, err
			}
			a.segs = append(a.segs, seg)
			i = next
		case c == '.':
			if i == 0 {
				return a, &parseError{i, `path starts with "."`}
			}
			i++
			if i == len(s) {
				return a, &parseError{i, `path ends with "."`}
			}
			if s[i] == '.' || s[i] == '[' {
				return a, &parseError{i, "empty key"}
			}
			fallthrough
		default:
			if i > 0 && s[i-1] != '.' {
				return a, &parseError{i, `want "." or "[" after "]"`}
			}
			start := i
			for i < len(s) && s[i] != '.' && s[i] != '[' && s[i] != ']' {
				i++
			}
			if i < len(s) && s[i] == ']' {
				return a, &parseError{i, `unexpected "]"`}
			}
			if i == start {
				return a, &parseError{i, "empty key"}
			}
			a.segs = append(a.segs, segment{key: s[start:i], index: -1, end: i})
		}
	}
	return a, nil
}

// parseBracket parses "[N]" or `["key"]` at s[i].
func parseBracket(s string, i int) (segment, int, error) {
	open := i
	i++
	if i < len(s) && s[i] == '"' {
		i++
		var b strings.Builder
		for {
			if i >= len(s) {
				return segment{}, 0, &parseError{open, "unclosed quoted key"}
			}
			c := s[i]
			if c == '"' {
				break
			}
			if c == '\\' {
				if i+1 >= len(s) || (s[i+1] != '"' && s[i+1] != '\\') {
					return segment{}, 0, &parseError{i, `want \" or \\ in a quoted key`}
				}
				i++
				c = s[i]
			}
			b.WriteByte(c)
			i++
		}
		i++ // closing quote
		if i >= len(s) || s[i] != ']' {
			return segment{}, 0, &parseError{i, `want "]" after a quoted key`}
		}
		i++
		return segment{key: b.String(), index: -1, end: i}, i, nil
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start {
		return segment{}, 0, &parseError{start, "want a non-negative index or a quoted key after \"[\""}
	}
	if i-start > maxIndexDigits {
		return segment{}, 0, &parseError{start, "index too large"}
	}
	if i >= len(s) || s[i] != ']' {
		return segment{}, 0, &parseError{i, `want "]" after an index`}
	}
	n, _ := strconv.Atoi(s[start:i])
	i++
	return segment{index: n, end: i}, i, nil
}
