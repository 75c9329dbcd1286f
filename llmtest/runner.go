package llmtest

import "context"

// Runner keeps a base Config and runs load tests from it (LLMeter's
// Runner). A zero Runner is valid: every run then needs its own Endpoint
// and Payloads. A Runner is safe for concurrent use if its Config is not
// changed while it runs.
type Runner struct {
	// Config is the base configuration of every run.
	Config Config
}

// NewRunner returns a Runner with base configuration cfg.
func NewRunner(cfg Config) *Runner { return &Runner{Config: cfg} }

// Run runs one load test with override's non-zero fields on top of the
// base configuration (Requests and Duration count as one field: an
// override that sets either replaces both). It blocks until the run ends.
//
// A configuration that breaks a rule is a *ConfigError, and a payload that
// cannot be loaded or prepared a *PayloadError, returned before any request
// is sent. Once load has started, Run returns a non-nil Result: on success
// with a nil error; when ctx is cancelled, with everything that completed,
// marked Interrupted, and an error wrapping ErrInterrupted and the cause;
// when a callback or an artifact write fails, likewise with that error.
// Failed requests are never an error: they are records in the Result.
//
// With Config.OutputPath set, Run writes the run folder
// OutputPath/RunName: run_config.json and payload.jsonl before the first
// request, responses.jsonl as responses complete, summary.json, stats.json
// and the reports (report.json, the run's model, among them) at the end.
func (r *Runner) Run(ctx context.Context, override Config) (*Result, error) {
	e, err := newEngine(r.Config.merge(override))
	if err != nil {
		return nil, err
	}
	return e.run(ctx, true)
}
