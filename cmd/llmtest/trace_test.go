package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
)

// TestRunTrace replays a trace at twice its speed against the simulator:
// one request per entry, each with its entry's input and output lengths,
// intended at its timestamp / 2 from the first.
func TestRunTrace(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "t.jsonl")
	require.NoError(t, os.WriteFile(trace, []byte(`{"timestamp": 0, "input_length": 40, "output_length": 3, "hash_ids": [0, 1]}
{"timestamp": 20, "input_length": 35, "output_length": 5, "hash_ids": [0, 2]}
{"timestamp": 20, "input_length": 7, "output_length": 2}
{"timestamp": 60, "input_length": 50, "output_length": 4, "hash_ids": [3]}
`), 0o644))
	args := append([]string{"run", "--trace", trace, "--trace-speed", "2", "--out", dir, "--run-name", "tr"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	res, err := llmtest.LoadResult(filepath.Join(dir, "tr"))
	require.NoError(t, err)
	invs := res.Invocations
	require.Len(t, invs, 4, "one request per entry")
	slices.SortStableFunc(invs, func(a, b llmtest.Invocation) int {
		if c := a.IntendedTime.Compare(b.IntendedTime); c != 0 {
			return c
		}
		return a.NumTokensInput - b.NumTokensInput
	})
	first := invs[0].IntendedTime
	want := []struct {
		at      time.Duration
		in, out int
	}{{0, 40, 3}, {10 * time.Millisecond, 7, 2}, {10 * time.Millisecond, 35, 5}, {30 * time.Millisecond, 50, 4}}
	for k, w := range want {
		assert.Equal(t, w.at, invs[k].IntendedTime.Sub(first), "arrival %d", k)
		assert.Equal(t, w.in, invs[k].NumTokensInput, "arrival %d", k)
		assert.Equal(t, w.out, invs[k].NumTokensOutput, "arrival %d", k)
	}
	assert.Equal(t, "trace", res.Run.Config.Arrival)
	assert.Equal(t, 4, res.Run.Counts.Total)
	assert.NotNil(t, res.Run.Metric(string(llmtest.ScheduleLag)))
}

func TestRunTraceUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte("{\"timestamp\": 0, \"input_length\": 4, \"output_length\": 2}\n{\"timestamp\": 1, \"input_length\": 4}\n"), 0o644))
	good := filepath.Join(dir, "good.jsonl")
	require.NoError(t, os.WriteFile(good, []byte("{\"timestamp\": 0, \"input_length\": 4, \"output_length\": 2}\n{\"timestamp\": 1, \"input_length\": 4, \"output_length\": 2}\n"), 0o644))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--trace", bad}, "--trace: " + bad + ":2: output_length: missing"},
		{[]string{"--trace", filepath.Join(dir, "none.jsonl")}, "--trace: open " + filepath.Join(dir, "none.jsonl")},
		{[]string{"--trace", bad, "--input-tokens", "5"}, "--input-tokens and --trace are mutually exclusive"},
		{[]string{"--trace", bad, "--dataset", "text:x"}, "--dataset and --trace are mutually exclusive"},
		{[]string{"--trace", bad, "--payload", "x.jsonl"}, "--trace and --payload are mutually exclusive"},
		{[]string{"--trace-speed", "2"}, "--trace-speed applies to --trace"},
		{[]string{"--trace", bad, "--trace-speed", "0"}, "--trace-speed must be a positive factor, got 0"},
		{[]string{"--trace", bad, "--trace-speed", "-1"}, "--trace-speed must be a positive factor, got -1"},
		{[]string{"--trace", bad, "--rate", "5"}, "--rate does not apply to --trace"},
		{[]string{"--trace", bad, "--clients", "2"}, "--clients does not apply to --trace"},
		{[]string{"--trace", bad, "--max-tokens", "9"}, "--max-tokens does not apply to --trace"},
		{[]string{"--trace", bad, "--output-tokens", "9"}, "--output-tokens does not apply to --trace"},
		{[]string{"--trace", bad, "--stage", "1s:5"}, "--stage does not apply to --trace"},
		{[]string{"--trace", bad, "--turns", "3"}, "--turns does not apply to --trace"},
		{[]string{"--trace", good, "--requests", "3"}, "--requests: is 3, more than the 2 arrivals of --trace"},
	} {
		code, _, stderr := runCLI(t, append([]string{"run"}, c.args...)...)
		assert.Equal(t, exitUsage, code, "%v", c.args)
		assert.Contains(t, stderr, c.want, "%v", c.args)
		assert.NotContains(t, stderr, "testing the built-in simulator", "%v: checked before the simulator starts", c.args)
	}
}

// TestTracePlanKeys checks that a plan's trace is relative to the plan's
// folder and that --trace replaces the plan's other payload source.
func TestTracePlanKeys(t *testing.T) {
	path := writePlan(t, "payloads:\n  trace: traces/m.jsonl\n  trace-speed: 3\n")
	o := parsedRun(t, "-f", path)
	assert.Equal(t, filepath.Join(filepath.Dir(path), "traces", "m.jsonl"), o.workload.trace)
	assert.Equal(t, 3.0, o.workload.traceSpeed)

	o = parsedRun(t, "-f", writePlan(t, "payloads:\n  dataset: text:p.txt\n"), "--trace", "x.jsonl")
	assert.Equal(t, "x.jsonl", o.workload.trace)
	assert.Empty(t, o.workload.dataset, "--trace replaces the plan's dataset")
	require.NoError(t, o.validate())
}
