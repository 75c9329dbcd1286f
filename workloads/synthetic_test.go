package workloads_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/anthropic"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/tokenizers"
	"github.com/llmtest/llmtest/tokenizers/tiktoken"
	"github.com/llmtest/llmtest/workloads"
)

func messageOf(t *testing.T, p endpoints.Payload) string {
	t.Helper()
	msgs, ok := p["messages"].([]any)
	require.True(t, ok, "payload has messages: %v", p)
	return msgs[0].(map[string]any)["content"].(string)
}

func TestSyntheticExactLengths(t *testing.T) {
	cl100k, err := tiktoken.New(tiktoken.Cl100kBase)
	require.NoError(t, err)
	for _, tok := range []tokenizers.Tokenizer{tokenizers.Whitespace{}, cl100k} {
		s := workloads.Synthetic{
			Input:     workloads.Uniform{Min: 1, Max: 600},
			Output:    workloads.List{16, 32},
			Tokenizer: tok,
			Seed:      5,
			Payload:   openai.ChatPayload,
		}
		items, err := s.Generate(200)
		require.NoError(t, err, tok.Name())
		require.Len(t, items, 200)
		lengths := map[int]bool{}
		for i, it := range items {
			require.Equal(t, it.InputTokens, tok.Count(it.Prompt), "%s: item %d: %q", tok.Name(), i, it.Prompt)
			assert.Equal(t, it.Prompt, messageOf(t, it.Payload))
			assert.Equal(t, it.OutputTokens, it.Payload["max_tokens"])
			assert.NotContains(t, it.Payload, "ignore_eos")
			lengths[it.InputTokens] = true
		}
		assert.Greater(t, len(lengths), 100, "%s: lengths vary", tok.Name())
	}
}

func TestSyntheticSameSeedSameWorkload(t *testing.T) {
	gen := func(seed uint64) []workloads.Item {
		s := workloads.Synthetic{
			Input: workloads.Normal{Mean: 300, StdDev: 50}, Output: workloads.Uniform{Min: 10, Max: 100},
			Seed: seed, CacheBust: true, Payload: openai.ChatPayload,
		}
		items, err := s.Generate(50)
		require.NoError(t, err)
		return items
	}
	a, b, c := gen(1), gen(1), gen(2)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
}

func TestSyntheticSharedPrefix(t *testing.T) {
	cl100k, err := tiktoken.New(tiktoken.Cl100kBase)
	require.NoError(t, err)
	for _, tok := range []tokenizers.Tokenizer{tokenizers.Whitespace{}, cl100k} {
		s := workloads.Synthetic{
			Input: workloads.Uniform{Min: 150, Max: 300}, Output: workloads.Fixed(8),
			Tokenizer: tok, SharedPrefix: 100, Seed: 9, Payload: openai.ChatPayload,
		}
		items, err := s.Generate(30)
		require.NoError(t, err)
		first := items[0].Prompt
		var prefix string
		// The shared prefix is the longest common prefix of the prompts.
		prefix = first
		for _, it := range items[1:] {
			for !strings.HasPrefix(it.Prompt, prefix) {
				prefix = prefix[:len(prefix)-1]
			}
		}
		assert.GreaterOrEqual(t, tok.Count(prefix), 100, "%s: the prompts share 100 tokens", tok.Name())
		for _, it := range items {
			assert.Equal(t, it.InputTokens, tok.Count(it.Prompt))
		}
	}
	// A prefix that the drawn length cannot hold raises the length.
	s := workloads.Synthetic{Input: workloads.Fixed(10), Output: workloads.Fixed(8), SharedPrefix: 50, Payload: openai.ChatPayload}
	items, err := s.Generate(3)
	require.NoError(t, err)
	for _, it := range items {
		assert.Equal(t, 51, it.InputTokens)
		assert.Equal(t, 51, tokenizers.Whitespace{}.Count(it.Prompt))
	}
}

func TestSyntheticCacheBust(t *testing.T) {
	s := workloads.Synthetic{
		Input: workloads.Fixed(40), Output: workloads.Fixed(8), SharedPrefix: 20,
		CacheBust: true, Seed: 3, Payload: openai.ChatPayload,
	}
	items, err := s.Generate(500)
	require.NoError(t, err)
	shared := strings.Join(strings.Fields(items[0].Prompt)[:20], " ")
	seen := map[string]int{}
	for i, it := range items {
		words := strings.Fields(it.Prompt)
		require.Len(t, words, 40)
		assert.Equal(t, shared, strings.Join(words[:20], " "), "the shared prefix comes first")
		// 20 shared words, then "Request N HEX:": the first 23 words are unique.
		head := strings.Join(words[:23], " ")
		if j, dup := seen[head]; dup {
			t.Fatalf("items %d and %d share the cache-busting prefix %q", j, i, head)
		}
		seen[head] = i
		assert.Equal(t, "Request", words[20])
	}
}

func TestSyntheticForceOutputAndPayloadHelpers(t *testing.T) {
	s := workloads.Synthetic{
		Input: workloads.Fixed(20), Output: workloads.Fixed(64), ForceOutput: true,
		Payload: func(prompt string, maxTokens int) (endpoints.Payload, error) {
			return anthropic.MessagesPayload(prompt, maxTokens, 0)
		},
	}
	items, err := s.Generate(2)
	require.NoError(t, err)
	for _, it := range items {
		assert.Equal(t, 64, it.Payload["max_tokens"])
		assert.Equal(t, true, it.Payload["ignore_eos"])
		assert.Equal(t, 64, it.Payload["min_tokens"])
		assert.Equal(t, it.Prompt, messageOf(t, it.Payload))
	}
	assert.Len(t, workloads.Payloads(items), 2)
	assert.Equal(t, items[1].Payload, workloads.Payloads(items)[1])
}

func TestSyntheticCorpus(t *testing.T) {
	s := workloads.Synthetic{Input: workloads.Fixed(7), Output: workloads.Fixed(1), Corpus: "alpha beta gamma", Payload: openai.CompletionPayload}
	items, err := s.Generate(5)
	require.NoError(t, err)
	for _, it := range items {
		for _, w := range strings.Fields(it.Prompt) {
			assert.Contains(t, []string{"alpha", "beta", "gamma"}, w)
		}
		assert.Equal(t, 7, len(strings.Fields(it.Prompt)), "the corpus wraps around")
	}
	assert.True(t, strings.HasPrefix(workloads.DefaultCorpus(), "It is a truth universally acknowledged"))
}

func TestSyntheticErrors(t *testing.T) {
	ok := workloads.Synthetic{Input: workloads.Fixed(5), Output: workloads.Fixed(5), Payload: openai.ChatPayload}
	for name, tc := range map[string]struct {
		mut func(*workloads.Synthetic)
		msg string
	}{
		"input":       {func(s *workloads.Synthetic) { s.Input = nil }, "Synthetic.Input is required"},
		"output":      {func(s *workloads.Synthetic) { s.Output = nil }, "Synthetic.Output is required"},
		"payload":     {func(s *workloads.Synthetic) { s.Payload = nil }, "Synthetic.Payload is required"},
		"prefix":      {func(s *workloads.Synthetic) { s.SharedPrefix = -1 }, "Synthetic.SharedPrefix"},
		"long prefix": {func(s *workloads.Synthetic) { s.SharedPrefix = 2_000_000_000 }, "Synthetic.SharedPrefix: 2000000000 tokens: want at most 4194304 (MaxLength)"},
		"long input":  {func(s *workloads.Synthetic) { s.Input = workloads.Fixed(workloads.MaxLength + 1) }, "request 1: 4194305 tokens: want at most 4194304 (MaxLength)"},
		"corpus":      {func(s *workloads.Synthetic) { s.Corpus = " \n " }, "Synthetic.Corpus has no words"},
		"builder": {func(s *workloads.Synthetic) {
			s.Payload = func(string, int) (endpoints.Payload, error) { return nil, errors.New("boom") }
		}, "request 1: boom"},
	} {
		s := ok
		tc.mut(&s)
		_, err := s.Generate(1)
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), tc.msg, name)
		}
	}
}

// BenchmarkSynthetic generates 100,000 prompts of 1,000 whitespace tokens
// per iteration.
func BenchmarkSynthetic(b *testing.B) {
	s := workloads.Synthetic{Input: workloads.Fixed(1000), Output: workloads.Fixed(128), Seed: 1, Payload: openai.ChatPayload}
	for b.Loop() {
		if _, err := s.Generate(100_000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSyntheticTiktoken generates 1,000 prompts of 1,000 cl100k_base
// tokens per iteration.
func BenchmarkSyntheticTiktoken(b *testing.B) {
	tok, err := tiktoken.New(tiktoken.Cl100kBase)
	if err != nil {
		b.Fatal(err)
	}
	s := workloads.Synthetic{Input: workloads.Fixed(1000), Output: workloads.Fixed(128), Seed: 1, Tokenizer: tok, Payload: openai.ChatPayload}
	for b.Loop() {
		if _, err := s.Generate(1000); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSyntheticPadsWithShortWords cuts prompts from a corpus of long words
// (several tokens each under cl100k_base), so that most lengths are
// reached only with the one-token filler words.
func TestSyntheticPadsWithShortWords(t *testing.T) {
	tok, err := tiktoken.New(tiktoken.Cl100kBase)
	require.NoError(t, err)
	s := workloads.Synthetic{
		Input: workloads.Uniform{Min: 1, Max: 40}, Output: workloads.Fixed(4), Tokenizer: tok,
		Corpus: "antidisestablishmentarianism supercalifragilisticexpialidocious floccinaucinihilipilification",
		Seed:   2, Payload: openai.ChatPayload,
	}
	items, err := s.Generate(100)
	require.NoError(t, err)
	padded := 0
	for _, it := range items {
		require.Equal(t, it.InputTokens, tok.Count(it.Prompt), "%q", it.Prompt)
		if strings.Contains(" "+it.Prompt+" ", " the ") {
			padded++
		}
	}
	assert.Greater(t, padded, 50, "most prompts end with filler words")
}
