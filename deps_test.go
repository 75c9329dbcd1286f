package llmtest_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goCommand returns the go command that runs these tests.
func goCommand(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(p); err != nil {
		t.Skip("no go command on PATH or in GOROOT")
	}
	return p
}

// TestLlmtestImportsStayLight checks DESIGN's rule that importing llmtest
// pulls in neither tiktoken (with its embedded ranks and regexp2) nor the
// AWS SDK, nor gocloud.dev/blob and the cloud SDKs behind storage/blob:
// `go list -deps` of the package must name none of them.
func TestLlmtestImportsStayLight(t *testing.T) {
	out, err := exec.Command(goCommand(t), "list", "-deps", "github.com/llmtest/llmtest/llmtest").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/llmtest/llmtest/llmtest", "go list -deps lists the package itself")
	for _, dep := range deps {
		for _, banned := range []string{
			"github.com/pkoukk/tiktoken-go",
			"github.com/dlclark/regexp2",
			"github.com/aws/",
			"gocloud.dev",
			"cloud.google.com/",
			"github.com/Azure/",
			"github.com/llmtest/llmtest/storage/",
			"github.com/llmtest/llmtest/tokenizers/tiktoken",
			"github.com/llmtest/llmtest/workloads",
		} {
			assert.False(t, strings.HasPrefix(dep, banned), "llmtest imports %s", dep)
		}
	}
}
