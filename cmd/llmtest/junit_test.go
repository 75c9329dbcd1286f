package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunJUnitStrict checks that --junit-strict writes a report that both
// JUnit schemas in shared/junit accept, and that the default profile is
// the richer one they do not.
func TestRunJUnitStrict(t *testing.T) {
	lint, dir := junitSchemas(t)
	out := t.TempDir()
	strict, rich := filepath.Join(out, "strict.xml"), filepath.Join(out, "rich.xml")
	for file, extra := range map[string][]string{strict: {"--junit-strict"}, rich: nil} {
		args := append([]string{"run", "--requests", "1", "--slo", "ttft p99 < 10s", "--junit", file}, fastSim...)
		code, stdout, stderr := runCLI(t, append(args, extra...)...)
		require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	}
	for _, xsd := range []string{"ant-junit.xsd", "jenkins-xunit-junit-10.xsd"} {
		b, err := exec.Command(lint, "--noout", "--schema", filepath.Join(dir, xsd), strict).CombinedOutput()
		assert.NoError(t, err, "%s rejects the strict report:\n%s", xsd, b)
		_, err = exec.Command(lint, "--noout", "--schema", filepath.Join(dir, xsd), rich).CombinedOutput()
		assert.Error(t, err, "the default profile has more than %s allows", xsd)
	}
}

// junitSchemas returns xmllint's path and the folder of the JUnit schemas
// (shared/junit, above the package folder), or skips the test.
func junitSchemas(t *testing.T) (lint, dir string) {
	t.Helper()
	lint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not found in PATH (package libxml2-utils)")
	}
	for d, _ := os.Getwd(); d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "shared", "junit", "ant-junit.xsd")); err == nil {
			return lint, filepath.Join(d, "shared", "junit")
		}
	}
	t.Skip("shared/junit schemas not found above the package folder")
	return "", ""
}

func TestIdleConnectionsCoverEveryClient(t *testing.T) {
	assert.Equal(t, minIdleConns, (&runOptions{clients: 4}).idleConns())
	assert.Equal(t, 5000, (&runOptions{clients: 5000}).idleConns())
}
