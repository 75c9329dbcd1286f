package jsonpath

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/llmtest/llmtest/internal/jsonscan"
)

// Kind is the JSON type of a value: the scanner's kinds, and Missing.
// Its String names it as error messages do: "an object", "null", and
// "nothing" for Missing.
type Kind = jsonscan.Kind

// The kinds of a Value.
const (
	// Missing is the kind of the zero Value: nothing was found.
	Missing Kind = 0
	Null         = jsonscan.Null
	Bool         = jsonscan.Bool
	Number       = jsonscan.Number
	String       = jsonscan.String
	Object       = jsonscan.Object
	Array        = jsonscan.Array
)

var (
	// ErrNotFound is wrapped by the error of a path that leads nowhere.
	ErrNotFound = errors.New("not found")
	// ErrType is wrapped by the error of a value, or of a step on the way
	// to it, whose JSON type is not the one wanted.
	ErrType = errors.New("wrong type")
	// ErrSyntax is wrapped by the error of malformed JSON; it is
	// jsonscan.ErrSyntax.
	ErrSyntax = jsonscan.ErrSyntax
)

// Error is a failed lookup.
type Error struct {
	// Path is the path as written.
	Path string
	// At is the path up to and including the step that failed, such as
	// "choices[0]"; empty when every alternative of the path failed.
	At string
	// Err is ErrNotFound, ErrType or ErrSyntax.
	Err error
	// Detail says what went wrong, such as "no such key".
	Detail string
}

// Error returns `path "<path>": at "<step>": <err> (<detail>)`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("path ")
	b.WriteString(strconv.Quote(e.Path))
	b.WriteString(": ")
	if e.At != "" {
		b.WriteString("at ")
		b.WriteString(strconv.Quote(e.At))
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Value is a value found in a document: its kind and its bytes, which
// point into the document. The zero Value is Missing.
type Value struct {
	kind Kind
	raw  []byte
}

// Kind returns the value's JSON type.
func (v Value) Kind() Kind { return v.kind }

// Raw returns the value's JSON text, a slice of the document.
func (v Value) Raw() []byte { return v.raw }

// Text returns the string the value holds, unescaped: raw's content
// itself, without copying, when it holds no escape and is valid UTF-8,
// else buf[:0] with the unescaped string appended, as encoding/json
// decodes it (invalid UTF-8 and lone surrogates become U+FFFD). The result
// is valid until buf or the document is changed.
func (v Value) Text(buf []byte) ([]byte, error) {
	if v.kind != String {
		return nil, wantType(String, v.kind)
	}
	var s jsonscan.Scanner
	s.Reset(v.raw)
	t, _ := s.Text(buf[:0]) // checked when found
	return t, nil
}

// Int returns the value as an int when it is a number with no fraction,
// such as 12, -3, 12.0 or 1e3.
func (v Value) Int() (int, error) {
	if v.kind != Number {
		return 0, wantType(Number, v.kind)
	}
	r := v.raw
	neg := len(r) > 0 && r[0] == '-'
	if neg {
		r = r[1:]
	}
	if len(r) > 0 && len(r) <= 18 {
		n, ok := 0, true
		for _, c := range r {
			if c < '0' || c > '9' {
				ok = false
				break
			}
			n = n*10 + int(c-'0')
		}
		if ok {
			if neg {
				n = -n
			}
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(string(v.raw), 64)
	if err != nil || f != math.Trunc(f) || f > math.MaxInt64 || f < math.MinInt64 || f >= 1<<63 {
		return 0, errors.New("want a whole number, got " + strconv.Quote(string(v.raw)))
	}
	return int(f), nil
}

// Bool returns the value of true or false.
func (v Value) Bool() (bool, error) {
	if v.kind != Bool {
		return false, wantType(Bool, v.kind)
	}
	return v.raw[0] == 't', nil
}

// Len returns the number of elements of an array or members of an object.
func (v Value) Len() (int, error) {
	if v.kind != Array && v.kind != Object {
		return 0, errors.New("want an array or an object, got " + v.kind.String())
	}
	var s jsonscan.Scanner
	s.Reset(v.raw)
	n := 0
	if v.kind == Array {
		s.BeginArray()
		for s.NextElement() {
			s.Skip()
			n++
		}
	} else {
		s.BeginObject()
		for s.NextKey() {
			s.Skip()
			n++
		}
	}
	return n, s.Err() // nil: the value was checked when found
}

type typeError struct{ want, got Kind }

func (e *typeError) Error() string { return "want " + e.want.String() + ", got " + e.got.String() }

func wantType(want, got Kind) error { return &typeError{want, got} }

// Lookup returns the value the path leads to in the JSON document data.
// found is false, with a nil error, when the path leads nowhere: a key
// that is absent, an index past the end, a null on the way, or a value on
// the way that the next step does not apply to (an index into an object, a
// key into a string); a null at the end is found, with Kind Null. With
// alternatives, the first one found is returned. The only error is an
// *Error for malformed JSON anywhere in data, wrapping ErrSyntax. Lookup
// does not allocate.
func (p *Path) Lookup(data []byte) (v Value, found bool, err error) {
	var s jsonscan.Scanner
	for i := range p.alts {
		r := p.alts[i].find(&s, data, i == 0)
		if r.err != nil && r.got == Missing {
			return Value{}, false, p.stepError(i, r)
		}
		if r.found {
			return r.v, true, nil
		}
	}
	return Value{}, false, nil
}

// Get is Lookup for a value that must be there: a path that leads nowhere
// is an *Error that names the step that failed and wraps ErrType when the
// step did not apply to the value it met, else ErrNotFound. With
// alternatives, it wraps ErrNotFound and names the step of each.
func (p *Path) Get(data []byte) (Value, error) {
	var s jsonscan.Scanner
	var misses []string
	for i := range p.alts {
		r := p.alts[i].find(&s, data, i == 0)
		if r.err != nil && (r.got == Missing || len(p.alts) == 1) {
			return Value{}, p.stepError(i, r)
		}
		if r.found {
			return r.v, nil
		}
		if len(p.alts) == 1 {
			return Value{}, p.stepError(i, r)
		}
		a := &p.alts[i]
		misses = append(misses, "at "+strconv.Quote(a.src[:a.segs[r.seg].end])+": "+r.detail())
	}
	return Value{}, &Error{Path: p.src, Err: ErrNotFound, Detail: strings.Join(misses, "; ")}
}

// Text returns the string the path leads to, as Value.Text does (buf is
// reused). found is false when the path leads nowhere (as for Lookup) or
// to null. With alternatives, the first that leads to a string wins: a
// null or a value of another type goes on to the next. A value of another
// type, when no alternative leads to a string, is an error wrapping
// ErrType.
func (p *Path) Text(data, buf []byte) (text []byte, found bool, err error) {
	found, err = p.first(data, func(v Value) error {
		var err error
		text, err = v.Text(buf)
		return err
	})
	return text, found, err
}

// Int returns the whole number the path leads to. found is false when the
// path leads nowhere or to null; alternatives and other types are as for
// Text.
func (p *Path) Int(data []byte) (n int, found bool, err error) {
	found, err = p.first(data, func(v Value) error {
		var err error
		n, err = v.Int()
		return err
	})
	return n, found, err
}

// Count returns a count the path leads to: a whole number, or the length
// of an array (such as a list of tokens). found is false when the path
// leads nowhere or to null; alternatives and other types are as for Text.
func (p *Path) Count(data []byte) (n int, found bool, err error) {
	found, err = p.first(data, func(v Value) (err error) {
		n, err = v.count()
		return err
	})
	return n, found, err
}

// count reads v as a count: the length of an array, else a whole number.
func (v Value) count() (int, error) {
	if v.kind == Array {
		return v.Len()
	}
	return v.Int()
}

// Present reports whether the path, or one of its alternatives, leads to
// a value other than null.
func (p *Path) Present(data []byte) (bool, error) {
	return p.first(data, func(Value) error { return nil })
}

// first calls use with the value of each alternative, in order, that
// leads to a value other than null, until use accepts one. It returns
// whether one was accepted and, when none was, the first of use's errors
// as an ErrType error. Malformed JSON is an error at once.
func (p *Path) first(data []byte, use func(Value) error) (bool, error) {
	var s jsonscan.Scanner
	var typeErr error
	for i := range p.alts {
		r := p.alts[i].find(&s, data, i == 0)
		if r.err != nil && r.got == Missing {
			return false, p.stepError(i, r)
		}
		if !r.found || r.v.kind == Null {
			continue
		}
		if err := use(r.v); err != nil {
			if typeErr == nil {
				typeErr = p.valueError(err)
			}
			continue
		}
		return true, nil
	}
	return false, typeErr
}

// valueError wraps an error about the found value's type.
func (p *Path) valueError(err error) error {
	return &Error{Path: p.src, At: p.src, Err: ErrType, Detail: err.Error()}
}

// stepError builds the error for alternative i's failed walk.
func (p *Path) stepError(i int, r result) *Error {
	a := &p.alts[i]
	e := &Error{Path: p.src, At: a.src[:a.segs[r.seg].end], Detail: r.detail()}
	switch {
	case r.err != nil && r.got != Missing:
		e.Err = ErrType
	case r.err != nil:
		e.Err = ErrSyntax
	default:
		e.Err = ErrNotFound
	}
	return e
}
