package llmtest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// Metric names a per-request measurement, spelled as LLMeter spells it.
type Metric string

// The per-request metrics. Durations are in seconds in stats keys and in
// time.Duration in Go; token counts are plain numbers.
const (
	TimeToFirstToken   Metric = "time_to_first_token"
	TimeToFirstOutput  Metric = "time_to_first_output"
	TimeToLastToken    Metric = "time_to_last_token"
	TimePerOutputToken Metric = "time_per_output_token"
	// InterTokenLatency pools every gap between consecutive visible chunks
	// of every successful request.
	InterTokenLatency Metric = "inter_token_latency"
	NumTokensInput    Metric = "num_tokens_input"
	NumTokensOutput   Metric = "num_tokens_output"

	// ScheduleLag is, in an open loop, a request's actual send time minus
	// its intended time (Invocation.IntendedTime): how late the
	// generator sent it. Every request sent has one, failed or not.
	ScheduleLag Metric = "schedule_lag"
	// TimeToFirstTokenFromIntended and TimeToLastTokenFromIntended are,
	// in an open loop, the time to first and last token measured from the
	// intended send time instead of the actual one (the latency plus the
	// schedule lag): the latency a user arriving on schedule would see,
	// free of coordinated omission.
	TimeToFirstTokenFromIntended Metric = "time_to_first_token-from-intended"
	TimeToLastTokenFromIntended  Metric = "time_to_last_token-from-intended"

	// TimeToFirstByte is the time from the send to the first byte of the
	// response (Invocation.Conn.FirstByte): with TimeToFirstToken, it
	// splits the wait for the first token into the exchange until the
	// server answered and the server's generation after that. Only for
	// endpoints that trace their HTTP exchange (see ConnPhases).
	TimeToFirstByte Metric = "time_to_first_byte"
	// ConnectTime is the TCP connect of a request that had a new
	// connection (Invocation.Conn.Connect); a reused one has none.
	ConnectTime Metric = "connect_time"
)

// Metrics lists every Metric, in the order reports show them.
var Metrics = slices.Clone(metricIndex[:])

// OpenLoopOnly reports whether m exists only in an open loop: a closed
// loop's model leaves it out.
func (m Metric) OpenLoopOnly() bool {
	switch m {
	case ScheduleLag, TimeToFirstTokenFromIntended, TimeToLastTokenFromIntended:
		return true
	}
	return false
}

// Traced reports whether m is a client-side phase of the HTTP exchange
// (see ConnPhases): a model none of whose requests were traced leaves it
// out.
func (m Metric) Traced() bool { return m == TimeToFirstByte || m == ConnectTime }

// IsDuration reports whether m is measured in time.
func (m Metric) IsDuration() bool {
	switch m {
	case TimeToFirstToken, TimeToFirstOutput, TimeToLastToken, TimePerOutputToken, InterTokenLatency,
		ScheduleLag, TimeToFirstTokenFromIntended, TimeToLastTokenFromIntended, TimeToFirstByte, ConnectTime:
		return true
	}
	return false
}

// Valid reports whether m is one of Metrics.
func (m Metric) Valid() bool { return slices.Contains(Metrics, m) }

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of sorted, by linear
// interpolation between closest ranks: with n values and h = (n-1)·p/100,
// the result is sorted[⌊h⌋] + (h-⌊h⌋)·(sorted[⌊h⌋+1]-sorted[⌊h⌋]). This is
// numpy's default method ("linear", type 7 of Hyndman and Fan), the
// estimator of vLLM's benchmarks, GenAI-Perf and k6. It returns NaN for an
// empty slice or a p outside [0, 100]. sorted must be in ascending order.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 || !(p >= 0 && p <= 100) {
		return math.NaN()
	}
	h := float64(n-1) * p / 100
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// Aggregate aggregates one metric over the successful requests of a run:
// the typed form of a [reporters.Metric]. T is time.Duration for durations
// and float64 for token counts. N is the number of samples; with N == 0
// every other field is zero and means nothing.
type Aggregate[T time.Duration | float64] struct {
	N       int
	Average T
	Min     T
	Max     T
	P50     T
	P90     T
	P95     T
	P99     T
	P999    T // the 99.9th percentile
	// Exact reports whether the percentiles were computed from every
	// sample (the default, while a run keeps its invocations); otherwise
	// they come from the metric's histogram, within
	// reporters.RelativeError (a low-memory or merged run). N, Average,
	// Min and Max are always exact.
	Exact bool
}

// Stats are a run's statistics in Go types: the counts, throughputs and
// per-metric aggregates of its model ([Result.Run]), from which they are
// derived. Failed requests are counted in FailedRequests, cancelled ones
// in CancelledRequests, and both are excluded from every per-request
// aggregate and token total. LLMeter's flat keys ("time_to_first_token-
// p99") are [reporters.Run.Stats].
type Stats struct {
	// TotalRequests counts every request sent: successful, failed or
	// cancelled.
	TotalRequests int
	// FailedRequests counts requests that ended with an error.
	FailedRequests int
	// CancelledRequests counts requests cut by the run's interruption
	// (see [Invocation.Cancelled]): neither successes nor failures.
	CancelledRequests int
	// FailedRequestsRate is FailedRequests over the requests that ended,
	// TotalRequests - CancelledRequests (0 when none ended).
	FailedRequestsRate float64
	// RequestsPerMinute is the requests that ended (TotalRequests -
	// CancelledRequests) per minute of TotalTestTime.
	RequestsPerMinute float64
	// TotalInputTokens and TotalOutputTokens sum the token counts of the
	// successful requests.
	TotalInputTokens  int
	TotalOutputTokens int
	// OutputTokensPerSecond is TotalOutputTokens / TotalTestTime: the
	// aggregate generation throughput.
	OutputTokensPerSecond float64
	// TotalTestTime is LLMeter's total_test_time: the wall time from just
	// before the clients start to when the last response has been
	// collected. A run rebuilt from records alone (an interrupted one
	// without summary.json) spans from the first send to the latest end.
	TotalTestTime time.Duration

	TimeToFirstToken   Aggregate[time.Duration]
	TimeToFirstOutput  Aggregate[time.Duration]
	TimeToLastToken    Aggregate[time.Duration]
	TimePerOutputToken Aggregate[time.Duration]
	InterTokenLatency  Aggregate[time.Duration]
	NumTokensInput     Aggregate[float64]
	NumTokensOutput    Aggregate[float64]

	// DroppedRequests counts an open loop's arrivals that found
	// Config.MaxInFlight requests in flight and were never sent (not in
	// TotalRequests); WarmupRequests the warm-up's requests, left out of
	// every other figure.
	DroppedRequests int
	WarmupRequests  int
	// The open-loop metrics (zero in a closed loop): see ScheduleLag and
	// TimeToFirstTokenFromIntended.
	ScheduleLag                  Aggregate[time.Duration]
	TimeToFirstTokenFromIntended Aggregate[time.Duration]
	TimeToLastTokenFromIntended  Aggregate[time.Duration]
	// The client-side phases (zero when no request was traced): see
	// TimeToFirstByte and ConnectTime.
	TimeToFirstByte Aggregate[time.Duration]
	ConnectTime     Aggregate[time.Duration]
}

// statsOf derives the Stats of a run model.
func statsOf(run *reporters.Run) Stats {
	st := Stats{
		TotalRequests:         run.Counts.Total,
		FailedRequests:        run.Counts.Failed,
		CancelledRequests:     run.Counts.Cancelled,
		FailedRequestsRate:    run.FailedRequestsRate(),
		RequestsPerMinute:     run.RequestsPerMinute(),
		TotalInputTokens:      run.Tokens.Input,
		TotalOutputTokens:     run.Tokens.Output,
		OutputTokensPerSecond: run.OutputTokensPerSecond(),
		TotalTestTime:         secondsToDurationOrZero(run.TestTime),
	}
	st.TimeToFirstToken = durations(run.Metric(string(TimeToFirstToken)))
	st.TimeToFirstOutput = durations(run.Metric(string(TimeToFirstOutput)))
	st.TimeToLastToken = durations(run.Metric(string(TimeToLastToken)))
	st.TimePerOutputToken = durations(run.Metric(string(TimePerOutputToken)))
	st.InterTokenLatency = durations(run.Metric(string(InterTokenLatency)))
	st.NumTokensInput = tokens(run.Metric(string(NumTokensInput)))
	st.NumTokensOutput = tokens(run.Metric(string(NumTokensOutput)))
	st.DroppedRequests, st.WarmupRequests = run.Counts.Dropped, run.Counts.Warmup
	st.ScheduleLag = durations(run.Metric(string(ScheduleLag)))
	st.TimeToFirstTokenFromIntended = durations(run.Metric(string(TimeToFirstTokenFromIntended)))
	st.TimeToLastTokenFromIntended = durations(run.Metric(string(TimeToLastTokenFromIntended)))
	st.TimeToFirstByte = durations(run.Metric(string(TimeToFirstByte)))
	st.ConnectTime = durations(run.Metric(string(ConnectTime)))
	return st
}

func tokens(m *reporters.Metric) Aggregate[float64] {
	if m == nil {
		return Aggregate[float64]{}
	}
	return Aggregate[float64]{
		N: m.N, Average: m.Average, Min: m.Min, Max: m.Max,
		P50: m.P50, P90: m.P90, P95: m.P95, P99: m.P99, P999: m.P999, Exact: m.Exact,
	}
}

func durations(m *reporters.Metric) Aggregate[time.Duration] {
	t := tokens(m)
	d := func(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }
	return Aggregate[time.Duration]{
		N: t.N, Average: d(t.Average), Min: d(t.Min), Max: d(t.Max),
		P50: d(t.P50), P90: d(t.P90), P95: d(t.P95), P99: d(t.P99), P999: d(t.P999), Exact: t.Exact,
	}
}

// Aggregate returns the aggregates of metric in its key unit: seconds for
// durations, tokens for counts. An unknown metric gives a zero Aggregate.
func (s *Stats) Aggregate(metric Metric) Aggregate[float64] {
	switch metric {
	case TimeToFirstToken:
		return seconds(s.TimeToFirstToken)
	case TimeToFirstOutput:
		return seconds(s.TimeToFirstOutput)
	case TimeToLastToken:
		return seconds(s.TimeToLastToken)
	case TimePerOutputToken:
		return seconds(s.TimePerOutputToken)
	case InterTokenLatency:
		return seconds(s.InterTokenLatency)
	case NumTokensInput:
		return s.NumTokensInput
	case NumTokensOutput:
		return s.NumTokensOutput
	case ScheduleLag:
		return seconds(s.ScheduleLag)
	case TimeToFirstTokenFromIntended:
		return seconds(s.TimeToFirstTokenFromIntended)
	case TimeToLastTokenFromIntended:
		return seconds(s.TimeToLastTokenFromIntended)
	case TimeToFirstByte:
		return seconds(s.TimeToFirstByte)
	case ConnectTime:
		return seconds(s.ConnectTime)
	}
	return Aggregate[float64]{}
}

func seconds(d Aggregate[time.Duration]) Aggregate[float64] {
	return Aggregate[float64]{
		N: d.N, Average: d.Average.Seconds(), Min: d.Min.Seconds(), Max: d.Max.Seconds(),
		P50: d.P50.Seconds(), P90: d.P90.Seconds(), P95: d.P95.Seconds(), P99: d.P99.Seconds(), P999: d.P999.Seconds(),
		Exact: d.Exact,
	}
}

// ParseStatKey splits an LLMeter stats key such as
// "time_to_first_token-p99" into its metric and aggregate.
func ParseStatKey(key string) (Metric, string, error) {
	i := strings.LastIndexByte(key, '-')
	if i < 0 {
		return "", "", fmt.Errorf("llmtest: stats key %q: want <metric>-<aggregate>", key)
	}
	m, agg := Metric(key[:i]), key[i+1:]
	if !m.Valid() {
		return "", "", fmt.Errorf("llmtest: stats key %q: unknown metric %q", key, m)
	}
	if !slices.Contains(reporters.AggregateNames, agg) {
		if p, ok := strings.CutPrefix(agg, "p"); ok {
			if v, err := strconv.ParseFloat(p, 64); err == nil && v >= 0 && v <= 100 {
				return m, agg, nil
			}
		}
		return "", "", fmt.Errorf("llmtest: stats key %q: unknown aggregate %q", key, agg)
	}
	return m, agg, nil
}
