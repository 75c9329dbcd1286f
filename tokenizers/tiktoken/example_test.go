package tiktoken_test

import (
	"fmt"

	"github.com/llmtest/llmtest/tokenizers/tiktoken"
)

// An encoding by name. Its ranks are embedded, so this runs offline.
func ExampleNew() {
	tok, err := tiktoken.New(tiktoken.Cl100kBase)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Name(), tok.Count("hello world"), tok.Count("tiktoken is great!"))
	// Output:
	// tiktoken/cl100k_base 2 6
}

// The encoding OpenAI uses for a model, by name or name prefix; set it as
// llmtest's Config.Tokenizer to count the tokens of a server that reports
// no usage.
func ExampleForModel() {
	for _, model := range []string{"gpt-4o-mini", "gpt-4", "llama-3-70b"} {
		tok, err := tiktoken.ForModel(model)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(model, "→", tok.Name())
	}
	// Output:
	// gpt-4o-mini → tiktoken/o200k_base
	// gpt-4 → tiktoken/cl100k_base
	// tiktoken: no encoding known for model "llama-3-70b"
}
