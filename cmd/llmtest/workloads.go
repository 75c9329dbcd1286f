package main

import (
	"strings"

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
}

// workloadOnly are the flags that need --input-tokens or --dataset.
var workloadOnly = []string{"output-tokens", "prompts", "ignore-eos"}

// syntheticOnly are the flags that need --input-tokens.
var syntheticOnly = []string{"shared-prefix", "cache-bust"}

// datasetOnly are the flags that need --dataset.
var datasetOnly = []string{"dataset-min-tokens", "dataset-max-tokens"}

// active reports whether the flags ask for synthetic or dataset prompts.
func (w *workloadFlags) active() bool { return w.inputTokens != "" || w.dataset != "" }

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
	case w.minInput < 0:
		return usageErrorf("--dataset-min-tokens must not be negative, got %d", w.minInput)
	case w.maxInput < 0:
		return usageErrorf("--dataset-max-tokens must not be negative, got %d", w.maxInput)
	case w.maxInput > 0 && w.minInput > w.maxInput:
		return usageErrorf("--dataset-min-tokens %d is above --dataset-max-tokens %d", w.minInput, w.maxInput)
	}
	for _, f := range workloadOnly {
		if set[f] && !w.active() {
			return usageErrorf("--%s applies to --input-tokens or --dataset", f)
		}
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
	if w.dataset != "" {
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
func (o *runOptions) workloadPayloads() ([]endpoints.Payload, error) {
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
		if items, err = s.Generate(n); err != nil {
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
	if items, err = d.Items(); err != nil {
		msg := strings.NewReplacer("workloads: ", "", "Dataset: ", "", "(set Dataset.Output)", "(give --output-tokens)",
			"Dataset.Sample: want", "--prompts: want").Replace(err.Error())
		return nil, usageErrorf("--dataset: %s", msg)
	}
	return workloads.Payloads(items), nil
}
