package tokenizers

import "unicode"

// Tokenizer counts the tokens of a text. Implementations are safe for
// concurrent use.
type Tokenizer interface {
	// Count returns the number of tokens in text.
	Count(text string) int
	// Name identifies the tokenizer in run configurations, such as
	// "whitespace" or "tiktoken/cl100k_base".
	Name() string
}

// Whitespace is the default tokenizer: one token per run of non-space
// characters, as strings.Fields splits them. It allocates nothing.
type Whitespace struct{}

var _ Tokenizer = Whitespace{}

// Count returns the number of whitespace-separated words in text.
func (Whitespace) Count(text string) int {
	n := 0
	inWord := false
	for _, r := range text {
		if unicode.IsSpace(r) {
			inWord = false
			continue
		}
		if !inWord {
			n++
			inWord = true
		}
	}
	return n
}

// Name returns "whitespace".
func (Whitespace) Name() string { return "whitespace" }
