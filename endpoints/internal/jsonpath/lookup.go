package jsonpath

import (
	"strconv"
	"strings"

	"github.com/llmtest/llmtest/internal/jsonscan"
)

// MaxDepth is the deepest nesting of objects and arrays a document may
// have, the same as encoding/json's.
const MaxDepth = jsonscan.MaxDepth

// result is the outcome of walking one alternative.
type result struct {
	v     Value
	found bool
	seg   int   // the step that failed
	why   uint8 // whyKey, whyNull, whyIndex
	n     int   // the array's length, for whyIndex
	got   Kind  // for a type error
	err   error // a syntax error (got is Missing) or a type error
}

const (
	whyKey = iota + 1
	whyNull
	whyIndex
)

func (r result) detail() string {
	switch {
	case r.got != Missing:
		return r.err.Error()
	case r.err != nil:
		// "at offset 7: ..." or "unexpected end of input, ...": the
		// scanner's error without the "invalid JSON" that Error says.
		return strings.TrimLeft(strings.TrimPrefix(r.err.Error(), jsonscan.ErrSyntax.Error()), ": ")
	case r.why == whyKey:
		return "no such key"
	case r.why == whyNull && r.seg == 0 && r.n < 0:
		return "the document is null"
	case r.why == whyNull:
		return "null"
	case r.why == whyIndex:
		if r.n == 1 {
			return "the array has 1 element"
		}
		return "the array has " + strconv.Itoa(r.n) + " elements"
	}
	return ""
}

// find walks alternative a through document d with s. With whole, it
// reads d to its end, checking all of it, so that malformed JSON anywhere
// is an error, wherever the value is; without, it stops once it has its
// answer, for an alternative after one that read d whole.
func (a *alternative) find(s *jsonscan.Scanner, d []byte, whole bool) (r result) {
	s.Reset(d)
	open := 0 // a.segs[:open] entered containers that are still open
	for si := range a.segs {
		seg := &a.segs[si]
		r.seg = si
		want := jsonscan.Object
		if seg.index >= 0 {
			want = jsonscan.Array
		}
		if k := s.Peek(); k != want {
			// Check the value, so that malformed JSON is reported as such
			// (Skip records the error of a value that cannot start at all).
			if s.Skip() {
				switch k {
				case jsonscan.Null:
					r.why = whyNull
					if si > 0 {
						r.seg = si - 1 // the step whose value is null
					} else {
						r.n = -1 // the document itself
					}
				default:
					r.got = k
					r.err = wantType(want, r.got)
				}
			}
			return a.finish(s, r, open, whole)
		}
		found := false
		if seg.index >= 0 {
			s.BeginArray()
			n := 0
			for s.NextElement() {
				if n == seg.index {
					found = true
					break
				}
				s.Skip()
				n++
			}
			r.why, r.n = whyIndex, n
		} else {
			s.BeginObject()
			for s.NextKey() {
				if string(s.Key()) == seg.key { // the first of duplicate keys
					found = true
					break
				}
				s.Skip()
			}
			r.why = whyKey
		}
		if !found {
			return a.finish(s, r, open, whole)
		}
		open = si + 1
	}
	k := s.Peek()
	start := s.Offset()
	if s.Skip() {
		r.v = Value{kind: k, raw: d[start:s.Offset()]}
		r.found, r.why, r.n = true, 0, 0
	}
	return a.finish(s, r, open, whole)
}

// finish reads, when whole is set, what is left of the document after the
// walk: the rest of the containers still open, innermost first, and the
// end of the text. A syntax error found on the walk or after it replaces
// the result.
func (a *alternative) finish(s *jsonscan.Scanner, r result, open int, whole bool) result {
	if whole {
		for j := open - 1; j >= 0; j-- {
			if a.segs[j].index >= 0 {
				s.EndArray()
			} else {
				s.EndObject()
			}
		}
		s.End()
	}
	if err := s.Err(); err != nil {
		return result{seg: r.seg, err: err}
	}
	return r
}
