package llmtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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
	assert.Equal(t, res.Run.Name, filepath.Base(res.OutputPath))

	// So a low-memory run inside a test always has its folder.
	lm := Run(t, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(3), LowMemory: true})
	assert.Empty(t, lm.Invocations)
	assert.Len(t, records(t, lm), 3)
	assert.Equal(t, t.ArtifactDir(), filepath.Dir(lm.OutputPath))
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
	case "deadline":
		// A run far longer than the test's -timeout allows.
		ep := &fakeEndpoint{Chunks: []string{"a", " b"}, Gap: 2 * time.Millisecond}
		res := Run(t, Config{Endpoint: ep, Payloads: prompts(2), Clients: 2, Duration: time.Hour,
			OutputPath: os.Getenv("LLMTEST_OUT")})
		t.Logf("after Run: interrupted=%v cancelled=%d", res.Run.Interrupted, res.Stats.CancelledRequests)
	case "deadline-and-failure":
		// Stopped for the deadline, and a callback failed too: the
		// failure is not lost with the interruption.
		ep := &fakeEndpoint{Chunks: []string{"a"}, Gap: 2 * time.Millisecond}
		Run(t, Config{Endpoint: ep, Payloads: prompts(1), Duration: time.Hour, Callbacks: []Callback{failingAfterRun{}}})
		t.Log("not reached: Run returned")
	}
}

type failingAfterRun struct{ NopCallback }

func (failingAfterRun) AfterRun(context.Context, *Result) error {
	return errors.New("the exporter is down")
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

func TestRunStopsBeforeTheTestsDeadline(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v", "-test.timeout=4s")
	cmd.Env = append(os.Environ(), "LLMTEST_HELPER=deadline", "LLMTEST_OUT="+out)
	b, err := cmd.CombinedOutput()
	log := string(b)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "the child test must fail:\n%s", log)
	assert.NotContains(t, log, "panic: test timed out", "the run must end before go test's timeout")
	assert.Contains(t, log, "before the test's deadline (go test -timeout)")
	assert.Contains(t, log, "after Run: interrupted=true", "the test goes on after the run")

	dir := filepath.Join(out, "TestHelperProcess")
	for _, f := range []string{SummaryFile, StatsFile, JUnitFile, ReportJSONFile, ReportMarkdownFile, ResponsesFile} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	res, err := LoadResult(dir)
	require.NoError(t, err)
	assert.True(t, res.Run.Interrupted)
	assert.Positive(t, res.Stats.TotalRequests-res.Stats.CancelledRequests, "what completed is kept")
	assert.Zero(t, res.Stats.FailedRequests, "requests cut at the deadline are cancelled, not failed")
	assert.Equal(t, "TestHelperProcess", res.Run.TestName)
}

func TestRunAtTheDeadlineKeepsOtherFailures(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v", "-test.timeout=4s")
	cmd.Env = append(os.Environ(), "LLMTEST_HELPER=deadline-and-failure")
	b, err := cmd.CombinedOutput()
	log := string(b)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "the child test must fail:\n%s", log)
	assert.Contains(t, log, "Callbacks[0].AfterRun: the exporter is down")
	assert.NotContains(t, log, "not reached")
	assert.NotContains(t, log, "panic: test timed out")
}

func TestDeadlineMargin(t *testing.T) {
	for _, tc := range []struct{ left, want time.Duration }{
		{10 * time.Minute, 30 * time.Second},
		{time.Minute, 6 * time.Second},
		{10 * time.Second, 2 * time.Second},
		{3 * time.Second, 1500 * time.Millisecond},
	} {
		assert.Equal(t, tc.want, DeadlineMargin(tc.left), "left %v", tc.left)
	}
}

func TestRunNamesFollowTheTest(t *testing.T) {
	out := t.TempDir()
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	var names []string
	t.Run("two runs/one test", func(t *testing.T) {
		for range 2 {
			res := Run(t, Config{Endpoint: ep, Payloads: prompts(1), OutputPath: out})
			names = append(names, res.Run.Name)
		}
		res := Run(t, Config{Endpoint: ep, Payloads: prompts(1), OutputPath: out, RunName: "chosen"})
		assert.Equal(t, "chosen", res.Run.Name)
	})
	assert.Equal(t, []string{"TestRunNamesFollowTheTest-two_runs-one_test", "TestRunNamesFollowTheTest-two_runs-one_test-2"}, names)
	for _, name := range append(names, "chosen") {
		dir := filepath.Join(out, name)
		// The Go test's name is in every artifact, whatever the run's name.
		for _, f := range []string{RunConfigFile, SummaryFile, StatsFile, ReportJSONFile, JUnitFile, ReportMarkdownFile} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			require.NoError(t, err)
			assert.Contains(t, string(b), "TestRunNamesFollowTheTest/two_runs/one_test", "%s/%s", name, f)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, names[0], JUnitFile))
	require.NoError(t, err)
	assert.Contains(t, string(b), `classname="llmtest.TestRunNamesFollowTheTest-two_runs-one_test"`)
}

func TestDefaultRunNamesNeverShareAFolder(t *testing.T) {
	out := t.TempDir()
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	var names []string
	var mu sync.Mutex
	t.Run("group", func(t *testing.T) {
		// "A/b" and "A-b" make the same folder name, at once or one after the other.
		for _, name := range []string{"A/b", "A-b"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				res := Run(t, Config{Endpoint: ep, Payloads: prompts(1), OutputPath: out})
				mu.Lock()
				names = append(names, res.Run.Name)
				mu.Unlock()
			})
		}
	})
	slices.Sort(names)
	assert.Equal(t, []string{"TestDefaultRunNamesNeverShareAFolder-group-A-b", "TestDefaultRunNamesNeverShareAFolder-group-A-b-2"}, names)
}

func TestFolderName(t *testing.T) {
	for in, want := range map[string]string{
		"TestChat":               "TestChat",
		"TestChat/short_prompts": "TestChat/short_prompts",
		"TestA/b#01":             "TestA-b_01",
		`TestX/a:b*c?"d"<e>|f\g`: "TestX-a_b_c__d__e__f_g",
		".hidden":                "_hidden",
		"":                       "run",
		"TestÜnïcode/日本":         "TestÜnïcode-日本",
		strings.Repeat("x", 300): strings.Repeat("x", maxFolderName),
	} {
		assert.Equal(t, strings.ReplaceAll(want, "/", "-"), folderName(in), "%q", in)
	}
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
	assert.Contains(t, string(report), `"schema_version": 2`)
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

func TestBenchmarkOfAnOpenLoopSendsBNArrivals(t *testing.T) {
	var res *Result
	br := testing.Benchmark(func(b *testing.B) {
		res = Benchmark(b, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(2), Rate: 20000, Duration: time.Hour})
	})
	require.NotNil(t, res)
	assert.Equal(t, br.N, res.Stats.TotalRequests+res.Stats.DroppedRequests, "one op is one arrival")
	assert.Zero(t, res.Run.Config.Clients)
}
