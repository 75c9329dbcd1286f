package workloads

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/llmtest/llmtest/tokenizers"
)

// Prompt is one prompt of a dataset.
type Prompt struct {
	// Text is the user message.
	Text string
	// Reply is, in a ShareGPT file, the turn that answers Text; empty
	// otherwise.
	Reply string
	// OutputTokens is a JSONL record's "output_tokens"; 0 when absent.
	OutputTokens int
	// Where names the record: "FILE: record N" (N from 1) for ShareGPT,
	// "FILE:LINE" for text and JSONL.
	Where string
}

// LoadDataset reads the prompts of spec, KIND:FILE with KIND one of
// sharegpt ([LoadShareGPT]), text ([LoadText]) or jsonl ([LoadJSONL]).
func LoadDataset(spec string) ([]Prompt, error) {
	kind, path, ok := strings.Cut(spec, ":")
	if !ok || path == "" {
		return nil, fmt.Errorf("dataset %q: want KIND:FILE with KIND sharegpt, text or jsonl", spec)
	}
	switch kind {
	case "sharegpt":
		return LoadShareGPT(path)
	case "text":
		return LoadText(path)
	case "jsonl":
		return LoadJSONL(path)
	}
	return nil, fmt.Errorf("dataset %q: unknown kind %q (known: sharegpt, text, jsonl)", spec, kind)
}

// LoadShareGPT reads a ShareGPT-style JSON file: an array of records, each
// an object with "conversations", an array of turns {"from": ..., "value":
// ...}. The prompt is the record's first turn from "human" or "user"; its
// reply is the next turn from anyone else ("gpt", "assistant", ...).
// Records with no human turn, or whose first human turn is blank, are
// skipped, as benchmarks that read ShareGPT do; a record that is not an
// object of that shape is an error naming the file and the record. The
// file is decoded one record at a time.
func LoadShareGPT(path string) ([]Prompt, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, fmt.Errorf("%s: want a JSON array of records", path)
	}
	type turn struct {
		From  *string `json:"from"`
		Value *string `json:"value"`
	}
	var out []Prompt
	for n := 1; dec.More(); n++ {
		where := fmt.Sprintf("%s: record %d", path, n)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		var rec struct {
			Conversations *[]turn `json:"conversations"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, fmt.Errorf("%s: want an object with \"conversations\", an array of {\"from\", \"value\"}: %w", where, err)
		}
		if rec.Conversations == nil {
			return nil, fmt.Errorf("%s: conversations: missing", where)
		}
		p := Prompt{Where: where}
		found := false
		for i, t := range *rec.Conversations {
			if t.From == nil || t.Value == nil {
				return nil, fmt.Errorf("%s: conversations[%d]: want string fields \"from\" and \"value\"", where, i)
			}
			switch {
			case !found && (*t.From == "human" || *t.From == "user"):
				p.Text, found = *t.Value, true
			case found && *t.From != "human" && *t.From != "user" && *t.From != "system" && p.Reply == "":
				p.Reply = *t.Value
			}
		}
		if found && strings.TrimSpace(p.Text) != "" {
			out = append(out, p)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: after record %d: %w", path, len(out), err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no record with a human turn", path)
	}
	return out, nil
}

// LoadText reads a text file with one prompt per line, as LLMeter's
// load_prompts: each line, trimmed of surrounding white space, is a
// prompt; blank lines are skipped. Lines may be up to 16 MiB long.
func LoadText(path string) ([]Prompt, error) {
	return readLines(path, func(where, line string) (Prompt, error) {
		return Prompt{Text: line, Where: where}, nil
	})
}

// LoadJSONL reads a JSONL file of prompts: each non-blank line is an
// object {"prompt": "...", "output_tokens": N}, "output_tokens" optional.
// A line that is not such an object, or whose prompt is blank, is an
// error naming the file and the line.
func LoadJSONL(path string) ([]Prompt, error) {
	return readLines(path, func(where, line string) (Prompt, error) {
		var rec struct {
			Prompt       *string `json:"prompt"`
			OutputTokens int     `json:"output_tokens"`
		}
		dec := json.NewDecoder(strings.NewReader(line))
		if err := dec.Decode(&rec); err != nil {
			return Prompt{}, fmt.Errorf("%s: want an object {\"prompt\": string, \"output_tokens\": number}: %w", where, err)
		}
		if dec.More() {
			return Prompt{}, fmt.Errorf("%s: more than one JSON value on the line", where)
		}
		switch {
		case rec.Prompt == nil:
			return Prompt{}, fmt.Errorf("%s: prompt: missing", where)
		case strings.TrimSpace(*rec.Prompt) == "":
			return Prompt{}, fmt.Errorf("%s: prompt: empty", where)
		case rec.OutputTokens < 0:
			return Prompt{}, fmt.Errorf("%s: output_tokens: want a positive number, got %d", where, rec.OutputTokens)
		}
		return Prompt{Text: *rec.Prompt, OutputTokens: rec.OutputTokens, Where: where}, nil
	})
}

// ErrEmpty is the error, wrapped with the file's name, of a dataset or
// trace file without a record.
var ErrEmpty = errors.New("empty")

// readLines parses each non-blank line of the file at path, named
// "path:line" for its errors.
func readLines[T any](path string, parse func(where, line string) (T, error)) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	var out []T
	for n := 1; sc.Scan(); n++ {
		line := string(bytes.TrimSpace(sc.Bytes()))
		if line == "" {
			continue
		}
		p, err := parse(fmt.Sprintf("%s:%d", path, n), line)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line longer than 16 MiB", path, len(out)+1)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: no line with a record", path, ErrEmpty)
	}
	return out, nil
}

// Dataset turns the prompts of a dataset into a workload.
type Dataset struct {
	// Prompts are the candidates, as LoadDataset returns them.
	Prompts []Prompt
	// Tokenizer counts tokens for the filters and the replies. Nil means
	// tokenizers.Whitespace.
	Tokenizer tokenizers.Tokenizer
	// MinInput and MaxInput keep only prompts of at least and at most so
	// many tokens; 0 means no bound.
	MinInput, MaxInput int
	// Sample, when positive, keeps that many of the prompts left by the
	// filters, drawn without replacement in a random order seeded by Seed;
	// 0 keeps them all, in file order.
	Sample int
	// Seed seeds the PCG generator of Sample and of Output.
	Seed uint64
	// Output is the distribution of output limits. Nil means each prompt's
	// own: its OutputTokens, else the token count of its Reply; a prompt
	// with neither is then an error.
	Output Lengths
	// Payload builds each request body. Required.
	Payload PayloadFunc
	// ForceOutput is as Synthetic.ForceOutput.
	ForceOutput bool
}

// Items returns the workload: the prompts that pass the filters, sampled,
// with their payloads. No prompt left is an error.
func (d *Dataset) Items() ([]Item, error) {
	return d.ItemsContext(context.Background())
}

// ItemsContext is Items, stopped by ctx as Synthetic.GenerateContext is:
// counting the tokens of a large dataset takes a while.
func (d *Dataset) ItemsContext(ctx context.Context) ([]Item, error) {
	switch {
	case d.Payload == nil:
		return nil, errors.New("workloads: Dataset.Payload is required")
	case d.MinInput < 0 || d.MaxInput < 0 || (d.MaxInput > 0 && d.MinInput > d.MaxInput):
		return nil, fmt.Errorf("workloads: Dataset: want 0 ≤ MinInput ≤ MaxInput, got %d and %d", d.MinInput, d.MaxInput)
	case d.Sample < 0:
		return nil, fmt.Errorf("workloads: Dataset.Sample: want a count not below 0, got %d", d.Sample)
	}
	tok := d.Tokenizer
	if tok == nil {
		tok = tokenizers.Whitespace{}
	}
	type kept struct {
		p  Prompt
		in int
	}
	var ks []kept
	for i, p := range d.Prompts {
		if err := stopped(ctx, "prompt", i); err != nil {
			return nil, err
		}
		in := tok.Count(p.Text)
		if in < d.MinInput || (d.MaxInput > 0 && in > d.MaxInput) {
			continue
		}
		ks = append(ks, kept{p, in})
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("workloads: Dataset: none of %d prompts has from %d to %d tokens", len(d.Prompts), d.MinInput, d.MaxInput)
	}
	r := rand.New(rand.NewPCG(d.Seed, 0x6461746173657473)) // "datasets"
	if d.Sample > 0 {
		if d.Sample > len(ks) {
			return nil, fmt.Errorf("workloads: Dataset.Sample: want %d prompts, the filters leave %d", d.Sample, len(ks))
		}
		r.Shuffle(len(ks), func(i, j int) { ks[i], ks[j] = ks[j], ks[i] })
		ks = ks[:d.Sample]
	}
	items := make([]Item, len(ks))
	for i, k := range ks {
		if err := stopped(ctx, "request", i); err != nil {
			return nil, err
		}
		var out int
		switch {
		case d.Output != nil:
			out = d.Output.Draw(r)
		case k.p.OutputTokens > 0:
			out = k.p.OutputTokens
		case k.p.Reply != "":
			out = max(tok.Count(k.p.Reply), 1)
		default:
			return nil, fmt.Errorf("workloads: %s: no output length: the record has no reply or output_tokens (set Dataset.Output)", k.p.Where)
		}
		p, err := buildPayload(d.Payload, k.p.Text, out, d.ForceOutput)
		if err != nil {
			return nil, fmt.Errorf("workloads: %s: %w", k.p.Where, err)
		}
		items[i] = Item{Payload: p, Prompt: k.p.Text, InputTokens: k.in, OutputTokens: out}
	}
	return items, nil
}
