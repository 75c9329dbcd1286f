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

// skipMembers reads the members or elements of a container and skips each,
// so that Skip runs inside a container, or skips a value that is not one.
func skipMembers(s *Scanner) {
	switch s.Peek() {
	case Object:
		s.BeginObject()
		for s.NextKey() {
			s.Skip()
		}
	case Array:
		s.BeginArray()
		for s.NextElement() {
			s.Skip()
		}
	default:
		s.Skip()
	}
}

// check compares the Scanner with encoding/json on one text: both accept
// it or both reject it, with the same value when accepted, and Skip
// agrees, on the whole text and on each member or element.
func check(t testing.TB, data []byte) {
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
	s.Reset(data)
	skipMembers(&s)
	s.End()
	if (s.Err() != nil) != (wantErr != nil) {
		t.Fatalf("%q: Skip of members error %v, encoding/json error %v", data, s.Err(), wantErr)
	}
	for members := range 3 {
		s.Reset(data)
		endAfter(&s, members)
		s.End()
		if (s.Err() != nil) != (wantErr != nil) {
			t.Fatalf("%q: EndObject or EndArray after %d members: error %v, encoding/json error %v", data, members, s.Err(), wantErr)
		}
	}
}

// endAfter opens a container, reads up to n of its members or elements
// (the last of them, when it is a container of the same kind, opened and
// ended itself), and ends it with EndObject or EndArray; it skips a value
// that is not a container.
func endAfter(s *Scanner, n int) {
	switch s.Peek() {
	case Object:
		s.BeginObject()
		for i := range n {
			if !s.NextKey() {
				return // closed, or an error
			}
			if i == n-1 && s.Peek() == Object {
				s.BeginObject()
				s.EndObject()
				continue
			}
			s.Skip()
		}
		s.EndObject()
	case Array:
		s.BeginArray()
		for i := range n {
			if !s.NextElement() {
				return
			}
			if i == n-1 && s.Peek() == Array {
				s.BeginArray()
				s.EndArray()
				continue
			}
			s.Skip()
		}
		s.EndArray()
	default:
		s.Skip()
	}
}

var seeds = []string{
	`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`,
	`{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":12,"cache_read_input_tokens":null}}}`,
	`{"a":"\u00e9\ud83d\ude00\ud800\u0041\\\/\b\f\n\r\t\"","b":[1,-0,2.5e-3,1E+2,true,false,null,{}],"c":{}}`,
	"{\"\\u0061\":\"\xff\xfe\",\"b\":\"\xe2\x82\"}",
	`[]`, `[1,]`, `{"a":1,}`, `{,}`, `01`, `1.`, `-`, `tru`, `nul`, `"\x"`, `"\u12g4"`, `{"a" 1}`, `{"a":1 "b":2}`,
	"\"a\x01b\"", `"unterminated`, ` {"a" : [ 1 , 2 ] } `, `{"a":1}x`, `1 2`, "", " ", `"\ud83d"`, `"\udc00\ud83d\ude00"`,
	// Chunks and events of OpenAI's Chat Completions and Responses APIs.
	`{"id":"chatcmpl-8f2a1c9e4b7d","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-mini","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}],"usage":null}`,
	`{"id":"chatcmpl-8f2a1c9e4b7d","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":64,"total_tokens":83,"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0}}}`,
	`{"error":{"message":"The server is overloaded","type":"server_error","param":null,"code":503}}`,
	`{"choices":[{"index":1,"text":"a"},{"index":0,"text":"b","message":{"content":"c"}}]}`,
	`{"usage":{"prompt_tokens":1e2,"prompt_tokens_details":{"cached_tokens":-0}}}`,
	`{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hello","sequence_number":4}`,
	// Strings that the eight-byte (SWAR) loops see at every alignment.
	`"0123456789abcdef\"0123456789abcdef\n"`, `["1234567\"","12345678\\","123456789\u00e9"]`,
	"\"0123456\xe2\x82\xac01234567\xff0123456\x1f\"", `{"0123456789abcdef\u0041":"01234567"}`,
	// Nesting around the 64 levels that Skip's single loop handles itself.
	strings.Repeat(`[{"a":`, 32) + `1` + strings.Repeat(`}]`, 32),
	strings.Repeat(`[{"a":`, 33) + `1` + strings.Repeat(`}]`, 33),
	strings.Repeat(`[`, 65) + strings.Repeat(`]`, 64),
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
	require.ErrorContains(t, s.Err(), "maximum nesting depth")
}

func TestErrors(t *testing.T) {
	for in, want := range map[string]string{
		``:              "invalid JSON: unexpected end of input, want a JSON value",
		`{"a":1,}`:      `invalid JSON at offset 7: want a string as object key, found '}'`,
		`{"a" 1}`:       `invalid JSON at offset 5: want ':' after object key, found '1'`,
		`[1 2]`:         `invalid JSON at offset 3: want ',' or ']' after an array element, found '2'`,
		`{"a":1 "b":2}`: `invalid JSON at offset 7: want ',' or '}' after an object member, found '"'`,
		"\"a\x01\"":     `invalid JSON at offset 2: control character in string, found byte 0x01`,
		`"\q"`:          `invalid JSON at offset 2: invalid escape in string, found 'q'`,
		`"\u12`:         `invalid JSON: unexpected end of input, want a hexadecimal digit in \u escape`,
		`"\u12g4"`:      `invalid JSON at offset 5: want a hexadecimal digit in \u escape, found 'g'`,
		`1.x`:           `invalid JSON at offset 2: want a digit after the decimal point, found 'x'`,
		`1e+`:           `invalid JSON: unexpected end of input, want a digit in the exponent`,
		`-x`:            `invalid JSON at offset 1: want a digit in number, found 'x'`,
		`nope`:          `invalid JSON at offset 1: invalid literal, found 'o'`,
		`fals`:          `invalid JSON: unexpected end of input, invalid literal`,
		`{"a":1} {}`:    `invalid JSON at offset 8: want the end of the text after the top-level value, found '{'`,
		`01`:            `invalid JSON at offset 1: want the end of the text after the top-level value, found '1'`,
		`{"a":"b`:       `invalid JSON: unexpected end of input, unterminated string`,
		`{"a":[1,{"b":`: "invalid JSON: unexpected end of input, want a JSON value",
		"\x00":          "invalid JSON at offset 0: want a JSON value, found byte 0x00",
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

// TestStringAlignment puts each kind of byte that string scanning stops at,
// or that needs unescaping, at every offset of the eight-byte loops, in
// values and in keys.
func TestStringAlignment(t *testing.T) {
	for _, special := range []string{`\"`, `\\`, `\n`, `\u00e9`, `\ud83d\ude00`, `\ud83d`, "\x01", "\xff", "é", "€", "\xe2\x82", `"`, ``} {
		for n := range 20 {
			body := strings.Repeat("x", n) + special + strings.Repeat("y", 20-n)
			check(t, []byte(`"`+body+`"`))
			check(t, []byte(`{"`+body+`":"`+body+`"}`))
			check(t, []byte(`["`+body+`",{"k":"`+body+`"}]`))
		}
	}
}

// TestNesting checks nesting on either side of the 64 levels that Skip's
// single loop handles itself, alone and inside a container.
func TestNesting(t *testing.T) {
	for n := 60; n <= 70; n++ {
		arrays := strings.Repeat("[", n) + strings.Repeat("]", n)
		objects := strings.Repeat(`{"a":`, n) + "null" + strings.Repeat("}", n)
		for _, in := range []string{arrays, objects, `{"x":` + arrays + `}`, `[1,` + objects + `]`, arrays[:len(arrays)-1]} {
			check(t, []byte(in))
		}
	}
}

// TestSticky checks that after an error every method reports false, or
// Invalid, and leaves its arguments alone.
func TestSticky(t *testing.T) {
	var s Scanner
	s.Reset([]byte(`{"a":x, "b":"c"}`))
	require.True(t, s.BeginObject())
	require.True(t, s.NextKey())
	require.False(t, s.Skip())
	err := s.Err()
	require.EqualError(t, err, `invalid JSON at offset 5: want a JSON value, found 'x'`)
	assert.Equal(t, Invalid, s.Peek())
	assert.False(t, s.NextKey())
	assert.False(t, s.NextElement())
	assert.False(t, s.BeginObject())
	assert.False(t, s.BeginArray())
	assert.False(t, s.Skip())
	assert.False(t, s.Null())
	buf, ok := s.AppendString([]byte("kept"))
	assert.False(t, ok)
	assert.Equal(t, "kept", string(buf))
	num, ok := s.Number()
	assert.False(t, ok)
	assert.Nil(t, num)
	_, _, ok = s.Literal()
	assert.False(t, ok)
	assert.False(t, s.End())
	assert.Same(t, err, s.Err(), "the first error is kept")

	s.Reset([]byte(`{}`))
	assert.NoError(t, s.Err(), "Reset clears the error")
	assert.True(t, s.Skip())
	assert.True(t, s.End())
}

// TestWrongKind checks the methods that read one kind of value on others.
func TestWrongKind(t *testing.T) {
	for _, tt := range []struct {
		in   string
		read func(*Scanner) bool
		want string
	}{
		{`[]`, (*Scanner).BeginObject, `invalid JSON at offset 0: want '{', found '['`},
		{` {}`, (*Scanner).BeginArray, `invalid JSON at offset 1: want '[', found '{'`},
		{`1`, func(s *Scanner) bool { _, ok := s.AppendString(nil); return ok }, `invalid JSON at offset 0: want a string, found '1'`},
		{`"1"`, func(s *Scanner) bool { _, ok := s.Number(); return ok }, `invalid JSON at offset 0: want a number, found '"'`},
		{`{}`, func(s *Scanner) bool { _, _, ok := s.Literal(); return ok }, `invalid JSON at offset 0: want true, false or null, found '{'`},
		{``, func(s *Scanner) bool { _, _, ok := s.Literal(); return ok }, `invalid JSON: unexpected end of input, want true, false or null`},
	} {
		var s Scanner
		s.Reset([]byte(tt.in))
		assert.False(t, tt.read(&s), "%q", tt.in)
		assert.EqualError(t, s.Err(), tt.want, "%q", tt.in)
	}
}

func TestLiteral(t *testing.T) {
	for in, want := range map[string][2]bool{"true": {true, false}, "false": {false, false}, " null": {false, true}} {
		var s Scanner
		s.Reset([]byte(in))
		b, null, ok := s.Literal()
		require.True(t, ok, in)
		assert.Equal(t, want, [2]bool{b, null}, in)
		assert.True(t, s.End(), in)
	}
	var s Scanner
	s.Reset([]byte(`[null,true]`))
	s.BeginArray()
	require.True(t, s.NextElement())
	assert.True(t, s.Null(), "null")
	require.True(t, s.NextElement())
	assert.False(t, s.Null(), "not null: nothing consumed")
	assert.Equal(t, Bool, s.Peek())
	assert.NoError(t, s.Err())
}

// TestKindValues checks that a Kind is the byte that starts its values.
func TestKindValues(t *testing.T) {
	for in, want := range map[string]Kind{`"s"`: '"', `{}`: '{', `[]`: '[', `-1`: '0', `7`: '0', `true`: 't', `false`: 't', `null`: 'n', `x`: 0, ``: 0} {
		var s Scanner
		s.Reset([]byte(in))
		assert.Equal(t, want, s.Peek(), "%q", in)
	}
}

func TestResetNilDropsAHugeKeyBuffer(t *testing.T) {
	var s Scanner
	big := `{"` + strings.Repeat(`\u0041`, 5000) + `":1}`
	s.Reset([]byte(big))
	if !s.BeginObject() || !s.NextKey() {
		t.Fatal(s.Err())
	}
	if len(s.Key()) != 5000 {
		t.Fatalf("key of %d bytes, want 5000", len(s.Key()))
	}
	s.Reset(nil)
	if cap(s.kbuf) != 0 {
		t.Errorf("Reset(nil) kept a %d-byte key buffer", cap(s.kbuf))
	}
	small := `{"a\u0042":1}`
	s.Reset([]byte(small))
	if !s.BeginObject() || !s.NextKey() || string(s.Key()) != "aB" {
		t.Fatalf("key %q, err %v", s.Key(), s.Err())
	}
	s.Reset(nil)
	if cap(s.kbuf) == 0 {
		t.Error("Reset(nil) dropped a small key buffer that is worth reusing")
	}
}

// TestBeginTopObject checks that a text that is not JSON is called invalid
// JSON whatever its first byte, and JSON of another type is named.
func TestBeginTopObject(t *testing.T) {
	for in, want := range map[string]string{
		`this is not json`: `invalid JSON at offset 1: invalid literal, found 'h'`,
		`nope`:             `invalid JSON at offset 1: invalid literal, found 'o'`,
		`falsey`:           `invalid JSON at offset 5: want the end of the text after the top-level value, found 'y'`,
		`truth`:            `invalid JSON at offset 3: invalid literal, found 't'`,
		`trueish`:          `invalid JSON at offset 4: want the end of the text after the top-level value, found 'i'`,
		`nullify`:          `invalid JSON at offset 4: want the end of the text after the top-level value, found 'i'`,
		`[1,`:              `invalid JSON: unexpected end of input, want a JSON value`,
		`123abc`:           `invalid JSON at offset 3: want the end of the text after the top-level value, found 'a'`,
		`"unterminated`:    `invalid JSON: unexpected end of input, unterminated string`,
		`<html>`:           `invalid JSON at offset 0: want a JSON value, found '<'`,
		``:                 `invalid JSON: unexpected end of input, want a JSON value`,
		`data: {}`:         `invalid JSON at offset 0: want a JSON value, found 'd'`,
	} {
		var s Scanner
		s.Reset([]byte(in))
		err := s.BeginTopObject()
		assert.EqualError(t, err, want, "%q", in)
		assert.ErrorIs(t, err, ErrSyntax, "%q", in)
		assert.Equal(t, err, s.Err(), "%q: the error is kept", in)
	}
	for in, want := range map[string]string{
		`true`: "want a JSON object, got a boolean", ` null `: "want a JSON object, got null", `-1.5`: "want a JSON object, got a number",
		`"s"`: "want a JSON object, got a string", `[1,{}]`: "want a JSON object, got an array",
	} {
		var s Scanner
		s.Reset([]byte(in))
		err := s.BeginTopObject()
		assert.EqualError(t, err, want, "%q", in)
		assert.NotErrorIs(t, err, ErrSyntax, "%q", in)
	}
	var s Scanner
	s.Reset([]byte(` {"a":1}`))
	require.NoError(t, s.BeginTopObject())
	require.True(t, s.NextKey())
	assert.Equal(t, "a", string(s.Key()))
}

func TestText(t *testing.T) {
	for in, want := range map[string]struct {
		text   string
		inText bool
	}{
		`"plain"`:           {"plain", true},
		`"héllo 😀"`:         {"héllo 😀", true},
		`""`:                {"", true},
		`"a\nb"`:            {"a\nb", false},
		`"\u00e9\ud83d"`:    {"é\uFFFD", false},
		"\"bad \xff utf8\"": {"bad \uFFFD utf8", false},
		`"0123456789\"abc"`: {`0123456789"abc`, false},
	} {
		var s Scanner
		data := []byte(in)
		s.Reset(data)
		buf := make([]byte, 0, 64)
		got, ok := s.Text(buf)
		require.True(t, ok, in)
		assert.Equal(t, want.text, string(got), in)
		if len(got) > 0 {
			assert.Equal(t, want.inText, &got[0] == &data[1], "%s: in place only without escapes", in)
		}
		assert.True(t, s.End(), in)
	}
	var s Scanner
	s.Reset([]byte(`1`))
	got, ok := s.Text([]byte("kept"))
	assert.False(t, ok)
	assert.Nil(t, got)
	assert.EqualError(t, s.Err(), `invalid JSON at offset 0: want a string, found '1'`)
}
