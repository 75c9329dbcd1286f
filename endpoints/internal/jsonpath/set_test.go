package jsonpath

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sameAsPaths checks that what a Set reads in doc is what each path's own
// lookups find, method by method, and that Read fails exactly when doc is
// not JSON.
func sameAsPaths(t testing.TB, doc []byte, paths ...*Path) {
	t.Helper()
	st := NewSet(paths...)
	v := st.NewValues()
	err := st.Read(doc, v)
	if (err != nil) == json.Valid(doc) {
		t.Fatalf("%q: Read error %v, json.Valid %v", doc, err, json.Valid(doc))
	}
	if err != nil {
		if !errors.Is(err, ErrSyntax) {
			t.Fatalf("%q: Read error %v does not wrap ErrSyntax", doc, err)
		}
		return
	}
	for i, p := range paths {
		want, wantFound, _ := p.Lookup(doc)
		got, found := v.Lookup(i)
		if found != wantFound || got.Kind() != want.Kind() || string(got.Raw()) != string(want.Raw()) {
			t.Fatalf("%q in %q: Lookup %v %s %q, Set %v %s %q", p, doc, wantFound, want.Kind(), want.Raw(), found, got.Kind(), got.Raw())
		}
		wt, wf, we := p.Text(doc, nil)
		gt, gf, ge := v.Text(i, nil)
		if string(wt) != string(gt) || wf != gf || errText(we) != errText(ge) {
			t.Fatalf("%q in %q: Text %q %v %v, Set %q %v %v", p, doc, wt, wf, we, gt, gf, ge)
		}
		wn, wf, we := p.Int(doc)
		gn, gf, ge := v.Int(i)
		if wn != gn || wf != gf || errText(we) != errText(ge) {
			t.Fatalf("%q in %q: Int %d %v %v, Set %d %v %v", p, doc, wn, wf, we, gn, gf, ge)
		}
		wn, wf, we = p.Count(doc)
		gn, gf, ge = v.Count(i)
		if wn != gn || wf != gf || errText(we) != errText(ge) {
			t.Fatalf("%q in %q: Count %d %v %v, Set %d %v %v", p, doc, wn, wf, we, gn, gf, ge)
		}
		wp, we := p.Present(doc)
		if gp := v.Present(i); wp != gp || we != nil {
			t.Fatalf("%q in %q: Present %v %v, Set %v", p, doc, wp, we, gp)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestSetReadsWhatPathsFind(t *testing.T) {
	paths := []*Path{
		MustParse("choices[0].delta.content"), MustParse("choices[0].delta.reasoning_content|choices[0].delta.reasoning"),
		MustParse("usage.prompt_tokens|amazon-bedrock-invocationMetrics.inputTokenCount"), MustParse("choices[0].finish_reason"),
		MustParse("error"), MustParse("error.message"), MustParse("error_type|error.type|error.code"), MustParse("[0].generated_text|generated_text"),
		MustParse("[1]"), MustParse("choices"), MustParse("a"), MustParse("a.b"),
	}
	docs := append([]string{
		`{"choices":[{"delta":{"content":"x","reasoning":"r"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3}}`,
		`{"choices":[{"delta":{"reasoning_content":null,"reasoning":"r"}}],"amazon-bedrock-invocationMetrics":{"inputTokenCount":7}}`,
		`{"error":{"message":"boom","type":"server_error","code":503}}`, `{"error":"boom","error_type":"overloaded"}`,
		`[{"generated_text":"a"},{"b":1}]`, `{"generated_text":"b"}`, `{"a":1,"a":{"b":2}}`, `{"a":{"c":1},"a":{"b":2}}`,
		`{"choices":{"0":1}}`, `{"choices":[1,2,3]}`, `{"a":[1]}`, `{"a":"s"}`, `null`, `[]`, `{}`,
	}, fuzzDocs...)
	for _, d := range docs {
		sameAsPaths(t, []byte(d), paths...)
	}
}

func TestSetErrors(t *testing.T) {
	st := NewSet(MustParse("a"), nil)
	v := st.NewValues()
	for _, d := range []string{"this is not json", "nope", "falsey", "[1,", `{"a":1} x`, `{"a":"x","b":}`, ""} {
		err := st.Read([]byte(d), v)
		assert.ErrorIs(t, err, ErrSyntax, "%q", d)
		assert.ErrorContains(t, err, "invalid JSON", "%q", d)
		_, found := v.Lookup(0)
		assert.False(t, found, "%q: nothing is kept from a document that is not JSON", d)
	}
	require.NoError(t, st.Read([]byte(`{"a":"x"}`), v))
	_, found := v.Lookup(1)
	assert.False(t, found, "a nil path is never found")
	assert.False(t, v.Present(1))
	text, found, err := v.Text(0, nil)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "x", string(text))
	_, _, err = v.Int(0)
	assert.EqualError(t, err, `path "a": at "a": wrong type (want a number, got a string)`)
}

func TestSetReadDoesNotAllocate(t *testing.T) {
	st := NewSet(MustParse("choices[0].delta.content"), MustParse("usage.prompt_tokens|amazon-bedrock-invocationMetrics.inputTokenCount"),
		MustParse("choices[0].finish_reason"))
	v := st.NewValues()
	chunk := []byte(`{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hel\nlo"},"finish_reason":null}],"usage":null}`)
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		if err := st.Read(chunk, v); err != nil {
			panic(err)
		}
		if tx, found, err := v.Text(0, buf); err != nil || !found || string(tx) != "Hel\nlo" {
			panic("unexpected")
		}
		if _, found, _ := v.Int(1); found {
			panic("unexpected")
		}
		if v.Present(2) {
			panic("unexpected")
		}
	})
	assert.Zero(t, allocs)
}

// FuzzSet checks that a Set reads what the paths' own lookups find.
func FuzzSet(f *testing.F) {
	for _, d := range fuzzDocs {
		f.Add([]byte(d), fuzzPaths[0], fuzzPaths[2], fuzzPaths[5])
		f.Add([]byte(d), fuzzPaths[1], fuzzPaths[3], fuzzPaths[4])
		f.Add([]byte(d), fuzzPaths[6], fuzzPaths[7], fuzzPaths[9])
	}
	f.Fuzz(func(t *testing.T, doc []byte, a, b, c string) {
		var paths []*Path
		for _, s := range []string{a, b, c} {
			if p, err := Parse(s); err == nil {
				paths = append(paths, p)
			}
		}
		sameAsPaths(t, doc, paths...)
	})
}
