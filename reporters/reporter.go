package reporters

import (
	"errors"
	"math"
)

// Reporter renders runs in one format to the writer it was made with.
type Reporter interface {
	// Write renders run to the reporter's writer. It does not modify run.
	// The output is built in memory and written with one call, so a
	// failed Write writes nothing unless the writer itself fails.
	Write(run *Run) error
}

// ErrNilRun is returned by a reporter asked to write a nil *Run.
var ErrNilRun = errors.New("reporters: nil run")

// The stats keys the reporters read, as [Run.Stats] spells them.
const (
	keyTotalRequests   = "total_requests"
	keyFailedRequests  = "failed_requests"
	keyCancelled       = "cancelled_requests"
	keyFailedRate      = "failed_requests_rate"
	keyRequestsPerMin  = "requests_per_minute"
	keyOutputTokensSec = "output_tokens_per_second"
	keyTotalTestTime   = "total_test_time"
)

// The metric names that prefix per-metric stats keys ("<metric>-<aggregate>").
const (
	metricTTFT         = "time_to_first_token"
	metricTTLT         = "time_to_last_token"
	metricTPOT         = "time_per_output_token"
	metricITL          = "inter_token_latency"
	metricInputTokens  = "num_tokens_input"
	metricOutputTokens = "num_tokens_output"
)

// statKey returns the stats key of one aggregate of a metric, such as
// "time_to_first_token-p99".
func statKey(metric, aggregate string) string { return metric + "-" + aggregate }

// stat returns run.Stats[key] and whether the key exists.
func stat(run *Run, key string) (float64, bool) {
	v, ok := run.Stats[key]
	return v, ok
}

// count returns a stats key that holds a count as an int, 0 when absent.
func count(run *Run, key string) int {
	v, ok := run.Stats[key]
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return int(math.Round(v))
}

// runSeconds returns the run's length in seconds: the total_test_time
// stat, or EndTime − StartTime when that key is absent, and 0 when neither
// gives a finite, non-negative value.
func runSeconds(run *Run) float64 {
	s, ok := stat(run, keyTotalTestTime)
	if !ok && !run.StartTime.IsZero() && !run.EndTime.IsZero() {
		s = run.EndTime.Sub(run.StartTime).Seconds()
	}
	if !(s >= 0) || math.IsInf(s, 0) {
		return 0
	}
	return s
}

// runFailed reports whether a run counts as failed: a check failed, the
// run was interrupted, or every request that ended failed.
func runFailed(run *Run) bool { return run.Interrupted || run.AllFailed() || !run.Passed() }
