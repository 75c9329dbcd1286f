package reporters

import (
	"errors"
	"math"
	"strconv"
	"strings"
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

// The metric names the reporters show.
const (
	metricTTFT         = "time_to_first_token"
	metricTTLT         = "time_to_last_token"
	metricTPOT         = "time_per_output_token"
	metricITL          = "inter_token_latency"
	metricInputTokens  = "num_tokens_input"
	metricOutputTokens = "num_tokens_output"
)

// aggregate returns one aggregate of a metric of run, and whether the run
// has it (the metric has samples and the value is a finite number).
func aggregate(run *Run, metric, agg string) (float64, bool) {
	v, ok := run.Metric(metric).Aggregate(agg)
	return v, ok && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// parsePercentile reads an aggregate name "p<percentile>", such as "p75",
// with 0 ≤ percentile ≤ 100.
func parsePercentile(agg string) (float64, bool) {
	s, ok := strings.CutPrefix(agg, "p")
	if !ok {
		return 0, false
	}
	p, err := strconv.ParseFloat(s, 64)
	return p, err == nil && p >= 0 && p <= 100
}

// runSeconds returns the run's length in seconds: TestTime, or EndTime −
// StartTime when TestTime is 0, and 0 when neither gives a finite,
// positive value.
func runSeconds(run *Run) float64 {
	s := run.TestTime
	if s == 0 && !run.StartTime.IsZero() && !run.EndTime.IsZero() {
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

// exact reports whether every metric of run with samples has exact
// percentiles.
func exact(run *Run) bool {
	for i := range run.Metrics {
		if m := &run.Metrics[i]; m.N > 0 && !m.Exact {
			return false
		}
	}
	return true
}
