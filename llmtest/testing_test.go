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
