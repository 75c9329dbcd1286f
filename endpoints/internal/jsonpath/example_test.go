package jsonpath_test

import (
	"fmt"

	"github.com/llmtest/llmtest/endpoints/internal/jsonpath"
)

func Example() {
	body := []byte(`{"choices":[{"message":{"content":"Hello!"}}],"usage":{"prompt_tokens":9,"completion_tokens":2}}`)

	text := jsonpath.MustParse("choices[0].message.content")
	out, found, err := text.Text(body, nil)
	fmt.Printf("%q %v %v\n", out, found, err)

	in := jsonpath.MustParse("usage.prompt_tokens")
	n, found, err := in.Int(body)
	fmt.Println(n, found, err)

	// A path that leads nowhere is not found; Get makes it an error that
	// names the step.
	_, err = jsonpath.MustParse("choices[1].message.content").Get(body)
	fmt.Println(err)

	// Alternatives: TGI answers with a list or with one object.
	tgi := jsonpath.MustParse("[0].generated_text|generated_text")
	for _, b := range []string{`[{"generated_text":"a"}]`, `{"generated_text":"b"}`} {
		t, _, _ := tgi.Text([]byte(b), nil)
		fmt.Printf("%s ", t)
	}
	fmt.Println()
	// Output:
	// "Hello!" true <nil>
	// 9 true <nil>
	// path "choices[1].message.content": at "choices[1]": not found (the array has 1 element)
	// a b
}
