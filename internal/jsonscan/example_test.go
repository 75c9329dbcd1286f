package jsonscan_test

import (
	"fmt"

	"github.com/llmtest/llmtest/internal/jsonscan"
)

// A decoder reads the fields it needs, skips the rest, and reuses its
// buffer from one text to the next.
func ExampleScanner() {
	var s jsonscan.Scanner
	var text []byte
	for _, data := range []string{
		`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"caf\u00e9"}}`,
		`{"type":"content_block_delta","delta":{"text":" \"ok\""}}`,
		`{"type":"content_block_delta","delta":{"text":7}}`,
		`{"type":"content_block_delta","delta":{"text":"cut`,
	} {
		s.Reset([]byte(data))
		text = text[:0]
		s.BeginObject()
		for s.NextKey() {
			if string(s.Key()) != "delta" || s.Peek() != jsonscan.Object {
				s.Skip()
				continue
			}
			s.BeginObject()
			for s.NextKey() {
				if string(s.Key()) == "text" && s.Peek() == jsonscan.String {
					text, _ = s.AppendString(text)
				} else {
					s.Skip()
				}
			}
		}
		if !s.End() {
			fmt.Println("error:", s.Err())
			continue
		}
		fmt.Printf("text: %q\n", text)
	}
	// Output:
	// text: "café"
	// text: " \"ok\""
	// text: ""
	// error: invalid JSON: unexpected end of input, unterminated string
}

func ExampleWholeNumber() {
	for _, num := range []string{"42", "1.2e1", "-1", "1.5"} {
		n, ok := jsonscan.WholeNumber([]byte(num))
		fmt.Println(num, n, ok)
	}
	// Output:
	// 42 42 true
	// 1.2e1 12 true
	// -1 0 false
	// 1.5 0 false
}
