package main

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/tokenizers"
	"github.com/llmtest/llmtest/tokenizers/tiktoken"
	"github.com/llmtest/llmtest/workloads"
)

// defaultSyntheticPrompts is the number of synthetic prompts of a run
// without --prompts whose number of requests is not fixed.
const defaultSyntheticPrompts = 100

// workloadFlags are the flags of synthetic prompts and datasets.
type workloadFlags struct {
	inputTokens  string
	outputTokens string
	dataset      string
	prompts      int
	minInput     int
	maxInput     int
	sharedPrefix int
	cacheBust    bool
	ignoreEOS    bool
	tokenizer    string
	seed         uint64
	trace        string
	traceSpeed   float64

	// entries is the trace, once loaded.
	entries []workloads.TraceEntry
}

func (w *workloadFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&w.inputTokens, "input-tokens", "", "synthetic prompts of this many tokens: N, uniform:MIN,MAX, normal:MEAN,STDDEV, lognormal:MEDIAN,SIGMA or list:A,B,...")
	fs.StringVar(&w.outputTokens, "output-tokens", "", "max tokens of synthetic or dataset prompts, as --input-tokens (default: --max-tokens; for sharegpt and jsonl datasets each record's own)")
	fs.StringVar(&w.dataset, "dataset", "", "prompts from a dataset: sharegpt:FILE, text:FILE (one prompt a line) or jsonl:FILE ({\"prompt\": ..., \"output_tokens\": N} a line)")
	fs.IntVar(&w.prompts, "prompts", 0, "number of synthetic prompts, or of dataset prompts sampled (default: synthetic, requests × clients or 100; dataset, all)")
	fs.IntVar(&w.minInput, "dataset-min-tokens", 0, "keep dataset prompts of at least this many tokens")
	fs.IntVar(&w.maxInput, "dataset-max-tokens", 0, "keep dataset prompts of at most this many tokens (0: no bound)")
	fs.IntVar(&w.sharedPrefix, "shared-prefix", 0, "start every synthetic prompt with the same text of this many tokens (prefix caching)")
	fs.BoolVar(&w.cacheBust, "cache-bust", false, "start every synthetic prompt with a text of its own (no prefix cache)")
	fs.BoolVar(&w.ignoreEOS, "ignore-eos", false, "add ignore_eos and min_tokens to synthetic and dataset payloads, so vLLM-compatible servers generate the whole limit")
	fs.StringVar(&w.tokenizer, "tokenizer", "whitespace", "tokenizer of synthetic and dataset prompts and of responses without usage: whitespace, or a tiktoken encoding ("+strings.Join([]string{tiktoken.O200kBase, tiktoken.Cl100kBase, tiktoken.P50kBase, tiktoken.R50kBase, tiktoken.P50kEdit}, ", ")+")")
	fs.Uint64Var(&w.seed, "workload-seed", 1, "seed of the synthetic lengths and texts and of the dataset sample")
	fs.StringVar(&w.trace, "trace", "", "replay a Mooncake trace (JSONL of timestamp ms, input_length, output_length, hash_ids) as an open loop: synthetic prompts of its lengths, on its schedule")
	fs.Float64Var(&w.traceSpeed, "trace-speed", 1, "replay --trace this many times faster (0.5: at half speed)")
}

// workloadOnly are the flags that need --input-tokens or --dataset (or
// --trace).
var workloadOnly = []string{"output-tokens", "prompts"}

// syntheticOnly are the flags that need --input-tokens.
var syntheticOnly = []string{"shared-prefix", "cache-bust"}

// datasetOnly are the flags that need --dataset.
var datasetOnly = []string{"dataset-min-tokens", "dataset-max-tokens"}

// notWithTrace are the flags a trace's schedule and lengths replace.
var notWithTrace = []string{"output-tokens", "prompts", "max-tokens", "clients", "rate", "arrival", "seed", "stage",
	"sweep-clients", "sweep-rates", "turns", "think-time"}

// active reports whether the flags ask for synthetic, dataset or trace
// prompts.
func (w *workloadFlags) active() bool { return w.inputTokens != "" || w.dataset != "" || w.trace != "" }

// checkWorkload validates the workload flags against each other and the payload
// flags; its errors name the flags.
func (o *runOptions) checkWorkload() error {
	w := &o.workload
	set := o.setFlags
	switch {
	case set["input-tokens"] && w.inputTokens == "":
		return usageErrorf("--input-tokens: empty")
	case set["dataset"] && w.dataset == "":
		return usageErrorf("--dataset: empty")
	case w.inputTokens != "" && w.dataset != "":
		return usageErrorf("--input-tokens and --dataset are mutually exclusive")
	case set["trace"] && w.trace == "":
		return usageErrorf("--trace: empty")
	case w.trace != "" && w.inputTokens != "":
		return usageErrorf("--input-tokens and --trace are mutually exclusive")
	case w.trace != "" && w.dataset != "":
		return usageErrorf("--dataset and --trace are mutually exclusive")
	case set["trace-speed"] && w.trace == "":
		return usageErrorf("--trace-speed applies to --trace")
	case !(w.traceSpeed > 0) || math.IsInf(w.traceSpeed, 0):
		return usageErrorf("--trace-speed must be a positive factor, got %v", w.traceSpeed)
	case w.active() && o.payload != "":
		return usageErrorf("--%s and --payload are mutually exclusive", w.flag())
	case w.active() && o.prompt != "":
		return usageErrorf("--%s and --prompt are mutually exclusive", w.flag())
	case w.inputTokens != "" && set["max-tokens"]:
		return usageErrorf("--max-tokens does not apply to --input-tokens: give --output-tokens")
	case w.prompts < 0:
		return usageErrorf("--prompts must be at least 1, got %d", w.prompts)
	case set["prompts"] && w.prompts == 0:
		return usageErrorf("--prompts must be at least 1, got 0")
	case w.sharedPrefix < 0:
		return usageErrorf("--shared-prefix must not be negative, got %d", w.sharedPrefix)
	case w.sharedPrefix > workloads.MaxLength:
		return usageErrorf("--shared-prefix: want at most %d tokens, got %d", workloads.MaxLength, w.sharedPrefix)
	case w.minInput < 0:
		return usageErrorf("--dataset-min-tokens must not be negative, got %d", w.minInput)
	case w.maxInput < 0:
		return usageErrorf("--dataset-max-tokens must not be negative, got %d", w.maxInput)
	case w.maxInput > 0 && w.minInput > w.maxInput:
		return usageErrorf("--dataset-min-tokens %d is above --dataset-max-tokens %d", w.minInput, w.maxInput)
	}
	if w.trace != "" {
		for _, f := range notWithTrace {
			if set[f] {
				return usageErrorf("--%s does not apply to --trace: the trace sets the lengths and the schedule", f)
			}
		}
	}
	for _, f := range workloadOnly {
		if set[f] && !w.active() {
			return usageErrorf("--%s applies to --input-tokens or --dataset", f)
		}
	}
	if set["ignore-eos"] && !w.active() && !o.heatmapping() {
		return usageErrorf("--ignore-eos applies to --input-tokens, --dataset, --trace or a heatmap")
	}
	for _, f := range syntheticOnly {
		if set[f] && w.inputTokens == "" {
			return usageErrorf("--%s applies to --input-tokens", f)
		}
	}
	for _, f := range datasetOnly {
		if set[f] && w.dataset == "" {
			return usageErrorf("--%s applies to --dataset", f)
		}
	}
	if w.inputTokens != "" {
		if _, err := workloads.ParseLengths(w.inputTokens); err != nil {
			return usageErrorf("--input-tokens: %v", err)
		}
	}
	if w.outputTokens != "" {
		if _, err := workloads.ParseLengths(w.outputTokens); err != nil {
			return usageErrorf("--output-tokens: %v", err)
		}
	}
	if _, err := w.newTokenizer(); err != nil {
		return err
	}
	return nil
}

// flag is the name of the flag that chose the workload.
func (w *workloadFlags) flag() string {
	switch {
	case w.trace != "":
		return "trace"
	case w.dataset != "":
		return "dataset"
	}
	return "input-tokens"
}

// newTokenizer returns the tokenizer --tokenizer names.
func (w *workloadFlags) newTokenizer() (tokenizers.Tokenizer, error) {
	if w.tokenizer == "" || w.tokenizer == "whitespace" {
		return tokenizers.Whitespace{}, nil
	}
	tok, err := tiktoken.New(strings.TrimPrefix(w.tokenizer, "tiktoken/"))
	if err != nil {
		return nil, usageErrorf("--tokenizer: %v (or whitespace)", err)
	}
	return tok, nil
}

// workloadPayloads builds the payloads of --input-tokens or --dataset with
// the API's payload helper.
func (o *runOptions) workloadPayloads(ctx context.Context) ([]endpoints.Payload, error) {
	w := &o.workload
	tok, err := w.newTokenizer()
	if err != nil {
		return nil, err
	}
	build := func(prompt string, maxTokens int) (endpoints.Payload, error) {
		return apis[api(o.api)].payload(o, prompt, maxTokens)
	}
	var output workloads.Lengths
	if w.outputTokens != "" {
		if output, err = workloads.ParseLengths(w.outputTokens); err != nil {
			return nil, usageErrorf("--output-tokens: %v", err)
		}
	}
	var items []workloads.Item
	if w.trace != "" {
		tr, err := w.loadTrace()
		if err != nil {
			return nil, err
		}
		tr.Tokenizer, tr.Payload, tr.ForceOutput = tok, build, w.ignoreEOS
		if items, err = tr.ItemsContext(ctx); err != nil {
			return nil, usageErrorf("--trace: %s", strings.TrimPrefix(err.Error(), "workloads: "))
		}
		return workloads.Payloads(items), nil
	}
	if w.inputTokens != "" {
		input, err := workloads.ParseLengths(w.inputTokens)
		if err != nil {
			return nil, usageErrorf("--input-tokens: %v", err)
		}
		if output == nil {
			output = workloads.Fixed(o.maxTokens)
		}
		n := w.prompts
		if n == 0 {
			n = defaultSyntheticPrompts
			if o.requests > 0 {
				n = o.requests * max(o.clients, 1)
				if o.openLoop() {
					n = o.requests // the total of arrivals
				}
			}
		}
		s := workloads.Synthetic{
			Input: input, Output: output, Tokenizer: tok, Seed: w.seed,
			SharedPrefix: w.sharedPrefix, CacheBust: w.cacheBust,
			Payload: build, ForceOutput: w.ignoreEOS,
		}
		if items, err = s.GenerateContext(ctx, n); err != nil {
			return nil, usageErrorf("--input-tokens: %v", err)
		}
		return workloads.Payloads(items), nil
	}
	prompts, err := workloads.LoadDataset(w.dataset)
	if err != nil {
		return nil, usageErrorf("--dataset: %v", err)
	}
	if output == nil && strings.HasPrefix(w.dataset, "text:") {
		output = workloads.Fixed(o.maxTokens) // a line has no length of its own
	}
	d := workloads.Dataset{
		Prompts: prompts, Tokenizer: tok, MinInput: w.minInput, MaxInput: w.maxInput,
		Sample: w.prompts, Seed: w.seed, Output: output, Payload: build, ForceOutput: w.ignoreEOS,
	}
	if items, err = d.ItemsContext(ctx); err != nil {
		msg := strings.NewReplacer("workloads: ", "", "Dataset: ", "", "(set Dataset.Output)", "(give --output-tokens)",
			"Dataset.Sample: want", "--prompts: want").Replace(err.Error())
		return nil, usageErrorf("--dataset: %s", msg)
	}
	return workloads.Payloads(items), nil
}

// loadTrace reads the --trace file once and returns its replay at
// --trace-speed, seeded by --workload-seed.
func (w *workloadFlags) loadTrace() (*workloads.Trace, error) {
	if w.entries == nil {
		es, err := workloads.LoadTrace(w.trace)
		if err != nil {
			return nil, usageErrorf("--trace: %v", err)
		}
		w.entries = es
	}
	return &workloads.Trace{Entries: w.entries, Speed: w.traceSpeed, Seed: w.seed}, nil
}

// traceArrivals returns the arrival times of --trace at --trace-speed.
func (w *workloadFlags) traceArrivals() ([]time.Duration, error) {
	tr, err := w.loadTrace()
	if err != nil {
		return nil, err
	}
	times, err := tr.ArrivalTimes()
	if err != nil {
		return nil, usageErrorf("--trace: %s", strings.TrimPrefix(err.Error(), "workloads: "))
	}
	return times, nil
}
