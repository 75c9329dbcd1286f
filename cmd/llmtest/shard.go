package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/llmtest"
)

// The environment variables a shard reads when --shard is not given.
// Kubernetes sets JOB_COMPLETION_INDEX in every pod of an Indexed Job; the
// number of completions is not in a pod's environment, so the Job's
// manifest sets JOB_COMPLETIONS (`llmtest job` writes it).
const (
	envShardIndex = "JOB_COMPLETION_INDEX"
	envShardCount = "JOB_COMPLETIONS"
)

// shardFlags are the flags that make a run one shard of a larger one.
type shardFlags struct {
	shard   string // --shard i/N
	startAt string // --start-at, RFC 3339
	// fromEnv names the variables the shard came from, when it did.
	fromEnv string
}

func (f *shardFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.shard, "shard", "", "run shard i of N (0-based, such as 0/4) of the load: its share of the clients, rate, stages and payloads, in <out>/<run-name>-shard-<i>; merge the shards with llmtest merge (default: from "+envShardIndex+" and "+envShardCount+" when set)")
	fs.StringVar(&f.startAt, "start-at", "", "start the load at this wall-clock moment, RFC 3339 (2026-12-04T05:00:00Z), so that shards begin together; a shard ready late starts at once, warns and records its lag")
}

// apply puts the shard and the start time of the flags, or of the
// environment (getenv) when --shard is not given, into cfg. Its errors
// name the flag or the variables.
func (f *shardFlags) apply(cfg *llmtest.Config, getenv func(string) string) error {
	if f.startAt != "" {
		at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(f.startAt))
		if err != nil {
			return usageErrorf("--start-at: want an RFC 3339 time such as 2026-12-04T05:00:00Z, got %q", f.startAt)
		}
		cfg.StartAt = at
	}
	if f.shard != "" {
		s, err := llmtest.ParseShard(f.shard)
		if err != nil {
			return usageErrorf("--shard: %v", err)
		}
		cfg.Shard = s
		return nil
	}
	index, count := getenv(envShardIndex), getenv(envShardCount)
	if index == "" && count == "" {
		return nil
	}
	f.fromEnv = envShardIndex + "=" + index + " and " + envShardCount + "=" + count
	switch {
	case index == "":
		return usageErrorf("%s is %q but %s is not set: give --shard i/N, or run in a Kubernetes Indexed Job", envShardCount, count, envShardIndex)
	case count == "":
		return usageErrorf("%s is %q but %s is not set: set it in the Job's environment to its completions (the number of shards), or give --shard i/N", envShardIndex, index, envShardCount)
	}
	if _, err := strconv.Atoi(index); err != nil {
		return usageErrorf("%s: %q is not a shard index (a whole number)", envShardIndex, index)
	}
	if _, err := strconv.Atoi(count); err != nil {
		return usageErrorf("%s: %q is not a number of shards", envShardCount, count)
	}
	s, err := llmtest.ParseShard(index + "/" + count)
	if err != nil {
		return usageErrorf("%s: %v", f.fromEnv, err)
	}
	cfg.Shard = s
	return nil
}

// shardError names the environment variables instead of --shard in err,
// when the shard came from them.
func (f *shardFlags) shardError(err error) error {
	if ue, ok := err.(*usageError); ok && f.fromEnv != "" && strings.HasPrefix(ue.msg, "--shard: ") {
		ue.msg = "--shard from " + f.fromEnv + ": " + strings.TrimPrefix(ue.msg, "--shard: ")
	}
	return err
}

// warnLate warns on stderr when cfg's StartAt has passed, as the run
// starts: the shard is late, and will record its lag.
func warnLate(cfg *llmtest.Config, stderr io.Writer) {
	if cfg.StartAt.IsZero() {
		return
	}
	if late := time.Since(cfg.StartAt); late > 0 {
		fmt.Fprintf(stderr, "llmtest run: warning: starting %v after --start-at %s: this shard is late, and records its lag (start_lag in report.json)\n",
			late.Round(time.Millisecond), cfg.StartAt.UTC().Format(time.RFC3339Nano))
	}
}

// sharding applies the shard flags to cfg, refusing them with a sweep or
// a heatmap, whose levels are runs of their own.
func (o *runOptions) sharding(cfg *llmtest.Config, heatmap bool) error {
	if err := o.shards.apply(cfg, os.Getenv); err != nil {
		return err
	}
	if cfg.Shard.Count > 0 && (o.sweeping() || heatmap) {
		what := "a sweep (--sweep-clients, --sweep-rates)"
		if heatmap {
			what = "a heatmap"
		}
		return usageErrorf("--shard does not apply to %s: shard a single run", what)
	}
	return nil
}
