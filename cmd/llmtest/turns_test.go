package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
)

func TestRunTurns(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--clients", "1", "--turns", "3", "--think-time", "1ms", "--requests", "3", "--max-tokens", "4",
		"--prompt", "hello there", "--out", out, "--run-name", "conv"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "turn  input tokens  ttft p50  ttft p90  ttlt p50  ttlt p90  failed  n")
	res, err := llmtest.LoadResult(filepath.Join(out, "conv"))
	require.NoError(t, err)
	assert.Equal(t, 3, res.Run.Config.Turns)
	assert.Equal(t, 0.001, res.Run.Config.ThinkTime)
	var turns []int
	for inv, err := range res.Responses() {
		require.NoError(t, err)
		assert.Equal(t, "c0-0", inv.Conversation)
		turns = append(turns, inv.Turn)
	}
	assert.ElementsMatch(t, []int{1, 2, 3}, turns)
	ts := res.Run.Turns
	require.Len(t, ts, 3)
	assert.Less(t, ts[0].Metric("num_tokens_input").Average, ts[2].Metric("num_tokens_input").Average, "the context grows with the turn")
}

func TestRunTurnsUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--turns", "-1"}, "--turns: must not be negative, got -1"},
		{[]string{"run", "--turns", "2", "--rate", "5"}, "--turns: needs a closed loop: conversations are not supported in an open loop (--rate, --trace, or open-loop --stage)"},
		{[]string{"run", "--think-time", "1s"}, "--think-time: needs --turns of at least 2"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		assert.Equal(t, exitUsage, code, "%v: %s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
		assert.NotContains(t, stderr, "Config.", "%v: names the flag, not the Go field", c.args)
	}
}

func TestRunTurnsNeedChatPayloads(t *testing.T) {
	code, _, stderr := runCLI(t, "run", "--api", "openai-completions", "--turns", "2", "--requests", "2")
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, `payload 0: multi-turn conversations need chat payloads with a "messages" array`)
}
