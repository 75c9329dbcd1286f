// Package workloads builds the payloads of a load test: synthetic prompts
// whose input and output token lengths follow a distribution, and prompts
// read from datasets.
//
// # Synthetic prompts
//
// [Synthetic] draws each request's input length from [Synthetic.Input]
// and its output limit from [Synthetic.Output] (a [Lengths]: [Fixed],
// [Uniform], [Normal], [LogNormal] or [List], parsed from text by
// [ParseLengths]) with a PCG generator seeded by [Synthetic.Seed], so
// that a run repeats. Each prompt is a run of words of a corpus — by
// default the embedded opening of Jane Austen's Pride and Prejudice
// (Project Gutenberg eBook #1342, public domain; see [DefaultCorpus]) —
// cut so that it counts exactly the drawn number of tokens under
// [Synthetic.Tokenizer] (tokenizers.Whitespace by default; pass a
// tokenizers/tiktoken Tokenizer for OpenAI's encodings). The output
// limit goes into the payload as its max-tokens field through the
// endpoint package's payload helper ([PayloadFunc]), so every API's
// shape works; [Synthetic.ForceOutput] adds vLLM's "ignore_eos" and
// "min_tokens" to make the server generate the whole limit.
//
// [Synthetic.SharedPrefix] starts every prompt with the same text (a
// server's prefix cache then serves it); [Synthetic.CacheBust] starts
// every prompt with a text of its own (as LLMeter's CacheBuster
// example), so that no cache serves a prefix.
//
//	s := workloads.Synthetic{
//		Input:   workloads.Normal{Mean: 1000, StdDev: 100},
//		Output:  workloads.Fixed(200),
//		Seed:    1,
//		Payload: openai.ChatPayload,
//	}
//	items, err := s.Generate(500)
//	cfg.Payloads = workloads.Payloads(items)
//
// Building a large workload takes seconds; [Synthetic.GenerateContext],
// [Trace.ItemsContext] and [Dataset.ItemsContext] give it up when their
// context is done.
//
// # Datasets
//
// [LoadDataset] reads prompts from a ShareGPT-style JSON file, a text
// file with one prompt per line, or a JSONL file of prompts;
// [Dataset.Items] filters them by token length, samples them with a seed
// and builds their payloads.
//
// The package does not import tokenizers/tiktoken, and llmtest does not
// import this package: a test that sends only payload files pulls in
// neither.
package workloads
