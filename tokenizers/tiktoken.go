package tokenizers

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pkoukk/tiktoken-go"
	tiktokenloader "github.com/pkoukk/tiktoken-go-loader"
)

// Encoding names understood by [Tiktoken].
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
	tiktoken.SetBpeLoader(tiktokenloader.NewOfflineLoader())
})

var (
	encMu     sync.Mutex
	encodings = map[string]*encodingResult{}
)

type encodingResult struct {
	once sync.Once
	tok  *tiktoken.Tiktoken
	err  error
}

// TiktokenTokenizer counts tokens with one of OpenAI's BPE encodings.
type TiktokenTokenizer struct {
	encoding string
	tok      *tiktoken.Tiktoken
}

var _ Tokenizer = (*TiktokenTokenizer)(nil)

// Tiktoken returns a tokenizer for the named encoding ("cl100k_base",
// "o200k_base", ...). The first call for an encoding builds it from the
// embedded ranks, which takes a few hundred milliseconds; later calls share
// it. An unknown name is an error that lists the known ones.
func Tiktoken(encoding string) (*TiktokenTokenizer, error) {
	switch encoding {
	case O200kBase, Cl100kBase, P50kBase, R50kBase, P50kEdit:
	default:
		return nil, fmt.Errorf("tokenizers: unknown tiktoken encoding %q (known: %s)", encoding,
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
		r.tok, r.err = tiktoken.GetEncoding(encoding)
	})
	if r.err != nil {
		return nil, fmt.Errorf("tokenizers: building %s: %w", encoding, r.err)
	}
	return &TiktokenTokenizer{encoding: encoding, tok: r.tok}, nil
}

// TiktokenForModel returns the tiktoken tokenizer OpenAI uses for model, such
// as "gpt-4o" (o200k_base) or "gpt-4" (cl100k_base). A model tiktoken does not
// know is an error.
func TiktokenForModel(model string) (*TiktokenTokenizer, error) {
	enc, ok := tiktoken.MODEL_TO_ENCODING[model]
	if !ok {
		best := ""
		for prefix, e := range tiktoken.MODEL_PREFIX_TO_ENCODING {
			if strings.HasPrefix(model, prefix) && len(prefix) > len(best) {
				best, enc = prefix, e
			}
		}
		if best == "" {
			return nil, fmt.Errorf("tokenizers: no tiktoken encoding known for model %q", model)
		}
	}
	return Tiktoken(enc)
}

// Count returns the number of tokens in text, special-token text counted as
// ordinary text.
func (t *TiktokenTokenizer) Count(text string) int {
	if text == "" {
		return 0
	}
	return len(t.tok.EncodeOrdinary(text))
}

// Name returns "tiktoken/" followed by the encoding name.
func (t *TiktokenTokenizer) Name() string { return "tiktoken/" + t.encoding }
