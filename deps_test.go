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
// pulls in neither tiktoken (with its embedded ranks and regexp2), nor the
// AWS SDK, nor Kubernetes' API types (package kube), nor the metric
// exporters (OpenTelemetry, gRPC, the Prometheus libraries), nor the
// plotting library of the HTML report (gonum plot, its fonts and the
// browser driver of its tests): `go list -deps` of the package, and of
// reporters, must name none of them. The HTML report reaches llmtest's
// folders through reporters.RegisterFolderReport instead.
func TestLlmtestImportsStayLight(t *testing.T) {
	for _, pkg := range []string{"github.com/llmtest/llmtest/llmtest", "github.com/llmtest/llmtest/reporters"} {
		out, err := exec.Command(goCommand(t), "list", "-deps", pkg).CombinedOutput()
		require.NoError(t, err, "%s", out)
		deps := strings.Fields(string(out))
		require.Contains(t, deps, pkg, "go list -deps lists the package itself")
		for _, dep := range deps {
			for _, banned := range []string{
				"github.com/pkoukk/tiktoken-go",
				"github.com/dlclark/regexp2",
				"github.com/aws/",
				"github.com/llmtest/llmtest/tokenizers/tiktoken",
				"github.com/llmtest/llmtest/workloads",
				"github.com/llmtest/llmtest/reporters/html",
				"gonum.org/",
				"codeberg.org/",
				"git.sr.ht/",
				"github.com/ajstarks/svgo",
				"golang.org/x/image",
				"github.com/chromedp/",
				"github.com/llmtest/llmtest/kube",
				"k8s.io/",
				"sigs.k8s.io/",
				"github.com/llmtest/llmtest/export/",
				"github.com/llmtest/llmtest/servermetrics",
				"go.opentelemetry.io/",
				"google.golang.org/grpc",
				"github.com/prometheus/",
			} {
				assert.False(t, strings.HasPrefix(dep, banned), "%s imports %s", pkg, dep)
			}
		}
	}
}

// TestKubeImportsOnlyAPITypes checks package kube's doc: of Kubernetes it
// imports the API types and their YAML, never a client.
func TestKubeImportsOnlyAPITypes(t *testing.T) {
	out, err := exec.Command(goCommand(t), "list", "-deps", "github.com/llmtest/llmtest/kube").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "k8s.io/api/batch/v1")
	for _, dep := range deps {
		for _, banned := range []string{"k8s.io/client-go", "k8s.io/kubernetes", "github.com/llmtest/llmtest/llmtest", "github.com/aws/"} {
			assert.False(t, strings.HasPrefix(dep, banned), "kube imports %s", dep)
		}
	}
}
