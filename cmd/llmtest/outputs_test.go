package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

// TestReportsToStdout checks that --json -, --md - and --junit - write the
// report alone on stdout, and the human summary on stderr.
func TestReportsToStdout(t *testing.T) {
	base := append([]string{"run", "--clients", "2", "--requests", "2", "--slo", "error_rate < 1%"}, fastSim...)

	code, stdout, stderr := runCLI(t, append(base, "--json", "-")...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc), "stdout is one JSON document:\n%s", stdout)
	assert.Equal(t, 2.0, doc["schema_version"])
	assert.Len(t, doc["checks"], 1)
	run, err := reporters.ReadJSON(strings.NewReader(stdout))
	require.NoError(t, err)
	assert.Equal(t, 4, run.Counts.Total)
	assert.Contains(t, stderr, "time_to_first_token", "the summary goes to stderr")
	assert.Contains(t, stderr, "PASS  error_rate")

	code, stdout, stderr = runCLI(t, append(base, "--md", "-")...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.True(t, strings.HasPrefix(stdout, "### "), "stdout is the Markdown report:\n%s", stdout)
	assert.NotContains(t, stdout, "PASS  ")
	assert.Contains(t, stderr, "PASS  error_rate")

	code, stdout, stderr = runCLI(t, append(base, "--junit", "-", "--junit-strict")...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.True(t, strings.HasPrefix(stdout, "<?xml"), "stdout is the JUnit report:\n%s", stdout)
	assert.Contains(t, stderr, "time_to_first_token")
	lint, schemas := junitSchemas(t)
	file := filepath.Join(t.TempDir(), "junit.xml")
	require.NoError(t, os.WriteFile(file, []byte(stdout), 0o644))
	for _, xsd := range []string{"ant-junit.xsd", "jenkins-xunit-junit-10.xsd"} {
		b, err := exec.Command(lint, "--noout", "--schema", filepath.Join(schemas, xsd), file).CombinedOutput()
		assert.NoError(t, err, "%s rejects the report on stdout:\n%s", xsd, b)
	}
}

// TestMarkdownAppendsToTheStepSummary checks that --md "$GITHUB_STEP_SUMMARY"
// appends the report once per run, keeping what earlier steps wrote, and
// that any other --md file is replaced.
func TestMarkdownAppendsToTheStepSummary(t *testing.T) {
	dir := t.TempDir()
	summary := filepath.Join(dir, "step_summary.md")
	const earlier = "## An earlier step\n\nIts own summary.\n"
	require.NoError(t, os.WriteFile(summary, []byte(earlier), 0o644))
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	args := append([]string{"run", "--clients", "1", "--requests", "1", "--run-name", "step"}, fastSim...)

	for n := 1; n <= 2; n++ {
		code, stdout, stderr := runCLI(t, append(args, "--md", summary)...)
		require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		b, err := os.ReadFile(summary)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(b), earlier), "the earlier steps' summary is kept:\n%s", b)
		assert.Equal(t, n, strings.Count(string(b), "### "), "one report per run, written once:\n%s", b)
	}
	// The same file by another name is the step summary too.
	code, _, _ := runCLI(t, append(args, "--md", filepath.Join(dir, ".", "step_summary.md"))...)
	require.Equal(t, exitOK, code)
	b, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(string(b), "### "))

	other := filepath.Join(dir, "other.md")
	require.NoError(t, os.WriteFile(other, []byte("stale\n"), 0o644))
	code, _, _ = runCLI(t, append(args, "--md", other)...)
	require.Equal(t, exitOK, code)
	b, err = os.ReadFile(other)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "stale", "a plain --md file is replaced")
	assert.Equal(t, 1, strings.Count(string(b), "### "))
}

// TestOutputFlagsAreChecked checks --out and the report flags before
// anything starts.
func TestOutputFlagsAreChecked(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	for _, c := range []struct {
		want string
		args []string
	}{
		{"--out: nope://bucket/runs: no storage driver for this URL scheme nope:// (registered: azblob, gs, s3;", []string{"--out", "nope://bucket/runs"}},
		{"--out: s3:///runs: the URL names no bucket", []string{"--out", "s3:///runs"}},
		{"--out: gs://: the URL names no bucket", []string{"--out", "gs://"}},
		{`--out: file://server/tmp/runs: a file:// URL names a local folder, not host "server"`, []string{"--out", "file://server/tmp/runs"}},
		{`--out "` + file + `": not a folder`, []string{"--out", file}},
		{"--json: s3:// URLs are not supported; give a local file or - for standard output", []string{"--json", "s3://bucket/r.json"}},
		{`--junit "` + dir + `": is a folder; give a file`, []string{"--junit", dir}},
		{`--md "` + filepath.Join(dir, "no", "r.md") + `": the folder "` + filepath.Join(dir, "no") + `" does not exist`, []string{"--md", filepath.Join(dir, "no", "r.md")}},
		{"--junit and --json both write to standard output (-)", []string{"--json", "-", "--junit", "-"}},
		{`--json and --md name the same file "` + file + `"`, []string{"--json", file, "--md", file}},
		{"--junit-strict applies to --junit, which is not given", []string{"--junit-strict"}},
		{"--duration must be positive, got 0s", []string{"--duration", "0s"}},
		{"--duration must be positive, got -1s", []string{"--duration", "-1s"}},
		{"--timeout must be positive, got 0s", []string{"--timeout", "0s"}},
		{"--requests must be at least 1, got 0", []string{"--requests", "0"}},
		{"--ramp-up must not be negative, got -1s", []string{"--ramp-up", "-1s"}},
		{"--max-tokens applies to --prompt and the built-in prompts, not to --payload", []string{"--max-tokens", "8", "--payload", file}},
	} {
		assertUsage(t, c.want, append([]string{"run"}, c.args...)...)
	}
	const secret = "wJalrXUtnFEMI-FAKE-SECRET"
	assertUsage(t, "--out: s3://bucket/runs: user information in a URL is refused", "run", "--out", "s3://AKIDEXAMPLE:"+secret+"@bucket/runs")
	_, _, stderr := runCLI(t, "run", "--md", "https://user:"+secret+"@example.com/r.md")
	assert.NotContains(t, stderr, secret, "a URL is not shown: it may hold credentials")
	_, err := os.Stat("s3:") // relative to the working folder, where the old command made it
	assert.ErrorIs(t, err, os.ErrNotExist, "no local folder named after the scheme")
}

// TestResultsKeptOnlyWhenWritten checks the "kept" notices of an
// interrupted run and of a run whose every request failed: they name what
// was written, or say that nothing was.
func TestResultsKeptOnlyWhenWritten(t *testing.T) {
	out := t.TempDir()
	junit := filepath.Join(out, "junit.xml")
	// A context that a SIGTERM cancelled before the run started: every
	// client stops at once, and the run is interrupted.
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(interruption{syscall.SIGTERM})
	interrupted := func(args ...string) (int, string, string) {
		var stdout, stderr strings.Builder
		code := run(ctx, append(append([]string{"run", "--duration", "1m"}, fastSim...), args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	code, stdout, stderr := interrupted("--out", out, "--run-name", "cut", "--junit", junit)
	assert.Equal(t, exitTerminated, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "llmtest run: interrupted by SIGTERM; partial results kept in "+filepath.Join(out, "cut")+", "+junit+"\n")
	assert.Contains(t, stdout, "[interrupted]")

	code, stdout, stderr = interrupted()
	assert.Equal(t, exitTerminated, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "llmtest run: interrupted by SIGTERM; no results kept (no --out, and no --junit, --json or --md file)\n")
	assert.NotContains(t, stderr, "kept in")

	code, stdout, stderr = interrupted("--json", "-")
	assert.Equal(t, exitTerminated, code)
	assert.True(t, json.Valid([]byte(stdout)), "the partial report is on stdout:\n%s", stdout)
	assert.Contains(t, stderr, "no results kept")

	down := append([]string{"run", "--clients", "1", "--requests", "2", "--sim-error-rate", "1"}, fastSim...)
	code, _, stderr = runCLI(t, append(down, "--out", out, "--run-name", "down")...)
	assert.Equal(t, exitRunFailed, code)
	assert.Contains(t, stderr, "llmtest run: every request failed (2 of 2); results kept in "+filepath.Join(out, "down")+"\n")
	code, _, stderr = runCLI(t, down...)
	assert.Equal(t, exitRunFailed, code)
	assert.Contains(t, stderr, "llmtest run: every request failed (2 of 2); no results kept")
}
