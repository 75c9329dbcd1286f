package llmtest

import (
	"fmt"
	"iter"
	"math"
	"sync"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// Result is the outcome of one run: its model, its invocations and its
// statistics.
type Result struct {
	// Run is the run's model: its identity and resolved load shape, start
	// and end, counts, per-metric aggregates and histograms, per-second
	// time series and checks (see [reporters.Run]). The run builds it as
	// invocations arrive; every artifact and report renders it. Record
	// checks with AddCheck, which is safe while other goroutines do the
	// same, and read them with Checks.
	Run reporters.Run
	// OutputPath is the run's folder (Config.OutputPath/RunName, or the
	// folder LoadResult read), empty when the run wrote no artifacts.
	OutputPath string

	// Invocations holds one record per request sent, in order of
	// completion; empty for a low-memory run (Config.LowMemory), whose
	// records are only in responses.jsonl: see Responses, which reads
	// either.
	Invocations []Invocation
	// Stats are the model's statistics in Go types.
	Stats Stats

	mu      sync.Mutex // guards samples and Run.Checks
	samples *samples   // nil until needed; built from Invocations

	// onDisk marks a result loaded without its records, which Responses
	// then reads from OutputPath; shards are the results a merged one was
	// merged from, whose records Responses streams in turn.
	onDisk bool
	shards []*Result
}

// TotalRequests returns the number of requests sent.
func (r *Result) TotalRequests() int { return r.Run.Counts.Total }

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of metric over the
// successful requests, in the metric's key unit (seconds for durations),
// with [Percentile]'s method: exact, from every sample, when the result
// holds its invocations; otherwise (a low-memory or merged run, whose
// Stats aggregates are not Exact) read from the metric's histogram, within
// reporters.RelativeError. ok is false when the metric is unknown, p is
// out of range or there are no samples.
func (r *Result) Percentile(metric Metric, p float64) (v float64, ok bool) {
	if !metric.Valid() || !(p >= 0 && p <= 100) {
		return 0, false
	}
	if s := r.Samples(metric); len(s) > 0 {
		v = Percentile(s, p)
		if metric.IsDuration() {
			v = time.Duration(math.Round(v)).Seconds()
		}
		return v, true
	}
	return r.Run.Metric(string(metric)).Percentile(p)
}

// DurationPercentile is Percentile for a duration metric, as a
// time.Duration.
func (r *Result) DurationPercentile(metric Metric, p float64) (time.Duration, bool) {
	if !metric.IsDuration() {
		return 0, false
	}
	v, ok := r.Percentile(metric, p)
	return time.Duration(math.Round(v * 1e9)), ok
}

// Samples returns the sorted values of metric over the successful
// requests, in nanoseconds for durations and tokens for counts, or nil
// when the result holds no invocations (a low-memory run: see Responses).
// The slice is shared: do not modify it.
func (r *Result) Samples(metric Metric) []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.samples == nil {
		r.samples = sortedSamples(r.Invocations)
	}
	return r.samples.of(metric)
}

// Responses returns an iterator over the records of the run's requests, in
// order of completion: Invocations when the result holds them, otherwise
// (a low-memory run, or one loaded from a folder without keeping them)
// responses.jsonl in OutputPath, read one line at a time, never whole. A
// merged result (see Merge) streams its shards' records, one shard after
// another. A record that cannot be read ends the iteration with its error,
// naming the file and line; a torn last line, which a crash leaves, is
// skipped.
func (r *Result) Responses() iter.Seq2[Invocation, error] {
	if r.shards != nil {
		return r.shardResponses()
	}
	if !(r.Run.Config.LowMemory || r.onDisk) || len(r.Invocations) > 0 || r.OutputPath == "" {
		return func(yield func(Invocation, error) bool) {
			for i := range r.Invocations {
				if !yield(r.Invocations[i], nil) {
					return
				}
			}
		}
	}
	return readResponses(r.OutputPath, nil)
}

// String returns a one-line description of the run.
func (r *Result) String() string {
	return fmt.Sprintf("llmtest run %s: %d requests, %d failed", r.Run.Name, r.Stats.TotalRequests, r.Stats.FailedRequests)
}

// NewResult builds a Result from invocation records, with statistics
// computed over a run of the given total test time; its StartTime is the
// earliest send of the records and its EndTime their latest end. It is for
// results assembled outside a run: tests of assertions and reporters,
// merged or imported records.
func NewResult(invs []Invocation, totalTestTime time.Duration) *Result {
	r := &Result{Invocations: invs}
	b := newModelBuilder(&r.Run, true, false)
	for i := range invs {
		inv := &invs[i]
		b.add(inv)
		if inv.RequestTime.IsZero() {
			continue
		}
		if r.Run.StartTime.IsZero() || inv.RequestTime.Before(r.Run.StartTime) {
			r.Run.StartTime = inv.RequestTime.UTC()
		}
		if e := inv.endTime(); e.After(r.Run.EndTime) {
			r.Run.EndTime = e.UTC()
		}
	}
	b.finish(totalTestTime, invs)
	r.Stats = statsOf(&r.Run)
	return r
}
