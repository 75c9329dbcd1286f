package workloads

import (
	_ "embed"
	"strings"
	"sync"
)

// corpusText is the first 300 KB of Jane Austen's Pride and Prejudice
// (Project Gutenberg eBook #1342, public domain), from chapter 1, with the
// Project Gutenberg header, licence, chapter headings and illustration
// captions removed and each paragraph on one line.
//
//go:embed corpus/pride-and-prejudice.txt
var corpusText string

// DefaultCorpus returns the embedded text synthetic prompts are cut from
// when Synthetic.Corpus is empty: the opening 300 KB of Jane Austen's
// Pride and Prejudice (Project Gutenberg eBook #1342, public domain).
func DefaultCorpus() string { return corpusText }

var defaultWords = sync.OnceValue(func() []string { return strings.Fields(corpusText) })
