package llmtest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
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
)

// Metrics lists every Metric, in the order reports show them.
var Metrics = []Metric{
	TimeToFirstToken, TimeToFirstOutput, TimeToLastToken, TimePerOutputToken,
	InterTokenLatency, NumTokensInput, NumTokensOutput,
}

// IsDuration reports whether m is measured in time.
func (m Metric) IsDuration() bool {
	switch m {
	case TimeToFirstToken, TimeToFirstOutput, TimeToLastToken, TimePerOutputToken, InterTokenLatency:
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

// Summary aggregates one metric over the successful requests of a run. T
// is time.Duration for durations and float64 for token counts. N is the
// number of samples; with N == 0 every other field is zero and means
// nothing.
type Summary[T time.Duration | float64] struct {
	N       int
	Average T
	Min     T
	Max     T
	P50     T
	P90     T
	P95     T
	P99     T
	P999    T // the 99.9th percentile
}

func summarize[T time.Duration | float64](sorted []float64, conv func(float64) T) Summary[T] {
	s := Summary[T]{N: len(sorted)}
	if len(sorted) == 0 {
		return s
	}
	var sum float64
	for _, v := range sorted {
		sum += v
	}
	s.Average = conv(sum / float64(len(sorted)))
	s.Min, s.Max = conv(sorted[0]), conv(sorted[len(sorted)-1])
	s.P50 = conv(Percentile(sorted, 50))
	s.P90 = conv(Percentile(sorted, 90))
	s.P95 = conv(Percentile(sorted, 95))
	s.P99 = conv(Percentile(sorted, 99))
	s.P999 = conv(Percentile(sorted, 99.9))
	return s
}

func nsToDuration(ns float64) time.Duration { return time.Duration(math.Round(ns)) }
func identity(v float64) float64            { return v }

// Stats are a run's statistics. Failed requests are counted in
// FailedRequests, cancelled ones in CancelledRequests, and both are
// excluded from every per-request aggregate and token total.
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
	// TotalTestTime is the wall time from the start of the first request
	// to the end of the last.
	TotalTestTime time.Duration

	TimeToFirstToken   Summary[time.Duration]
	TimeToFirstOutput  Summary[time.Duration]
	TimeToLastToken    Summary[time.Duration]
	TimePerOutputToken Summary[time.Duration]
	InterTokenLatency  Summary[time.Duration]
	NumTokensInput     Summary[float64]
	NumTokensOutput    Summary[float64]
}

// samples holds the sorted per-request values of every metric, in
// nanoseconds for durations.
type samples map[Metric][]float64

func collectSamples(invs []Invocation) samples {
	s := samples{}
	var gaps int
	for i := range invs {
		gaps += len(invs[i].InterTokenLatencies)
	}
	s[InterTokenLatency] = make([]float64, 0, gaps)
	add := func(m Metric, d time.Duration) {
		if d != 0 {
			s[m] = append(s[m], float64(d))
		}
	}
	for i := range invs {
		inv := &invs[i]
		if !inv.Succeeded() {
			continue
		}
		add(TimeToFirstToken, inv.TimeToFirstToken)
		add(TimeToFirstOutput, inv.TimeToFirstOutput)
		add(TimeToLastToken, inv.TimeToLastToken)
		add(TimePerOutputToken, inv.TimePerOutputToken)
		for _, g := range inv.InterTokenLatencies {
			s[InterTokenLatency] = append(s[InterTokenLatency], float64(g))
		}
		if inv.InputTokensFrom != "" {
			s[NumTokensInput] = append(s[NumTokensInput], float64(inv.NumTokensInput))
		}
		if inv.OutputTokensFrom != "" {
			s[NumTokensOutput] = append(s[NumTokensOutput], float64(inv.NumTokensOutput))
		}
	}
	for _, v := range s {
		slices.Sort(v)
	}
	return s
}

func computeStats(invs []Invocation, total time.Duration, s samples) Stats {
	st := Stats{TotalRequests: len(invs), TotalTestTime: total}
	for i := range invs {
		inv := &invs[i]
		switch {
		case inv.Cancelled:
			st.CancelledRequests++
			continue
		case inv.Failed():
			st.FailedRequests++
			continue
		}
		if inv.InputTokensFrom != "" {
			st.TotalInputTokens += inv.NumTokensInput
		}
		if inv.OutputTokensFrom != "" {
			st.TotalOutputTokens += inv.NumTokensOutput
		}
	}
	ended := st.TotalRequests - st.CancelledRequests
	if ended > 0 {
		st.FailedRequestsRate = float64(st.FailedRequests) / float64(ended)
	}
	if secs := total.Seconds(); secs > 0 {
		st.RequestsPerMinute = float64(ended) / secs * 60
		st.OutputTokensPerSecond = float64(st.TotalOutputTokens) / secs
	}
	st.TimeToFirstToken = summarize(s[TimeToFirstToken], nsToDuration)
	st.TimeToFirstOutput = summarize(s[TimeToFirstOutput], nsToDuration)
	st.TimeToLastToken = summarize(s[TimeToLastToken], nsToDuration)
	st.TimePerOutputToken = summarize(s[TimePerOutputToken], nsToDuration)
	st.InterTokenLatency = summarize(s[InterTokenLatency], nsToDuration)
	st.NumTokensInput = summarize(s[NumTokensInput], identity)
	st.NumTokensOutput = summarize(s[NumTokensOutput], identity)
	return st
}

// Map returns the statistics as LLMeter's flat keys: "total_requests",
// "failed_requests", "cancelled_requests", "failed_requests_rate", "requests_per_minute",
// "total_input_tokens", "total_output_tokens", "output_tokens_per_second",
// "total_test_time" (seconds) and "<metric>-<aggregate>" for every Metric
// with at least one sample, where the aggregate is one of average, min,
// max, p50, p90, p95, p99 and p99.9 — for example
// "time_to_first_token-p99". Durations are in seconds.
func (s *Stats) Map() map[string]float64 {
	m := map[string]float64{
		"total_requests":           float64(s.TotalRequests),
		"failed_requests":          float64(s.FailedRequests),
		"cancelled_requests":       float64(s.CancelledRequests),
		"failed_requests_rate":     s.FailedRequestsRate,
		"requests_per_minute":      s.RequestsPerMinute,
		"total_input_tokens":       float64(s.TotalInputTokens),
		"total_output_tokens":      float64(s.TotalOutputTokens),
		"output_tokens_per_second": s.OutputTokensPerSecond,
		"total_test_time":          s.TotalTestTime.Seconds(),
	}
	for _, metric := range Metrics {
		sum := s.Summary(metric)
		if sum.N == 0 {
			continue
		}
		vals := []float64{sum.Average, sum.Min, sum.Max, sum.P50, sum.P90, sum.P95, sum.P99, sum.P999}
		for i, agg := range aggregateNames {
			m[string(metric)+"-"+agg] = vals[i]
		}
	}
	return m
}

// aggregateNames are the aggregate suffixes of stats keys, in Map's order.
var aggregateNames = []string{"average", "min", "max", "p50", "p90", "p95", "p99", "p99.9"}

// Summary returns the aggregates of metric in its key unit: seconds for
// durations, tokens for counts. An unknown metric gives a zero Summary.
func (s *Stats) Summary(metric Metric) Summary[float64] {
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
	}
	return Summary[float64]{}
}

func seconds(d Summary[time.Duration]) Summary[float64] {
	return Summary[float64]{
		N: d.N, Average: d.Average.Seconds(), Min: d.Min.Seconds(), Max: d.Max.Seconds(),
		P50: d.P50.Seconds(), P90: d.P90.Seconds(), P95: d.P95.Seconds(), P99: d.P99.Seconds(), P999: d.P999.Seconds(),
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
	if !slices.Contains(aggregateNames, agg) {
		if p, ok := strings.CutPrefix(agg, "p"); ok {
			if v, err := strconv.ParseFloat(p, 64); err == nil && v >= 0 && v <= 100 {
				return m, agg, nil
			}
		}
		return "", "", fmt.Errorf("llmtest: stats key %q: unknown aggregate %q", key, agg)
	}
	return m, agg, nil
}

// sortedKeys returns the keys of m in a stable order: run totals first,
// then per-metric keys in Metrics and aggregate order.
func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if i := slices.Index(totalKeys, k); i >= 0 {
			return i
		}
		for mi, metric := range Metrics {
			for ai, agg := range aggregateNames {
				if k == string(metric)+"-"+agg {
					return len(totalKeys) + mi*len(aggregateNames) + ai
				}
			}
		}
		return math.MaxInt
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
	})
	return keys
}

var totalKeys = []string{
	"total_requests", "failed_requests", "cancelled_requests", "failed_requests_rate", "requests_per_minute",
	"total_input_tokens", "total_output_tokens", "output_tokens_per_second", "total_test_time",
}
