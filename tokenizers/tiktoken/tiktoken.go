// Package tiktoken counts tokens with OpenAI's BPE encodings (o200k_base,
// cl100k_base, p50k_base, r50k_base, p50k_edit), as OpenAI's tiktoken
// library does, from rank files embedded in the binary: nothing is
// downloaded, and each encoding is built once per process, on first use.
//
// A [*Tokenizer] is a [tokenizers.Tokenizer], for llmtest's
// Config.Tokenizer:
//
//	tok, err := tiktoken.ForModel("gpt-4o") // o200k_base
//	cfg.Tokenizer = tok
//
// It is a package of its own because the embedded ranks (some megabytes)
// and the regexp2 library they need should reach only the binaries that
// use them: importing llmtest or tokenizers does not import this package.
package tiktoken

import (
	"fmt"
	"strings"
	"sync"

	tk "github.com/pkoukk/tiktoken-go"
	tkloader "github.com/pkoukk/tiktoken-go-loader"

	"github.com/llmtest/llmtest/tokenizers"
)

// Encoding names understood by [New].
const (
	O200kBase  = "o200k_base"
	Cl100kBase = "cl100k_base"
	P50kBase   = "p50k_base"
	R50kBase   = "r50k_base"
	P50kEdit   = "p50k_edit"
)

// offline installs the embedded rank loader before any encoding is built,
// so that tiktoken-go never fetches rank files over the network.
var offline = sync.OnceFunc(func() {
	tk.SetBpeLoader(tkloader.NewOfflineLoader())
})

var (
	encMu     sync.Mutex
	encodings = map[string]*encodingResult{}
)

type encodingResult struct {
	once sync.Once
	tok  *tk.Tiktoken
	err  error
}

// Tokenizer counts tokens with one of OpenAI's BPE encodings. It is safe
// for concurrent use.
type Tokenizer struct {
	encoding string
	tok      *tk.Tiktoken
}

var _ tokenizers.Tokenizer = (*Tokenizer)(nil)

// New returns a tokenizer for the named encoding ([O200kBase],
// [Cl100kBase], ...). The first call for an encoding builds it from the
// embedded ranks, which takes a few hundred milliseconds; later calls
// share it. An unknown name is an error that lists the known ones.
func New(encoding string) (*Tokenizer, error) {
	switch encoding {
	case O200kBase, Cl100kBase, P50kBase, R50kBase, P50kEdit:
	default:
		return nil, fmt.Errorf("tiktoken: unknown encoding %q (known: %s)", encoding,
			strings.Join([]string{O200kBase, Cl100kBase, P50kBase, R50kBase, P50kEdit}, ", "))
	}
	offline()
	encMu.Lock()
	r, ok := encodings[encoding]
	if !ok {
		r = &encodingResult{}
		encodings[encoding] = r
	}
	encMu.Unlock()
	r.once.Do(func() {
		r.tok, r.err = tk.GetEncoding(encoding)
	})
	if r.err != nil {
		return nil, fmt.Errorf("tiktoken: building %s: %w", encoding, r.err)
	}
	return &Tokenizer{encoding: encoding, tok: r.tok}, nil
}

// ForModel returns the tokenizer OpenAI uses for model, such as "gpt-4o"
// (o200k_base) or "gpt-4" (cl100k_base), by exact name or else by the
// longest known prefix ("gpt-4o-2024-08-06"). A model tiktoken does not
// know is an error naming it.
func ForModel(model string) (*Tokenizer, error) {
	enc, ok := tk.MODEL_TO_ENCODING[model]
	if !ok {
		best := ""
		for prefix, e := range tk.MODEL_PREFIX_TO_ENCODING {
			if strings.HasPrefix(model, prefix) && len(prefix) > len(best) {
				best, enc = prefix, e
			}
		}
		if best == "" {
			return nil, fmt.Errorf("tiktoken: no encoding known for model %q", model)
		}
	}
	return New(enc)
}

// Count returns the number of tokens in text, special-token text such as
// "<|endoftext|>" counted as ordinary text.
func (t *Tokenizer) Count(text string) int {
	if text == "" {
		return 0
	}
	return len(t.tok.EncodeOrdinary(text))
}

// Name returns "tiktoken/" followed by the encoding name, such as
// "tiktoken/cl100k_base".
func (t *Tokenizer) Name() string { return "tiktoken/" + t.encoding }
