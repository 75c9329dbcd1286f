package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
	htmlreport "github.com/llmtest/llmtest/reporters/html"
)

// charts returns the data-chart names of a page's figures.
func charts(page string) []string {
	var out []string
	for _, part := range strings.Split(page, `<figure class="chart" data-chart="`)[1:] {
		out = append(out, part[:strings.IndexByte(part, '"')])
	}
	return out
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// TestRunFolderHasReportHTML runs the simulator with failures: the run
// folder gets report.html, and `llmtest report DIR --html FILE` renders
// the saved run into the same page.
func TestRunFolderHasReportHTML(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, append([]string{"run", "--clients", "2", "--requests", "8", "--sim-error-rate", "0.2", "--sim-seed", "3",
		"--out", out, "--run-name", "h", "--slo", "error_rate < 1%", "--progress", "off"}, fastSim...)...)
	require.Equal(t, exitSLOFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	dir := filepath.Join(out, "h")
	saved := readText(t, filepath.Join(dir, htmlreport.FileName))
	assert.Contains(t, saved, `<span class="mark fail">FAIL</span> Run h`)
	assert.Contains(t, saved, `<tr class="fail"><td>✘ FAIL</td><td><code>error_rate &lt; 1%</code>`)
	assert.Equal(t, []string{
		"ttfb-histogram", "ttfb-cdf", // traced over HTTP: where the time went
		"ttft-histogram", "ttft-cdf", "ttlt-histogram", "ttlt-cdf", "tpot-histogram", "tpot-cdf", "itl-histogram", "itl-cdf",
		"requests-over-time", "tokens-over-time", "inflight-over-time", "ttft-over-time", "errors-over-time",
	}, charts(saved))

	page := filepath.Join(t.TempDir(), "r.html")
	code, stdout, stderr = runCLI(t, "report", dir, "--html", page)
	require.Equal(t, exitSLOFailed, code, "the saved check still fails:\n%s%s", stdout, stderr)
	assert.Equal(t, saved, readText(t, page), "the saved run renders into the page the run wrote")

	code, stdout, stderr = runCLI(t, "report", dir, "--html", "-")
	require.Equal(t, exitSLOFailed, code, "%s", stderr)
	assert.True(t, strings.HasPrefix(stdout, "<!DOCTYPE html>"), "the page alone on standard output")
	assert.Contains(t, stderr, "llmtest run h:", "and the summary on standard error")

	code, _, stderr = runCLI(t, "report", dir, "--html", filepath.Join(t.TempDir(), "no", "r.html"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--html")
}

// TestReportHTMLOfOlderFolders renders a version-1 llmtest folder and an
// LLMeter folder: their statistics are recomputed from the records, so
// their pages have the distributions too.
func TestReportHTMLOfOlderFolders(t *testing.T) {
	for _, dir := range []string{"../../llmtest/testdata/v1run", "../../llmtest/testdata/llmeter/complete"} {
		page := filepath.Join(t.TempDir(), "r.html")
		code, stdout, stderr := runCLI(t, "report", dir, "--html", page)
		require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
		assert.Contains(t, charts(readText(t, page)), "ttlt-histogram", dir)
	}
}

func TestSweepAndHeatmapFoldersHaveReportHTML(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, append([]string{"run", "--sweep-clients", "1,2", "--requests", "2", "--out", out, "--run-name", "sw", "--progress", "off"}, fastSim...)...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	sweep := filepath.Join(out, "sw")
	assert.Equal(t, []string{"sweep-latency", "sweep-goodput", "sweep-throughput"}, charts(readText(t, filepath.Join(sweep, htmlreport.FileName))))
	assert.FileExists(t, filepath.Join(sweep, "00001-clients", htmlreport.FileName), "each level's run folder too")

	page := filepath.Join(t.TempDir(), "s.html")
	code, stdout, stderr = runCLI(t, "report", sweep, "--html", page)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	assert.Equal(t, readText(t, filepath.Join(sweep, htmlreport.FileName)), readText(t, page))
	assert.Contains(t, stdout, "wrote "+page)

	code, _, stderr = runCLI(t, "report", sweep, "--json", filepath.Join(t.TempDir(), "x.json"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "is a sweep folder ("+llmtest.SweepFile+"): only --html renders it")

	code, stdout, stderr = runCLI(t, "run", "--heatmap-inputs", "10,50", "--heatmap-outputs", "8,16", "--heatmap-requests", "2",
		"--sim-prefill", "0s", "--sim-itl", "100us", "--sim-ttft", "1ms", "--progress", "off", "--out", out, "--run-name", "hm")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	heat := readText(t, filepath.Join(out, "hm", htmlreport.FileName))
	assert.Equal(t, 3, strings.Count(heat, `<table class="heatmap"`), "TTFT, TTLT and TPOT grids")
	page = filepath.Join(t.TempDir(), "h.html")
	code, stdout, stderr = runCLI(t, "report", filepath.Join(out, "hm"), "--html", page)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	assert.Equal(t, heat, readText(t, page))
}

// TestMergedFolderHasReportHTML merges two shards: the merged run's
// percentiles come from the histograms, and its page draws every
// distribution from them.
func TestMergedFolderHasReportHTML(t *testing.T) {
	out, dirs := runShards(t, 2)
	code, stdout, stderr := runCLI(t, append([]string{"merge", "--out", out, "--run-name", "merged"}, dirs...)...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	page := readText(t, filepath.Join(out, "merged", htmlreport.FileName))
	assert.Contains(t, page, "merged from 2 shards")
	assert.Contains(t, page, "Percentiles are read from the histograms, within 0.1% of the exact ones.")
	assert.Subset(t, charts(page), []string{"ttft-histogram", "ttft-cdf", "ttlt-histogram", "ttlt-cdf", "itl-histogram", "itl-cdf", "errors-over-time"})
	assert.Contains(t, page, `<tr class="fail"><th>failed</th>`, "the shards' failures, in red")
}
