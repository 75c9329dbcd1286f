package llmtest

import (
	"fmt"
	"iter"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// MergeOptions controls [Merge] and [MergeResults].
type MergeOptions struct {
	// RunName names the merged run. Empty means, for the shards of a
	// sharded run (Config.Shard), the run's name (reporters.Shard.Run), and
	// otherwise a new name made of the current time and a random suffix,
	// as a run's.
	RunName string
	// Description describes the merged run. Empty keeps the first
	// shard's.
	Description string
	// Force merges shards whose configurations disagree (a different
	// endpoint, payload set or tokenizer) instead of failing with a
	// *reporters.MismatchError.
	Force bool
}

// Merge reads the run folders dirs — shards of one test, run at once or
// one after another — and merges them into one Result, as
// [reporters.Merge] merges their models: counts and token totals summed,
// histograms merged (so the percentiles are read from them, within
// reporters.RelativeError, and the Stats are not Exact), the time series
// aligned on wall-clock seconds, the test time the union of the shards'
// spans, and no checks (add them with AddCheck). A folder of any format
// LoadResult reads will do: one without a model in report.json (an older
// llmtest folder, or LLMeter's) has its model rebuilt from its records.
// Shards whose configurations disagree are an error naming the field and
// both values, unless opts.Force is set; an error names the folder at
// fault. A shard's folder whose process died before the shard ended (it
// has no report.json) is an *UnfinishedShardError; shards that are not all
// of 0..N-1 of one run are refused as reporters.Merge refuses them.
//
// The merged Result holds no invocations: its Responses streams the
// shards' records from their folders, one shard after another, never
// loading them whole. Its OutputPath is empty; set it and call Save (or
// call SaveTo) to write a run folder of the merge: summary.json,
// stats.json, the reports, run_config.json, the first shard's
// payload.jsonl, and responses.jsonl with every shard's records, copied
// one record at a time.
func Merge(dirs []string, opts MergeOptions) (*Result, error) {
	shards := make([]*Result, len(dirs))
	for i, dir := range dirs {
		if s := unfinishedShard(dir); s != nil {
			return nil, &UnfinishedShardError{Dir: dir, Shard: *s}
		}
		r, err := loadResult(dir, false)
		if err != nil {
			return nil, fmt.Errorf("llmtest: merging %s: %w", dir, err)
		}
		shards[i] = r
	}
	return MergeResults(shards, opts)
}

// UnfinishedShardError reports a shard's folder without the report.json a
// run writes when it ends: its process died (killed, out of memory, its
// pod evicted) before the shard ended, so merging what it wrote would make
// a partial result. Run the shard again.
type UnfinishedShardError struct {
	// Dir is the shard's folder and Shard the shard its run_config.json
	// names.
	Dir   string
	Shard reporters.Shard
}

func (e *UnfinishedShardError) Error() string {
	return fmt.Sprintf("llmtest: shard %v of run %q in %s did not finish (no %s: its process died); run it again",
		e.Shard, e.Shard.Run, e.Dir, ReportJSONFile)
}

// Unwrap returns reporters.ErrMissingShards: the shard is missing from
// the merge.
func (e *UnfinishedShardError) Unwrap() error { return reporters.ErrMissingShards }

// unfinishedShard returns the shard of folder dir when it is a shard's
// whose run did not end: it has a run_config.json that names its shard
// and no report.json. It returns nil otherwise, and for a folder it cannot
// read, which loadResult then reports.
func unfinishedShard(dir string) *reporters.Shard {
	fo, err := openFolder(dir)
	if err != nil {
		return nil
	}
	defer fo.Close()
	if ok, err := fo.exists(ReportJSONFile); err != nil || ok {
		return nil
	}
	f, err := readFields(fo, RunConfigFile)
	if err != nil {
		return nil
	}
	var s *reporters.Shard
	f.get("shard", &s)
	if f.err != nil {
		return nil
	}
	return s
}

// MergeResults merges results, as Merge merges run folders. The merged
// Result's Responses streams each shard's Responses in turn; the shards
// must outlive it and must not change.
func MergeResults(shards []*Result, opts MergeOptions) (*Result, error) {
	if err := validRunName(opts.RunName); err != nil {
		return nil, err
	}
	runs := make([]*reporters.Run, len(shards))
	for i, s := range shards {
		runs[i] = s.Report()
	}
	run, err := reporters.Merge(runs, reporters.MergeOptions{Force: opts.Force})
	if err != nil {
		return nil, fmt.Errorf("llmtest: %w", err)
	}
	run.Name = opts.RunName
	if s := runs[0].Config.Shard; run.Name == "" && s != nil {
		run.Name = s.Run // the shards' run, whole again
	}
	if run.Name == "" {
		run.Name = newRunName(time.Now())
	}
	if opts.Description != "" {
		run.Description = opts.Description
	}
	r := &Result{Run: *run, shards: shards}
	r.Stats = statsOf(&r.Run)
	return r, nil
}

// shardResponses returns an iterator over the records of every shard, one
// shard after another.
func (r *Result) shardResponses() iter.Seq2[Invocation, error] {
	return func(yield func(Invocation, error) bool) {
		for _, s := range r.shards {
			for inv, err := range s.Responses() {
				if !yield(inv, err) || err != nil {
					return
				}
			}
		}
	}
}
