package llmtest

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/llmtest/llmtest/endpoints"
)

// Result is the outcome of one run: its configuration, every invocation and
// the statistics computed from them.
type Result struct {
	// RunName and Description are the run's Config.RunName (with the
	// default applied) and Config.Description.
	RunName     string
	Description string
	// TestName is the name of the Go test that ran the load (with [Run]
	// or [Benchmark]), empty outside go test.
	TestName string
	// Endpoint names the endpoint that received the load.
	Endpoint endpoints.Info
	// Clients, Requests, Duration and Timeout are the load shape run, with
	// defaults applied. Requests is per client; zero when Duration was set.
	Clients  int
	Requests int
	Duration time.Duration
	RampUp   time.Duration
	Timeout  time.Duration
	// Tokenizer names the tokenizer used for counts the server did not
	// report.
	Tokenizer string
	// Payloads is the number of distinct payloads.
	Payloads int

	// StartTime is when the first request was about to be sent; EndTime
	// is when the last response ended. Both are wall-clock times.
	StartTime time.Time
	EndTime   time.Time
	// Interrupted reports that the run ended early: its context was
	// cancelled, a callback failed or an artifact could not be written.
	// Everything that completed before is kept.
	Interrupted bool
	// OutputPath is the run's folder (Config.OutputPath/RunName), empty
	// when the run wrote no artifacts.
	OutputPath string

	// Invocations holds one record per request sent, in order of
	// completion.
	Invocations []Invocation
	// Stats are computed from Invocations when the run ends.
	Stats Stats

	samples samples

	mu     sync.Mutex // guards checks and samples
	checks []Check
}

// TotalRequests returns the number of requests sent.
func (r *Result) TotalRequests() int { return len(r.Invocations) }

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of metric over the
// successful requests, in the metric's key unit (seconds for durations),
// with [Percentile]'s method. ok is false when the metric is unknown, p is
// out of range or there are no samples.
func (r *Result) Percentile(metric Metric, p float64) (v float64, ok bool) {
	s := r.Samples(metric)
	v = Percentile(s, p)
	if math.IsNaN(v) {
		return 0, false
	}
	if metric.IsDuration() {
		v /= 1e9
	}
	return v, true
}

// DurationPercentile is Percentile for a duration metric, as a
// time.Duration.
func (r *Result) DurationPercentile(metric Metric, p float64) (time.Duration, bool) {
	if !metric.IsDuration() {
		return 0, false
	}
	v := Percentile(r.Samples(metric), p)
	if math.IsNaN(v) {
		return 0, false
	}
	return nsToDuration(v), true
}

// Samples returns the sorted values of metric over the successful requests,
// in nanoseconds for durations and tokens for counts. The slice is shared:
// do not modify it.
func (r *Result) Samples(metric Metric) []float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.samples == nil {
		r.samples = collectSamples(r.Invocations)
	}
	return r.samples[metric]
}

// computeStats fills Stats from Invocations, with total as the test time.
func (r *Result) computeStats(total time.Duration) {
	r.samples = collectSamples(r.Invocations)
	r.Stats = computeStats(r.Invocations, total, r.samples)
}

// String returns a one-line description of the run.
func (r *Result) String() string {
	return fmt.Sprintf("llmtest run %s: %d requests, %d failed", r.RunName, r.Stats.TotalRequests, r.Stats.FailedRequests)
}

// NewResult builds a Result from invocation records, with statistics
// computed over a run of the given total test time. It is for results
// assembled outside a run: tests of assertions and reporters, merged or
// imported records.
func NewResult(invs []Invocation, totalTestTime time.Duration) *Result {
	r := &Result{Invocations: invs}
	r.computeStats(totalTestTime)
	return r
}
