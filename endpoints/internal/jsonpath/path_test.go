package jsonpath

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	type seg struct {
		key   string
		index int
	}
	k := func(s string) seg { return seg{key: s, index: -1} }
	i := func(n int) seg { return seg{index: n} }
	tests := []struct {
		path string
		want [][]seg
	}{
		{"generation", [][]seg{{k("generation")}}},
		{"usage.prompt_tokens", [][]seg{{k("usage"), k("prompt_tokens")}}},
		{"choices[0].message.content", [][]seg{{k("choices"), i(0), k("message"), k("content")}}},
		{"[0].generated_text", [][]seg{{i(0), k("generated_text")}}},
		{"outputs[12][3]", [][]seg{{k("outputs"), i(12), i(3)}}},
		{"amazon-bedrock-invocationMetrics.inputTokenCount", [][]seg{{k("amazon-bedrock-invocationMetrics"), k("inputTokenCount")}}},
		{`a["b.c"]["x|y"][""]["q\"\\"]`, [][]seg{{k("a"), k("b.c"), k("x|y"), k(""), k(`q"\`)}}},
		{"[0].generated_text|generated_text", [][]seg{{i(0), k("generated_text")}, {k("generated_text")}}},
		{" a | b.c ", [][]seg{{k("a")}, {k("b"), k("c")}}},
		{"a b", [][]seg{{k("a b")}}},
		{"ключ.значение", [][]seg{{k("ключ"), k("значение")}}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := Parse(tt.path)
			require.NoError(t, err)
			assert.Equal(t, tt.path, p.String())
			var got [][]seg
			for _, a := range p.alts {
				var segs []seg
				for _, s := range a.segs {
					segs = append(segs, seg{s.key, s.index})
				}
				got = append(got, segs)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ path, want string }{
		{"", `jsonpath: empty path`},
		{"   ", `jsonpath: empty path`},
		{".a", `jsonpath: parse ".a": path starts with "." at byte 0`},
		{"a.", `jsonpath: parse "a.": path ends with "." at byte 2`},
		{"a..b", `jsonpath: parse "a..b": empty key at byte 2`},
		{"a.[0]", `jsonpath: parse "a.[0]": empty key at byte 2`},
		{"a[", `jsonpath: parse "a[": want a non-negative index or a quoted key after "[" at byte 2`},
		{"a[-1]", `jsonpath: parse "a[-1]": want a non-negative index or a quoted key after "[" at byte 2`},
		{"a[x]", `jsonpath: parse "a[x]": want a non-negative index or a quoted key after "[" at byte 2`},
		{"a[1", `jsonpath: parse "a[1": want "]" after an index at byte 3`},
		{"a[1234567890]", `jsonpath: parse "a[1234567890]": index too large at byte 2`},
		{"a[0]b", `jsonpath: parse "a[0]b": want "." or "[" after "]" at byte 4`},
		{"a]", `jsonpath: parse "a]": unexpected "]" at byte 1`},
		{`a["b`, `jsonpath: parse "a[\"b": unclosed quoted key at byte 1`},
		{`a["b"`, `jsonpath: parse "a[\"b\"": want "]" after a quoted key at byte 5`},
		{`a["\x"]`, `jsonpath: parse "a[\"\\x\"]": want \" or \\ in a quoted key at byte 3`},
		{"a|", `jsonpath: parse "a|": empty alternative at byte 2`},
		{"a||b", `jsonpath: parse "a||b": empty alternative at byte 2`},
		{"a| .b", `jsonpath: parse "a| .b": path starts with "." at byte 3`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := Parse(tt.path)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestMustParsePanics(t *testing.T) {
	assert.Panics(t, func() { MustParse("a..b") })
	assert.NotPanics(t, func() { MustParse("a.b") })
}

func TestLookup(t *testing.T) {
	const chat = `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello \"you\"\n\u00e9\ud83d\ude00"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3.0,"total":1e1}}`
	tests := []struct {
		name, doc, path string
		kind            Kind
		raw             string // the value's JSON, when found
	}{
		{"string", chat, "choices[0].message.content", String, `"Hello \"you\"\n\u00e9\ud83d\ude00"`},
		{"number", chat, "usage.prompt_tokens", Number, `12`},
		{"object", chat, "choices[0].message", Object, `{"role":"assistant","content":"Hello \"you\"\n\u00e9\ud83d\ude00"}`},
		{"array", chat, "choices", Array, `[{"index":0,"message":{"role":"assistant","content":"Hello \"you\"\n\u00e9\ud83d\ude00"},"finish_reason":"stop"}]`},
		{"root array", `[{"generated_text":"hi"}]`, "[0].generated_text", String, `"hi"`},
		{"second element", ` [ 1 , [2, 3] , {"a" : true} ] `, "[2].a", Bool, `true`},
		{"nested index", `[[1],[2,[3,4]]]`, "[1][1][0]", Number, `3`},
		{"null value is found", `{"generated_text":null}`, "generated_text", Null, `null`},
		{"escaped key", `{"a\u0062":1}`, "ab", Number, `1`},
		{"first duplicate wins", `{"a":1,"a":2}`, "a", Number, `1`},
		{"quoted key", `{"a.b":{"":7}}`, `["a.b"][""]`, Number, `7`},
		{"alternative: first fits", `[{"generated_text":"A"}]`, "[0].generated_text|generated_text", String, `"A"`},
		{"alternative: second fits", `{"generated_text":"B"}`, "[0].generated_text|generated_text", String, `"B"`},
		{"alternative after a miss", `{"usage":null,"m":{"in":4}}`, "usage.prompt_tokens|m.in", Number, `4`},
		{"skips nested values", `{"a":{"b":[{"c":"}"}],"d":"]"},"e":"\\"}`, "e", String, `"\\"`},

		{"missing key", chat, "usage.cached", Missing, ""},
		{"index past the end", `{"choices":[]}`, "choices[0].delta.content", Missing, ""},
		{"null on the way", `{"details":null}`, "details.generated_tokens", Missing, ""},
		{"root null", `null`, "a", Missing, ""},
		{"no alternative", `{"x":1}`, "[0].generated_text|generated_text", Missing, ""},
		{"index into an object", `{"choices":{"0":1}}`, "choices[0].text", Missing, ""},
		{"key into a string", `{"a":"x"}`, "a.b", Missing, ""},
		{"key into a root array", `[1]`, "a", Missing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := MustParse(tt.path)
			v, found, err := p.Lookup([]byte(tt.doc))
			require.NoError(t, err)
			assert.Equal(t, tt.kind != Missing, found)
			assert.Equal(t, tt.kind, v.Kind())
			assert.Equal(t, tt.raw, string(v.Raw()))
		})
	}
}

func TestLookupErrors(t *testing.T) {
	tests := []struct {
		name, doc, path string
		is              error
		want            string
	}{
		{"truncated", `{"choices":[{"delta":{"content":"Hi`, "choices[0].delta.content", ErrSyntax,
			`path "choices[0].delta.content": at "choices[0].delta.content": invalid JSON (unexpected end of input, unterminated string)`},
		{"truncated while skipping", `{"id":"abc`, "choices", ErrSyntax,
			`path "choices": at "choices": invalid JSON (unexpected end of input, unterminated string)`},
		{"bad literal", `{"a":nul}`, "a.b", ErrSyntax,
			`path "a.b": at "a.b": invalid JSON (at offset 8: invalid literal, found '}')`},
		{"garbage", `hello`, "a", ErrSyntax,
			`path "a": at "a": invalid JSON (at offset 0: want a JSON value, found 'h')`},
		{"empty", ``, "a", ErrSyntax,
			`path "a": at "a": invalid JSON (unexpected end of input, want a JSON value)`},
		{"missing colon", `{"a" 1}`, "a", ErrSyntax,
			`path "a": at "a": invalid JSON (at offset 5: want ':' after object key, found '1')`},
		{"control character", "{\"a\":\"x\ny\"}", "a", ErrSyntax,
			`path "a": at "a": invalid JSON (at offset 7: control character in string, found byte 0x0a)`},
		{"bad escape", `{"a":"\q"}`, "a", ErrSyntax,
			`path "a": at "a": invalid JSON (at offset 7: invalid escape in string, found 'q')`},
		{"bad number", `{"a":01}`, "b", ErrSyntax,
			`path "b": at "b": invalid JSON (at offset 6: want ',' or '}' after an object member, found '1')`},
		{"syntax error stops alternatives", `{"a":[}`, "a[0]|b", ErrSyntax,
			`path "a[0]|b": at "a[0]": invalid JSON (at offset 6: want a JSON value, found '}')`},
		{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), "[0]", ErrSyntax,
			`exceeded the maximum nesting depth`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, found, err := MustParse(tt.path).Lookup([]byte(tt.doc))
			require.Error(t, err)
			assert.False(t, found)
			assert.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.want)
			var perr *Error
			require.ErrorAs(t, err, &perr)
			assert.Equal(t, tt.path, perr.Path)
		})
	}
}

func TestGetNamesTheStep(t *testing.T) {
	tests := []struct{ doc, path, want string }{
		{`{"choices":[]}`, "choices[0].message.content",
			`path "choices[0].message.content": at "choices[0]": not found (the array has 0 elements)`},
		{`{"choices":[{}]}`, "choices[1].message.content",
			`path "choices[1].message.content": at "choices[1]": not found (the array has 1 element)`},
		{`{"choices":[{"message":{}}]}`, "choices[0].message.content",
			`path "choices[0].message.content": at "choices[0].message.content": not found (no such key)`},
		{`{"outputs":null}`, "outputs[0].text",
			`path "outputs[0].text": at "outputs": not found (null)`},
		{`null`, "outputs[0].text",
			`path "outputs[0].text": at "outputs": not found (the document is null)`},
		{`{"choices":{"0":1}}`, "choices[0].text",
			`path "choices[0].text": at "choices[0]": wrong type (want an array, got an object)`},
		{`{"a":"x"}`, "a.b",
			`path "a.b": at "a.b": wrong type (want an object, got a string)`},
		{`[1]`, "a",
			`path "a": at "a": wrong type (want an object, got an array)`},
		{`{"x":1}`, "[0].generated_text|generated_text",
			`path "[0].generated_text|generated_text": not found (at "[0]": want an array, got an object; at "generated_text": no such key)`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := MustParse(tt.path).Get([]byte(tt.doc))
			require.Error(t, err)
			if strings.Contains(tt.want, "wrong type") {
				assert.ErrorIs(t, err, ErrType)
			} else {
				assert.ErrorIs(t, err, ErrNotFound)
			}
			assert.Equal(t, tt.want, err.Error())
		})
	}
	v, err := MustParse("a").Get([]byte(`{"a":"b"}`))
	require.NoError(t, err)
	assert.Equal(t, `"b"`, string(v.Raw()))
}

func TestText(t *testing.T) {
	tests := []struct {
		doc, want string
		copied    bool
	}{
		{`{"t":"plain ascii"}`, "plain ascii", false},
		{`{"t":"héllo 😀"}`, "héllo 😀", false},
		{`{"t":""}`, "", false},
		{`{"t":"a\"b\\c\/d\b\f\n\r\t"}`, "a\"b\\c/d\b\f\n\r\t", true},
		{`{"t":"\u00e9\u4e16\ud83d\ude00"}`, "é世😀", true},
		{`{"t":"lone \ud83d x"}`, "lone \uFFFD x", true},
		{`{"t":"lone \ude00"}`, "lone \uFFFD", true},
		{`{"t":"pair broken \ud83d\u0041"}`, "pair broken \uFFFDA", true},
		{"{\"t\":\"bad \xff utf8\"}", "bad \uFFFD utf8", true},
	}
	p := MustParse("t")
	buf := make([]byte, 0, 64)
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			doc := []byte(tt.doc)
			got, found, err := p.Text(doc, buf)
			require.NoError(t, err)
			require.True(t, found)
			assert.Equal(t, tt.want, string(got))
			if len(got) > 0 {
				inDoc := &got[0] == &doc[strings.Index(tt.doc, ":")+2]
				assert.Equal(t, !tt.copied, inDoc, "zero-copy only without escapes")
			}
		})
	}

	_, found, err := p.Text([]byte(`{"t":null}`), nil)
	assert.NoError(t, err)
	assert.False(t, found, "null is not text")
	_, found, err = p.Text([]byte(`{}`), nil)
	assert.NoError(t, err)
	assert.False(t, found)
	_, _, err = p.Text([]byte(`{"t":5}`), nil)
	assert.ErrorIs(t, err, ErrType)
	assert.EqualError(t, err, `path "t": at "t": wrong type (want a string, got a number)`)
}

func TestIntAndCount(t *testing.T) {
	tests := []struct {
		doc   string
		n     int
		found bool
		err   string
	}{
		{`{"n":12}`, 12, true, ""},
		{`{"n":-3}`, -3, true, ""},
		{`{"n":0}`, 0, true, ""},
		{`{"n":12.0}`, 12, true, ""},
		{`{"n":1e3}`, 1000, true, ""},
		{`{"n":123456789012345678}`, 123456789012345678, true, ""},
		{`{"n":null}`, 0, false, ""},
		{`{}`, 0, false, ""},
		{`{"n":1.5}`, 0, false, `path "n": at "n": wrong type (want a whole number, got "1.5")`},
		{`{"n":1e400}`, 0, false, `want a whole number, got "1e400"`},
		{`{"n":"12"}`, 0, false, `path "n": at "n": wrong type (want a number, got a string)`},
	}
	p := MustParse("n")
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			n, found, err := p.Int([]byte(tt.doc))
			if tt.err != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrType)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.found, found)
			assert.Equal(t, tt.n, n)
		})
	}

	for doc, want := range map[string]int{
		`{"n":7}`:                       7,
		`{"n":[]}`:                      0,
		`{"n":[{"id":1},{"id":2},[3]]}`: 3,
		`{"n":[ "a" , "b" ]}`:           2,
	} {
		n, found, err := p.Count([]byte(doc))
		require.NoError(t, err, doc)
		assert.True(t, found, doc)
		assert.Equal(t, want, n, doc)
	}
	_, _, err := p.Count([]byte(`{"n":{"a":1}}`))
	assert.ErrorIs(t, err, ErrType)
}

func TestValueMethods(t *testing.T) {
	v, err := MustParse("o").Get([]byte(`{"o":{"a":1,"b":[2]},"t":true,"f":false}`))
	require.NoError(t, err)
	n, err := v.Len()
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	_, err = v.Text(nil)
	assert.EqualError(t, err, "want a string, got an object")
	_, err = v.Int()
	assert.EqualError(t, err, "want a number, got an object")

	b, err := MustParse("t").Get([]byte(`{"t":true}`))
	require.NoError(t, err)
	ok, err := b.Bool()
	require.NoError(t, err)
	assert.True(t, ok)
	b, err = MustParse("f").Get([]byte(`{"f":false}`))
	require.NoError(t, err)
	ok, err = b.Bool()
	require.NoError(t, err)
	assert.False(t, ok)
	_, err = v.Bool()
	assert.Error(t, err)

	var zero Value
	assert.Equal(t, Missing, zero.Kind())
	_, err = zero.Len()
	assert.Error(t, err)

	present, err := MustParse("x").Present([]byte(`{"x":null}`))
	assert.NoError(t, err)
	assert.False(t, present)
	present, err = MustParse("x").Present([]byte(`{"x":"stop"}`))
	assert.NoError(t, err)
	assert.True(t, present)
}

func TestKindString(t *testing.T) {
	names := map[Kind]string{Missing: "nothing", Null: "null", Bool: "a boolean", Number: "a number",
		String: "a string", Object: "an object", Array: "an array"}
	for k, want := range names {
		assert.Equal(t, want, k.String())
	}
	assert.True(t, errors.Is(&Error{Err: ErrNotFound}, ErrNotFound))
}

func TestLookupDoesNotAllocate(t *testing.T) {
	chunk := []byte(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}`)
	text := MustParse("choices[0].delta.content")
	usage := MustParse("usage.prompt_tokens|amazon-bedrock-invocationMetrics.inputTokenCount")
	escaped := []byte(`{"choices":[{"delta":{"content":"a\nb"}}]}`)
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		if tx, found, err := text.Text(chunk, buf); err != nil || !found || string(tx) != "Hello" {
			panic("unexpected")
		}
		if _, found, err := usage.Int(chunk); err != nil || found {
			panic("unexpected")
		}
		if tx, _, _ := text.Text(escaped, buf); string(tx) != "a\nb" {
			panic("unexpected")
		}
	})
	assert.Zero(t, allocs)
}

func TestAlternativesSkipNullAndOtherTypes(t *testing.T) {
	p := MustParse("a|b")
	n, found, err := p.Count([]byte(`{"a":null,"b":5}`))
	require.NoError(t, err)
	assert.True(t, found, "a null first alternative goes on to the next")
	assert.Equal(t, 5, n)

	text, found, err := p.Text([]byte(`{"a":5,"b":"x"}`), nil)
	require.NoError(t, err)
	assert.True(t, found, "a number does not stop the search for a string")
	assert.Equal(t, "x", string(text))

	n, found, err = p.Int([]byte(`{"a":"x","b":7}`))
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, 7, n)

	_, found, err = p.Text([]byte(`{"a":5,"b":null}`), nil)
	assert.False(t, found)
	assert.ErrorIs(t, err, ErrType, "no alternative leads to a string: the first type error")

	ok, err := p.Present([]byte(`{"a":null,"b":0}`))
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = p.Present([]byte(`{"a":null}`))
	require.NoError(t, err)
	assert.False(t, ok)
}

// TestNotJSONIsInvalidJSON checks that a lookup reads the whole document:
// data that is not JSON is an ErrSyntax error whatever its first letter
// and wherever the fault, even after the value the path leads to.
func TestNotJSONIsInvalidJSON(t *testing.T) {
	docs := []string{
		"this is not json", "nope", "falsey", "trueish", "nullify", "123abc", "[1,", "<html>", "",
		`{"a":1,`, `{"a":1} x`, `{"a":1}{"a":2}`, `{"a":1,"b":[}`, `[1,2`, `{"a":{"b":1}`, `{"a":"x","a":}`,
	}
	for _, path := range []string{"a", "[0]", "a.b|[1]"} {
		p := MustParse(path)
		for _, d := range docs {
			data := []byte(d)
			_, _, err := p.Lookup(data)
			assert.ErrorIs(t, err, ErrSyntax, "Lookup %q in %q", path, d)
			_, err = p.Get(data)
			assert.ErrorIs(t, err, ErrSyntax, "Get %q in %q", path, d)
			assert.ErrorContains(t, err, "invalid JSON", "Get %q in %q", path, d)
			_, _, err = p.Text(data, nil)
			assert.ErrorIs(t, err, ErrSyntax, "Text %q in %q", path, d)
			_, _, err = p.Int(data)
			assert.ErrorIs(t, err, ErrSyntax, "Int %q in %q", path, d)
			_, _, err = p.Count(data)
			assert.ErrorIs(t, err, ErrSyntax, "Count %q in %q", path, d)
			_, err = p.Present(data)
			assert.ErrorIs(t, err, ErrSyntax, "Present %q in %q", path, d)
		}
	}
	_, err := MustParse("a").Get([]byte("falsey"))
	assert.EqualError(t, err, `path "a": at "a": invalid JSON (at offset 5: want the end of the text after the top-level value, found 'y')`,
		"not: want an object, got a boolean")

	// Valid JSON of another shape is no syntax error.
	_, found, err := MustParse("a").Lookup([]byte("false"))
	assert.NoError(t, err)
	assert.False(t, found)
	_, err = MustParse("a").Get([]byte("false"))
	assert.EqualError(t, err, `path "a": at "a": wrong type (want an object, got a boolean)`)
}
