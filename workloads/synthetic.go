package workloads

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/tokenizers"
)

// PayloadFunc builds one request body from a prompt and a limit of output
// tokens, as the endpoint packages' helpers do (openai.ChatPayload,
// anthropic.MessagesPayload, bedrock.ConversePayload,
// sagemaker.TGIPayload, ...).
type PayloadFunc func(prompt string, maxTokens int) (endpoints.Payload, error)

// Item is one request of a workload.
type Item struct {
	// Payload is the request body, built by the PayloadFunc (with the
	// force-output fields when asked).
	Payload endpoints.Payload
	// Prompt is the user message of the payload.
	Prompt string
	// InputTokens is the number of tokens of Prompt under the workload's
	// tokenizer.
	InputTokens int
	// OutputTokens is the output limit sent as the payload's max tokens.
	OutputTokens int
}

// Payloads returns the payloads of items, in order, for
// llmtest.Config.Payloads.
func Payloads(items []Item) []endpoints.Payload {
	ps := make([]endpoints.Payload, len(items))
	for i, it := range items {
		ps[i] = it.Payload
	}
	return ps
}

// Synthetic generates prompts of drawn token lengths. The zero value is
// not usable: Input, Output and Payload are required.
type Synthetic struct {
	// Input is the distribution of prompt lengths in tokens, prefixes
	// included. A draw too short to hold the prefixes and one more token
	// is raised to that (Item.InputTokens says what was sent).
	Input Lengths
	// Output is the distribution of output limits in tokens.
	Output Lengths
	// Tokenizer counts the prompt tokens. Nil means tokenizers.Whitespace.
	Tokenizer tokenizers.Tokenizer
	// Corpus is the text prompts are cut from, as runs of words. Empty
	// means DefaultCorpus.
	Corpus string
	// Seed seeds the PCG generator that draws lengths and corpus offsets:
	// the same Synthetic with the same Seed generates the same items.
	Seed uint64
	// SharedPrefix, when positive, starts every prompt with the same text
	// of SharedPrefix tokens (it counts that many on its own), to measure
	// a server's prefix cache.
	SharedPrefix int
	// CacheBust starts every prompt (after the shared prefix, if any) with
	// a text unique to the request, "Request N XXXXXXXXXXXXXXXX:" with a
	// drawn hexadecimal number, so that no two prompts share a cacheable
	// prefix. The tokens of this text count in the drawn input length.
	// Change Seed to bust a cache filled by an earlier run.
	CacheBust bool
	// Payload builds each request body. Required.
	Payload PayloadFunc
	// ForceOutput adds "ignore_eos": true and "min_tokens": the output
	// limit to each payload, which vLLM-compatible servers read to
	// generate exactly the limit. Other servers may reject these fields.
	// Off by default.
	ForceOutput bool
}

// Generate returns n items. It fails if a field is missing or invalid, or
// if a prompt of the drawn length cannot be cut from the corpus under the
// tokenizer; the error names the field or the request.
func (s *Synthetic) Generate(n int) ([]Item, error) {
	return s.GenerateContext(context.Background(), n)
}

// GenerateContext is Generate, stopped by ctx: when ctx is done before
// the last item is built it returns no items and an error that wraps
// ctx.Err(), so that a large workload can be given up (an interrupted
// command exits at once rather than after building every prompt).
func (s *Synthetic) GenerateContext(ctx context.Context, n int) ([]Item, error) {
	switch {
	case n < 0:
		return nil, fmt.Errorf("workloads: Generate: n: want a count not below 0, got %d", n)
	case s.Input == nil:
		return nil, errors.New("workloads: Synthetic.Input is required")
	case s.Output == nil:
		return nil, errors.New("workloads: Synthetic.Output is required")
	case s.Payload == nil:
		return nil, errors.New("workloads: Synthetic.Payload is required")
	case s.SharedPrefix < 0:
		return nil, fmt.Errorf("workloads: Synthetic.SharedPrefix: want a count not below 0, got %d", s.SharedPrefix)
	}
	f, err := newFiller(s.Tokenizer, s.Corpus)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(s.Seed, 0x6c6c6d74657374)) // "llmtest"
	var shared string
	if s.SharedPrefix > 0 {
		if shared, err = f.fill(r.IntN(len(f.words)), "", s.SharedPrefix); err != nil {
			return nil, fmt.Errorf("workloads: Synthetic.SharedPrefix: %w", err)
		}
	}
	items := make([]Item, n)
	for i := range items {
		if err := stopped(ctx, "request", i); err != nil {
			return nil, err
		}
		prefix := shared
		if s.CacheBust {
			prefix = join(prefix, fmt.Sprintf("Request %d %016x:", i+1, r.Uint64()))
		}
		in, out := s.Input.Draw(r), s.Output.Draw(r)
		in = max(in, f.tok.Count(prefix)+1) // room for the prefixes and one token
		prompt, err := f.fill(r.IntN(len(f.words)), prefix, in)
		if err != nil {
			return nil, fmt.Errorf("workloads: request %d: %w", i+1, err)
		}
		p, err := buildPayload(s.Payload, prompt, out, s.ForceOutput)
		if err != nil {
			return nil, fmt.Errorf("workloads: request %d: %w", i+1, err)
		}
		items[i] = Item{Payload: p, Prompt: prompt, InputTokens: in, OutputTokens: out}
	}
	return items, nil
}

func buildPayload(build PayloadFunc, prompt string, maxTokens int, force bool) (endpoints.Payload, error) {
	p, err := build(prompt, maxTokens)
	if err != nil {
		return nil, err
	}
	if force {
		p["ignore_eos"] = true
		p["min_tokens"] = maxTokens
	}
	return p, nil
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// filler cuts texts of exact token counts from a corpus.
type filler struct {
	tok   tokenizers.Tokenizer
	words []string
	// est is the token count of each word on its own, with a leading
	// space: a guess of what it adds to a text.
	est []int
}

// fillers are short words tried, in order, to add exactly one token when
// the next corpus word would add more.
var fillers = []string{"the", "and", "a", "of", "to", "in", "I", "it", ",", "."}

func newFiller(tok tokenizers.Tokenizer, corpus string) (*filler, error) {
	if tok == nil {
		tok = tokenizers.Whitespace{}
	}
	f := &filler{tok: tok}
	if corpus == "" {
		f.words = defaultWords()
	} else {
		f.words = strings.Fields(corpus)
	}
	if len(f.words) == 0 {
		return nil, errors.New("workloads: Synthetic.Corpus has no words")
	}
	cache := make(map[string]int)
	f.est = make([]int, len(f.words))
	for i, w := range f.words {
		c, ok := cache[w]
		if !ok {
			c = max(tok.Count(" "+w), 1)
			cache[w] = c
		}
		f.est[i] = c
	}
	return f, nil
}

// maxAdjust bounds the words added or removed, one at a time, after the
// first guess of a text.
const maxAdjust = 256

// fill returns prefix followed by corpus words from index start (wrapping
// around) and filler words, counting exactly target tokens.
func (f *filler) fill(start int, prefix string, target int) (string, error) {
	if target > MaxLength {
		return "", fmt.Errorf("%d tokens: want at most %d (MaxLength)", target, MaxLength)
	}
	var b strings.Builder
	k, est := 0, f.tok.Count(prefix)
	for est < target {
		est += f.est[(start+k)%len(f.words)]
		k++
	}
	build := func(k int, extra []string) string {
		size := len(prefix)
		for i, j := 0, start; i < k; i, j = i+1, j+1 {
			if j == len(f.words) {
				j = 0
			}
			size += len(f.words[j]) + 1
		}
		for _, w := range extra {
			size += len(w) + 1
		}
		b = strings.Builder{}
		b.Grow(size)
		b.WriteString(prefix)
		for i, j := 0, start; i < k; i, j = i+1, j+1 {
			if j == len(f.words) {
				j = 0
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(f.words[j])
		}
		for _, w := range extra {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
		return b.String()
	}
	text := build(k, nil)
	if _, ok := f.tok.(tokenizers.Whitespace); ok && est == target {
		// Corpus words hold no space and are joined by one: each is
		// one whitespace token, so the text counts est exactly.
		return text, nil
	}
	c := f.tok.Count(text)
	shrunk := false
	for range maxAdjust {
		switch {
		case c == target:
			return text, nil
		case c > target && k > 0:
			k--
			shrunk = true
		case c < target && !shrunk:
			k++
		default:
			return f.pad(build(k, nil), target)
		}
		text = build(k, nil)
		c = f.tok.Count(text)
	}
	return "", fmt.Errorf("cannot cut a text of %d tokens from the corpus under tokenizer %s", target, f.tok.Name())
}

// pad appends filler words to text, each adding exactly one token, until
// it counts target tokens.
func (f *filler) pad(text string, target int) (string, error) {
	c := f.tok.Count(text)
	for c < target {
		ok := false
		for _, w := range fillers {
			t := join(text, w)
			if f.tok.Count(t) == c+1 {
				text, c, ok = t, c+1, true
				break
			}
		}
		if !ok {
			return "", fmt.Errorf("cannot cut a text of %d tokens from the corpus under tokenizer %s: no filler word adds one token after %d", target, f.tok.Name(), c)
		}
	}
	if c != target {
		return "", fmt.Errorf("cannot cut a text of %d tokens from the corpus under tokenizer %s", target, f.tok.Name())
	}
	return text, nil
}
