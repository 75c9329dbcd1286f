package jsonscan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// build reads one value with the Scanner into the values encoding/json
// decodes into an interface (numbers as json.Number), so that the two can
// be compared.
func build(s *Scanner) any {
	switch s.Peek() {
	case Object:
		m := map[string]any{}
		s.BeginObject()
		for s.NextKey() {
			k := string(s.Key())
			m[k] = build(s)
		}
		return m
	case Array:
		a := []any{}
		s.BeginArray()
		for s.NextElement() {
			a = append(a, build(s))
		}
		return a
	case String:
		b, _ := s.AppendString(nil)
		return string(b)
	case Number:
		n, _ := s.Number()
		return json.Number(n)
	case Bool, Null:
		b, null, _ := s.Literal()
		if null {
			return nil
		}
		return b
	}
	s.Skip() // records the error
	return nil
}

// reference decodes data as encoding/json does.
func reference(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if !json.Valid(data) { // trailing data
		return nil, errTrailing
	}
	return v, nil
}

var errTrailing = jsonError("trailing data")

type jsonError string

func (e jsonError) Error() string { return string(e) }

// check compares the Scanner with encoding/json on one text: both accept
// it or both reject it, with the same value when accepted, and Skip
// agrees.
func check(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := reference(data)
	var s Scanner
	s.Reset(data)
	got := build(&s)
	s.End()
	if (s.Err() != nil) != (wantErr != nil) {
		t.Fatalf("%q: scanner error %v, encoding/json error %v", data, s.Err(), wantErr)
	}
	if wantErr == nil {
		require.Equal(t, want, got, "%q", data)
		require.Zero(t, s.depth, "depth back to 0")
	}
	s.Reset(data)
	s.Skip()
	s.End()
	if (s.Err() != nil) != (wantErr != nil) {
		t.Fatalf("%q: Skip error %v, encoding/json error %v", data, s.Err(), wantErr)
	}
}

var seeds = []string{
	`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`,
	`{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":12,"cache_read_input_tokens":null}}}`,
	`{"a":"\u00e9\ud83d\ude00\ud800\u0041\\\/\b\f\n\r\t\"","b":[1,-0,2.5e-3,1E+2,true,false,null,{}],"c":{}}`,
	"{\"\\u0061\":\"\xff\xfe\",\"b\":\"\xe2\x82\"}",
	`[]`, `[1,]`, `{"a":1,}`, `{,}`, `01`, `1.`, `-`, `tru`, `nul`, `"\x"`, `"\u12g4"`, `{"a" 1}`, `{"a":1 "b":2}`,
	"\"a\x01b\"", `"unterminated`, ` {"a" : [ 1 , 2 ] } `, `{"a":1}x`, `1 2`, "", " ", `"\ud83d"`, `"\udc00\ud83d\ude00"`,
}

func TestScannerAgainstEncodingJSON(t *testing.T) {
	for _, in := range seeds {
		check(t, []byte(in))
	}
}

func TestDepth(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	check(t, []byte(ok))
	var s Scanner
	s.Reset([]byte(ok))
	require.True(t, s.Skip())

	deep := `{"a":` + ok + `}` // one level more than encoding/json accepts
	check(t, []byte(deep))
	s.Reset([]byte(deep))
	require.False(t, s.Skip())
	require.ErrorContains(t, s.Err(), "maximum depth")
}

func TestErrors(t *testing.T) {
	for in, want := range map[string]string{
		``:              "invalid JSON: unexpected end of input, want a JSON value",
		`{"a":1,}`:      `invalid JSON at offset 7: want a string for an object key, found '}'`,
		`{"a" 1}`:       `invalid JSON at offset 5: want ':' after an object key, found '1'`,
		`[1 2]`:         `invalid JSON at offset 3: want ',' or ']' after an array element, found '2'`,
		"\"a\x01\"":     `invalid JSON at offset 2: want no control character in a string, found byte 0x01`,
		`"\q"`:          `invalid JSON at offset 2: want a valid escape character after '\', found 'q'`,
		`"\u12`:         `invalid JSON: unexpected end of input, want a hexadecimal digit in a \u escape`,
		`1.x`:           `invalid JSON at offset 2: want a digit after the decimal point, found 'x'`,
		`nope`:          `invalid JSON at offset 0: want the literal null, found 'n'`,
		`{"a":1} {}`:    `invalid JSON at offset 8: want the end of the text after the top-level value, found '{'`,
		`{"a":"b`:       `invalid JSON: unexpected end of input, want the closing '"' of a string`,
		`{"a":[1,{"b":`: "invalid JSON: unexpected end of input, want a JSON value",
	} {
		var s Scanner
		s.Reset([]byte(in))
		s.Skip()
		s.End()
		assert.EqualError(t, s.Err(), want, "%q", in)
	}
}

func TestWholeNumber(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "7": 7, "-0": 0, "12.0": 12, "1.2e1": 12, "1E3": 1000, "123456789012345678": 123456789012345678, "9223372036854775807": 9223372036854775807, "-0.0": 0} {
		got, ok := WholeNumber([]byte(in))
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"-1", "1.5", "1e400", "1e19", "-1e-9", "9223372036854775808", "9223372036854775807.0"} {
		_, ok := WholeNumber([]byte(in))
		assert.False(t, ok, in)
	}
}

func TestKind(t *testing.T) {
	names := map[Kind]string{Invalid: "nothing", Null: "null", Bool: "a boolean", Number: "a number", String: "a string", Object: "an object", Array: "an array"}
	for k, want := range names {
		assert.Equal(t, want, k.String())
	}
}

func TestNoAllocs(t *testing.T) {
	data := []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"caf\u00e9 \"ok\""}}`)
	var s Scanner
	var buf []byte
	read := func() {
		s.Reset(data)
		s.BeginObject()
		for s.NextKey() {
			if string(s.Key()) != "delta" {
				s.Skip()
				continue
			}
			s.BeginObject()
			for s.NextKey() {
				if string(s.Key()) == "text" {
					buf, _ = s.AppendString(buf[:0])
				} else {
					s.Skip()
				}
			}
		}
		s.End()
	}
	read()
	require.NoError(t, s.Err())
	require.Equal(t, `café "ok"`, string(buf))
	require.Zero(t, testing.AllocsPerRun(100, read))
}

func FuzzScanner(f *testing.F) {
	for _, in := range seeds {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
	})
}
