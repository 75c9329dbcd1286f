package reporters

import (
	"math"
	"slices"
	"time"
)

// SchemaVersion is the version of the [Run] JSON schema. It changes only
// when a field changes meaning or is removed; new fields may appear in any
// version. Version 2 replaced version 1's flat stats and samples with
// counts, per-metric aggregates and histograms, and the time series;
// [ReadJSON] still reads version 1.
const SchemaVersion = 2

// Run is the model of one load-test run: its identity and resolved load
// shape, when it ran, its request counts and token totals, per metric its
// aggregates and a mergeable histogram, a per-second time series, the load
// generator's self-check and the SLO checks. It is the one description of
// a run: every reporter renders it, the JSON reporter writes it (the
// published schema), llmtest renders its run folder's files from it and
// reads it back, and shards merge it. The llmtest package builds it as the
// run goes (see llmtest.Result); this package depends on nothing else of
// llmtest's.
//
// Durations are float64 seconds, token figures tokens, and times UTC.
// Derived figures — the failure rate, throughputs and LLMeter's flat stats
// keys — are methods, not fields, so that they cannot disagree with what
// they are derived from.
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
	// Config is the load shape that was run, with defaults applied.
	Config Config `json:"config"`
	// StartTime is when the first request was about to be sent, EndTime
	// when the last response ended (UTC, nanosecond precision).
	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
	// TestTime is LLMeter's total_test_time, in seconds: the run's wall
	// time from just before its clients started to when its last response
	// was collected.
	TestTime float64 `json:"total_test_time"`
	// StartLag is how late the run started after Config.StartAt, in
	// seconds: StartTime − StartAt, 0 without StartAt. A run that was
	// ready before StartAt waits for it, and its lag is the wake-up's
	// delay (well under a millisecond); one that was ready after it
	// starts at once, and its lag is how late it was ready.
	StartLag float64 `json:"start_lag,omitempty"`
	// Interrupted reports that the run ended before its load shape
	// completed; its figures cover the requests that ended.
	Interrupted bool `json:"interrupted"`
	// Counts accounts for every request.
	Counts Counts `json:"counts"`
	// Tokens are the token totals of the successful requests.
	Tokens Tokens `json:"tokens"`
	// RelativeError bounds the relative error of the percentiles read from
	// the histograms: [RelativeError] when the run has histograms, 0 when
	// it has none (a version-1 document).
	RelativeError float64 `json:"relative_error"`
	// Metrics holds one entry per per-request metric, in report order.
	Metrics []Metric `json:"metrics"`
	// Errors counts the failed requests by error message.
	Errors []ErrorCount `json:"errors"`
	// Series is the per-second time series, one Window per wall-clock
	// second from the first send to the last response.
	Series []Window `json:"series"`
	// Generator is the load generator's self-check, when it ran one.
	Generator *Generator `json:"generator,omitempty"`
	// Turns holds one entry per turn number, in order, for a run of
	// conversations (Config.Turns > 1); nil otherwise.
	Turns []Turn `json:"turns,omitempty"`
	// ServerMetrics is what the server's Prometheus metrics said of the
	// run (llmtest run --server-metrics), nil when they were not scraped.
	ServerMetrics *ServerMetrics `json:"server_metrics,omitempty"`
	// Checks are the SLO checks evaluated on the run, in evaluation order.
	Checks []Check `json:"checks"`
	// Connections counts the requests whose HTTP exchange was traced,
	// and those among them sent on a kept-alive connection; nil when no
	// request was traced (an endpoint that does not trace).
	Connections *Connections `json:"connections,omitempty"`
	// Cost is what the run cost, when it was priced (llmtest's
	// CostModel); nil otherwise.
	Cost *Cost `json:"cost,omitempty"`
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

// Config is a run's resolved load shape.
type Config struct {
	// Clients is the number of concurrent clients.
	Clients int `json:"clients"`
	// Requests is the number of requests per client, 0 for a timed run.
	Requests int `json:"n_requests"`
	// Duration is a timed run's length in seconds, 0 for a counted run.
	Duration float64 `json:"run_duration"`
	// RampUp is the time over which the clients' starts were spread, in
	// seconds.
	RampUp float64 `json:"ramp_up"`
	// Timeout is the per-request deadline in seconds.
	Timeout float64 `json:"timeout"`
	// Tokenizer names the tokenizer used where the server reported no
	// usage.
	Tokenizer string `json:"tokenizer"`
	// Payloads is the number of distinct payloads.
	Payloads int `json:"payloads"`
	// PayloadsDigest identifies the set of payloads the run was given
	// ("sha256:" and 64 hex digits; see llmtest's PayloadsDigest), so
	// that [Merge] can tell shards of one test from runs of different
	// ones. A shard given part of a set may carry the digest of the whole.
	// Empty when unknown (a folder written before it existed).
	PayloadsDigest string `json:"payloads_digest,omitempty"`
	// Shards is the number of runs merged into this one ([Merge]); 0 for
	// a run that was not merged. Clients is then the sum of the shards'
	// clients, and Requests the most any shard's clients sent each.
	Shards int `json:"shards,omitempty"`
	// Shard identifies a shard of a sharded run (llmtest's Config.Shard):
	// its index, the number of shards and the run they belong to; nil for
	// a run that was not a shard. [Merge] checks that shards are 0..N-1
	// of one run.
	Shard *Shard `json:"shard,omitempty"`
	// StartAt is the wall-clock moment the run was told to start at
	// (llmtest's Config.StartAt, UTC); zero when it started at once.
	// Run.StartLag says how late it was.
	StartAt time.Time `json:"start_at,omitzero"`
	// LowMemory reports a run that kept no invocation in memory (LLMeter's
	// low_memory): its records are only in responses.jsonl, and its
	// percentiles come from the histograms.
	LowMemory bool `json:"low_memory"`

	// Rate is an open-loop run's arrival rate in requests/s (its first
	// rate, with Stages); 0 for a closed loop. In an open loop, Clients is
	// 0 and Requests is the total number of arrivals.
	Rate float64 `json:"rate,omitempty"`
	// Arrival is an open-loop run's arrival process, "constant" or
	// "poisson"; empty for a closed loop.
	Arrival string `json:"arrival,omitempty"`
	// Seed seeded an open-loop run's arrivals.
	Seed uint64 `json:"seed,omitempty"`
	// MaxInFlight is an open-loop run's cap of requests in flight.
	MaxInFlight int `json:"max_in_flight,omitempty"`
	// Stages are the run's ramps, over the rate (open loop) or the number
	// of clients (closed loop).
	Stages []Stage `json:"stages,omitempty"`
	// Warmup is the run's warm-up, nil without one.
	Warmup *Warmup `json:"warmup,omitempty"`
	// Turns is the number of turns of each conversation (llmtest's
	// Config.Turns), 0 for single requests; ThinkTime is the pause
	// between a reply and the next turn, in seconds.
	Turns     int     `json:"turns,omitempty"`
	ThinkTime float64 `json:"think_time,omitempty"`
}

// Stage is one step of a run's load shape: a linear ramp from the previous
// stage's target to Target over Duration seconds.
type Stage struct {
	Duration float64 `json:"duration"`
	Target   float64 `json:"target"`
}

// Warmup is a run's warm-up: its first Duration seconds or its first
// Requests requests, sent and recorded but left out of every statistic.
type Warmup struct {
	Duration float64 `json:"duration,omitempty"`
	Requests int     `json:"requests,omitempty"`
}

// Counts accounts for every request of a run.
type Counts struct {
	// Total counts the requests sent: successful, failed or cancelled.
	Total int `json:"total"`
	// Failed counts the requests that ended with an error.
	Failed int `json:"failed"`
	// Cancelled counts the requests cut by the run's interruption: neither
	// successes nor failures.
	Cancelled int `json:"cancelled"`
	// Dropped counts the arrivals of an open-loop run that found no free
	// slot and were never sent (not in Total). A closed-loop run drops
	// nothing.
	Dropped int `json:"dropped"`
	// Warmup counts the warm-up requests: sent and recorded, but not in
	// Total nor in any other figure of the run.
	Warmup int `json:"warmup,omitempty"`
}

// Connections counts the connections of a run's traced requests: every
// request sent (warm-up excluded) whose endpoint traced its HTTP
// exchange, failed ones included.
type Connections struct {
	// Traced counts the traced requests.
	Traced int `json:"traced"`
	// Reused counts those sent on a kept-alive connection; the others
	// had a new one.
	Reused int `json:"reused"`
}

// New returns the number of traced requests that had a new connection.
func (c *Connections) New() int { return c.Traced - c.Reused }

// Ended returns the number of requests that ended: Total − Cancelled.
func (c Counts) Ended() int { return c.Total - c.Cancelled }

// Tokens are a run's token totals, over its successful requests.
type Tokens struct {
	Input  int `json:"input"`
	Output int `json:"output"`
	// Cached is the part of Input the server reported served from its
	// cache; 0 when it reported none.
	Cached int `json:"cached,omitempty"`
}

// Units of a [Metric].
const (
	// UnitSeconds marks a duration metric: aggregates in seconds, the
	// histogram in nanoseconds.
	UnitSeconds = "s"
	// UnitTokens marks a token-count metric: aggregates and histogram in
	// tokens.
	UnitTokens = "tokens"
)

// Metric aggregates one per-request metric over the successful requests
// of a run (for inter_token_latency, over their chunk gaps).
//
// N, Average, Min and Max are always exact. The percentiles are exact
// (Exact is true) when they were computed from every sample, as they are
// while a run keeps its invocations in memory; otherwise (a low-memory or
// merged run) they come from Histogram, within the run's RelativeError.
// With N == 0 the aggregates are zero and mean nothing.
type Metric struct {
	// Name is the metric's name, such as "time_to_first_token".
	Name string `json:"name"`
	// Unit is UnitSeconds or UnitTokens.
	Unit string `json:"unit"`
	// N is the number of samples.
	N int `json:"n"`
	// Sum is the sum of the samples, in Unit: with N, what an average of
	// merged runs is computed from. Zero with N == 0, and in a document
	// written before it existed (Merge then uses Average · N).
	Sum float64 `json:"sum"`
	// The aggregates, in Unit.
	Average float64 `json:"average"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	P50     float64 `json:"p50"`
	P90     float64 `json:"p90"`
	P95     float64 `json:"p95"`
	P99     float64 `json:"p99"`
	P999    float64 `json:"p99.9"`
	// Exact reports whether the percentiles are exact.
	Exact bool `json:"exact"`
	// Histogram holds every sample: nanoseconds for a duration metric,
	// tokens for a token metric. Nil when the run has no histograms (read
	// from a version-1 document).
	Histogram *Histogram `json:"histogram,omitempty"`
}

// AggregateNames are the aggregates every metric has, in report order, as
// they suffix LLMeter's stats keys ("time_to_first_token-p99").
var AggregateNames = []string{"average", "min", "max", "p50", "p90", "p95", "p99", "p99.9"}

// Aggregate returns the named aggregate ("average", "p99", …, see
// [AggregateNames]) in the metric's unit, or, for another "p<percentile>",
// that percentile read from the histogram. ok is false for an unknown
// aggregate, a metric without samples, and another percentile of a metric
// without a histogram.
func (m *Metric) Aggregate(name string) (v float64, ok bool) {
	if m == nil || m.N == 0 {
		return 0, false
	}
	if i := slices.Index(AggregateNames, name); i >= 0 {
		return *m.aggregates()[i], true
	}
	p, ok := parsePercentile(name)
	if !ok {
		return 0, false
	}
	return m.Percentile(p)
}

// aggregates returns the aggregate fields, in AggregateNames order.
func (m *Metric) aggregates() [8]*float64 {
	return [...]*float64{&m.Average, &m.Min, &m.Max, &m.P50, &m.P90, &m.P95, &m.P99, &m.P999}
}

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of the metric in its
// unit, read from the histogram and kept within [Min, Max]; durations are
// rounded to whole nanoseconds. ok is false when the metric has no samples
// or no histogram, or p is out of range.
func (m *Metric) Percentile(p float64) (float64, bool) {
	if m == nil || m.N == 0 || m.Histogram.Count() == 0 || !(p >= 0 && p <= 100) {
		return 0, false
	}
	v := m.Histogram.Quantile(p)
	if m.Unit == UnitSeconds {
		v = math.Round(v) / 1e9
	}
	return min(max(v, m.Min), m.Max), true
}

// Metric returns the metric of that name, or nil when the run has none.
func (r *Run) Metric(name string) *Metric {
	for i := range r.Metrics {
		if r.Metrics[i].Name == name {
			return &r.Metrics[i]
		}
	}
	return nil
}

// MaxErrorMessages bounds the distinct error messages a Run counts; the
// failures with other messages are counted together, under the message "".
const MaxErrorMessages = 100

// ErrorCount is the number of failed requests with one error message.
type ErrorCount struct {
	// Message is the error message, as recorded (secrets redacted); ""
	// counts the failures whose messages came after MaxErrorMessages
	// others.
	Message string `json:"message"`
	Count   int    `json:"count"`
}

// SeriesInterval is the length of a [Window] of the time series.
const SeriesInterval = time.Second

// Window is one second of a run's time series: [Start, Start+1s), aligned
// on wall-clock seconds, so that the series of shards run at once line up.
// A request counts as started in the window of its send time, and as
// completed, failed or cancelled in the window where it ended.
type Window struct {
	// Start is the window's first instant, a whole second (UTC).
	Start time.Time `json:"start"`
	// Started counts the requests sent in the window.
	Started int `json:"started"`
	// Completed, Failed and Cancelled count the requests that ended in the
	// window, successfully, with an error or cut by the interruption.
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
	Cancelled int `json:"cancelled"`
	// InFlight is the number of requests sent and not yet ended at the
	// window's end.
	InFlight int `json:"in_flight"`
	// OutputTokens sums the output tokens of the requests completed in the
	// window.
	OutputTokens int `json:"output_tokens"`
	// The 50th and 99th percentiles of the time to first token and the
	// time to last token of the requests completed in the window, in
	// seconds; zero (left out of JSON) when none had a value. They are
	// exact in a run, and read from TTFT and TTLT (within RelativeError)
	// in a merged one. A running run closes a window two seconds after a
	// later one has a request: a request that reaches its collector later
	// than that (none does, short of a stalled collector) is counted in
	// Completed but not in the window's percentiles.
	TTFTP50 float64 `json:"ttft_p50,omitempty"`
	TTFTP99 float64 `json:"ttft_p99,omitempty"`
	TTLTP50 float64 `json:"ttlt_p50,omitempty"`
	TTLTP99 float64 `json:"ttlt_p99,omitempty"`
	// TTFT and TTLT hold the window's samples of the time to first and
	// last token, in nanoseconds, in their compact form, so that the
	// windows of shards merge; empty (left out of JSON) when none had a
	// value, and in a document written before they existed.
	TTFT EncodedHistogram `json:"ttft_histogram,omitempty"`
	TTLT EncodedHistogram `json:"ttlt_histogram,omitempty"`
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

// FailedRequestsRate returns Counts.Failed over the requests that ended
// (0 when none ended).
func (r *Run) FailedRequestsRate() float64 {
	if ended := r.Counts.Ended(); ended > 0 {
		return float64(r.Counts.Failed) / float64(ended)
	}
	return 0
}

// RequestsPerMinute returns the requests that ended per minute of
// TestTime (0 when TestTime is 0).
func (r *Run) RequestsPerMinute() float64 {
	if r.TestTime > 0 {
		return float64(r.Counts.Ended()) / r.TestTime * 60
	}
	return 0
}

// OutputTokensPerSecond returns Tokens.Output per second of TestTime: the
// aggregate generation throughput (0 when TestTime is 0).
func (r *Run) OutputTokensPerSecond() float64 {
	if r.TestTime > 0 {
		return float64(r.Tokens.Output) / r.TestTime
	}
	return 0
}

// The run-level stats keys, in the order of [Run.StatKeys].
const (
	keyTotalRequests   = "total_requests"
	keyFailedRequests  = "failed_requests"
	keyCancelled       = "cancelled_requests"
	keyDropped         = "dropped_requests"
	keyWarmup          = "warmup_requests"
	keyFailedRate      = "failed_requests_rate"
	keyRequestsPerMin  = "requests_per_minute"
	keyInputTokens     = "total_input_tokens"
	keyCachedTokens    = "total_cached_input_tokens"
	keyOutputTokens    = "total_output_tokens"
	keyOutputTokensSec = "output_tokens_per_second"
	keyTotalTestTime   = "total_test_time"
)

var runKeys = []string{
	keyTotalRequests, keyFailedRequests, keyCancelled, keyDropped, keyWarmup, keyFailedRate, keyRequestsPerMin,
	keyInputTokens, keyOutputTokens, keyOutputTokensSec, keyTotalTestTime,
}

// Stats returns the run's statistics with LLMeter's flat keys, as
// stats.json holds them: "total_requests", "failed_requests",
// "cancelled_requests", "dropped_requests" (open-loop arrivals never
// sent), "warmup_requests", "failed_requests_rate", "requests_per_minute",
// "total_input_tokens", "total_cached_input_tokens" (when the server
// reported cached tokens), "total_output_tokens",
// "output_tokens_per_second", "total_test_time" (seconds),
// "connections_new" and "connections_reused" (when requests were traced;
// see [Connections]), "<metric>-<aggregate>" for every metric with
// samples and every aggregate of [AggregateNames], such as
// "time_to_first_token-p99" (durations in seconds), and, for a priced
// run, the cost keys of [Cost.Stats]. [Run.StatKeys] gives their order.
func (r *Run) Stats() map[string]float64 {
	m := make(map[string]float64, len(runKeys)+len(r.Metrics)*len(AggregateNames))
	r.eachStat(func(k string, v float64) { m[k] = v })
	return m
}

// StatKeys returns the keys of [Run.Stats] in report order: the run's
// figures, then each metric's aggregates in Metrics order.
func (r *Run) StatKeys() []string {
	var keys []string
	r.eachStat(func(k string, _ float64) { keys = append(keys, k) })
	return keys
}

func (r *Run) eachStat(f func(key string, v float64)) {
	f(keyTotalRequests, float64(r.Counts.Total))
	f(keyFailedRequests, float64(r.Counts.Failed))
	f(keyCancelled, float64(r.Counts.Cancelled))
	f(keyDropped, float64(r.Counts.Dropped))
	f(keyWarmup, float64(r.Counts.Warmup))
	f(keyFailedRate, r.FailedRequestsRate())
	f(keyRequestsPerMin, r.RequestsPerMinute())
	f(keyInputTokens, float64(r.Tokens.Input))
	if r.Tokens.Cached > 0 {
		f(keyCachedTokens, float64(r.Tokens.Cached))
	}
	f(keyOutputTokens, float64(r.Tokens.Output))
	f(keyOutputTokensSec, r.OutputTokensPerSecond())
	f(keyTotalTestTime, r.TestTime)
	if c := r.Connections; c != nil {
		f("connections_new", float64(c.New()))
		f("connections_reused", float64(c.Reused))
	}
	for i := range r.Metrics {
		m := &r.Metrics[i]
		if m.N == 0 {
			continue
		}
		for _, agg := range AggregateNames {
			v, _ := m.Aggregate(agg)
			f(StatKey(m.Name, agg), v)
		}
	}
	r.Cost.eachStat(f)
}

// StatKey returns the stats key of one aggregate of a metric, such as
// "time_to_first_token-p99".
func StatKey(metric, aggregate string) string { return metric + "-" + aggregate }

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
	ended := r.Counts.Ended()
	return ended > 0 && r.Counts.Failed >= ended
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
