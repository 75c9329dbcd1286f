package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
)

func TestShardFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"--shard: shard index must be 0 to 3 for 4 shards (0-based), got 4", []string{"--shard", "4/4"}},
		{`--shard: want i/N, a 0-based shard index of N shards such as 0/4; got "2"`, []string{"--shard", "2"}},
		{"--shard: shard count must be at least 1, got 0", []string{"--shard", "0/0"}},
		{"--shard: shard 3/4 gets no client: the run's 3 clients split over at most 3 shards", []string{"--shard", "3/4", "--clients", "3", "--run-name", "r"}},
		{"--shard: needs --run-name or --start-at, the same in every shard, to name the run the shards belong to", []string{"--shard", "0/2"}},
		{`--start-at: want an RFC 3339 time such as 2026-12-04T05:00:00Z, got "tomorrow"`, []string{"--start-at", "tomorrow"}},
		{"--shard does not apply to a sweep (--sweep-clients, --sweep-rates): shard a single run", []string{"--shard", "0/2", "--run-name", "r", "--sweep-clients", "1,2"}},
	} {
		t.Run(tc.want, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"run"}, tc.args...)...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Equal(t, "llmtest run: "+tc.want+"\n", stderr)
		})
	}
}

func TestShardFromTheEnvironment(t *testing.T) {
	for _, tc := range []struct {
		index, count, want string
	}{
		{"1", "", `JOB_COMPLETION_INDEX is "1" but JOB_COMPLETIONS is not set: set it in the Job's environment`},
		{"", "4", `JOB_COMPLETIONS is "4" but JOB_COMPLETION_INDEX is not set`},
		{"x", "4", `JOB_COMPLETION_INDEX: "x" is not a shard index`},
		{"1", "many", `JOB_COMPLETIONS: "many" is not a number of shards`},
		{"4", "4", "JOB_COMPLETION_INDEX=4 and JOB_COMPLETIONS=4: shard index must be 0 to 3"},
		{"3", "4", "--shard from JOB_COMPLETION_INDEX=3 and JOB_COMPLETIONS=4: shard 3/4 gets no client: the run's 2 clients"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Setenv(envShardIndex, tc.index)
			t.Setenv(envShardCount, tc.count)
			code, _, stderr := runCLI(t, "run", "--clients", "2", "--run-name", "r")
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr, tc.want)
		})
	}

	// A flag overrides the environment.
	t.Setenv(envShardIndex, "9")
	t.Setenv(envShardCount, "2")
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, append([]string{"run", "--shard", "1/2", "--clients", "3", "--requests", "2", "--max-tokens", "4",
		"--out", out, "--run-name", "env"}, fastSim...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "llmtest run env-shard-1:")
	assert.Contains(t, stdout, "1 client × 2 requests")
	assert.Contains(t, stdout, "shard 1/2 of env\n")
}

// TestLateShardWarns checks that a shard whose --start-at has passed
// starts at once, says so on stderr and records its lag.
func TestLateShardWarns(t *testing.T) {
	out := t.TempDir()
	at := time.Now().Add(-3 * time.Second).UTC()
	code, stdout, stderr := runCLI(t, append([]string{"run", "--shard", "0/1", "--clients", "1", "--requests", "1", "--max-tokens", "4",
		"--out", out, "--start-at", at.Format(time.RFC3339Nano)}, fastSim...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Regexp(t, `llmtest run: warning: starting 3\.\d+s after --start-at `+at.Format(time.RFC3339Nano)+`: this shard is late, and records its lag \(start_lag in report.json\)\n`, stderr)
	name := at.Format("20060102-150405") + "-shard-0" // named after --start-at without --run-name
	assert.Contains(t, stdout, "llmtest run "+name+":")
	res, err := llmtest.OpenResult(filepath.Join(out, name))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res.Run.StartLag, 3.0)
	assert.True(t, strings.Contains(stdout, "s late\n"), stdout)
}
