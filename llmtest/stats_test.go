package llmtest

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Golden values from Python's statistics.quantiles(method="inclusive"),
// which implements the same estimator as numpy's default (type 7).
func TestPercentileGolden(t *testing.T) {
	x := []float64{0.31, 0.12, 0.95, 0.44, 0.27, 0.66, 0.81, 0.05, 0.58, 0.73, 0.19}
	slices.Sort(x)
	thousand := make([]float64, 1000)
	for i := range thousand {
		thousand[i] = float64(i + 1)
	}
	cases := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{"numpy doc example", []float64{1, 2, 3, 4, 7, 10}, 50, 3.5},
		{"five p40", []float64{15, 20, 35, 40, 50}, 40, 29},
		{"five p90", []float64{15, 20, 35, 40, 50}, 90, 46},
		{"four p90", []float64{1, 2, 3, 4}, 90, 3.7},
		{"eleven p50", x, 50, 0.44},
		{"eleven p90", x, 90, 0.81},
		{"eleven p95", x, 95, 0.88},
		{"eleven p99", x, 99, 0.936},
		{"eleven p99.9", x, 99.9, 0.9486},
		{"thousand p99.9", thousand, 99.9, 999.001},
		{"one value any p", []float64{7}, 99, 7},
		{"two values p99", []float64{0, 10}, 99, 9.9},
		{"p0 is min", []float64{3, 4, 9}, 0, 3},
		{"p100 is max", []float64{3, 4, 9}, 100, 9},
	}
	for _, c := range cases {
		assert.InDelta(t, c.want, Percentile(c.sorted, c.p), 1e-12, c.name)
	}
	assert.True(t, math.IsNaN(Percentile(nil, 50)), "empty")
	assert.True(t, math.IsNaN(Percentile([]float64{1}, -1)), "p < 0")
	assert.True(t, math.IsNaN(Percentile([]float64{1}, 100.5)), "p > 100")
	assert.True(t, math.IsNaN(Percentile([]float64{1}, math.NaN())), "NaN p")
}

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

// syntheticRun builds a result from known invocations: ten successes with
// TTFT 10..100ms, TTLT TTFT+100ms, 11 output tokens, two chunk gaps each,
// and two failures that must not touch any aggregate.
func syntheticRun() *Result {
	var invs []Invocation
	for i := 1; i <= 10; i++ {
		ttft := ms(float64(10 * i))
		invs = append(invs, Invocation{
			ID:                  "ok",
			TimeToFirstToken:    ttft,
			TimeToFirstOutput:   ttft,
			TimeToLastToken:     ttft + ms(100),
			TimePerOutputToken:  ms(10),
			InterTokenLatencies: []time.Duration{ms(float64(i)), ms(float64(i + 10))},
			NumTokensInput:      20 + i, InputTokensFrom: FromServer,
			NumTokensOutput: 11, OutputTokensFrom: FromTokenizer,
		})
	}
	for range 2 {
		invs = append(invs, Invocation{
			ID: "bad", Error: "HTTP 500", StatusCode: 500,
			TimeToFirstToken:    ms(5000),
			InterTokenLatencies: []time.Duration{ms(9000)},
			NumTokensInput:      1000, InputTokensFrom: FromTokenizer,
		})
	}
	return NewResult(invs, 10*time.Second)
}

func TestStatsSynthetic(t *testing.T) {
	r := syntheticRun()
	st := r.Stats
	assert.Equal(t, 12, st.TotalRequests)
	assert.Equal(t, 2, st.FailedRequests)
	assert.InDelta(t, 2.0/12, st.FailedRequestsRate, 1e-12)
	assert.InDelta(t, 12.0/10*60, st.RequestsPerMinute, 1e-9)
	assert.Equal(t, 255, st.TotalInputTokens, "21+...+30, failures excluded")
	assert.Equal(t, 110, st.TotalOutputTokens)
	assert.InDelta(t, 11.0, st.OutputTokensPerSecond, 1e-9)
	assert.Equal(t, 10*time.Second, st.TotalTestTime)

	ttft := st.TimeToFirstToken
	assert.Equal(t, 10, ttft.N)
	assert.Equal(t, ms(55), ttft.Average)
	assert.Equal(t, ms(10), ttft.Min)
	assert.Equal(t, ms(100), ttft.Max)
	assert.Equal(t, ms(55), ttft.P50)
	assert.Equal(t, ms(91), ttft.P90)   // h = 8.1
	assert.Equal(t, ms(95.5), ttft.P95) // h = 8.55
	assert.Equal(t, ms(99.1), ttft.P99) // h = 8.91
	assert.Equal(t, ms(99.91), ttft.P999)
	assert.Equal(t, ms(155), st.TimeToLastToken.P50)
	assert.Equal(t, ms(10), st.TimePerOutputToken.P99)

	itl := st.InterTokenLatency
	assert.Equal(t, 20, itl.N, "gaps pooled over successful requests only")
	assert.Equal(t, ms(1), itl.Min)
	assert.Equal(t, ms(20), itl.Max)
	assert.Equal(t, ms(10.5), itl.P50)

	assert.Equal(t, 10, st.NumTokensInput.N)
	assert.InDelta(t, 25.5, st.NumTokensInput.Average, 1e-12)
	assert.InDelta(t, 11.0, st.NumTokensOutput.P99, 1e-12)
}

func TestStatsMapKeys(t *testing.T) {
	m := syntheticRun().Run.Stats()
	for _, k := range []string{
		"total_requests", "failed_requests", "failed_requests_rate", "requests_per_minute",
		"total_input_tokens", "total_output_tokens", "output_tokens_per_second", "total_test_time",
	} {
		assert.Contains(t, m, k)
	}
	for _, metric := range []string{"time_to_first_token", "time_to_last_token", "time_per_output_token",
		"inter_token_latency", "num_tokens_input", "num_tokens_output"} {
		for _, agg := range []string{"average", "min", "max", "p50", "p90", "p95", "p99", "p99.9"} {
			assert.Contains(t, m, metric+"-"+agg)
		}
	}
	assert.InDelta(t, 0.0991, m["time_to_first_token-p99"], 1e-12, "seconds")
	assert.InDelta(t, 0.055, m["time_to_first_token-average"], 1e-12)
	assert.InDelta(t, 10.0, m["total_test_time"], 1e-12)
	assert.InDelta(t, 25.5, m["num_tokens_input-average"], 1e-12)

	em := NewResult([]Invocation{{Error: "x"}}, time.Second).Run.Stats()
	assert.NotContains(t, em, "time_to_first_token-p50", "no samples, no key")
	assert.Equal(t, 1.0, em["failed_requests_rate"])
}

func TestResultPercentileOnRequest(t *testing.T) {
	r := syntheticRun()
	v, ok := r.Percentile(TimeToFirstToken, 75)
	require.True(t, ok)
	assert.InDelta(t, 0.0775, v, 1e-12) // h = 6.75 → 70 + .75·10 ms
	d, ok := r.DurationPercentile(TimeToFirstToken, 75)
	require.True(t, ok)
	assert.Equal(t, ms(77.5), d)
	v, ok = r.Percentile(NumTokensInput, 50)
	require.True(t, ok)
	assert.InDelta(t, 25.5, v, 1e-12)
	_, ok = r.Percentile(TimeToFirstToken, 101)
	assert.False(t, ok)
	_, ok = r.Percentile("bogus", 50)
	assert.False(t, ok)
	_, ok = r.DurationPercentile(NumTokensInput, 50)
	assert.False(t, ok)
}

func TestParseStatKey(t *testing.T) {
	m, agg, err := ParseStatKey("time_to_first_token-p99.9")
	require.NoError(t, err)
	assert.Equal(t, TimeToFirstToken, m)
	assert.Equal(t, "p99.9", agg)
	_, _, err = ParseStatKey("time_to_first_token-p75")
	assert.NoError(t, err)
	_, _, err = ParseStatKey("ttft-p99")
	assert.ErrorContains(t, err, `unknown metric "ttft"`)
	_, _, err = ParseStatKey("time_to_first_token-median")
	assert.ErrorContains(t, err, `unknown aggregate "median"`)
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		912 * time.Millisecond:  "912ms",
		1234 * time.Millisecond: "1.23s",
		45600 * time.Nanosecond: "45.6µs",
		850:                     "850ns",
		ms(12.34):               "12.3ms",
		90 * time.Second:        "90.0s",
	} {
		assert.Equal(t, want, FormatDuration(d))
	}
}
