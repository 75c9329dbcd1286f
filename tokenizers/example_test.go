package tokenizers_test

import (
	"fmt"

	"github.com/llmtest/llmtest/tokenizers"
)

// The default tokenizer counts runs of non-space characters. It is what
// llmtest uses when Config.Tokenizer is nil and the server reports no usage.
func ExampleWhitespace() {
	var tok tokenizers.Tokenizer = tokenizers.Whitespace{}
	fmt.Println(tok.Name(), tok.Count("Explain why the sky is blue."), tok.Count("  \t\n"))
	// Output:
	// whitespace 6 0
}
