package jsonpath

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
)

var fuzzDocs = []string{
	`{"choices":[{"index":0,"delta":{"content":"Hi \u00e9\n"},"finish_reason":null}]}`,
	`{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3}}`,
	`[{"generated_text":"hello","details":{"generated_tokens":5,"prefill":[{"id":1},{"id":2}]}}]`,
	`{"token":{"id":1,"text":" the","special":false},"generated_text":null,"details":null}`,
	`{"outputs":[{"text":"x"}],"a\"b":{"":[1,2.5e3,-0,true,false,null]}}`,
	`{"amazon-bedrock-invocationMetrics":{"inputTokenCount":7,"outputTokenCount":9}}`,
	"{\"t\":\"\\ud83d\\ude00 \\ud83d \xff\"}",
	`{"a":[[[[{"b":"c"}]]]]}`,
	`"just a string"`,
	`null`,
	`{"a":1,"a":2}`,
	`{"a":`,
	`[1,2,3`,
	`{"a":1,`,
	`{"a":1} x`,
	`[1,`,
	`falsey`,
	`this is not json`,
}

var fuzzPaths = []string{
	"choices[0].delta.content",
	"usage.prompt_tokens",
	"[0].generated_text|generated_text",
	"[0].details.prefill",
	"token.text",
	`["a\"b"][""][1]`,
	"amazon-bedrock-invocationMetrics.inputTokenCount",
	"a[0][0][0][0].b",
	"t",
	"a",
}

// FuzzLookup checks that Lookup never panics and, for valid JSON, agrees
// with a walk over what encoding/json decodes.
func FuzzLookup(f *testing.F) {
	for _, d := range fuzzDocs {
		for _, p := range fuzzPaths {
			f.Add([]byte(d), p)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		p, err := Parse(path)
		if err != nil {
			return
		}
		v, found, err := p.Lookup(doc)
		_, _ = p.Get(doc)
		_, _, _ = p.Text(doc, nil)
		_, _, _ = p.Int(doc)
		_, _, _ = p.Count(doc)
		if found {
			if !json.Valid(v.Raw()) {
				t.Fatalf("found %q, which is not valid JSON", v.Raw())
			}
			if err != nil {
				t.Fatalf("found and error %v", err)
			}
		}
		// Every lookup reads the whole document: it is an error exactly
		// when the document is not JSON, wherever the fault.
		if syntax := errors.Is(err, ErrSyntax); syntax == json.Valid(doc) {
			t.Fatalf("path %q in %q: error %v, but json.Valid is %v", path, doc, err, json.Valid(doc))
		}
		if !json.Valid(doc) || hasDuplicateKeys(doc) {
			return
		}
		var root any
		dec := json.NewDecoder(bytes.NewReader(doc))
		dec.UseNumber()
		if dec.Decode(&root) != nil {
			return
		}
		want, wantFound, stepType := reference(root, p)
		if _, gerr := p.Get(doc); stepType != errors.Is(gerr, ErrType) && len(p.alts) == 1 {
			t.Fatalf("path %q in %q: Get error %v, want a type error: %v", path, doc, gerr, stepType)
		}
		if err != nil {
			t.Fatalf("path %q in %q: unexpected error %v", path, doc, err)
		}
		if found != wantFound {
			t.Fatalf("path %q in %q: found=%v, want %v", path, doc, found, wantFound)
		}
		if !found {
			return
		}
		var got any
		d2 := json.NewDecoder(bytes.NewReader(v.Raw()))
		d2.UseNumber()
		if err := d2.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("path %q: got %#v, want %#v", path, got, want)
		}
		if s, ok := want.(string); ok {
			text, err := v.Text(nil)
			if err != nil || string(text) != s {
				t.Fatalf("Text = %q, %v; want %q", text, err, s)
			}
		}
	})
}

// reference walks a decoded document as Lookup is documented to. typeErr
// reports a step that did not apply to its value, in the last alternative
// walked.
func reference(root any, p *Path) (v any, found, typeErr bool) {
	for _, a := range p.alts {
		cur, ok, terr := walk(root, a.segs)
		if ok {
			return cur, true, false
		}
		typeErr = terr
	}
	return nil, false, typeErr
}

func walk(cur any, segs []segment) (any, bool, bool) {
	for _, s := range segs {
		if cur == nil {
			return nil, false, false
		}
		if s.index >= 0 {
			arr, ok := cur.([]any)
			if !ok {
				return nil, false, true
			}
			if s.index >= len(arr) {
				return nil, false, false
			}
			cur = arr[s.index]
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false, true
		}
		cur, ok = obj[s.key]
		if !ok {
			return nil, false, false
		}
	}
	return cur, true, false
}

// hasDuplicateKeys reports whether an object in doc has a key twice, or the
// document nests deeper than MaxDepth.
func hasDuplicateKeys(doc []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(doc))
	type frame struct {
		keys   map[string]bool
		object bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false
		}
		if err != nil {
			return true
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{', '[':
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{keys: map[string]bool{}, object: tok == '{', key: tok == '{'})
				if len(stack) > MaxDepth-1 {
					return true
				}
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if top != nil && top.object && top.key {
				if top.keys[tok] {
					return true
				}
				top.keys[tok] = true
				top.key = false
				continue
			}
		}
		if top != nil && top.object {
			top.key = true
		}
	}
}

// FuzzParse checks that Parse never panics and keeps the path's text.
func FuzzParse(f *testing.F) {
	for _, p := range fuzzPaths {
		f.Add(p)
	}
	for _, p := range []string{"", "a..b", `a["`, "a[99999999999]", "|", " | ", `["\\"]`} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if p != nil {
				t.Fatal("a path with an error")
			}
			return
		}
		if p.String() != s {
			t.Fatalf("String() = %q, want %q", p.String(), s)
		}
		for _, a := range p.alts {
			if len(a.segs) == 0 {
				t.Fatalf("%q: an alternative without steps", s)
			}
		}
	})
}
