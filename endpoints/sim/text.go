package sim

import (
	"math/bits"
	"math/rand/v2"
	"strings"
	"unicode"
)

// vocabulary is the fixed list of words a simulated response is made of:
// plain lower-case English, no spaces, no punctuation, no duplicates. Each
// word is one token for the whitespace tokenizer. Its length is a power of
// two, so a uniform pick has no modulo bias.
var vocabulary = [...]string{
	"the", "model", "answer", "question", "system", "data", "time", "request",
	"token", "stream", "server", "client", "result", "value", "number", "text",
	"word", "line", "page", "book", "river", "mountain", "forest", "ocean",
	"city", "street", "house", "garden", "window", "door", "table", "chair",
	"light", "shadow", "morning", "evening", "night", "day", "week", "year",
	"water", "fire", "earth", "air", "stone", "metal", "glass", "paper",
	"small", "large", "quick", "slow", "bright", "dark", "warm", "cold",
	"early", "late", "simple", "complex", "clear", "quiet", "loud", "gentle",
	"strong", "weak", "new", "old", "young", "ancient", "modern", "careful",
	"happy", "calm", "busy", "empty", "full", "open", "closed", "short",
	"long", "high", "low", "near", "far", "first", "last", "next",
	"every", "some", "many", "few", "most", "other", "same", "different",
	"run", "walk", "read", "write", "build", "test", "measure", "count",
	"send", "receive", "wait", "start", "stop", "finish", "begin", "follow",
	"learn", "teach", "think", "know", "see", "hear", "find", "keep",
	"give", "take", "make", "move", "turn", "hold", "carry", "bring",
	"and", "or", "but", "so", "because", "while", "when", "where",
	"with", "without", "from", "into", "over", "under", "between", "through",
	"after", "before", "during", "around", "about", "against", "along", "across",
	"a", "an", "this", "that", "these", "those", "its", "their",
	"it", "they", "we", "you", "he", "she", "one", "two",
	"three", "four", "five", "ten", "hundred", "thousand", "half", "whole",
	"cat", "dog", "bird", "fish", "horse", "tree", "flower", "grass",
	"bread", "apple", "salt", "sugar", "coffee", "tea", "milk", "rice",
	"music", "song", "story", "idea", "plan", "rule", "law", "reason",
	"school", "market", "office", "station", "bridge", "road", "field", "island",
	"north", "south", "east", "west", "left", "right", "center", "edge",
	"red", "blue", "green", "yellow", "white", "black", "gray", "golden",
	"always", "never", "often", "sometimes", "rarely", "soon", "now", "then",
	"very", "quite", "almost", "only", "also", "still", "again", "together",
	"friend", "teacher", "student", "doctor", "farmer", "writer", "painter", "builder",
	"is", "was", "will", "can", "should", "might", "must", "does",
}

// vocabularySpaced holds each vocabulary word with a leading space, built
// once so that emitting a token after the first allocates nothing.
var vocabularySpaced = func() [len(vocabulary)]string {
	var s [len(vocabulary)]string
	for i, w := range vocabulary {
		s[i] = " " + w
	}
	return s
}()

// tokens produces a response's tokens in order from the response's own
// random stream: the first token is a bare word, every later one a word
// with one leading space.
type tokens struct {
	rng rand.PCG
	n   int // tokens produced so far
}

// next returns the next token. It does not allocate.
func (t *tokens) next() string {
	i := pick(&t.rng, len(vocabulary))
	t.n++
	if t.n == 1 {
		return vocabulary[i]
	}
	return vocabularySpaced[i]
}

// text returns the first n tokens of the stream that rng starts, joined.
func text(rng rand.PCG, n int) string {
	if n <= 0 {
		return ""
	}
	size := 0
	t := tokens{rng: rng}
	for range n {
		size += len(t.next())
	}
	var b strings.Builder
	b.Grow(size)
	t = tokens{rng: rng}
	for range n {
		b.WriteString(t.next())
	}
	return b.String()
}

// pick returns a uniform int in [0, n) for n > 0 (Lemire's multiply-high;
// the bias is at most n/2⁶⁴, none when n is a power of two).
func pick(rng *rand.PCG, n int) int {
	hi, _ := bits.Mul64(rng.Uint64(), uint64(n))
	return int(hi)
}

// uniform returns a uniform float64 in [0, 1).
func uniform(rng *rand.PCG) float64 {
	return float64(rng.Uint64()>>11) / (1 << 53)
}

// countWords counts runs of non-space characters, as the whitespace
// tokenizer (tokenizers.Whitespace) does.
func countWords(s string) int {
	n := 0
	inWord := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			inWord = false
		} else if !inWord {
			n++
			inWord = true
		}
	}
	return n
}
