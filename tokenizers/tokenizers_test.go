package tokenizers

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
