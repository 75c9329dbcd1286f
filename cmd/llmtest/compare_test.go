package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
)

// compareSim are the simulator flags of the compared runs: a jittered
// latency, so that the percentiles vary from request to request and the
// machine's own noise is small beside them, and a fixed seed, so that two
// runs of one configuration plan the same latencies.
func compareSim(ttft string) []string {
	return []string{"--sim-ttft", ttft, "--sim-itl", "500us", "--sim-prefill", "0s", "--sim-jitter", "0.5",
		"--sim-output-tokens", "8", "--max-tokens", "8", "--sim-seed", "7"}
}

// compareRun runs `llmtest run` against the built-in simulator into
// out/name and returns the folder: 4 clients, 40 requests each unless
// extra says otherwise.
func compareRun(t *testing.T, out, name string, extra ...string) string {
	t.Helper()
	return compareRunsAtOnce(t, out, map[string][]string{name: extra})[name]
}

// compareRunsAtOnce runs one `llmtest run` per entry of runs at the same
// time, each against its own built-in simulator, into out/<name>, and
// returns their folders by name. Run together, the runs share whatever
// else loads the machine (other tests, the race detector, other jobs), so
// that the difference between them is theirs, not the machine's: the
// bootstrap sees the noise within a run, not a change of the machine's
// load between two runs.
func compareRunsAtOnce(t *testing.T, out string, runs map[string][]string) map[string]string {
	t.Helper()
	type outcome struct {
		name, stdout, stderr string
		code                 int
	}
	results := make(chan outcome, len(runs))
	for name, extra := range runs {
		go func() {
			args := []string{"run", "--run-name", name, "--out", out}
			if !slices.Contains(extra, "--sweep-clients") {
				args = append(args, "--clients", "4", "--requests", "40")
			}
			code, stdout, stderr := runCLI(t, append(args, extra...)...)
			results <- outcome{name, stdout, stderr, code}
		}()
	}
	dirs := map[string]string{}
	for range runs {
		r := <-results
		require.Equal(t, exitOK, r.code, "%s: stdout:\n%s\nstderr:\n%s", r.name, r.stdout, r.stderr)
		dirs[r.name] = filepath.Join(out, r.name)
	}
	return dirs
}

// compareJSON is the part of compare's --json this test reads.
type compareJSON struct {
	Comparison llmtest.Comparison `json:"comparison"`
	FailOn     []regressionCheck  `json:"fail_on"`
}

func readCompareJSON(t *testing.T, path string) compareJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var c compareJSON
	require.NoError(t, json.Unmarshal(b, &c))
	return c
}

func TestCompareSlowerRunRegresses(t *testing.T) {
	out := t.TempDir()
	dirs := compareRunsAtOnce(t, out, map[string][]string{"base": compareSim("10ms"), "slow": compareSim("80ms")})
	base, slow := dirs["base"], dirs["slow"]
	report := filepath.Join(t.TempDir(), "cmp.json")

	code, stdout, stderr := runCLI(t, "compare", base, slow, "--fail-on", "ttft p50 +10%, error_rate +1%", "--fail-on", "ttlt p50 +5ms", "--json", report)
	assert.Equal(t, exitSLOFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Empty(t, stderr)
	assert.Contains(t, stdout, "### llmtest compare: `base` → `slow`")
	assert.Regexp(t, `\| ttft p50 \| [\d.]+ms \| [\d.]+ms \| \+[\d.]+ms \| \[\+[\d.]+ms, \+[\d.]+ms\] \| \+\d+\.\d% \| .* \| \*\*regression\*\* \|`, stdout)
	assert.Regexp(t, "- FAIL `ttft p50 \\+10%`: ttft p50: \\+\\d+\\.\\d% \\[.*\\], beyond \\+10% \\(n=160 → 160\\)", stdout)
	assert.Contains(t, stdout, "- PASS `error_rate +1%`")
	assert.Contains(t, stdout, "- FAIL `ttlt p50 +5ms`")

	c := readCompareJSON(t, report)
	d := c.Comparison.Delta("ttft p50")
	require.NotNil(t, d)
	assert.True(t, d.Significant)
	assert.Equal(t, llmtest.MethodSamples, d.Method)
	assert.Greater(t, d.Diff.Low, 0.020, "the simulator's base TTFT rose by 70ms")
	require.Len(t, c.FailOn, 3)
	assert.True(t, c.FailOn[0].Regressed)
	assert.False(t, c.FailOn[1].Regressed)

	// A percentile --fail-on names is compared, whatever --percentiles says.
	code, stdout, stderr = runCLI(t, "compare", base, slow, "--percentiles", "90", "--fail-on", "ttft p50 +10%")
	assert.Equal(t, exitSLOFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "| ttft p90 |")
	assert.Contains(t, stdout, "| ttft p50 |")
	assert.NotContains(t, stdout, "| ttft p99")

	// Swapped, the change is an improvement: nothing regressed.
	code, stdout, stderr = runCLI(t, "compare", slow, base, "--fail-on", "ttft p50 +10%")
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Regexp(t, `\| ttft p50 \| .* \| improvement \|`, stdout)

	// The JSON on standard output, the Markdown on standard error.
	code, stdout, stderr = runCLI(t, "compare", base, slow, "--json", "-", "--seed", "3", "--resamples", "500", "--percentiles", "50,95")
	require.Equal(t, exitOK, code, stderr)
	var onStdout compareJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &onStdout), stdout)
	assert.Equal(t, uint64(3), onStdout.Comparison.Seed)
	assert.Equal(t, 500, onStdout.Comparison.Resamples)
	assert.NotNil(t, onStdout.Comparison.Delta("ttft p95"))
	assert.Nil(t, onStdout.Comparison.Delta("ttft p99"))
	assert.Contains(t, stderr, "### llmtest compare")
}

func TestCompareSameConfigurationChangesNothing(t *testing.T) {
	out := t.TempDir()
	// TTFT uniform in [4ms, 76ms): its spread from request to request is
	// far above the shared machine's noise, which the bootstrap of one
	// run's requests cannot see (see docs-compare.md).
	sim := []string{"--sim-ttft", "40ms", "--sim-itl", "500us", "--sim-prefill", "0s", "--sim-jitter", "0.9",
		"--sim-output-tokens", "8", "--max-tokens", "8", "--sim-seed", "7", "--clients", "4", "--requests", "50"}
	dirs := compareRunsAtOnce(t, out, map[string][]string{"a": sim, "b": sim})
	a, b := dirs["a"], dirs["b"]
	report := filepath.Join(t.TempDir(), "cmp.json")
	md := filepath.Join(t.TempDir(), "cmp.md")
	code, stdout, stderr := runCLI(t, "compare", a, b, "--json", report, "--md", md,
		"--fail-on", "ttft p50 +10%,ttlt p50 +10%,ttft p90 +20%,error_rate +1%,requests_per_second -20%")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	written, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Equal(t, stdout, string(written), "--md holds what standard output shows")

	c := readCompareJSON(t, report)
	for _, s := range []string{"ttft p50", "ttlt p50"} {
		d := c.Comparison.Delta(s)
		require.NotNil(t, d, s)
		assert.False(t, d.Significant, "%s: %+v", s, d.Diff)
	}
	require.Len(t, c.FailOn, 5)
	for _, ch := range c.FailOn {
		assert.False(t, ch.Regressed, ch.Message)
	}

	// A threshold on a metric outside the default rows compares it.
	code, stdout, stderr = runCLI(t, "compare", a, b, "--json", report, "--fail-on", "input_tokens p50 +10%,ttfo p50 +50%")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	c = readCompareJSON(t, report)
	for _, s := range []string{"input_tokens p50", "ttfo p50"} {
		require.NotNil(t, c.Comparison.Delta(s), "%s is compared:\n%s", s, stdout)
	}

	// Runs are read from URLs as from folders.
	code, urlOut, stderr := runCLI(t, "compare", "file://"+a, "file://"+b, "--fail-on", "ttft p50 +10%")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", urlOut, stderr)
	assert.Contains(t, urlOut, "ttft")
	code, _, stderr = runCLI(t, "compare", "file://"+a, "file://"+filepath.Join(out, "none"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "none")
}

func TestCompareLowMemoryRunsResampleHistograms(t *testing.T) {
	out := t.TempDir()
	dirs := compareRunsAtOnce(t, out, map[string][]string{"a": append(compareSim("10ms"), "--low-memory"), "b": compareSim("80ms")})
	a, b := dirs["a"], dirs["b"]
	report := filepath.Join(t.TempDir(), "cmp.json")
	code, stdout, stderr := runCLI(t, "compare", a, b, "--json", report, "--fail-on", "ttft p50 +10%")
	require.Equal(t, exitSLOFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	cmp := readCompareJSON(t, report).Comparison
	d := cmp.Delta("ttft p50")
	require.NotNil(t, d)
	assert.Equal(t, "histogram/samples", d.Method)
	assert.True(t, d.Significant)
}

func TestCompareSweeps(t *testing.T) {
	out := t.TempDir()
	sweep := func(ttft string) []string {
		return append([]string{"--sweep-clients", "1,2", "--requests", "20"}, compareSim(ttft)...)
	}
	dirs := compareRunsAtOnce(t, out, map[string][]string{"sa": sweep("10ms"), "sb": sweep("80ms")})
	a, b := dirs["sa"], dirs["sb"]
	report := filepath.Join(t.TempDir(), "cmp.json")
	code, stdout, stderr := runCLI(t, "compare", a, b, "--fail-on", "ttft p50 +10%", "--json", report)
	require.Equal(t, exitSLOFailed, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "## llmtest compare: sweeps over clients")
	assert.Contains(t, stdout, "#### clients 1")
	assert.Contains(t, stdout, "#### clients 2")
	assert.Contains(t, stdout, "- FAIL `ttft p50 +10%` (level 2): ")

	b2, err := os.ReadFile(report)
	require.NoError(t, err)
	var got struct {
		Comparison llmtest.SweepComparison `json:"comparison"`
		FailOn     []regressionCheck       `json:"fail_on"`
	}
	require.NoError(t, json.Unmarshal(b2, &got))
	require.Len(t, got.Comparison.Levels, 2)
	assert.Equal(t, []float64{1, 2}, []float64{got.Comparison.Levels[0].Level, got.Comparison.Levels[1].Level})
	require.Len(t, got.FailOn, 2)
	assert.True(t, got.FailOn[0].Regressed)
	assert.True(t, got.FailOn[1].Regressed)

	// A sweep and a run are not of a kind.
	code, _, stderr = runCLI(t, "compare", a, filepath.Join(b, got.Comparison.Levels[0].Comparison.B.Name))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "is a sweep folder but")
}

// benchOutput returns go test -bench output with count runs of one
// benchmark whose ns/op is base plus i·step.
func benchOutput(base, step float64, count int) string {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example\n")
	for i := range count {
		fmt.Fprintf(&b, "BenchmarkLLM/chat-8\t100\t%g ns/op\t%g out-tokens/s\t512 B/op\n", base+float64(i)*step, 1000-float64(i))
	}
	b.WriteString("PASS\nok  \texample\t1.0s\n")
	return b.String()
}

func TestCompareBenchmarkOutputs(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
	require.NoError(t, os.WriteFile(a, []byte(benchOutput(1000, 10, 10)), 0o644))
	require.NoError(t, os.WriteFile(b, []byte(benchOutput(1500, 10, 10)), 0o644))
	code, stdout, stderr := runCLI(t, "compare", a, b)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "### llmtest compare: benchmarks")
	assert.Regexp(t, `\| BenchmarkLLM/chat \| ns/op \| 1045 \| 1545 \| \+500 \| \[\+\S+, \+\S+\] \| \+47\.8% \| .* \| \*\*regression\*\* \|`, stdout)
	assert.Regexp(t, `\| BenchmarkLLM/chat \| out-tokens/s \| 995\.5 \| 995\.5 \| \+0 \| .* \|  \|`, stdout)
	assert.Regexp(t, `\| BenchmarkLLM/chat \| B/op \| 512 \| 512 \| \+0 \|`, stdout)

	code, _, stderr = runCLI(t, "compare", a, b, "--fail-on", "ttft p99 +10%")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--fail-on applies to runs and sweeps, not to benchmark output")

	bad := filepath.Join(dir, "bad.txt")
	require.NoError(t, os.WriteFile(bad, []byte("pkg: x\nBenchmarkX-8\t100\tfast ns/op\n"), 0o644))
	code, _, stderr = runCLI(t, "compare", a, bad)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, bad+`:2: value "fast" is not a number`)
}

func TestCompareUsageErrors(t *testing.T) {
	out := t.TempDir()
	a := compareRun(t, out, "a", append(compareSim("1ms"), "--requests", "5")...)
	missing := filepath.Join(out, "nope")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{a}, "want two runs to compare, A and B, got 1"},
		{[]string{a, missing}, missing + ": no such run folder, sweep folder or benchmark file"},
		{[]string{a, out}, out + ": "},
		{[]string{a, a, "--fail-on", "ttft p99 10%"}, `--fail-on: assertions: "ttft p99 10%": want "+" or "-" and the change, such as +10%, got "1" at column 10`},
		{[]string{a, a, "--fail-on", "ttft p99 +10%,"}, `--fail-on "ttft p99 +10%,": an empty threshold`},
		{[]string{a, a, "--fail-on", "requests_per_second +5%"}, `regresses when it falls: want "-" at column 21`},
		{[]string{a, a, "--confidence", "1.5"}, "--confidence 1.5, want in (0, 1)"},
		{[]string{a, a, "--resamples", "10"}, "--resamples 10, want at least 100"},
		{[]string{a, a, "--confidence", "0"}, "--confidence 0, want in (0, 1)"},
		{[]string{a, a, "--resamples", "0"}, "--resamples 0, want at least 100"},
		{[]string{a, a, "--resamples", "1000000000000"}, "--resamples 1000000000000, want at most 1000000"},
		{[]string{a, a, "--percentiles", "50,120"}, "--percentiles: 120, want in [0, 100]"},
		{[]string{a, a, "--json", filepath.Join(missing, "x.json")}, "the folder"},
		{[]string{a, a, "--md", "-"}, "--md -: the Markdown goes to standard output already"},
	} {
		code, stdout, stderr := runCLI(t, append([]string{"compare"}, c.args...)...)
		assert.Equal(t, exitUsage, code, "%q", c.args)
		assert.Contains(t, stderr, c.want, "%q", c.args)
		assert.Empty(t, stdout, "%q", c.args)
	}
}
