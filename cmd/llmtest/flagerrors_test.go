package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
)

// assertUsage runs the command line, and checks that it exits 2 with want
// on stderr, naming no Go field, before the simulator started.
func assertUsage(t *testing.T, want string, args ...string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	assert.Equal(t, exitUsage, code, "%q\nstdout:\n%s\nstderr:\n%s", args, stdout, stderr)
	assert.Contains(t, stderr, want, "%q", args)
	assert.NotContains(t, stderr, "Config.", "%q: names the flag, not the Go field", args)
	assert.NotContains(t, stderr, "testing the built-in simulator", "%q: checked before the simulator starts", args)
	assert.Empty(t, stdout, "%q: nothing ran", args)
}

// TestErrorsNameTheFlag triggers, from the command line, each error of
// the engine, the endpoint packages and the simulator that names a Go
// field, and checks that the command names the flag instead.
func TestErrorsNameTheFlag(t *testing.T) {
	awsEnv(t)
	t.Setenv("BAD_KEY", "sk-llmtest-FAKE\nKEY-0123456789")
	url := "http://127.0.0.1:1/v1"
	invoke := []string{"run", "--api", "bedrock-invoke", "--model", "m", "--region", "us-east-1"}
	// The payload file's third line is refused by the endpoint: the error
	// names the file and line, as the engine would.
	payloadFile := filepath.Join(t.TempDir(), "p.jsonl")
	require.NoError(t, os.WriteFile(payloadFile, []byte(`{"messages":[{"role":"user","content":"hi"}]}`+"\n\n"+
		`{"messages":[{"role":"user","content":"hi"}],"max_tokens":"x"}`+"\n"), 0o644))
	cases := []struct {
		want string
		args []string
	}{
		// llmtest.ConfigError
		{`--run-name: "a/b" must not contain a path separator`, []string{"run", "--run-name", "a/b"}},
		{`--run-name: ".." is not a folder name`, []string{"run", "--run-name", ".."}},
		{"--ramp-up: must be shorter than --duration (got 1s and 1s)", []string{"run", "--duration", "1s", "--ramp-up", "1s"}},
		{"--low-memory: needs --out: a low-memory run keeps its records only in responses.jsonl", []string{"run", "--low-memory"}},
		// Endpoint packages.
		{`--url: want an http or https URL, got scheme "ftp"`, []string{"run", "--url", "ftp://x/v1", "--model", "m"}},
		{`--url: want an http or https URL, got scheme "ftp"`, []string{"run", "--api", "anthropic", "--url", "ftp://x", "--model", "m"}},
		{`--url: want an http or https URL, got scheme "ftp"`, []string{"run", "--api", "bedrock-converse", "--model", "m", "--region", "us-east-1", "--url", "ftp://x"}},
		{"--model: contains a line break or NUL", []string{"run", "--api", "bedrock-converse", "--model", "a\nb", "--region", "us-east-1"}},
		{"the API key in $BAD_KEY: contains a line break or NUL", []string{"run", "--url", url, "--model", "m", "--api-key-env", "BAD_KEY"}},
		{`--endpoint-name: "my_tgi" is not a SageMaker name`, []string{"run", "--api", "sagemaker", "--endpoint-name", "my_tgi", "--region", "us-east-1"}},
		{`--inference-component: "c_1" is not a SageMaker name`, []string{"run", "--api", "sagemaker", "--endpoint-name", "e", "--inference-component", "c_1", "--region", "us-east-1"}},
		{`--text-path: jsonpath: parse "[["`, append(invoke, "--text-path", "[[")},
		{`--input-tokens-path: jsonpath: parse "[["`, append(invoke, "--input-tokens-path", "[[")},
		{`--output-tokens-path: jsonpath: parse "[["`, append(invoke, "--output-tokens-path", "[[")},
		{`--stream-text-path: jsonpath: parse "[["`, append(invoke, "--stream-text-path", "[[")},
		{`--stream-input-tokens-path: jsonpath: parse "[["`, append(invoke, "--stream-input-tokens-path", "[[")},
		{`--stream-output-tokens-path: jsonpath: parse "[["`, append(invoke, "--stream-output-tokens-path", "[[")},
		{`--stream-end-path: jsonpath: parse "[["`, append(invoke, "--stream-end-path", "[[")},
		// The simulator.
		{"--sim-ttft: must not be negative, got -1s", []string{"run", "--sim-ttft", "-1s"}},
		{"--sim-prefill: must not be negative, got -1s", []string{"run", "--sim-prefill", "-1s"}},
		{"--sim-itl: must not be negative, got -1s", []string{"run", "--sim-itl", "-1s"}},
		{"--sim-stall: must not be negative, got -1s", []string{"run", "--sim-stall", "-1s"}},
		{"--sim-jitter: must be in [0, 1), got 1", []string{"run", "--sim-jitter", "1"}},
		{"--sim-output-tokens: must not be negative, got -1", []string{"run", "--sim-output-tokens", "-1"}},
		{"--sim-capacity: must not be negative, got -1", []string{"run", "--sim-capacity", "-1"}},
		{"--sim-max-queue: needs a positive --sim-capacity (requests never queue without one), got --sim-max-queue 3", []string{"run", "--sim-capacity", "0", "--sim-max-queue", "3"}},
		{"--sim-error-rate: must be in [0, 1], got 2", []string{"run", "--sim-error-rate", "2"}},
		{"--sim-mid-stream-failure-rate: must be in [0, 1], got 2", []string{"run", "--sim-mid-stream-failure-rate", "2"}},
		{"--sim-stall-rate: must be in [0, 1], got -1", []string{"run", "--sim-stall-rate", "-1"}},
		{"--sim-error-rate + --sim-mid-stream-failure-rate + --sim-stall-rate: must not exceed 1, got 1.2",
			[]string{"run", "--sim-error-rate", "0.6", "--sim-stall-rate", "0.6"}},
		{"llmtest sim: --error-rate: must be in [0, 1], got 2", []string{"sim", "--error-rate", "2"}},
		{"llmtest sim: --max-queue: needs a positive --capacity", []string{"sim", "--capacity", "0", "--max-queue", "1"}},
		{`llmtest sim: --addr: not a loopback address: "0.0.0.0:0"`, []string{"sim", "--addr", "0.0.0.0:0"}},
		// An endpoint's reason that names a field, in a payload's error.
		{"--prompt: openai: payload: model: missing, and --model is empty", []string{"run", "--url", url, "--prompt", "hi"}},
		{"--prompt: anthropic: payload: model: missing, and --model is empty", []string{"run", "--api", "anthropic", "--url", url, "--prompt", "hi"}},
		{payloadFile + ":3: openai: payload: max_tokens: want a positive whole number, got a string",
			[]string{"run", "--url", url, "--model", "m", "--payload", payloadFile}},
	}
	for _, c := range cases {
		assertUsage(t, c.want, c.args...)
	}
}

// TestConfigErrorsNameTheFlag checks the mapping of every llmtest.Config
// field a flag sets, including those the command's own checks catch
// first on the command line (such as --out's URL schemes, which the engine
// refuses too).
func TestConfigErrorsNameTheFlag(t *testing.T) {
	o := &runOptions{}
	for field, flag := range engineFlags {
		err := o.flagError(&llmtest.ConfigError{Field: field, Reason: "is wrong, unlike Config.Duration"})
		var ue *usageError
		require.ErrorAs(t, err, &ue, field)
		assert.Equal(t, flag+": is wrong, unlike --duration", err.Error(), field)
		var ce *llmtest.ConfigError
		assert.ErrorAs(t, err, &ce, "the engine's error is kept in the chain")
	}
	err := &llmtest.ConfigError{Field: "Callbacks[0]", Reason: "is nil"}
	assert.Same(t, error(err), o.flagError(err), "a field no flag sets is the command's bug: left as it is")

	err2 := errors.New("openai: Config.Model: contains a line break or NUL")
	assert.EqualError(t, o.flagError(err2), "--model: contains a line break or NUL")
	err2 = errors.New("openai: Config.MaxIdleConnsPerHost: want a positive number or zero, got -1")
	assert.Same(t, err2, o.flagError(err2), "no flag sets MaxIdleConnsPerHost")
}

func TestPayloadErrorsNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
		return path
	}
	chat := `{"messages":[{"role":"user","content":"hi"}]}` + "\n"
	broken := write("broken.jsonl", chat+`{"messages":`+"\n")
	wrongShape := write("anthropic.jsonl", chat+chat+`{"prompt":"hi"}`+"\n")
	empty := write("empty.jsonl", "\n")
	missing := filepath.Join(dir, "nope.jsonl")

	assertUsage(t, "--payload: "+broken+":2: ", "run", "--payload", broken)
	assertUsage(t, "--payload: "+wrongShape+":3: openai: payload: messages: missing", "run", "--payload", wrongShape)
	assertUsage(t, "--payload: "+empty+": no payloads", "run", "--payload", empty)
	assertUsage(t, "--payload: "+missing+": ", "run", "--payload", missing)
	assertUsage(t, "--payload: "+wrongShape+":3: ", "run", "--payload", wrongShape, "--url", "http://127.0.0.1:1/v1", "--model", "m")
	assertUsage(t, `--slo: `, "run", "--payload", wrongShape, "--slo", "ttft p99 <")
}
