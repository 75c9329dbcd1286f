package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// shardKey is the API key of the simulator the shards run against; it
// must reach no artifact.
const shardKey = "sk-llmtest-SHARD-SECRET-91b2"

// runShards runs `llmtest run` n times as shards of one test against one
// simulator, into one --out, and returns --out and the shard folders.
func runShards(t *testing.T, n int) (out string, dirs []string) {
	t.Helper()
	srv, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Seed: 3, FirstTokenLatency: 2e6, InterTokenLatency: 1e5, ErrorRate: 0.1}, APIKey: shardKey})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	t.Setenv("LLMTEST_SHARD_KEY", shardKey)
	out = t.TempDir()
	for i := range n {
		name := fmt.Sprintf("shard-%d", i)
		code, stdout, stderr := runCLI(t, "run", "--url", srv.URL+"/v1", "--api-key-env", "LLMTEST_SHARD_KEY", "--model", "m",
			"--clients", "2", "--requests", "10", "--max-tokens", "8", "--out", out, "--run-name", name)
		require.Contains(t, []int{exitOK}, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		dirs = append(dirs, filepath.Join(out, name))
	}
	return out, dirs
}

func TestMergeShardsEndToEnd(t *testing.T) {
	out, dirs := runShards(t, 4)
	report := filepath.Join(t.TempDir(), "merged.json")
	args := append([]string{"merge", "--out", out, "--run-name", "merged", "--json", report, "--slo", "error_rate < 50%"}, dirs...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "llmtest run merged:")
	assert.Contains(t, stdout, "8 clients in 4 shards: 80 requests")
	assert.Contains(t, stdout, "percentiles from histograms, within 0.1%")
	assert.Contains(t, stdout, "PASS  error_rate = ")
	assert.Contains(t, stdout, "results: "+filepath.Join(out, "merged"))

	var counts reporters.Counts
	var failed int
	for _, d := range dirs {
		r, err := llmtest.LoadResult(d)
		require.NoError(t, err)
		counts.Total += r.Run.Counts.Total
		failed += r.Run.Counts.Failed
	}
	f, err := os.Open(report)
	require.NoError(t, err)
	defer f.Close()
	run, err := reporters.ReadJSON(f)
	require.NoError(t, err)
	assert.Equal(t, 80, run.Counts.Total)
	assert.Equal(t, counts.Total, run.Counts.Total, "the sum of the shards'")
	assert.Equal(t, failed, run.Counts.Failed)
	assert.Positive(t, failed, "the simulator failed some")
	require.Len(t, run.Checks, 1)

	merged, err := llmtest.LoadResult(filepath.Join(out, "merged"))
	require.NoError(t, err)
	assert.Len(t, merged.Invocations, 80, "responses.jsonl holds every shard's records")
	assert.Equal(t, 80, merged.Run.Counts.Total)
	assertNoSecret(t, shardKey, filepath.Join(out, "merged"), stdout, stderr)

	// The folder exists: a second merge under the same name is refused.
	code, _, stderr = runCLI(t, append([]string{"merge", "--out", out, "--run-name", "merged"}, dirs...)...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "already exists")

	// A failing SLO fails the merge.
	code, stdout, _ = runCLI(t, append([]string{"merge", "--slo", "error_rate < 0.1%"}, dirs...)...)
	assert.Equal(t, exitSLOFailed, code)
	assert.Contains(t, stdout, "FAIL  error_rate = ")
}

func TestMergeMismatchAndForce(t *testing.T) {
	_, dirs := runShards(t, 2)
	// Another test: other payloads.
	other := filepath.Join(t.TempDir(), "other")
	code, stdout, stderr := runCLI(t, append([]string{"run", "--requests", "2", "--prompt", "something else", "--out", filepath.Dir(other), "--run-name", "other"}, fastSim...)...)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)

	code, _, stderr = runCLI(t, "merge", dirs[0], other)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, dirs[0]+" and "+other+" are not shards of one test: they differ in endpoint.model_id")
	assert.Contains(t, stderr, "--force")

	// The same endpoint, other payloads.
	srvURL := readRun(t, dirs[0]).Endpoint.URL
	code, stdout, stderr = runCLI(t, "run", "--url", srvURL, "--api-key-env", "LLMTEST_SHARD_KEY", "--model", "m",
		"--requests", "2", "--prompt", "something else", "--out", filepath.Dir(other), "--run-name", "other-payloads")
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	code, _, stderr = runCLI(t, "merge", dirs[0], filepath.Join(filepath.Dir(other), "other-payloads"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "differ in config.payloads_digest")

	code, stdout, stderr = runCLI(t, "merge", "--force", dirs[0], other)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "6 clients in 2 shards: 28 requests", "4 × 5 and 2 × 4: the shards' shapes differ")

	// Two runs of the built-in simulator each had their own port: the
	// refusal says how to run shards against one.
	sims := t.TempDir()
	for _, name := range []string{"s1", "s2"} {
		code, stdout, stderr = runCLI(t, append([]string{"run", "--requests", "1", "--out", sims, "--run-name", name}, fastSim...)...)
		require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	}
	code, _, stderr = runCLI(t, "merge", filepath.Join(sims, "s1"), filepath.Join(sims, "s2"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "differ in endpoint.url")
	assert.Contains(t, stderr, "start one with `llmtest sim` and give every shard its --url")
}

func TestMergeUsageErrors(t *testing.T) {
	_, dirs := runShards(t, 1)
	missing := filepath.Join(t.TempDir(), "nope")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"merge"}, "llmtest merge: no run folder given"},
		{[]string{"merge", dirs[0], missing}, "llmtest merge: " + missing + ": no such run folder"},
		{[]string{"merge", "--slo", "ttft p99 <", dirs[0]}, "llmtest merge: --slo:"},
		{[]string{"merge", "--run-name", "a/b", dirs[0]}, "llmtest merge: --run-name:"},
		{[]string{"merge", "--junit-strict", dirs[0]}, "--junit-strict applies to --junit"},
		{[]string{"merge", "--out", "nope://bucket/x", dirs[0]}, "--out: nope://bucket/x: no storage driver for this URL scheme nope://"},
		{[]string{"merge", "--bogus", dirs[0]}, "flag provided but not defined: --bogus"},
		{[]string{"report"}, "llmtest report: want one run folder, got 0"},
		{[]string{"report", dirs[0], dirs[0]}, "want one run folder, got 2"},
		{[]string{"report", missing}, "llmtest report: " + missing + ": no such run folder"},
		{[]string{"report", "--json", "-", "--md", "-", dirs[0]}, "--json and --md both write to standard output"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, c.args...)
			assert.Equal(t, exitUsage, code, "%s%s", stdout, stderr)
			assert.Contains(t, stderr, c.want)
		})
	}
	// An unreadable folder is named too.
	empty := t.TempDir()
	code, _, stderr := runCLI(t, "report", empty)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "llmtest report: "+empty+":")
	for _, help := range [][]string{{"merge", "-h"}, {"report", "-h"}} {
		code, _, stderr := runCLI(t, help...)
		assert.Equal(t, exitOK, code)
		assert.Contains(t, stderr, "Usage: llmtest "+help[0])
	}
}

// readRun reads the model of a run folder.
func readRun(t *testing.T, dir string) *reporters.Run {
	t.Helper()
	r, err := llmtest.LoadResult(dir)
	require.NoError(t, err)
	return &r.Run
}

func TestReport(t *testing.T) {
	fresh := t.TempDir()
	code, stdout, stderr := runCLI(t, append([]string{"run", "--requests", "2", "--out", fresh, "--run-name", "fresh", "--slo", "ttft p99 < 10s"}, fastSim...)...)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	lint, schemas := junitSchemas(t)
	for _, c := range []struct {
		name, dir, head string
		total           int
	}{
		{"fresh", filepath.Join(fresh, "fresh"), "llmtest run fresh:", 8},
		{"version 1", "../../llmtest/testdata/v1run", "llmtest run ", 0},
		{"LLMeter", "../../llmtest/testdata/llmeter/complete", "llmtest run ", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := readRun(t, c.dir)
			if c.total != 0 {
				require.Equal(t, c.total, want.Counts.Total)
			}
			out := t.TempDir()
			j, md, junit := filepath.Join(out, "r.json"), filepath.Join(out, "r.md"), filepath.Join(out, "r.xml")
			code, stdout, stderr := runCLI(t, "report", "--json", j, "--md", md, "--junit", junit, "--junit-strict", c.dir, "--slo", "error_rate <= 100%")
			require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
			assert.Contains(t, stdout, c.head)
			assert.Contains(t, stdout, fmt.Sprintf("%d requests", want.Counts.Total))
			assert.Contains(t, stdout, "PASS  error_rate = ")

			b, err := os.ReadFile(j)
			require.NoError(t, err)
			var doc struct {
				Name   string           `json:"run_name"`
				Counts reporters.Counts `json:"counts"`
				Checks []reporters.Check
			}
			require.NoError(t, json.Unmarshal(b, &doc))
			assert.Equal(t, want.Name, doc.Name)
			assert.Equal(t, want.Counts, doc.Counts)
			require.Len(t, doc.Checks, 1, "the --slo checks replace the saved ones")
			md_, err := os.ReadFile(md)
			require.NoError(t, err)
			assert.Contains(t, string(md_), want.Name)
			for _, xsd := range []string{"ant-junit.xsd", "jenkins-xunit-junit-10.xsd"} {
				b, err := exec.Command(lint, "--noout", "--schema", filepath.Join(schemas, xsd), junit).CombinedOutput()
				assert.NoError(t, err, "%s rejects the report:\n%s", xsd, b)
			}

			code, stdout, _ = runCLI(t, "report", "--slo", "error_rate < 0%", c.dir)
			assert.Equal(t, exitSLOFailed, code)
			assert.Contains(t, stdout, "FAIL  error_rate = ")

			// A report to standard output alone; the summary to stderr.
			code, stdout, stderr = runCLI(t, "report", c.dir, "--json", "-")
			require.Equal(t, exitOK, code, "%s", stderr)
			back, err := reporters.ReadJSON(strings.NewReader(stdout))
			require.NoError(t, err)
			assert.Equal(t, want.Counts, back.Counts)
			assert.Contains(t, stderr, c.head)
		})
	}

	// Without --slo, the saved checks count; the folder is not changed.
	before, err := os.ReadFile(filepath.Join(fresh, "fresh", llmtest.ReportJSONFile))
	require.NoError(t, err)
	code, stdout, _ = runCLI(t, "report", filepath.Join(fresh, "fresh"))
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "PASS  ttft p99 = ")
	after, err := os.ReadFile(filepath.Join(fresh, "fresh", llmtest.ReportJSONFile))
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

func TestReportAllFailed(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, append([]string{"run", "--requests", "2", "--out", dir, "--run-name", "bad", "--sim-error-rate", "1"}, fastSim...)...)
	require.Equal(t, exitRunFailed, code, "%s%s", stdout, stderr)
	code, _, stderr = runCLI(t, "report", filepath.Join(dir, "bad"))
	assert.Equal(t, exitRunFailed, code)
	assert.Contains(t, stderr, "llmtest report: every request failed (8 of 8)")
}
