package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
)

func TestRunOpenLoop(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--rate", "50", "--duration", "400ms", "--max-in-flight", "256", "--arrival", "poisson",
		"--seed", "7", "--warmup", "100ms", "--max-tokens", "4", "--out", out, "--run-name", "open"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "50 req/s poisson for 400ms")
	assert.Contains(t, stdout, "schedule_lag")
	assert.Contains(t, stdout, "time_to_last_token-from-intended")
	res, err := llmtest.LoadResult(filepath.Join(out, "open"))
	require.NoError(t, err)
	c := res.Run.Config
	assert.Equal(t, 50.0, c.Rate)
	assert.Equal(t, "poisson", c.Arrival)
	assert.Equal(t, uint64(7), c.Seed)
	assert.Equal(t, 256, c.MaxInFlight)
	assert.Zero(t, c.Clients)
	require.NotNil(t, c.Warmup)
	assert.Equal(t, 0.1, c.Warmup.Duration)
	for _, inv := range res.Invocations {
		assert.False(t, inv.IntendedTime.IsZero())
	}
}

func TestRunStagesOverClients(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--stage", "100ms:2,100ms:2", "--stage", "50ms:0", "--warmup", "2", "--max-tokens", "4",
		"--out", out, "--run-name", "ramp"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "up to 2 clients, ramp →2→2→0 over 250ms")
	assert.Contains(t, stdout, "2 warm-up excluded")
	res, err := llmtest.LoadResult(filepath.Join(out, "ramp"))
	require.NoError(t, err)
	assert.Len(t, res.Run.Config.Stages, 3)
	assert.Equal(t, 2, res.Run.Counts.Warmup)
	assert.NotContains(t, stdout, "schedule_lag", "a closed loop has no schedule lag")
}

func TestRunOpenLoopUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--rate", "10", "--clients", "2"}, "--clients is for a closed loop; an open loop (--rate) has none"},
		{[]string{"run", "--rate", "-1"}, "--rate must be a positive number of requests/s, got -1"},
		{[]string{"run", "--rate", "10", "--arrival", "bursty"}, `--arrival: must be "constant" or "poisson", got "bursty"`},
		{[]string{"run", "--seed", "3"}, "--arrival, --max-in-flight and --seed shape an open loop: give --rate or --stage"},
		{[]string{"run", "--rate", "10", "--max-in-flight", "-2"}, "--max-in-flight: must be at least 1, got -2"},
		{[]string{"run", "--stage", "30s"}, `--stage: want stages DURATION:TARGET, such as 30s:100`},
		{[]string{"run", "--stage", "1s:2", "--duration", "1s"}, "--duration: is not allowed with --stage: the run lasts the stages"},
		{[]string{"run", "--stage", "1s:2.5"}, "--stage: is a number of clients in a closed loop: a whole number, got 2.5"},
		{[]string{"run", "--warmup", "soon"}, `--warmup: want a warm-up duration such as 10s or a number of requests such as 100; "soon" is neither`},
		{[]string{"run", "--duration", "1s", "--warmup", "2s"}, "--warmup: must be shorter than --duration (got 2s and 1s)"},
		{[]string{"run", "--requests", "2", "--warmup", "50"}, "--warmup: must be fewer than the run's"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		assert.Equal(t, exitUsage, code, "%v: %s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
		assert.NotContains(t, stderr, "Config.", "%v: names the flag, not the Go field", c.args)
		assert.NotContains(t, stderr, "testing the built-in simulator", "%v: checked before the simulator starts", c.args)
	}
}

func TestRunStagesOverTheRate(t *testing.T) {
	args := append([]string{"run", "--stage", "200ms:50", "--arrival", "constant", "--max-tokens", "4"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	// The ramp 0→50 req/s over 200ms expects 5 arrivals.
	assert.Contains(t, stdout, "constant ramp 0→50 req/s over 200ms: 5 requests, 0 failed")
}
