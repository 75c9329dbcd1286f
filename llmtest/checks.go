package llmtest

import (
	"slices"

	"github.com/llmtest/llmtest/reporters"
)

// Check is one evaluated SLO check, as the assertions package records it
// and the reporters render it.
type Check = reporters.Check

// AddCheck records an evaluated check on the result's model, for the
// reports written when the test ends. It is safe for concurrent use.
func (r *Result) AddCheck(c Check) {
	r.mu.Lock()
	r.Run.Checks = append(r.Run.Checks, c)
	r.mu.Unlock()
}

// Checks returns a copy of the checks recorded so far, in order.
func (r *Result) Checks() []Check {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.Run.Checks)
}

// Report returns the run's model as the reporters render it: a copy of
// Run with the checks recorded so far. The copy shares Run's metrics and
// histograms: do not modify them.
func (r *Result) Report() *reporters.Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	run := r.Run
	run.Checks = slices.Clone(r.Run.Checks)
	if run.Checks == nil {
		run.Checks = []Check{}
	}
	return &run
}
