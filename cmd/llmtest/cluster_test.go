package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// clusterShards is the number of shards of the simulated Indexed Job.
const clusterShards = 4

// clusterPayloads writes 8 chat payloads of 5 to 40 words and 3 to 24
// output tokens: the simulator answers each with exactly its max tokens
// and takes a time to first token that grows with its prompt, so that
// every metric has a spread of values that depends only on which payloads
// were sent.
func clusterPayloads(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for k := 1; k <= 8; k++ {
		words := strings.TrimSpace(strings.Repeat("load ", 5*k))
		fmt.Fprintf(&b, `{"model":%q,"messages":[{"role":"user","content":%q}],"max_tokens":%d,"stream":true}`+"\n", sim.DefaultModel, words, 3*k)
	}
	path := filepath.Join(t.TempDir(), "payloads.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// startSimProcess starts `llmtest sim` of the built command bin on a free
// 127.0.0.1 port with the simulator flags given, and returns its base URL,
// without /v1. It stops when the test ends.
func startSimProcess(t *testing.T, bin string, flags ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"sim", "--addr", "127.0.0.1:0"}, flags...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "llmtest sim printed no address")
	m := regexp.MustCompile(` at (http://127\.0\.0\.1:\d+)/v1 `).FindStringSubmatch(line)
	require.NotNil(t, m, "llmtest sim: %q", line)
	return m[1]
}

// shardProcess is one pod of the simulated Indexed Job.
type shardProcess struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan error
}

// startShard starts the command as pod index of an Indexed Job of count
// completions would: JOB_COMPLETION_INDEX and JOB_COMPLETIONS in its
// environment, no --shard.
func startShard(t *testing.T, bin string, index, count int, args ...string) *shardProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	p := &shardProcess{cmd: exec.CommandContext(ctx, bin, args...), done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), envShardIndex+"="+strconv.Itoa(index), envShardCount+"="+strconv.Itoa(count))
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait(); cancel() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		p.done <- nil
	})
	return p
}

// wait waits for the shard to exit and returns its exit status.
func (p *shardProcess) wait(t *testing.T) int {
	t.Helper()
	err := <-p.done
	p.done <- err
	if err == nil {
		return 0
	}
	ee, ok := err.(*exec.ExitError)
	require.True(t, ok, "shard: %v\nstderr:\n%s", err, &p.stderr)
	return ee.ExitCode()
}

// TestSimulatedIndexedJob runs the command as the pods of a Kubernetes
// Indexed Job would — four processes told their shard only by
// JOB_COMPLETION_INDEX and JOB_COMPLETIONS, sharing one output folder,
// starting together at a --start-at two seconds ahead — against one
// simulator, merges their folders with `llmtest merge`, and checks the
// merge against a single process running the whole load: the counts are
// the sum of the shards' and the single run's; the token metrics, which
// depend only on the payloads sent, have percentiles within
// reporters.RelativeError of the single run's exact ones; and the median
// time to first token, which the simulator makes a function of the prompt
// (no jitter), is within that error plus 5ms and 10% of timing noise
// between two runs on a shared machine.
func TestSimulatedIndexedJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs five load processes")
	}
	bin := buildCommand(t)
	t.Setenv("LLMTEST_CLUSTER_KEY", "sk-cluster") // the simulator takes any key
	// The simulator and every load are processes of the built command,
	// never of this test binary (built with -race, it would run slower).
	url := startSimProcess(t, bin, "--ttft", "2ms", "--prefill", "300us", "--itl", "200us", "--jitter", "0")
	payloads := clusterPayloads(t)
	out := t.TempDir()
	load := []string{"run", "--url", url + "/v1", "--model", sim.DefaultModel, "--api-key-env", "LLMTEST_CLUSTER_KEY",
		"--payload", payloads, "--clients", "8", "--requests", "24", "--out", out, "--progress", "off"}

	startAt := time.Now().Add(2 * time.Second).UTC()
	args := append(append([]string(nil), load...), "--run-name", "big", "--start-at", startAt.Format(time.RFC3339Nano))
	var procs []*shardProcess
	for i := range clusterShards {
		procs = append(procs, startShard(t, bin, i, clusterShards, args...))
	}
	var sum reporters.Counts
	var shardDirs []string
	for i, p := range procs {
		require.Equal(t, exitOK, p.wait(t), "shard %d stderr:\n%s", i, &p.stderr)
		dir := filepath.Join(out, "big-shard-"+strconv.Itoa(i))
		shardDirs = append(shardDirs, dir)
		res, err := llmtest.OpenResult(dir)
		require.NoError(t, err)
		rc := res.Run.Config
		require.NotNil(t, rc.Shard, "shard %d records its shard", i)
		assert.Equal(t, reporters.Shard{Index: i, Count: clusterShards, Run: "big"}, *rc.Shard)
		assert.Equal(t, 2, rc.Clients, "8 clients over 4 shards")
		assert.True(t, rc.StartAt.Equal(startAt), "shard %d start_at %v, want %v", i, rc.StartAt, startAt)
		assert.False(t, res.Run.StartTime.Before(startAt), "shard %d started before --start-at", i)
		sum.Total += res.Run.Counts.Total
		sum.Failed += res.Run.Counts.Failed
		assert.Contains(t, p.stdout.String(), "shard "+strconv.Itoa(i)+"/4 of big, start at ")
	}

	code, stdout, stderr := runCLI(t, append([]string{"merge", "--out", out}, shardDirs...)...)
	require.Equal(t, exitOK, code, "merge stderr:\n%s", stderr)
	assert.Contains(t, stdout, "8 clients in 4 shards")
	merged, err := llmtest.OpenResult(filepath.Join(out, "big"))
	require.NoError(t, err, "the merge is named after the shards' run")

	single := exec.Command(bin, append(append([]string(nil), load...), "--run-name", "single")...)
	b, err := single.CombinedOutput()
	require.NoError(t, err, "single run:\n%s", b)
	whole, err := llmtest.OpenResult(filepath.Join(out, "single"))
	require.NoError(t, err)

	assert.Equal(t, sum, merged.Run.Counts, "the merge's counts are the shards' sum")
	assert.Equal(t, reporters.Counts{Total: 8 * 24}, whole.Run.Counts)
	assert.Equal(t, whole.Run.Counts, merged.Run.Counts, "the shards sent what one process sends")
	assert.Equal(t, whole.Run.Tokens, merged.Run.Tokens, "the same payloads: the same tokens")
	for _, name := range []string{"num_tokens_input", "num_tokens_output", "time_to_first_token"} {
		w, m := whole.Run.Metric(name), merged.Run.Metric(name)
		require.NotNil(t, w, name)
		require.NotNil(t, m, name)
		assert.Equal(t, w.N, m.N, name)
		ps := []struct {
			name string
			w, m float64
		}{{"p50", w.P50, m.P50}, {"p90", w.P90, m.P90}, {"p99", w.P99, m.P99}}
		slack := 0.0
		if m.Unit == reporters.UnitSeconds {
			// Measured, not counted: the median, with room for the
			// noise of two runs on a shared machine; a stall of the
			// machine moves the tail of one run only.
			ps, slack = ps[:1], 0.005+0.1*w.P50
		}
		for _, p := range ps {
			t.Logf("%s %s: merged %v, single %v", name, p.name, p.m, p.w)
			assert.InDelta(t, p.w, p.m, reporters.RelativeError*p.w+slack, "%s %s: merged %v, single %v", name, p.name, p.m, p.w)
		}
	}
}

// TestSimulatedIndexedJobFailedShard runs an Indexed Job of three shards
// whose shard 1 fails — its pod exits at once (it lacks JOB_COMPLETIONS)
// and writes nothing, or it is killed before it ends, leaving a folder
// without report.json — and checks that `llmtest merge` reports the
// missing shard and exits non-zero, writing nothing, either way.
func TestSimulatedIndexedJobFailedShard(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs three load processes")
	}
	bin := buildCommand(t)
	t.Setenv("LLMTEST_CLUSTER_KEY", "sk-cluster")
	url := startSimProcess(t, bin)
	out := t.TempDir()
	args := []string{"run", "--url", url + "/v1", "--model", sim.DefaultModel, "--api-key-env", "LLMTEST_CLUSTER_KEY",
		"--clients", "3", "--requests", "2", "--out", out, "--run-name", "job", "--progress", "off"}
	startAt := func(d time.Duration) []string {
		return append(append([]string(nil), args...), "--start-at", time.Now().Add(d).UTC().Format(time.RFC3339Nano))
	}
	ok := startAt(time.Second)
	for _, i := range []int{0, 2} {
		p := startShard(t, bin, i, 3, ok...)
		require.Equal(t, exitOK, p.wait(t), "shard %d stderr:\n%s", i, &p.stderr)
	}
	merge := func() (int, string, string) {
		dirs, err := filepath.Glob(filepath.Join(out, "job-shard-*"))
		require.NoError(t, err)
		return runCLI(t, append([]string{"merge", "--out", out}, dirs...)...)
	}

	t.Run("exits before writing", func(t *testing.T) {
		failed := exec.Command(bin, ok...)
		failed.Env = append(os.Environ(), envShardIndex+"=1")
		b, err := failed.CombinedOutput()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, exitUsage, ee.ExitCode())
		assert.Contains(t, string(b), `JOB_COMPLETION_INDEX is "1" but JOB_COMPLETIONS is not set`)
		assert.NoDirExists(t, filepath.Join(out, "job-shard-1"))

		code, stdout, stderr := merge()
		assert.Equal(t, exitUsage, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, `run "job" has 3 shards; shard 1 is missing: the merge would be partial, so nothing was merged`)
		assert.NoDirExists(t, filepath.Join(out, "job"))
	})

	t.Run("killed", func(t *testing.T) {
		p := startShard(t, bin, 1, 3, startAt(time.Hour)...)
		config := filepath.Join(out, "job-shard-1", llmtest.RunConfigFile)
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(config); err == nil {
				break
			}
			require.True(t, time.Now().Before(deadline), "shard 1 wrote no %s in a minute", config)
		}
		require.NoError(t, p.cmd.Process.Kill())
		assert.Equal(t, -1, p.wait(t), "killed")

		code, stdout, stderr := merge()
		assert.Equal(t, exitUsage, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, `shard 1/3 of run "job" in `+filepath.Join(out, "job-shard-1")+` did not finish (no report.json: its process died); run it again: the merge would be partial`)
		assert.NoDirExists(t, filepath.Join(out, "job"))
	})
}
