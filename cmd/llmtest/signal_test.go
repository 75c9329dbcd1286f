package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
)

// buildCommand builds the llmtest command into a temporary folder and
// returns the binary's path.
func buildCommand(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found in PATH")
	}
	bin := filepath.Join(t.TempDir(), "llmtest")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	b, err := exec.CommandContext(ctx, gobin, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build:\n%s", b)
	return bin
}

// TestSignalsKeepPartialResults runs the built command against the
// built-in simulator for a long --duration, stops it with SIGINT or
// SIGTERM once responses are on disk, and checks the exit status (130,
// 143) and the partial run folder.
func TestSignalsKeepPartialResults(t *testing.T) {
	bin := buildCommand(t)
	for _, c := range []struct {
		sig  syscall.Signal
		name string
		code int
	}{
		{syscall.SIGINT, "SIGINT", 130},
		{syscall.SIGTERM, "SIGTERM", 143},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			cmd := exec.Command(bin, "run", "--clients", "4", "--duration", "10m", "--sim-ttft", "20ms",
				"--sim-itl", "5ms", "--out", out, "--run-name", "cut")
			// Read only once the command has exited.
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Start())
			var werr error
			exited := make(chan struct{})
			go func() {
				werr = cmd.Wait()
				close(exited)
			}()
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})

			// Wait until some responses are on disk, then signal.
			responses := filepath.Join(out, "cut", llmtest.ResponsesFile)
			deadline := time.Now().Add(60 * time.Second)
			for {
				b, _ := os.ReadFile(responses)
				if bytes.Count(b, []byte("\n")) >= 8 {
					break
				}
				require.True(t, time.Now().Before(deadline), "no responses written in 60s")
				time.Sleep(20 * time.Millisecond)
			}
			require.NoError(t, cmd.Process.Signal(c.sig))
			select {
			case <-exited:
			case <-time.After(60 * time.Second):
				t.Fatalf("llmtest run did not exit within 60s of %s", c.name)
			}
			var ee *exec.ExitError
			require.ErrorAs(t, werr, &ee, "stderr:\n%s", &stderr)
			assert.Equal(t, c.code, ee.ExitCode(), "stderr:\n%s", &stderr)
			dir := filepath.Join(out, "cut")
			assert.Contains(t, stderr.String(), "llmtest run: interrupted by "+c.name+"; partial results kept in "+dir+"\n")
			assert.Contains(t, stdout.String(), "[interrupted]")

			res, err := llmtest.LoadResult(dir)
			require.NoError(t, err)
			assert.True(t, res.Run.Interrupted)
			ok := 0
			for _, inv := range res.Invocations {
				if inv.Error == "" {
					ok++
				}
			}
			assert.GreaterOrEqual(t, ok, 8, "completed requests are kept")
			var sum map[string]any
			b, err := os.ReadFile(filepath.Join(dir, llmtest.SummaryFile))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &sum))
			assert.Equal(t, true, sum["interrupted"])
		})
	}
}
