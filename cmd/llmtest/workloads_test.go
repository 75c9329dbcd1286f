package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/tokenizers"
	"github.com/llmtest/llmtest/workloads"
)

// TestRunSyntheticPrompts runs --input-tokens against the simulator, which
// counts input tokens as whitespace words: each record's input count is
// its prompt's, and the counts are the lengths the same seed draws.
func TestRunSyntheticPrompts(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--input-tokens", "normal:200,20", "--output-tokens", "32", "--clients", "2",
		"--requests", "10", "--workload-seed", "7", "--out", out, "--run-name", "syn"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	res, err := llmtest.LoadResult(filepath.Join(out, "syn"))
	require.NoError(t, err)
	require.Len(t, res.Invocations, 20)

	s := workloads.Synthetic{Input: workloads.Normal{Mean: 200, StdDev: 20}, Output: workloads.Fixed(32), Seed: 7, Payload: openai.ChatPayload}
	items, err := s.Generate(20)
	require.NoError(t, err)
	var want, got []int
	for _, it := range items {
		want = append(want, it.InputTokens)
	}
	for _, inv := range res.Invocations {
		assert.Equal(t, tokenizers.Whitespace{}.Count(inv.InputPrompt), inv.NumTokensInput)
		assert.Equal(t, 32, inv.NumTokensOutput)
		got = append(got, inv.NumTokensInput)
	}
	slices.Sort(want)
	slices.Sort(got)
	assert.Equal(t, want, got, "the simulator saw the drawn lengths")
	assert.Greater(t, slices.Max(got)-slices.Min(got), 10, "the lengths vary")
}

func TestRunDataset(t *testing.T) {
	dir := t.TempDir()
	sg := filepath.Join(dir, "sg.json")
	require.NoError(t, os.WriteFile(sg, []byte(`[
 {"conversations": [{"from": "human", "value": "one two three four"}, {"from": "gpt", "value": "five six seven"}]},
 {"conversations": [{"from": "human", "value": "a b"}, {"from": "gpt", "value": "c d e f g"}]}
]`), 0o644))
	args := append([]string{"run", "--dataset", "sharegpt:" + sg, "--clients", "1", "--out", dir, "--run-name", "sg"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	res, err := llmtest.LoadResult(filepath.Join(dir, "sg"))
	require.NoError(t, err)
	require.Len(t, res.Invocations, 2, "one request per dataset prompt")
	byPrompt := map[string]llmtest.Invocation{}
	for _, inv := range res.Invocations {
		byPrompt[inv.InputPrompt] = inv
	}
	assert.Equal(t, 4, byPrompt["one two three four"].NumTokensInput)
	assert.Equal(t, 3, byPrompt["one two three four"].NumTokensOutput, "the reply's length is the limit")
	assert.Equal(t, 5, byPrompt["a b"].NumTokensOutput)

	txt := filepath.Join(dir, "p.txt")
	require.NoError(t, os.WriteFile(txt, []byte("first prompt\nsecond prompt here\nthird\n"), 0o644))
	args = append([]string{"run", "--dataset", "text:" + txt, "--prompts", "2", "--max-tokens", "4", "--clients", "1",
		"--out", dir, "--run-name", "txt"}, fastSim...)
	code, stdout, stderr = runCLI(t, args...)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	res, err = llmtest.LoadResult(filepath.Join(dir, "txt"))
	require.NoError(t, err)
	require.Len(t, res.Invocations, 2, "--prompts samples 2 of 3")
	for _, inv := range res.Invocations {
		assert.Equal(t, 4, inv.NumTokensOutput)
	}
}

func TestRunWorkloadUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte("{\"prompt\": \"ok\"}\n{\"prompt\": 3}\n"), 0o644))
	hugeTrace := filepath.Join(dir, "huge.jsonl")
	require.NoError(t, os.WriteFile(hugeTrace, []byte(`{"timestamp": 0, "input_length": 2000000000, "output_length": 3}`+"\n"), 0o644))
	noLen := filepath.Join(dir, "nolen.jsonl")
	require.NoError(t, os.WriteFile(noLen, []byte("{\"prompt\": \"ok\"}\n"), 0o644))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--input-tokens", "10", "--payload", "x.jsonl"}, "--input-tokens and --payload are mutually exclusive"},
		{[]string{"--input-tokens", "10", "--prompt", "hi"}, "--input-tokens and --prompt are mutually exclusive"},
		{[]string{"--dataset", "text:x", "--prompt", "hi"}, "--dataset and --prompt are mutually exclusive"},
		{[]string{"--dataset", "text:x", "--input-tokens", "5"}, "--input-tokens and --dataset are mutually exclusive"},
		{[]string{"--input-tokens", "normal:5"}, `--input-tokens: lengths "normal:5": normal takes MEAN,STDDEV`},
		{[]string{"--input-tokens", "5", "--output-tokens", "uniform:9,3"}, "--output-tokens: lengths"},
		// Lengths above workloads.MaxLength would take minutes and
		// gigabytes to build before the run: refused, never clamped.
		{[]string{"--input-tokens", "lognormal:1e300,5"}, `--input-tokens: lengths "lognormal:1e300,5": MEDIAN: want at most 4194304 tokens, got "1e300"`},
		{[]string{"--input-tokens", "5", "--output-tokens", "5000000"}, `--output-tokens: lengths "5000000": want at most 4194304 tokens, got "5000000"`},
		{[]string{"--input-tokens", "5", "--shared-prefix", "2000000000"}, "--shared-prefix: want at most 4194304 tokens, got 2000000000"},
		{[]string{"--trace", hugeTrace}, "--trace: " + hugeTrace + ":1: input_length: want at most 4194304 tokens, got 2000000000"},
		{[]string{"--input-tokens", "5", "--max-tokens", "3"}, "--max-tokens does not apply to --input-tokens"},
		{[]string{"--output-tokens", "5"}, "--output-tokens applies to --input-tokens or --dataset"},
		{[]string{"--cache-bust"}, "--cache-bust applies to --input-tokens"},
		{[]string{"--ignore-eos"}, "--ignore-eos applies to --input-tokens, --dataset, --trace or a heatmap"},
		{[]string{"--dataset", "text:x", "--shared-prefix", "4"}, "--shared-prefix applies to --input-tokens"},
		{[]string{"--input-tokens", "5", "--dataset-min-tokens", "4"}, "--dataset-min-tokens applies to --dataset"},
		{[]string{"--input-tokens", "5", "--prompts", "0"}, "--prompts must be at least 1"},
		{[]string{"--input-tokens", "5", "--tokenizer", "gpt9"}, `--tokenizer: tiktoken: unknown encoding "gpt9"`},
		{[]string{"--dataset", "csv:x"}, `--dataset: dataset "csv:x": unknown kind "csv"`},
		{[]string{"--dataset", "jsonl:" + bad}, "--dataset: " + bad + ":2: want an object"},
		{[]string{"--dataset", "jsonl:" + noLen}, noLen + ":1: no output length: the record has no reply or output_tokens (give --output-tokens)"},
		{[]string{"--dataset", "text:" + bad, "--dataset-min-tokens", "50"}, "--dataset: none of 2 prompts"},
		{[]string{"--dataset", "text:" + bad, "--prompts", "3"}, "--dataset: --prompts: want 3 prompts, the filters leave 2"},
	} {
		code, _, stderr := runCLI(t, append([]string{"run"}, c.args...)...)
		assert.Equal(t, exitUsage, code, "%v", c.args)
		assert.Contains(t, stderr, c.want, "%v", c.args)
		assert.NotContains(t, stderr, "testing the built-in simulator", "%v: checked before the simulator starts", c.args)
	}
}

// TestWorkloadPlanKeys checks that a plan's dataset file is relative to the
// plan's folder, and that a payload source on the command line replaces
// the plan's.
func TestWorkloadPlanKeys(t *testing.T) {
	path := writePlan(t, "payloads:\n  dataset: sharegpt:data/sg.json\n  max-tokens: 9\n  workload-seed: 4\n")
	o := parsedRun(t, "-f", path)
	assert.Equal(t, "sharegpt:"+filepath.Join(filepath.Dir(path), "data", "sg.json"), o.workload.dataset)
	assert.Equal(t, uint64(4), o.workload.seed)

	o = parsedRun(t, "-f", path, "--input-tokens", "normal:100,10")
	assert.Equal(t, "normal:100,10", o.workload.inputTokens)
	assert.Empty(t, o.workload.dataset, "--input-tokens replaces the plan's dataset")
	assert.Equal(t, defaultMaxTokens, o.maxTokens, "and its max-tokens")
	assert.Equal(t, uint64(4), o.workload.seed, "the plan's other values stay")
	require.NoError(t, o.validate())

	o = parsedRun(t, "-f", path, "--prompt", "hi")
	assert.Empty(t, o.workload.dataset, "--prompt replaces the plan's dataset")
	assert.Equal(t, 9, o.maxTokens)

	abs := writePlan(t, "payloads:\n  dataset: text:/abs/p.txt\n  input-tokens: '5'\n")
	o = parsedRun(t, "-f", abs, "--dataset", "jsonl:x.jsonl")
	assert.Equal(t, "jsonl:x.jsonl", o.workload.dataset)
	assert.Empty(t, o.workload.inputTokens, "--dataset replaces the plan's input-tokens")
}

// TestAnInterruptionWhileTheWorkloadIsBuiltExits checks that a signal
// that arrives while the prompts are built stops the command at once with
// the interrupted status, before any request or folder: the context is
// cancelled with a SIGINT as its cause before the command starts, so
// building stops at the first prompt.
func TestAnInterruptionWhileTheWorkloadIsBuiltExits(t *testing.T) {
	dir := t.TempDir()
	lines := filepath.Join(dir, "prompts.txt")
	require.NoError(t, os.WriteFile(lines, []byte("one prompt\nanother prompt\n"), 0o644))
	trace := filepath.Join(dir, "trace.jsonl")
	require.NoError(t, os.WriteFile(trace, []byte(`{"timestamp": 0, "input_length": 20, "output_length": 3}`+"\n"), 0o644))
	for name, args := range map[string][]string{
		"synthetic": {"--input-tokens", "200", "--requests", "4"},
		"dataset":   {"--dataset", "text:" + lines, "--requests", "4"},
		"trace":     {"--trace", trace},
		"heatmap":   {"--heatmap-inputs", "10,20", "--heatmap-outputs", "4"},
	} {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(interruption{syscall.SIGINT})
			var stdout, stderr bytes.Buffer
			code := run(ctx, append(append([]string{"run", "--out", out, "--run-name", "cut"}, fastSim...), args...), &stdout, &stderr)
			assert.Equal(t, exitInterrupted, code, "stderr:\n%s", &stderr)
			// The heatmap starts the simulator before it builds each cell's prompts.
			assert.Regexp(t, `^(llmtest: testing the built-in simulator at \S+\n)?`+
				`llmtest run: interrupted by SIGINT; no request had completed, so no results were written\n$`, stderr.String())
			assert.Empty(t, stdout.String(), "no run, no summary")
			entries, err := os.ReadDir(out)
			require.NoError(t, err)
			assert.Empty(t, entries, "no run folder")
		})
	}
}
