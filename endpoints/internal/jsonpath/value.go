package jsonpath

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the JSON type of a value.
type Kind uint8

const (
	// Missing is the kind of the zero Value: nothing was found.
	Missing Kind = iota
	Null
	Bool
	Number
	String
	Object
	Array
)

// String names the kind as error messages do: "an object", "null".
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

var (
	// ErrNotFound is wrapped by the error of a path that leads nowhere.
	ErrNotFound = errors.New("not found")
	// ErrType is wrapped by the error of a value, or of a step on the way
	// to it, whose JSON type is not the one wanted.
	ErrType = errors.New("wrong type")
	// ErrSyntax is wrapped by the error of malformed JSON.
	ErrSyntax = errors.New("invalid JSON")
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
// else buf[:0] with the unescaped string appended. The result is valid
// until buf or the document is changed.
func (v Value) Text(buf []byte) ([]byte, error) {
	if v.kind != String {
		return nil, wantType(String, v.kind)
	}
	s := v.raw[1 : len(v.raw)-1]
	if !hasEscape(s) && utf8.Valid(s) {
		return s, nil
	}
	return appendUnquoted(buf[:0], s), nil
}

func hasEscape(s []byte) bool {
	for _, c := range s {
		if c == '\\' {
			return true
		}
	}
	return false
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
	n := 0
	i := skipWS(v.raw, 1)
	if v.raw[i] == ']' || v.raw[i] == '}' {
		return 0, nil
	}
	for {
		n++
		if v.kind == Object {
			end, _, _ := scanString(v.raw, i)
			i = skipWS(v.raw, end)
			i = skipWS(v.raw, i+1) // ':'
		}
		end, err := skipValue(v.raw, i, 1)
		if err != nil {
			return 0, err // not reached: the value was checked when found
		}
		i = skipWS(v.raw, end)
		if v.raw[i] != ',' {
			return n, nil
		}
		i = skipWS(v.raw, i+1)
	}
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
// *Error for malformed JSON, wrapping ErrSyntax. Lookup does not allocate.
func (p *Path) Lookup(data []byte) (v Value, found bool, err error) {
	for i := range p.alts {
		r := p.alts[i].find(data)
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
	var misses []string
	for i := range p.alts {
		r := p.alts[i].find(data)
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
	found, err = p.first(data, func(v Value) error {
		var err error
		if v.kind == Array {
			n, err = v.Len()
		} else {
			n, err = v.Int()
		}
		return err
	})
	return n, found, err
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
	var typeErr error
	for i := range p.alts {
		r := p.alts[i].find(data)
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

// result is the outcome of walking one alternative.
type result struct {
	v     Value
	found bool
	seg   int   // the step that failed
	why   uint8 // whyKey, whyNull, whyIndex
	n     int   // the array's length, for whyIndex
	got   Kind  // for a type error
	err   error // a syntax or type error
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
		return r.err.Error()
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

// find walks one alternative through d.
func (a *alternative) find(d []byte) (r result) {
	i := skipWS(d, 0)
	for si := range a.segs {
		seg := &a.segs[si]
		r.seg = si
		if i >= len(d) {
			r.err = errEnd(i)
			return r
		}
		k := kindOf(d[i])
		want := Object
		if seg.index >= 0 {
			want = Array
		}
		switch k {
		case want:
		case Null:
			if _, err := scanLiteral(d, i, litNull); err != nil {
				r.err = err
				return r
			}
			r.why = whyNull
			if si > 0 {
				r.seg = si - 1 // the step whose value is null
			} else {
				r.n = -1 // the document itself
			}
			return r
		case Missing:
			r.err = errChar(d, i, "looking for a value")
			return r
		default:
			// Check the value, so that malformed JSON is reported as such.
			if _, err := skipValue(d, i, si); err != nil {
				r.err = err
				return r
			}
			r.got, r.err = k, wantType(want, k)
			return r
		}
		var ok bool
		var err error
		if seg.index >= 0 {
			i, r.n, ok, err = findIndex(d, i, si+1, seg.index)
			r.why = whyIndex
		} else {
			i, ok, err = findKey(d, i, si+1, seg.key)
			r.why = whyKey
		}
		if err != nil {
			r.err = err
			return r
		}
		if !ok {
			return r
		}
	}
	end, err := skipValue(d, i, len(a.segs))
	if err != nil {
		r.seg = len(a.segs) - 1
		r.err = err
		return r
	}
	r.v = Value{kind: kindOf(d[i]), raw: d[i:end]}
	r.found, r.why = true, 0
	return r
}

// appendUnquoted appends the unescaped content of a checked JSON string
// (without its quotes) to dst, as encoding/json decodes it: invalid UTF-8
// bytes and lone surrogates become U+FFFD.
func appendUnquoted(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch s[i+1] {
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
				r := getu4(s[i:])
				i += 6
				if utf16.IsSurrogate(r) {
					if r2 := getu4(s[i:]); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
							dst = utf8.AppendRune(dst, dec)
							i += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, s[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, unicode.ReplacementChar)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
		}
	}
	return dst
}

// getu4 decodes the \uXXXX escape at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		h := unhex(c)
		if h < 0 {
			return -1
		}
		r = r<<4 | rune(h)
	}
	return r
}
