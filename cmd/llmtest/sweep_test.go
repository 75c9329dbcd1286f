package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
)

func TestRunSweepClients(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--sweep-clients", "1,2", "--sweep-clients", "4", "--requests", "2", "--max-tokens", "8",
		"--out", out, "--run-name", "sw", "--slo", "error_rate < 1%"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	dir := filepath.Join(out, "sw")
	for _, level := range []string{"00001-clients", "00002-clients", "00004-clients"} {
		assert.Contains(t, stdout, "llmtest run "+level+":")
		assert.Contains(t, stdout, "results: "+filepath.Join(dir, level))
	}
	assert.Equal(t, 3, strings.Count(stdout, "PASS  error_rate = 0.00%, want < 1%"), "the SLO gates each level:\n%s", stdout)
	assert.Contains(t, stdout, "### ✅ Sweep sw")
	assert.Contains(t, stdout, "| clients | requests | req/s |")
	assert.Contains(t, stdout, "| 4 ")
	assert.Contains(t, stdout, "Saturation: ")
	assert.Contains(t, stdout, "sweep: "+dir)

	sw, err := llmtest.LoadSweep(dir)
	require.NoError(t, err)
	require.Len(t, sw.Results, 3)
	for i, want := range []int{2, 4, 8} {
		assert.Equal(t, want, sw.Results[i].Run.Counts.Total)
		require.Len(t, sw.Results[i].Run.Checks, 1, "the level's report holds its SLO")
	}
	md, err := os.ReadFile(filepath.Join(dir, llmtest.SweepMarkdownFile))
	require.NoError(t, err)
	assert.Contains(t, stdout, string(md), "the command prints sweep.md")
}

// TestRunSweepRates sweeps arrival rates from the command line: each
// level an open loop at its rate, in its own folder, gated by the SLOs.
func TestRunSweepRates(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--sweep-rates", "20,40", "--duration", "1s", "--max-tokens", "8",
		"--out", out, "--run-name", "rates", "--slo", "error_rate < 1%"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "| rate | requests | req/s |")
	sw, err := llmtest.LoadSweep(filepath.Join(out, "rates"))
	require.NoError(t, err)
	require.Len(t, sw.Results, 2)
	for i, rate := range []float64{20, 40} {
		run := sw.Results[i].Run
		assert.Equal(t, rate, run.Config.Rate)
		assert.Zero(t, run.Config.Clients)
		assert.InDelta(t, rate, float64(run.Counts.Total+run.Counts.Dropped), rate*0.2, "a second of arrivals at %v/s", rate)
		require.Len(t, run.Checks, 1)
	}
}

func TestRunSweepSLOFails(t *testing.T) {
	args := append([]string{"run", "--sweep-clients", "1,2", "--requests", "1", "--max-tokens", "4", "--slo", "ttft p50 < 1ns"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	assert.Equal(t, exitSLOFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, 2, strings.Count(stdout, "FAIL  ttft p50 = "), stdout)
}

func TestRunSweepUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--sweep-clients", "1,x"}, `invalid value "1,x" for flag --sweep-clients: "x" is not a client count of at least 1`},
		{[]string{"run", "--sweep-clients", "0"}, `"0" is not a client count`},
		{[]string{"run", "--sweep-rates", "10,-1"}, `"-1" is not a positive rate`},
		{[]string{"run", "--sweep-clients", "4,2"}, "--sweep-clients: 2 does not come after 4"},
		{[]string{"run", "--sweep-clients", "2,2"}, "--sweep-clients: 2 does not come after 2"},
		{[]string{"run", "--sweep-rates", "20,10"}, "--sweep-rates: 10 does not come after 20"},
		{[]string{"run", "--sweep-rates", "10,20", "--clients", "3"}, "--clients"},
		{[]string{"run", "--sweep-rates", "10,20", "--rate", "5"}, "--rate and --sweep-rates are mutually exclusive"},
		{[]string{"run", "--sweep-clients", "1,2", "--rate", "10"}, "--sweep-clients sweeps a closed loop's clients; --rate (an open loop) goes with --sweep-rates"},
		{[]string{"run", "--sweep-clients", "1,2", "--stage", "2s:8"}, "--stage and a sweep are mutually exclusive"},
		{[]string{"run", "--sweep-rates", "10", "--sweep-clients", "1"}, "--sweep-clients and --sweep-rates are mutually exclusive"},
		{[]string{"run", "--sweep-clients", "1,2", "--clients", "3"}, "--clients and --sweep-clients are mutually exclusive"},
		{[]string{"run", "--sweep-clients", "1,2", "--json", "-"}, "a sweep writes each level's reports and sweep.json and sweep.md to --out"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		assert.Equal(t, exitUsage, code, "%v: %s", tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
	}
}

func TestRunSweepFromPlan(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	require.NoError(t, os.WriteFile(plan, []byte("load:\n  sweep-clients: 1,2\n  requests: 1\nreports:\n  out: "+dir+"\n  run-name: p\n"), 0o644))
	code, stdout, stderr := runCLI(t, append([]string{"run", "-f", plan}, fastSim...)...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	_, err := llmtest.LoadSweep(filepath.Join(dir, "p"))
	assert.NoError(t, err)
}
