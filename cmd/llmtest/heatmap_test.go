package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/internal/awstest"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

func TestRunHeatmap(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--heatmap-inputs", "10,200", "--heatmap-outputs", "8,16",
		"--heatmap-requests", "3", "--clients", "2", "--sim-prefill", "200us", "--sim-itl", "100us",
		"--progress", "off", "--out", out, "--run-name", "hm")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "### Time to first token, p50 (ms)\n\n| input \\ output | 8 | 16 |\n|---|---:|---:|\n| 10 | ")
	assert.Contains(t, stdout, "\n| 200 | ")

	dir := filepath.Join(out, "hm")
	f, err := os.Open(filepath.Join(dir, "heatmap.json"))
	require.NoError(t, err)
	defer f.Close()
	hm, err := reporters.ReadHeatmapJSON(f)
	require.NoError(t, err)
	assert.Equal(t, []int{10, 200}, hm.Inputs)
	assert.Equal(t, []int{8, 16}, hm.Outputs)
	require.Len(t, hm.Cells, 4)
	for _, c := range hm.Cells {
		assert.Equal(t, 4, c.Succeeded, "cell %d×%d: 3 requests over 2 clients", c.Input, c.Output)
		res, err := llmtest.LoadResult(filepath.Join(dir, c.Run))
		require.NoError(t, err, "cell %d×%d has its run folder", c.Input, c.Output)
		assert.Equal(t, 4, res.TotalRequests())
		assert.Equal(t, float64(c.Input), res.Stats.NumTokensInput.Average, "synthetic prompts of the cell's length")
		assert.Equal(t, float64(c.Output), res.Stats.NumTokensOutput.Average, "the cell's output limit")
	}
	for _, out := range hm.Outputs {
		short, _ := hm.Cell(10, out)
		long, _ := hm.Cell(200, out)
		assert.Greater(t, long.TTFT.P50, short.TTFT.P50, "190 more input tokens add 38 ms of prefill")
	}
	md, err := os.ReadFile(filepath.Join(dir, "heatmap.md"))
	require.NoError(t, err)
	assert.Contains(t, stdout, string(md), "the command prints heatmap.md")
}

// TestRunHeatmapIgnoreEOS checks that --ignore-eos applies to a heatmap's
// prompts, as the README's heatmap example gives it: every cell's payloads
// ask vLLM-compatible servers for the whole output limit.
func TestRunHeatmapIgnoreEOS(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--heatmap-inputs", "10", "--heatmap-outputs", "8,16",
		"--ignore-eos", "--sim-itl", "100us", "--progress", "off", "--out", out, "--run-name", "hm")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	for _, cell := range []string{"hm-in10-out8", "hm-in10-out16"} {
		payloads, err := os.ReadFile(filepath.Join(out, "hm", cell, "payload.jsonl"))
		require.NoError(t, err)
		assert.Contains(t, string(payloads), `"ignore_eos":true`, cell)
		assert.Contains(t, string(payloads), `"min_tokens":`+strings.TrimPrefix(cell, "hm-in10-out"), cell)
	}
}

func TestRunHeatmapBadGrids(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--heatmap-inputs", "10,50"}, "--heatmap-inputs needs --heatmap-outputs"},
		{[]string{"--heatmap-outputs", "8"}, "--heatmap-outputs needs --heatmap-inputs"},
		{[]string{"--heatmap-inputs", "10,x", "--heatmap-outputs", "8"}, `--heatmap-inputs: length 2: want a positive token count, got "x"`},
		{[]string{"--heatmap-inputs", "10", "--heatmap-outputs", "8,0"}, `--heatmap-outputs: length 2: want a positive token count, got "0"`},
		{[]string{"--heatmap-inputs", "10,5000000", "--heatmap-outputs", "8"}, "--heatmap-inputs: length 2: want at most 4194304 tokens, got 5000000"},
		{[]string{"--heatmap-inputs", "", "--heatmap-outputs", "8"}, "--heatmap-inputs: empty"},
		{[]string{"--heatmap-inputs", "10,10", "--heatmap-outputs", "8"}, "--heatmap-inputs: length 2: 10 repeats"},
		{[]string{"--heatmap-inputs", "10", "--heatmap-outputs", "8", "--heatmap-requests", "0"}, "--heatmap-requests must be at least 1, got 0"},
		{[]string{"--heatmap-requests", "2"}, "--heatmap-requests applies to --heatmap-inputs and --heatmap-outputs"},
		{[]string{"--heatmap-inputs", "10", "--heatmap-outputs", "8", "--requests", "3"}, "--requests and a heatmap (--heatmap-inputs) are mutually exclusive"},
		{[]string{"--heatmap-inputs", "10", "--heatmap-outputs", "8", "--sweep-clients", "1,2"}, "--sweep-clients and a heatmap"},
		{[]string{"--heatmap-inputs", "10", "--heatmap-outputs", "8", "--trace", "t.jsonl"}, "a heatmap"},
		{[]string{"--heatmap-inputs", "10", "--heatmap-outputs", "8", "--turns", "2"}, "--turns and a heatmap (--heatmap-inputs) are mutually exclusive"},
	} {
		code, stdout, stderr := runCLI(t, append([]string{"run"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Empty(t, stdout, "%v", tc.args)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
		assert.False(t, strings.Contains(stderr, "testing the built-in simulator"), "nothing starts: %v", tc.args)
	}
}

// TestRunHeatmapToABucket runs a heatmap and a sweep with --out an
// s3:// URL, against gofakes3 on 127.0.0.1 through the AWS SDK: their
// files and every cell's and level's run folder are objects in the
// bucket, llmtest report renders their pages from the URL, and no object
// or message holds the AWS secret key.
func TestRunHeatmapToABucket(t *testing.T) {
	base := fakeS3(t)
	code, stdout, stderr := runCLI(t, "run", "--heatmap-inputs", "10,20", "--heatmap-outputs", "4",
		"--heatmap-requests", "2", "--sim-itl", "100us", "--progress", "off", "--out", base, "--run-name", "hm")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.NotContains(t, stdout+stderr, "use_path_style", "the URL's query is never shown")

	got := objects(t, base, "runs/hm/")
	for _, f := range []string{"heatmap.json", "heatmap.md", "report.html", "hm-in10-out4/" + llmtest.ReportJSONFile, "hm-in20-out4/" + llmtest.ReportJSONFile} {
		assert.Contains(t, got, f)
	}
	hm, err := reporters.ReadHeatmapJSON(strings.NewReader(got["heatmap.json"]))
	require.NoError(t, err)
	require.Len(t, hm.Cells, 2)
	for _, c := range hm.Cells {
		assert.Equal(t, 2, c.Succeeded, "cell %d×%d", c.Input, c.Output)
	}

	page := filepath.Join(t.TempDir(), "hm.html")
	code, stdout, stderr = runCLI(t, "report", llmtest.JoinOutputPath(base, "hm"), "--html", page)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	html, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(html), `data-heatmap="heatmap-ttft"`, "the heatmap's page")

	code, _, stderr = runCLI(t, "report", llmtest.JoinOutputPath(base, "hm"), "--md", filepath.Join(t.TempDir(), "x.md"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "s3://llmtest-runs/runs/hm is a heatmap folder (heatmap.json): only --html renders it")

	// A sweep's folder too.
	code, stdout, stderr = runCLI(t, "run", "--sweep-clients", "1,2", "--requests", "2", "--sim-itl", "100us",
		"--progress", "off", "--out", base, "--run-name", "sw")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, objects(t, base, "runs/sw/"), llmtest.SweepFile)
	code, stdout, stderr = runCLI(t, "report", llmtest.JoinOutputPath(base, "sw"), "--html", page)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	html, err = os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(html), "<svg", "the sweep's page draws its charts")

	for key, data := range objects(t, base, "runs/") {
		assert.NotContains(t, data, awstest.SecretAccessKey, key)
	}
}
