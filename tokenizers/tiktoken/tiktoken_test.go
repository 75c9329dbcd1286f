package tiktoken

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOffline(t *testing.T) {
	// An empty cache dir: the rank files can only come from the embedded
	// loader, and this machine's tests have no route to the download site.
	t.Setenv("TIKTOKEN_CACHE_DIR", t.TempDir())
	tok, err := New(Cl100kBase)
	require.NoError(t, err)
	assert.Equal(t, "tiktoken/cl100k_base", tok.Name())
	// Reference counts from OpenAI's tiktoken for cl100k_base.
	assert.Equal(t, 2, tok.Count("hello world"))
	assert.Equal(t, 6, tok.Count("tiktoken is great!"))
	assert.Equal(t, 0, tok.Count(""))
	// Special-token text is counted as ordinary text, not rejected.
	assert.Greater(t, tok.Count("<|endoftext|>"), 1)
}

func TestBuiltOnce(t *testing.T) {
	var wg sync.WaitGroup
	toks := make([]*Tokenizer, 8)
	for i := range toks {
		wg.Go(func() {
			tok, err := New(O200kBase)
			if assert.NoError(t, err) {
				toks[i] = tok
			}
		})
	}
	wg.Wait()
	for _, tok := range toks[1:] {
		require.NotNil(t, tok)
		assert.Same(t, toks[0].tok, tok.tok, "each encoding is built once")
	}
	assert.Equal(t, 2, toks[0].Count("hello world"))
}

func TestForModel(t *testing.T) {
	tok, err := ForModel("gpt-4o-mini")
	require.NoError(t, err)
	assert.Equal(t, "tiktoken/o200k_base", tok.Name())
	tok, err = ForModel("gpt-4")
	require.NoError(t, err)
	assert.Equal(t, "tiktoken/cl100k_base", tok.Name())
	_, err = ForModel("llama-3-70b")
	assert.ErrorContains(t, err, `"llama-3-70b"`)
}

func TestUnknownEncoding(t *testing.T) {
	_, err := New("cl200k")
	assert.ErrorContains(t, err, `unknown encoding "cl200k"`)
	assert.ErrorContains(t, err, "o200k_base, cl100k_base")
}
