package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

func TestRunCost(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--clients", "2", "--requests", "3", "--max-tokens", "8", "--out", out, "--run-name", "priced",
		"--price-input", "1", "--price-output", "2", "--price-hour", "3.6", "--billing-minimum", "10s"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "\ncost ", "the summary shows the cost")

	var stats map[string]float64
	b, err := os.ReadFile(filepath.Join(out, "priced", "stats.json"))
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	stats = map[string]float64{}
	for k, v := range raw {
		if f, ok := v.(float64); ok {
			stats[k] = f
		}
	}
	for _, k := range []string{"cost_total", "cost_InputTokens", "cost_OutputTokens", "cost_EndpointTime",
		"cost_per_request-average", "cost_per_request-p50", "cost_per_request-p90", "cost_per_request-p99",
		"cost_InputTokens_per_request-p50", "cost_OutputTokens_per_request-p90"} {
		assert.Contains(t, stats, k)
	}
	assert.NotContains(t, stats, "cost_CachedInputTokens", "not priced without --price-cached-input")
	require.Positive(t, stats["total_input_tokens"])
	assert.InDelta(t, stats["total_input_tokens"]*1/1e6, stats["cost_InputTokens"], 1e-15)
	assert.InDelta(t, stats["total_output_tokens"]*2/1e6, stats["cost_OutputTokens"], 1e-15)
	assert.InDelta(t, 10*3.6/3600, stats["cost_EndpointTime"], 1e-15, "the run is shorter than the 10s minimum")
	assert.InDelta(t, stats["cost_InputTokens"]+stats["cost_OutputTokens"]+stats["cost_EndpointTime"], stats["cost_total"], 1e-15)

	md, err := os.ReadFile(filepath.Join(out, "priced", "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "Cost: ")

	// llmtest report shows it again, from report.json.
	code, stdout, stderr = runCLI(t, "report", filepath.Join(out, "priced"))
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "\ncost ")
}

func TestRunCostFromPlan(t *testing.T) {
	o := parsedRun(t, "-f", writePlan(t, "reports:\n  price-output: 2.5\n  price-hour: 1\n  billing-granularity: 1m\n"))
	m, err := o.cost.model(o.setFlags)
	require.NoError(t, err)
	require.NotNil(t, m.Output)
	assert.Equal(t, 2.5, m.Output.PerMillion)
	assert.Nil(t, m.Input)
	require.NotNil(t, m.EndpointTime)
	assert.Equal(t, "1m0s", m.EndpointTime.Granularity.String())
}

func TestRunCostUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--price-input", "-1"}, "--price-input: want a price ≥ 0, got -1"},
		{[]string{"run", "--billing-minimum", "1m"}, "--billing-minimum applies to --price-hour, which is not given"},
		{[]string{"run", "--price-hour", "1", "--billing-granularity", "0s"}, "--billing-granularity: want a positive duration, got 0s"},
		{[]string{"run", "--price-output", "x"}, `invalid value "x" for flag --price-output`},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		assert.Equal(t, exitUsage, code, "%v: %s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
	}
}

func TestReportPricesASavedRun(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--clients", "1", "--requests", "3", "--max-tokens", "8", "--out", out, "--run-name", "later"}, fastSim...)
	code, _, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, stderr)
	dir := filepath.Join(out, "later")
	report := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr := runCLI(t, "report", dir, "--price-output", "2", "--price-hour", "3600", "--json", report)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "\ncost ")
	f, err := os.Open(report)
	require.NoError(t, err)
	defer f.Close()
	run, err := reporters.ReadJSON(f)
	require.NoError(t, err)
	require.NotNil(t, run.Cost)
	assert.InDelta(t, float64(run.Tokens.Output)*2/1e6, run.Cost.Dimension(reporters.CostOutputTokens).Total, 1e-15)
	assert.InDelta(t, reporters.BilledSeconds(run.TestTime, 1, 0), run.Cost.Dimension(reporters.CostEndpointTime).Total, 1e-12,
		"3600 per hour: one per billed second")

	code, _, stderr = runCLI(t, "report", dir, "--billing-minimum", "1s")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--billing-minimum applies to --price-hour")
}
