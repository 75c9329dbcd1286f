package reporters

import "time"

// SchemaVersion is the version of the [Run] JSON schema. It changes only
// when a field changes meaning or is removed; new fields may appear in any
// version.
const SchemaVersion = 1

// Run is the versioned summary of one load-test run: its identity, load
// shape, statistics and SLO checks. It is what every reporter renders, what
// the JSON reporter writes (the published schema), and what shards
// exchange. The llmtest package builds it from a Result; this package
// depends on nothing else of llmtest's.
type Run struct {
	// SchemaVersion is SchemaVersion when written by this package.
	SchemaVersion int `json:"schema_version"`
	// Name is the run's name (its folder name); Description is free text.
	Name        string `json:"run_name"`
	Description string `json:"run_description,omitempty"`
	// TestName is the name of the Go test that ran the load (t.Name()),
	// empty outside go test.
	TestName string `json:"test_name,omitempty"`
	// Endpoint names the endpoint that received the load. It never holds a
	// secret.
	Endpoint Endpoint `json:"endpoint"`
	// Config is the load shape that was run.
	Config Config `json:"config"`
	// StartTime and EndTime bracket the run (UTC, nanosecond precision).
	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
	// Interrupted reports that the run ended before its load shape
	// completed.
	Interrupted bool `json:"interrupted"`
	// Stats are the run's statistics with LLMeter's flat keys, such as
	// "total_requests", "failed_requests_rate" or
	// "time_to_first_token-p99" (durations in seconds). A metric without
	// samples has no keys.
	Stats map[string]float64 `json:"stats"`
	// Samples is the number of samples behind each metric's aggregates in
	// Stats, keyed by metric name, such as "time_to_first_token" or
	// "inter_token_latency" (for ITL, the number of gaps). It is optional:
	// reports leave out sample counts when it is nil.
	Samples map[string]int `json:"samples,omitempty"`
	// Checks are the SLO checks evaluated on the run, in evaluation order.
	Checks []Check `json:"checks"`
}

// Endpoint names an endpoint.
type Endpoint struct {
	// Provider names the API family, such as "openai" or "bedrock".
	Provider string `json:"provider"`
	// Model is the model identifier sent with each request.
	Model string `json:"model_id"`
	// Name is the endpoint's own name, such as a SageMaker endpoint.
	Name string `json:"endpoint_name"`
	// URL is the base URL, when the endpoint has one.
	URL string `json:"url,omitempty"`
}

// Config is a run's load shape.
type Config struct {
	// Clients is the number of concurrent clients.
	Clients int `json:"clients"`
	// Requests is the number of requests per client, 0 for a timed run.
	Requests int `json:"n_requests"`
	// Duration is a timed run's length in seconds, 0 for a counted run.
	Duration float64 `json:"run_duration"`
	// Timeout is the per-request deadline in seconds.
	Timeout float64 `json:"timeout"`
	// Tokenizer names the tokenizer used where the server reported no
	// usage.
	Tokenizer string `json:"tokenizer"`
	// Payloads is the number of distinct payloads.
	Payloads int `json:"payloads"`
}

// Check is one evaluated SLO check.
type Check struct {
	// Expression is the check as written, such as "ttft p99 < 800ms".
	Expression string `json:"expression"`
	// Statistic names what was measured, such as "ttft p99" or
	// "error_rate".
	Statistic string `json:"statistic"`
	// Op is the comparison: "<", "<=", ">", ">=", "==" or "!=".
	Op string `json:"op"`
	// Observed and Limit are in Unit.
	Observed float64 `json:"observed"`
	Limit    float64 `json:"limit"`
	// Unit is "s" for durations, "ratio" for rates and shares (0..1),
	// "tokens", "tokens/s", "requests/s", or "" for plain counts.
	Unit string `json:"unit"`
	// Samples is the number of samples the statistic was computed from.
	Samples int `json:"samples"`
	// Pass reports whether the check held. A check over zero samples
	// fails.
	Pass bool `json:"pass"`
	// Message is the check's one stable line, such as
	// "ttft p99 = 912ms, want < 800ms (n=400)".
	Message string `json:"message"`
}

// Passed reports whether every check passed.
func (r *Run) Passed() bool {
	for _, c := range r.Checks {
		if !c.Pass {
			return false
		}
	}
	return true
}

// AllFailed reports whether the run sent requests and every one that
// ended failed: cancelled requests (cut by an interruption) do not count
// either way. Such a run measured nothing but its errors, whatever its
// checks say.
func (r *Run) AllFailed() bool {
	ended := count(r, keyTotalRequests) - count(r, keyCancelled)
	return ended > 0 && count(r, keyFailedRequests) >= ended
}

// Failures returns the checks that failed.
func (r *Run) Failures() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.Pass {
			out = append(out, c)
		}
	}
	return out
}
