package tokenizers

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWhitespaceCount(t *testing.T) {
	cases := []struct {
		text string
		want int
	}{
		{"", 0},
		{"   ", 0},
		{"one", 1},
		{"one two", 2},
		{"  leading and trailing  ", 3},
		{"tabs\tand\nnew\r\nlines", 4},
		{"unicode\u00a0space ünïcödé", 3},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Whitespace{}.Count(c.text), "%q", c.text)
	}
	assert.Equal(t, "whitespace", Whitespace{}.Name())
}

func TestWhitespaceCountAllocatesNothing(t *testing.T) {
	text := "the quick brown fox jumps over the lazy dog"
	allocs := testing.AllocsPerRun(100, func() { _ = Whitespace{}.Count(text) })
	assert.Zero(t, allocs)
}

func TestTiktokenOffline(t *testing.T) {
	// An empty cache dir: the rank files can only come from the embedded
	// loader, and this machine's tests have no route to the download site.
	t.Setenv("TIKTOKEN_CACHE_DIR", t.TempDir())
	tok, err := Tiktoken(Cl100kBase)
	require.NoError(t, err)
	assert.Equal(t, "tiktoken/cl100k_base", tok.Name())
	// Reference counts from OpenAI's tiktoken for cl100k_base.
	assert.Equal(t, 2, tok.Count("hello world"))
	assert.Equal(t, 6, tok.Count("tiktoken is great!"))
	assert.Equal(t, 0, tok.Count(""))
	// Special-token text is counted as ordinary text, not rejected.
	assert.Greater(t, tok.Count("<|endoftext|>"), 1)
}

func TestTiktokenBuiltOnce(t *testing.T) {
	var wg sync.WaitGroup
	toks := make([]*TiktokenTokenizer, 8)
	for i := range toks {
		wg.Go(func() {
			tok, err := Tiktoken(O200kBase)
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

func TestTiktokenForModel(t *testing.T) {
	tok, err := TiktokenForModel("gpt-4o-mini")
	require.NoError(t, err)
	assert.Equal(t, "tiktoken/o200k_base", tok.Name())
	tok, err = TiktokenForModel("gpt-4")
	require.NoError(t, err)
	assert.Equal(t, "tiktoken/cl100k_base", tok.Name())
	_, err = TiktokenForModel("llama-3-70b")
	assert.ErrorContains(t, err, `"llama-3-70b"`)
}

func TestTiktokenUnknownEncoding(t *testing.T) {
	_, err := Tiktoken("cl200k")
	assert.ErrorContains(t, err, `unknown tiktoken encoding "cl200k"`)
}
