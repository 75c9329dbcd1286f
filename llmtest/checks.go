package llmtest

import (
	"slices"

	"github.com/llmtest/llmtest/reporters"
)

// Check is one evaluated SLO check, as the assertions package records it
// and the reporters render it.
type Check = reporters.Check

// AddCheck records an evaluated check on the result, for the reports
// written when the test ends. It is safe for concurrent use.
func (r *Result) AddCheck(c Check) {
	r.mu.Lock()
	r.checks = append(r.checks, c)
	r.mu.Unlock()
}

// Checks returns a copy of the checks recorded so far, in order.
func (r *Result) Checks() []Check {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.checks)
}

// Report returns the run's versioned summary: metadata, load shape, the
// flat stats keys and the checks recorded so far.
func (r *Result) Report() *reporters.Run {
	checks := r.Checks()
	if checks == nil {
		checks = []Check{}
	}
	return &reporters.Run{
		SchemaVersion: reporters.SchemaVersion,
		Name:          r.RunName,
		Description:   r.Description,
		TestName:      r.TestName,
		Endpoint: reporters.Endpoint{
			Provider: r.Endpoint.Provider,
			Model:    r.Endpoint.Model,
			Name:     r.Endpoint.Name,
			URL:      r.Endpoint.URL,
		},
		Config: reporters.Config{
			Clients:   r.Clients,
			Requests:  r.Requests,
			Duration:  r.Duration.Seconds(),
			Timeout:   r.Timeout.Seconds(),
			Tokenizer: r.Tokenizer,
			Payloads:  r.Payloads,
		},
		StartTime:   r.StartTime.UTC(),
		EndTime:     r.EndTime.UTC(),
		Interrupted: r.Interrupted,
		Stats:       r.Stats.Map(),
		Samples:     r.sampleCounts(),
		Checks:      checks,
	}
}

// sampleCounts returns the number of samples of every metric that has any.
func (r *Result) sampleCounts() map[string]int {
	m := map[string]int{}
	for _, metric := range Metrics {
		if n := r.Stats.Summary(metric).N; n > 0 {
			m[string(metric)] = n
		}
	}
	return m
}
