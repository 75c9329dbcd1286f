package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
)

// fastSim are simulator flags that keep a run short.
var fastSim = []string{"--sim-ttft", "2ms", "--sim-itl", "200us", "--sim-prefill", "0s", "--sim-jitter", "0"}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunAgainstTheBuiltInSimulator(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--clients", "2", "--requests", "3", "--max-tokens", "8", "--out", out, "--run-name", "cli"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "testing the built-in simulator at http://127.0.0.1:")
	assert.Contains(t, stdout, "llmtest run cli: openai llmtest-sim chat/completions")
	assert.Contains(t, stdout, "2 clients × 3 requests: 6 requests, 0 failed")
	for _, m := range []string{"time_to_first_token", "time_per_output_token", "inter_token_latency", "time_to_last_token"} {
		assert.Contains(t, stdout, m)
	}
	dir := filepath.Join(out, "cli")
	assert.Contains(t, stdout, "results: "+dir)
	res, err := llmtest.LoadResult(dir)
	require.NoError(t, err)
	assert.Equal(t, 6, res.Stats.TotalRequests)
	for _, inv := range res.Invocations {
		assert.Equal(t, 8, inv.NumTokensOutput, "max tokens fixes the simulator's output length")
		assert.Equal(t, llmtest.FromServer, inv.OutputTokensFrom, "usage from the stream's final chunk")
		assert.Positive(t, inv.TimeToFirstToken)
	}
}

func TestRunNonStreamingAndCompletions(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--requests", "2", "--stream=false", "--api", "openai-completions", "--prompt", "hello there", "--out", out, "--run-name", "ns"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	res, err := llmtest.LoadResult(filepath.Join(out, "ns"))
	require.NoError(t, err)
	assert.Equal(t, 8, res.Stats.TotalRequests, "4 clients × 2 requests")
	for _, inv := range res.Invocations {
		assert.Zero(t, inv.TimeToFirstToken, "no TTFT without a stream")
		assert.Positive(t, inv.TimeToLastToken)
		assert.Equal(t, "hello there", inv.InputPrompt)
	}
	assert.Equal(t, "completions", res.Run.Endpoint.Name)
}

// TestRunLowMemory checks --low-memory: the run keeps no record in memory,
// its folder has them all, and its SLOs are checked from the model.
func TestRunLowMemory(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--clients", "2", "--requests", "3", "--low-memory", "--out", out, "--run-name", "lm",
		"--slo", "ttft p99 < 10s", "--slo", "goodput(ttft < 10s) >= 100%"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "percentiles from histograms, within 0.1%")
	assert.Contains(t, stdout, "from histograms, ±0.1%)", "the percentile check says where it read its value")
	res, err := llmtest.LoadResult(filepath.Join(out, "lm"))
	require.NoError(t, err)
	assert.True(t, res.Run.Config.LowMemory)
	assert.Empty(t, res.Invocations)
	assert.Equal(t, 6, res.Stats.TotalRequests)
	assert.False(t, res.Stats.TimeToFirstToken.Exact)
	n := 0
	for _, err := range res.Responses() {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 6, n, "every record streams back from responses.jsonl")
	assert.Len(t, res.Checks(), 2)
}

func TestRunAnthropicAgainstTheBuiltInSimulator(t *testing.T) {
	out := t.TempDir()
	for _, stream := range []string{"true", "false"} {
		args := append([]string{"run", "--api", "anthropic", "--clients", "2", "--requests", "2", "--max-tokens", "8",
			"--stream=" + stream, "--out", out, "--run-name", "anthropic-" + stream}, fastSim...)
		code, stdout, stderr := runCLI(t, args...)
		require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		assert.Contains(t, stdout, "anthropic llmtest-sim messages")
		assert.Contains(t, stdout, "4 requests, 0 failed")
		res, err := llmtest.LoadResult(filepath.Join(out, "anthropic-"+stream))
		require.NoError(t, err)
		for _, inv := range res.Invocations {
			assert.Equal(t, 8, inv.NumTokensOutput, "usage from message_delta or the body")
			assert.Equal(t, llmtest.FromServer, inv.OutputTokensFrom)
			assert.NotEmpty(t, inv.ResponseText)
			assert.Equal(t, stream == "true", inv.TimeToFirstToken > 0, "TTFT only when streaming")
		}
	}
}

func TestRunResponsesAgainstTheBuiltInSimulator(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--api", "openai-responses", "--clients", "2", "--requests", "2", "--max-tokens", "8",
		"--out", out, "--run-name", "responses"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "openai llmtest-sim responses")
	assert.Contains(t, stdout, "4 requests, 0 failed")
	res, err := llmtest.LoadResult(filepath.Join(out, "responses"))
	require.NoError(t, err)
	for _, inv := range res.Invocations {
		assert.Equal(t, 8, inv.NumTokensOutput, "usage from response.completed or response.incomplete")
		assert.Equal(t, llmtest.FromServer, inv.OutputTokensFrom)
		assert.Positive(t, inv.TimeToFirstToken)
	}
}

func TestRunWhereEveryRequestFails(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--requests", "2", "--sim-error-rate", "1", "--out", out, "--run-name", "down"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	assert.Equal(t, exitRunFailed, code)
	assert.Contains(t, stderr, "every request failed (8 of 8)")
	assert.Contains(t, stdout, "8 failed")
	res, err := llmtest.LoadResult(filepath.Join(out, "down"))
	require.NoError(t, err, "the results are kept")
	assert.Equal(t, 8, res.Stats.FailedRequests)

	args = append([]string{"run", "--requests", "5", "--sim-error-rate", "0.5"}, fastSim...)
	code, _, _ = runCLI(t, args...)
	assert.Equal(t, exitOK, code, "some failures are data, not a failed run")
}

func TestRunSLOGates(t *testing.T) {
	dir := t.TempDir()
	junit, js, md := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json"), filepath.Join(dir, "report.md")
	args := append([]string{"run", "--clients", "2", "--requests", "2",
		"--slo", "ttft p99 < 10s", "--slo", "error_rate < 1%", "--slo", "ttft p50 < 1ns",
		"--junit", junit, "--json", js, "--md", md}, fastSim...)
	code, stdout, _ := runCLI(t, args...)
	assert.Equal(t, exitSLOFailed, code)
	assert.Contains(t, stdout, "PASS  ttft p99 = ")
	assert.Contains(t, stdout, "PASS  error_rate = 0.00%, want < 1% (n=4)")
	assert.Contains(t, stdout, "FAIL  ttft p50 = ")
	assert.Contains(t, stdout, "want < 1ns (n=4")

	b, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(b), `type="SLO"`)
	assert.Contains(t, string(b), `name="ttft p50 &lt; 1ns"`)
	b, err = os.ReadFile(js)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Equal(t, 2.0, doc["schema_version"])
	assert.Len(t, doc["checks"], 3)
	b, err = os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(b), "ttft p50")

	code, _, _ = runCLI(t, append([]string{"run", "--requests", "1", "--slo", "ttft p99 < 10s"}, fastSim...)...)
	assert.Equal(t, exitOK, code, "every SLO held")
}

func TestRunUsageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.jsonl")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--slo", "ttft p99 < 800xs"}, `unknown unit "xs" at column`},
		{[]string{"run", "--requests", "2", "--duration", "1s"}, "--requests and --duration are mutually exclusive"},
		{[]string{"run", "--prompt", "a", "--payload", "b.jsonl"}, "--prompt and --payload are mutually exclusive"},
		{[]string{"run", "--api", "carrier-pigeon"}, `--api: unknown API "carrier-pigeon"`},
		{[]string{"run", "--max-tokens", "0"}, "--max-tokens must be positive"},
		{[]string{"run", "--clients", "0"}, "--clients must be at least 1"},
		{[]string{"run", "--payload", missing}, "nope.jsonl"},
		{[]string{"run", "--bogus-flag"}, "llmtest run: flag provided but not defined: --bogus-flag\nRun 'llmtest run -h' for the flags.\n"},
		{[]string{"run", "--clients", "x"}, `llmtest run: invalid value "x" for flag --clients: parse error`},
		{[]string{"run", "--out"}, "llmtest run: flag needs an argument: --out"},
		{[]string{"sim", "--nope"}, "llmtest sim: flag provided but not defined: --nope"},
		{[]string{"run", "extra"}, `unexpected argument "extra"`},
		{[]string{"run", "--sim-error-rate", "2"}, "--sim-error-rate: must be in [0, 1], got 2"},
		{[]string{"run", "--duration", "1s", "--ramp-up", "2s"}, "--ramp-up: must be shorter than --duration (got 2s and 1s)"},
		{[]string{"run", "--region", "us-east-1"}, "--region applies to --api bedrock-converse, bedrock-invoke, sagemaker, not --api openai-chat"},
		{[]string{"run", "--api", "anthropic", "--endpoint-name", "e"}, "--endpoint-name applies to --api sagemaker, not --api anthropic"},
		{[]string{"run", "--api", "bedrock-converse", "--model", "m", "--text-path", "a"}, "--text-path applies to --api bedrock-invoke, sagemaker, not --api bedrock-converse"},
		{[]string{"run", "--api", "sagemaker", "--region", "us-east-1"}, "--api sagemaker needs --endpoint-name"},
		{[]string{"run", "--api", "sagemaker", "--endpoint-name", "e", "--style", "xml"}, `--style: unknown style "xml"`},
		{[]string{"run", "--api", "bedrock-converse", "--region", "us-east-1"}, "--api bedrock-converse needs --model"},
		{[]string{"run", "--api", "bedrock-invoke", "--model", "m", "--api-key-env", "K"}, "--api-key-env does not apply to --api bedrock-invoke"},
		{[]string{"run", "--api", "bedrock-converse", "--model", "m", "--max-attempts", "0"}, "--max-attempts must be at least 1"},
		{[]string{"run", "--url", "http://127.0.0.1:1/v1", "--model", "m", "--sim-ttft", "1s"}, "--sim-ttft applies to the built-in simulator"},
		{[]string{"run", "--api", "bedrock-converse", "--model", "m", "--sim-itl", "1s"}, "--sim-itl applies to the built-in simulator, not to --api bedrock-converse"},
		{[]string{"run", "--api-key-env", "HOME"}, "--api-key-env applies with --url"},
		{[]string{"run", "--url", "http://127.0.0.1:1/v1", "--model", "m", "--api-key-env", "LLMTEST_SURELY_UNSET"}, "--api-key-env: the environment variable LLMTEST_SURELY_UNSET is not set or empty"},
		{[]string{"run", "--api", "anthropic", "--url", "ftp://x", "--model", "m"}, `--url: want an http or https URL, got scheme "ftp"`},
		{[]string{"run", "--prompt", " "}, "--prompt: the message is empty"},
		{[]string{"run", "--url", "http://127.0.0.1:1/v1", "--model", "m", "--sim-itl", "1s", "--sim-ttft", "1s"}, "--sim-itl applies to the built-in simulator"},
		{[]string{"run", "--api", "bedrock-converse", "--model", "m", "--ignore-stream-end"}, "--ignore-stream-end applies to --api bedrock-invoke, sagemaker"},
		{[]string{"fly"}, `unknown command "fly"`},
		{nil, "Usage:"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		assert.Equal(t, exitUsage, code, "%v", c.args)
		assert.Contains(t, stderr, c.want, "%v", c.args)
		assert.NotContains(t, stderr, "testing the built-in simulator", "%v: checked before the simulator starts", c.args)
		assert.NotContains(t, stderr, "Config.", "%v: names the flag, not the Go field", c.args)
	}
	code, stdout, _ := runCLI(t, "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "llmtest run [flags]")

	// Help is shown when asked for, never after a mistake.
	for _, args := range [][]string{{"run", "--bogus-flag"}, {"run", "--clients", "x"}, {"sim", "--nope"}} {
		_, _, stderr := runCLI(t, args...)
		assert.NotContains(t, stderr, "Usage:", "%q", args)
	}
	code, _, stderr := runCLI(t, "run", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, "Usage: llmtest run [flags]")
	assert.Contains(t, stderr, "\n  --clients int\n", "flags named with two dashes, as in the messages")
	assert.Contains(t, stderr, "143 by SIGTERM")
	code, _, stderr = runCLI(t, "sim", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, "\n  --addr string\n")
}

func TestRunAgainstAURLWithAKeyFromTheEnvironment(t *testing.T) {
	const key = "sk-llmtest-FAKE-KEY-0123456789"
	srv, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Seed: 3}, APIKey: key})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	t.Setenv("MY_KEY", key)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--url", srv.URL+"/v1", "--model", "m", "--api-key-env", "MY_KEY",
		"--requests", "2", "--out", out, "--run-name", "keyed")
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "0 failed")
	assertNoSecret(t, key, filepath.Join(out, "keyed"), stdout, stderr)

	// A wrong key: every request fails with the server's 401, and the key
	// presented appears nowhere.
	t.Setenv("MY_KEY", "sk-wrong-FAKE-KEY-9876543210")
	code, _, stderr = runCLI(t, "run", "--url", srv.URL+"/v1", "--api-key-env", "MY_KEY", "--requests", "1")
	assert.Equal(t, exitUsage, code, "no model: nothing can be sent")
	assert.Contains(t, stderr, "model")
	code, stdout, stderr = runCLI(t, "run", "--url", srv.URL+"/v1", "--model", "m", "--api-key-env", "MY_KEY", "--requests", "1",
		"--out", out, "--run-name", "wrong")
	assert.Equal(t, exitRunFailed, code, "every request failed: the run failed, its results kept")
	assert.Contains(t, stderr, "every request failed (4 of 4)")
	assert.Contains(t, stdout, "4 failed")
	assert.Contains(t, stdout, "HTTP 401")
	assertNoSecret(t, "sk-wrong-FAKE-KEY-9876543210", filepath.Join(out, "wrong"), stdout, stderr)
	assertNoSecret(t, key, filepath.Join(out, "wrong"), stdout, stderr)
}

func TestRunAnthropicKeyFromItsDefaultVariable(t *testing.T) {
	const key = "sk-ant-llmtest-FAKE-KEY-0123456789"
	srv, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Seed: 3}, APIKey: key})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	t.Setenv("ANTHROPIC_API_KEY", key)
	t.Setenv("OPENAI_API_KEY", "sk-openai-FAKE-KEY-wrong-for-this")
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--api", "anthropic", "--url", srv.URL, "--model", "m",
		"--requests", "2", "--out", out, "--run-name", "ant")
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "8 requests, 0 failed", "x-api-key from ANTHROPIC_API_KEY")
	assertNoSecret(t, key, filepath.Join(out, "ant"), stdout, stderr)

	t.Setenv("ANTHROPIC_API_KEY", "")
	code, stdout, stderr = runCLI(t, "run", "--api", "anthropic", "--url", srv.URL, "--model", "m",
		"--requests", "1", "--out", out, "--run-name", "ant-nokey")
	require.Equal(t, exitRunFailed, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "4 failed", "OPENAI_API_KEY is not sent to Anthropic")
	assert.Contains(t, stdout, "HTTP 401")
	assertNoSecret(t, "sk-openai-FAKE-KEY-wrong-for-this", filepath.Join(out, "ant-nokey"), stdout, stderr)
}

// assertNoSecret fails when secret appears in any file under dir or in any
// of the texts.
func assertNoSecret(t *testing.T, secret, dir string, texts ...string) {
	t.Helper()
	n := 0
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		assert.NotContains(t, string(b), secret, "secret in %s", path)
		return nil
	}))
	assert.Positive(t, n, "no files scanned in %s", dir)
	for _, s := range texts {
		assert.NotContains(t, s, secret)
	}
}

func TestSimCommandServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sim", "--addr", "127.0.0.1:0", "--model", "tiny", "--ttft", "0s", "--itl", "0s"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, line, "serving tiny at http://127.0.0.1:")
	url := strings.Fields(line[strings.Index(line, "http://"):])[0]
	resp, err := http.Get(url + "/models")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"tiny"`)
	cancel()
	go io.Copy(io.Discard, pr)
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(10 * time.Second):
		t.Fatal("llmtest sim did not stop when cancelled")
	}
	code := run(context.Background(), []string{"sim", "--addr", "0.0.0.0:0"}, io.Discard, io.Discard)
	assert.Equal(t, exitUsage, code, "only loopback addresses")
}
