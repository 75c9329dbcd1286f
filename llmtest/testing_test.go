package llmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunHelperWritesSummaryInCleanup(t *testing.T) {
	out := t.TempDir()
	var dir string
	t.Run("inner", func(t *testing.T) {
		res := Run(t, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(2), OutputPath: out, RunName: "helper"})
		dir = res.OutputPath
		assert.Equal(t, filepath.Join(out, "helper"), dir)
		assert.Len(t, res.Invocations, 2)
		assert.FileExists(t, filepath.Join(dir, ResponsesFile), "responses are written during the run")
		assert.NoFileExists(t, filepath.Join(dir, SummaryFile), "the summary waits for the test's cleanup")
	})
	assert.FileExists(t, filepath.Join(dir, SummaryFile))
	assert.FileExists(t, filepath.Join(dir, StatsFile))
}

func TestRunHelperDefaultsToTheArtifactDir(t *testing.T) {
	res := Run(t, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(1)})
	assert.Equal(t, t.ArtifactDir(), filepath.Dir(res.OutputPath))
	assert.Equal(t, res.RunName, filepath.Base(res.OutputPath))
}

// TestHelperProcess is run by the tests below in a child process, where it
// is expected to fail; it does nothing in a normal test run.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv("LLMTEST_HELPER") {
	case "bad-config":
		Run(t, Config{Endpoint: &fakeEndpoint{}, Payloads: prompts(1), Clients: -3})
		t.Log("not reached: Run returned")
	case "attrs":
		Run(t, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a", " b"}}, Payloads: prompts(3), RunName: "attrs-run"})
	case "bad-payload-file":
		Run(t, Config{Endpoint: &fakeEndpoint{}, Payloads: os.Getenv("LLMTEST_PAYLOADS")})
		t.Log("not reached: Run returned")
	}
}

func runHelperProcess(t *testing.T, mode string, env ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v")
	cmd.Env = append(append(os.Environ(), "LLMTEST_HELPER="+mode), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "the child test must fail:\n%s", out)
	assert.NotContains(t, string(out), "not reached")
	return string(out)
}

func TestRunHelperFailsTheTestOnABadConfig(t *testing.T) {
	out := runHelperProcess(t, "bad-config")
	assert.Contains(t, out, "llmtest: Config.Clients: must be at least 1, got -3")
	assert.Contains(t, out, "--- FAIL: TestHelperProcess")

	p := writeFile(t, "bad.jsonl", "{\"prompt\":\"a\"}\n{\"prompt\"\n")
	out = runHelperProcess(t, "bad-payload-file", "LLMTEST_PAYLOADS="+p)
	assert.True(t, strings.Contains(out, "bad.jsonl:2: invalid JSON"), out)
}

func TestRunHelperWritesReportsWithTheTestsChecks(t *testing.T) {
	out := t.TempDir()
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	var dir string
	t.Run("inner", func(t *testing.T) {
		t.Setenv("GITHUB_STEP_SUMMARY", summary)
		res := Run(t, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(2), OutputPath: out, RunName: "gated"})
		dir = res.OutputPath
		// What an assertion records after the run must reach the reports.
		res.AddCheck(Check{Expression: "ttft p99 < 1ms", Statistic: "ttft p99", Op: "<", Unit: "s",
			Observed: 0.002, Limit: 0.001, Samples: 2, Pass: false, Message: "ttft p99 = 2.00ms, want < 1ms (n=2)"})
	})
	junit, err := os.ReadFile(filepath.Join(dir, JUnitFile))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `message="ttft p99 = 2.00ms, want &lt; 1ms (n=2)"`)
	report, err := os.ReadFile(filepath.Join(dir, ReportJSONFile))
	require.NoError(t, err)
	assert.Contains(t, string(report), `"schema_version": 1`)
	assert.Contains(t, string(report), `"expression": "ttft p99 < 1ms"`)
	md, err := os.ReadFile(filepath.Join(dir, ReportMarkdownFile))
	require.NoError(t, err)
	assert.Contains(t, string(md), "ttft p99")
	step, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.Equal(t, string(md), string(step), "the step summary gets the Markdown report")
}

func TestRunHelperReportsAttrs(t *testing.T) {
	out := runHelperProcessOK(t, "attrs")
	for _, k := range []string{"llmtest.run_name attrs-run", "llmtest.total_requests 3", "llmtest.failed_requests 0",
		"llmtest.time_to_first_token-p99 ", "llmtest.output_tokens_per_second "} {
		assert.Contains(t, out, "=== ATTR  TestHelperProcess "+k)
	}
}

func runHelperProcessOK(t *testing.T, mode string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "LLMTEST_HELPER="+mode)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

func TestBenchmarkReportsBenchstatUnits(t *testing.T) {
	var res *Result
	br := testing.Benchmark(func(b *testing.B) {
		res = Benchmark(b, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a", " b", " c"}}, Payloads: prompts(2), Clients: 2})
	})
	require.NotNil(t, res)
	assert.GreaterOrEqual(t, res.Stats.TotalRequests, br.N, "one op is one request")
	assert.Less(t, res.Stats.TotalRequests, br.N+2)
	for _, unit := range []string{"ttft-p50-ns", "ttft-p99-ns", "tpot-p50-ns", "itl-p99-ns", "e2e-p99-ns", "out-tokens/s", "req/s"} {
		assert.Contains(t, br.Extra, unit)
		assert.Positive(t, br.Extra[unit], unit)
	}
	assert.Empty(t, res.OutputPath, "no artifacts without an OutputPath")
}
