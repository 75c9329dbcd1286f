package workloads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/llmtest/llmtest/tokenizers"
)

// DefaultBlockSize is the tokens of one trace hash block when
// Trace.BlockSize is zero: the Mooncake traces' 512.
const DefaultBlockSize = 512

// TraceEntry is one timed request of a trace.
type TraceEntry struct {
	// Timestamp is the request's arrival since the trace's start.
	Timestamp time.Duration
	// InputLength is the prompt's length in tokens, at least 1.
	InputLength int
	// OutputLength is the output limit in tokens, at least 1.
	OutputLength int
	// HashIDs name the prompt's blocks of Trace.BlockSize tokens, in
	// order: two entries whose HashIDs start alike share that prefix.
	// Nil when the trace has none.
	HashIDs []int
	// Where is "file:line", for errors.
	Where string
}

// LoadTrace reads a trace in the Mooncake format: a JSONL file whose
// non-blank lines are objects {"timestamp": ms, "input_length": N,
// "output_length": N, "hash_ids": [ids]}, the timestamp in milliseconds
// (it may be fractional) since the trace's start and hash_ids optional.
// Unknown fields are ignored. A line that is not such an object, that
// lacks a field, whose length is not from 1 to MaxLength, or whose
// timestamp comes before the previous line's, is an error naming the file
// and the line. An empty file is an error.
func LoadTrace(path string) ([]TraceEntry, error) {
	var prev time.Duration
	return readLines(path, func(where, line string) (TraceEntry, error) {
		var rec struct {
			Timestamp    *float64 `json:"timestamp"`
			InputLength  *int     `json:"input_length"`
			OutputLength *int     `json:"output_length"`
			HashIDs      []int    `json:"hash_ids"`
		}
		dec := json.NewDecoder(strings.NewReader(line))
		if err := dec.Decode(&rec); err != nil {
			return TraceEntry{}, fmt.Errorf("%s: want an object {\"timestamp\": ms, \"input_length\": number, \"output_length\": number, \"hash_ids\": [numbers]}: %w", where, err)
		}
		if dec.More() {
			return TraceEntry{}, fmt.Errorf("%s: more than one JSON value on the line", where)
		}
		switch {
		case rec.Timestamp == nil:
			return TraceEntry{}, fmt.Errorf("%s: timestamp: missing", where)
		case *rec.Timestamp < 0 || math.IsNaN(*rec.Timestamp) || *rec.Timestamp > float64(math.MaxInt64/int64(time.Millisecond)):
			return TraceEntry{}, fmt.Errorf("%s: timestamp: want milliseconds not below 0, got %v", where, *rec.Timestamp)
		case rec.InputLength == nil:
			return TraceEntry{}, fmt.Errorf("%s: input_length: missing", where)
		case *rec.InputLength < 1:
			return TraceEntry{}, fmt.Errorf("%s: input_length: want a positive number of tokens, got %d", where, *rec.InputLength)
		case *rec.InputLength > MaxLength:
			return TraceEntry{}, fmt.Errorf("%s: input_length: want at most %d tokens, got %d", where, MaxLength, *rec.InputLength)
		case rec.OutputLength == nil:
			return TraceEntry{}, fmt.Errorf("%s: output_length: missing", where)
		case *rec.OutputLength < 1:
			return TraceEntry{}, fmt.Errorf("%s: output_length: want a positive number of tokens, got %d", where, *rec.OutputLength)
		case *rec.OutputLength > MaxLength:
			return TraceEntry{}, fmt.Errorf("%s: output_length: want at most %d tokens, got %d", where, MaxLength, *rec.OutputLength)
		}
		at := time.Duration(*rec.Timestamp * float64(time.Millisecond))
		if at < prev {
			return TraceEntry{}, fmt.Errorf("%s: timestamp: %v comes before the previous line's %v; a trace is in time order", where, *rec.Timestamp, float64(prev)/float64(time.Millisecond))
		}
		prev = at
		return TraceEntry{Timestamp: at, InputLength: *rec.InputLength, OutputLength: *rec.OutputLength, HashIDs: rec.HashIDs, Where: where}, nil
	})
}

// Trace turns the entries of a trace into a workload and its schedule.
// The zero value is not usable: Entries and Payload are required.
type Trace struct {
	// Entries are the requests, as LoadTrace returns them, in time order.
	Entries []TraceEntry
	// Speed scales the schedule: 2 replays the trace twice as fast. Zero
	// means 1; negative is an error.
	Speed float64
	// BlockSize is the tokens of one hash block. Zero means
	// DefaultBlockSize.
	BlockSize int
	// Tokenizer counts the prompt tokens. Nil means tokenizers.Whitespace.
	Tokenizer tokenizers.Tokenizer
	// Corpus is the text prompts are cut from. Empty means DefaultCorpus.
	Corpus string
	// Seed seeds the corpus offsets of the blocks and of the prompts'
	// rest: the same Trace with the same Seed generates the same items.
	Seed uint64
	// Payload builds each request body. Required.
	Payload PayloadFunc
	// ForceOutput is as Synthetic.ForceOutput.
	ForceOutput bool
}

// Items returns one item per entry, in order: a synthetic prompt of the
// entry's InputLength tokens (cut from the corpus as Synthetic's) and its
// OutputLength as the output limit. An entry's prompt starts with the
// texts of its hash blocks, each BlockSize tokens, the same text for the
// same id across entries, so that entries sharing a prefix of hash ids
// share a prefix of text; it holds as many of its blocks as its length
// covers in full (the last, partial block of a Mooncake entry is cut from
// the corpus like the rest of a prompt, unique to the entry; an entry of
// a whole number of blocks is only its blocks).
func (t *Trace) Items() ([]Item, error) {
	return t.ItemsContext(context.Background())
}

// ItemsContext is Items, stopped by ctx as Synthetic.GenerateContext is.
func (t *Trace) ItemsContext(ctx context.Context) ([]Item, error) {
	switch {
	case len(t.Entries) == 0:
		return nil, errors.New("workloads: Trace.Entries is empty")
	case t.Payload == nil:
		return nil, errors.New("workloads: Trace.Payload is required")
	case t.BlockSize < 0:
		return nil, fmt.Errorf("workloads: Trace.BlockSize: want a count not below 0, got %d", t.BlockSize)
	}
	size := t.BlockSize
	if size == 0 {
		size = DefaultBlockSize
	}
	f, err := newFiller(t.Tokenizer, t.Corpus)
	if err != nil {
		return nil, err
	}
	blocks := make(map[int]string)
	block := func(id int) (string, error) {
		if b, ok := blocks[id]; ok {
			return b, nil
		}
		r := rand.New(rand.NewPCG(t.Seed, uint64(id)))
		b, err := f.fill(r.IntN(len(f.words)), "", size)
		if err != nil {
			return "", err
		}
		blocks[id] = b
		return b, nil
	}
	r := rand.New(rand.NewPCG(t.Seed, 0x7472616365)) // "trace"
	items := make([]Item, len(t.Entries))
	for i, e := range t.Entries {
		if err := stopped(ctx, "request", i); err != nil {
			return nil, err
		}
		// An entry holds the blocks its length covers: all of them when
		// the length is a whole number of blocks (Mooncake's hash_ids
		// then name every block), else the full ones before the last,
		// partial block, which is the entry's own.
		n := min(len(e.HashIDs), e.InputLength/size)
		parts := make([]string, 0, n)
		for _, id := range e.HashIDs[:n] {
			b, err := block(id)
			if err != nil {
				return nil, fmt.Errorf("workloads: %s: hash block %d: %w", e.Where, id, err)
			}
			parts = append(parts, b)
		}
		prefix := strings.Join(parts, " ")
		// Under a subword tokenizer the joined blocks may count more
		// than their sum: drop blocks until they fit.
		for len(parts) > 0 && f.tok.Count(prefix) > e.InputLength {
			parts = parts[:len(parts)-1]
			prefix = strings.Join(parts, " ")
		}
		prompt := prefix
		if len(parts) == 0 || f.tok.Count(prefix) < e.InputLength {
			var err error
			if prompt, err = f.fill(r.IntN(len(f.words)), prefix, e.InputLength); err != nil {
				return nil, fmt.Errorf("workloads: %s: %w", e.Where, err)
			}
		}
		p, err := buildPayload(t.Payload, prompt, e.OutputLength, t.ForceOutput)
		if err != nil {
			return nil, fmt.Errorf("workloads: %s: %w", e.Where, err)
		}
		items[i] = Item{Payload: p, Prompt: prompt, InputTokens: e.InputLength, OutputTokens: e.OutputLength}
	}
	return items, nil
}

// ArrivalTimes returns the entries' arrival offsets for
// llmtest.Config.ArrivalTimes: each Timestamp less the first entry's
// (the replay starts with the trace's first request), divided by Speed.
func (t *Trace) ArrivalTimes() ([]time.Duration, error) {
	speed := t.Speed
	switch {
	case speed == 0:
		speed = 1
	case speed < 0 || math.IsNaN(speed) || math.IsInf(speed, 0):
		return nil, fmt.Errorf("workloads: Trace.Speed: want a positive factor, got %v", t.Speed)
	}
	if len(t.Entries) == 0 {
		return nil, errors.New("workloads: Trace.Entries is empty")
	}
	first := t.Entries[0].Timestamp
	times := make([]time.Duration, len(t.Entries))
	for i, e := range t.Entries {
		if e.Timestamp < first || (i > 0 && e.Timestamp < t.Entries[i-1].Timestamp) {
			return nil, fmt.Errorf("workloads: %s: timestamp out of order", e.Where)
		}
		at := float64(e.Timestamp-first) / speed
		if at >= math.MaxInt64 {
			where := e.Where
			if where == "" {
				where = fmt.Sprintf("entry %d", i+1)
			}
			return nil, fmt.Errorf("workloads: %s: at speed %v its arrival, %.3gh after the first, is beyond a Go duration's range", where, speed, at/float64(time.Hour))
		}
		times[i] = time.Duration(at)
	}
	return times, nil
}
