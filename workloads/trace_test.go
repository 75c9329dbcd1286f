package workloads_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/tokenizers"
	"github.com/llmtest/llmtest/tokenizers/tiktoken"
	"github.com/llmtest/llmtest/workloads"
)

const mooncake = `{"timestamp": 0, "input_length": 30, "output_length": 5, "hash_ids": [0, 1, 2]}
{"timestamp": 0, "input_length": 25, "output_length": 7, "hash_ids": [0, 1, 3]}

{"timestamp": 1500.5, "input_length": 9, "output_length": 3, "hash_ids": [0], "extra": true}
{"timestamp": 3052, "input_length": 12, "output_length": 4}
`

func TestLoadTrace(t *testing.T) {
	path := writeFile(t, "trace.jsonl", mooncake)
	es, err := workloads.LoadTrace(path)
	require.NoError(t, err)
	require.Len(t, es, 4)
	assert.Equal(t, workloads.TraceEntry{Timestamp: 0, InputLength: 30, OutputLength: 5, HashIDs: []int{0, 1, 2}, Where: path + ":1"}, es[0])
	assert.Equal(t, 1500500*time.Microsecond, es[2].Timestamp)
	assert.Equal(t, path+":4", es[2].Where, "blank lines count")
	assert.Equal(t, workloads.TraceEntry{Timestamp: 3052 * time.Millisecond, InputLength: 12, OutputLength: 4, Where: path + ":5"}, es[3])
}

func TestLoadTraceMalformed(t *testing.T) {
	ok := `{"timestamp": 5, "input_length": 3, "output_length": 2}` + "\n"
	for _, tc := range []struct{ line, msg string }{
		{`{"timestamp": 6, "input_length": 3`, "want an object"},
		{`[1, 2]`, "want an object"},
		{`{"input_length": 3, "output_length": 2}`, "timestamp: missing"},
		{`{"timestamp": -1, "input_length": 3, "output_length": 2}`, "timestamp: want milliseconds not below 0, got -1"},
		{`{"timestamp": 4, "input_length": 3, "output_length": 2}`, "timestamp: 4 comes before the previous line's 5"},
		{`{"timestamp": 6, "output_length": 2}`, "input_length: missing"},
		{`{"timestamp": 6, "input_length": 0, "output_length": 2}`, "input_length: want a positive number of tokens, got 0"},
		{`{"timestamp": 6, "input_length": 3}`, "output_length: missing"},
		{`{"timestamp": 6, "input_length": 3, "output_length": -2}`, "output_length: want a positive number of tokens, got -2"},
		{`{"timestamp": 6, "input_length": 2000000000, "output_length": 2}`, "input_length: want at most 4194304 tokens, got 2000000000"},
		{`{"timestamp": 6, "input_length": 3, "output_length": 4194305}`, "output_length: want at most 4194304 tokens, got 4194305"},
		{`{"timestamp": 6, "input_length": 3, "output_length": 2, "hash_ids": "x"}`, "want an object"},
		{`{"timestamp": 6, "input_length": 3, "output_length": 2} {}`, "more than one JSON value"},
	} {
		path := writeFile(t, "t.jsonl", ok+tc.line+"\n")
		_, err := workloads.LoadTrace(path)
		require.Error(t, err, tc.line)
		assert.Contains(t, err.Error(), path+":2: ", tc.line)
		assert.Contains(t, err.Error(), tc.msg, tc.line)
	}
	empty := writeFile(t, "empty.jsonl", "\n")
	_, err := workloads.LoadTrace(empty)
	assert.ErrorIs(t, err, workloads.ErrEmpty)
	assert.EqualError(t, err, empty+": empty: no line with a record")
}

func TestTraceItemsKeepLengthsAndSharePrefixes(t *testing.T) {
	cl100k, err := tiktoken.New(tiktoken.Cl100kBase)
	require.NoError(t, err)
	es := []workloads.TraceEntry{
		{InputLength: 30, OutputLength: 5, HashIDs: []int{0, 1, 2}},
		{InputLength: 25, OutputLength: 7, HashIDs: []int{0, 1, 3}},
		{InputLength: 9, OutputLength: 3, HashIDs: []int{0}},
		{InputLength: 17, OutputLength: 4, HashIDs: []int{4, 1}},
		{InputLength: 3, OutputLength: 1},
	}
	for _, tok := range []tokenizers.Tokenizer{tokenizers.Whitespace{}, cl100k} {
		tr := workloads.Trace{Entries: es, BlockSize: 8, Tokenizer: tok, Seed: 3, Payload: openai.ChatPayload}
		items, err := tr.Items()
		require.NoError(t, err, tok.Name())
		require.Len(t, items, len(es))
		for i, it := range items {
			assert.Equal(t, es[i].InputLength, it.InputTokens, "%s: item %d", tok.Name(), i)
			assert.Equal(t, es[i].InputLength, tok.Count(it.Prompt), "%s: item %d: %q", tok.Name(), i, it.Prompt)
			assert.Equal(t, es[i].OutputLength, it.OutputTokens)
			assert.Equal(t, es[i].OutputLength, it.Payload["max_tokens"])
			assert.Equal(t, it.Prompt, messageOf(t, it.Payload))
		}
		// Entries 0 and 1 share blocks 0 and 1: 16 tokens of text.
		common := commonPrefix(items[0].Prompt, items[1].Prompt)
		assert.GreaterOrEqual(t, tok.Count(common), 15, "%s: %q", tok.Name(), common)
		assert.True(t, strings.HasPrefix(items[1].Prompt, commonPrefix(items[0].Prompt, items[2].Prompt)))
		again, err := tr.Items()
		require.NoError(t, err)
		assert.Equal(t, items, again, "same seed, same items")
	}
	// Under whitespace blocks are exact: entry 3 is block 4, block 1, one more word.
	items, err := (&workloads.Trace{Entries: es, BlockSize: 8, Payload: openai.ChatPayload}).Items()
	require.NoError(t, err)
	w0, w3 := strings.Fields(items[0].Prompt), strings.Fields(items[3].Prompt)
	assert.Equal(t, w0[8:16], w3[8:16], "block 1 is the same text wherever it comes")
	assert.NotEqual(t, w0[:8], w3[:8], "blocks 0 and 4 differ")

	// An entry of a whole number of blocks is its blocks (Mooncake's
	// hash_ids then name every block): 16 tokens of blocks 0 and 1 are
	// the start of entry 0.
	whole := append(es, workloads.TraceEntry{InputLength: 16, OutputLength: 2, HashIDs: []int{0, 1}})
	items, err = (&workloads.Trace{Entries: whole, BlockSize: 8, Payload: openai.ChatPayload}).Items()
	require.NoError(t, err)
	assert.Equal(t, strings.Join(strings.Fields(items[0].Prompt)[:16], " "), items[5].Prompt)
}

func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}

func TestTraceArrivalTimes(t *testing.T) {
	es := []workloads.TraceEntry{{Timestamp: 1000 * time.Millisecond}, {Timestamp: 1000 * time.Millisecond}, {Timestamp: 1500 * time.Millisecond}, {Timestamp: 4000 * time.Millisecond}}
	at, err := (&workloads.Trace{Entries: es}).ArrivalTimes()
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{0, 0, 500 * time.Millisecond, 3 * time.Second}, at, "from the first entry, speed 1")
	at, err = (&workloads.Trace{Entries: es, Speed: 2}).ArrivalTimes()
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{0, 0, 250 * time.Millisecond, 1500 * time.Millisecond}, at)
	at, err = (&workloads.Trace{Entries: es, Speed: 0.5}).ArrivalTimes()
	require.NoError(t, err)
	assert.Equal(t, 6*time.Second, at[3])
	_, err = (&workloads.Trace{Entries: es, Speed: -1}).ArrivalTimes()
	assert.EqualError(t, err, "workloads: Trace.Speed: want a positive factor, got -1")
	_, err = (&workloads.Trace{Entries: []workloads.TraceEntry{{Timestamp: 2}, {Timestamp: 1, Where: "f:2"}}}).ArrivalTimes()
	assert.EqualError(t, err, "workloads: f:2: timestamp out of order")
}

func TestTraceErrors(t *testing.T) {
	es := []workloads.TraceEntry{{InputLength: 3, OutputLength: 1}}
	_, err := (&workloads.Trace{Payload: openai.ChatPayload}).Items()
	assert.EqualError(t, err, "workloads: Trace.Entries is empty")
	_, err = (&workloads.Trace{Entries: es}).Items()
	assert.EqualError(t, err, "workloads: Trace.Payload is required")
	_, err = (&workloads.Trace{Entries: es, BlockSize: -1, Payload: openai.ChatPayload}).Items()
	assert.EqualError(t, err, "workloads: Trace.BlockSize: want a count not below 0, got -1")
}
