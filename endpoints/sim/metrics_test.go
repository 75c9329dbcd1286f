package sim_test

import (
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
)

// scrape reads GET /metrics and parses it with Prometheus' own text parser,
// checking the labels every sample must carry.
func scrape(t *testing.T, c *http.Client, s *sim.Server) map[string]*dto.MetricFamily {
	t.Helper()
	res, out := do(t, c, "GET", s.URL+"/metrics", "")
	require.Equal(t, http.StatusOK, res.StatusCode, out)
	assert.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8"), res.Header.Get("Content-Type"))
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(out))
	require.NoError(t, err, out)
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			assert.Equal(t, s.Model().Config().Model, labels["model_name"], "%s: model_name", name)
			assert.Equal(t, "0", labels["engine"], "%s: engine", name)
		}
	}
	return fams
}

// sample returns the value of the one sample of a gauge or counter family,
// or of the sample whose finished_reason is reason.
func sample(t *testing.T, fams map[string]*dto.MetricFamily, name string, reason ...string) float64 {
	t.Helper()
	fam := fams[name]
	require.NotNil(t, fam, "no family %s", name)
	for _, m := range fam.GetMetric() {
		if len(reason) > 0 && !hasLabel(m, "finished_reason", reason[0]) {
			continue
		}
		switch fam.GetType() {
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue()
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue()
		}
	}
	require.Failf(t, "no sample", "%s %v", name, reason)
	return 0
}

// readOrNil returns v, or nil on an error: for conditions that only read.
func readOrNil(v []byte, err error) []byte {
	if err != nil {
		return nil
	}
	return v
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

// hist returns the one histogram of a family, after checking that its
// buckets are vLLM's and +Inf, cumulative, and end at its count.
func hist(t *testing.T, fams map[string]*dto.MetricFamily, name string, bounds []float64) *dto.Histogram {
	t.Helper()
	fam := fams[name]
	require.NotNil(t, fam, "no family %s", name)
	require.Equal(t, dto.MetricType_HISTOGRAM, fam.GetType(), name)
	require.Len(t, fam.GetMetric(), 1, name)
	h := fam.GetMetric()[0].GetHistogram()
	var got []float64
	prev := uint64(0)
	for _, b := range h.GetBucket() {
		got = append(got, b.GetUpperBound())
		assert.GreaterOrEqual(t, b.GetCumulativeCount(), prev, "%s: buckets are cumulative", name)
		prev = b.GetCumulativeCount()
	}
	assert.Equal(t, append(slices.Clone(bounds), math.Inf(1)), got, "%s: buckets", name)
	assert.Equal(t, prev, h.GetSampleCount(), "%s: the +Inf bucket holds every sample", name)
	return h
}

var (
	ttftBounds = []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560}
	e2eBounds  = []float64{0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680}
)

func TestServerHealth(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{APIKey: "sk-test-key"})
	c := client(t)
	for _, method := range []string{"GET", "HEAD"} {
		res, out := do(t, c, method, s.URL+"/health", "")
		assert.Equal(t, http.StatusOK, res.StatusCode, "%s /health needs no key", method)
		assert.Empty(t, out)
	}
	res, _ := do(t, c, "POST", s.URL+"/health", "")
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
	res, _ = do(t, c, "POST", s.URL+"/metrics", "")
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}

// TestServerMetrics sends requests of every route and kind, then checks
// that the scraped counters hold exactly what was sent.
func TestServerMetrics(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{
		APIKey: "sk-test-key", // /metrics needs none, as vLLM's
		Config: sim.Config{
			Model:             `sim "quoted" \ model`,
			MaxOutputTokens:   6,
			FirstTokenLatency: 2 * time.Millisecond,
		},
	})
	c := client(t)

	fams := scrape(t, c, s)
	for _, name := range []string{"vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:prompt_tokens_total", "vllm:generation_tokens_total"} {
		assert.Zero(t, sample(t, fams, name), name)
	}
	for _, r := range []string{"stop", "length", "abort", "error"} {
		assert.Zero(t, sample(t, fams, "vllm:request_success_total", r), "every reason is there before any request")
	}

	type call struct {
		route, body    string
		input, output  int
		length, stream bool
	}
	calls := []call{
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"a b c"}],"max_tokens":4}`, 3, 4, true, false},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"a b"}],"stream":true}`, 2, 6, false, true},
		{"/v1/completions", `{"prompt":"one two three four","max_tokens":3,"stream":true}`, 4, 3, true, true},
		{"/v1/responses", `{"input":"x","stream":true}`, 1, 6, false, true},
		{"/v1/responses", `{"input":"x y","max_output_tokens":2}`, 2, 2, true, false},
		{"/v1/messages", `{"messages":[{"role":"user","content":"hello there"}],"max_tokens":100,"stream":true}`, 2, 6, false, true},
		{"/v1/messages", `{"system":"be brief","messages":[{"role":"user","content":"hi"}],"max_tokens":3}`, 3, 3, true, false},
	}
	var input, output, length, stop float64
	for _, call := range calls {
		hdr := []string{"Authorization", "Bearer sk-test-key"}
		if call.route == "/v1/messages" {
			hdr = []string{"X-Api-Key", "sk-test-key"}
		}
		res, out := do(t, c, "POST", s.URL+call.route, call.body, hdr...)
		require.Equal(t, http.StatusOK, res.StatusCode, out)
		input += float64(call.input)
		output += float64(call.output)
		if call.length {
			length++
		} else {
			stop++
		}
	}

	fams = scrape(t, c, s)
	assert.Equal(t, input, sample(t, fams, "vllm:prompt_tokens_total"))
	assert.Equal(t, output, sample(t, fams, "vllm:generation_tokens_total"))
	assert.Equal(t, stop, sample(t, fams, "vllm:request_success_total", "stop"))
	assert.Equal(t, length, sample(t, fams, "vllm:request_success_total", "length"))
	assert.Zero(t, sample(t, fams, "vllm:request_success_total", "abort"))
	assert.Zero(t, sample(t, fams, "vllm:request_success_total", "error"))
	assert.Zero(t, sample(t, fams, "vllm:num_requests_running"))
	assert.Zero(t, sample(t, fams, "vllm:num_requests_waiting"))

	n := uint64(len(calls))
	ttft := hist(t, fams, "vllm:time_to_first_token_seconds", ttftBounds)
	e2e := hist(t, fams, "vllm:e2e_request_latency_seconds", e2eBounds)
	assert.Equal(t, n, ttft.GetSampleCount(), "one time to first token per request, streamed or not")
	assert.Equal(t, n, e2e.GetSampleCount())
	// Sleeps never end early, so every first token took at least the 2ms
	// configured: none is in the 1ms bucket.
	assert.Zero(t, ttft.GetBucket()[0].GetCumulativeCount(), "le=0.001")
	assert.GreaterOrEqual(t, ttft.GetSampleSum(), float64(n)*0.002)
	assert.GreaterOrEqual(t, e2e.GetSampleSum(), ttft.GetSampleSum(), "a request ends after its first token")
}

// TestServerMetricsGauges holds a request generating and one queued, and
// checks the gauges, then what their cancellation counts; a request turned
// away by a full queue counts nowhere.
func TestServerMetricsGauges(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Capacity: 1, MaxQueue: 1, InterTokenLatency: time.Hour}})
	m := s.Model()
	c := client(t)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	running := send(t, ctx, c, "POST", s.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"a b c"}],"max_tokens":5,"stream":true}`)
	require.Equal(t, http.StatusOK, running.StatusCode)
	firstEvent(t, running.Body) // the role chunk, sent with the first token
	queued := make(chan error, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, "POST", s.URL+"/v1/completions", strings.NewReader(`{"prompt":"x","max_tokens":5}`))
		if err == nil {
			var res *http.Response
			if res, err = c.Do(req); err == nil {
				res.Body.Close()
			}
		}
		queued <- err
	}()
	waitFor(t, "the second request to queue", func() bool { return m.Queued() == 1 })
	res, out := do(t, c, "POST", s.URL+"/v1/completions", `{"prompt":"x","max_tokens":5}`)
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode, out)

	fams := scrape(t, c, s)
	assert.Equal(t, 1.0, sample(t, fams, "vllm:num_requests_running"))
	assert.Equal(t, 1.0, sample(t, fams, "vllm:num_requests_waiting"))
	assert.Equal(t, 3.0, sample(t, fams, "vllm:prompt_tokens_total"), "the running request's prefill is done")
	assert.Equal(t, uint64(1), hist(t, fams, "vllm:time_to_first_token_seconds", ttftBounds).GetSampleCount())
	assert.Zero(t, hist(t, fams, "vllm:e2e_request_latency_seconds", e2eBounds).GetSampleCount())

	cancel()
	assert.Error(t, <-queued)
	// The handlers see the cancellation on their own goroutines: poll.
	// (Eventually runs its condition on another goroutine, which must not
	// fail the test, so this one only reads.)
	waitFor(t, "both requests to be counted as aborted", func() bool {
		res, err := c.Get(s.URL + "/metrics")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		return strings.Contains(string(readOrNil(io.ReadAll(res.Body))), `vllm:request_success_total{engine="0",finished_reason="abort",model_name="llmtest-sim"} 2`+"\n")
	})
	fams = scrape(t, c, s)
	assert.Zero(t, sample(t, fams, "vllm:num_requests_running"))
	assert.Zero(t, sample(t, fams, "vllm:num_requests_waiting"))
	assert.Equal(t, 1.0, sample(t, fams, "vllm:generation_tokens_total"), "the one token streamed before the cancellation")
	assert.Equal(t, uint64(2), hist(t, fams, "vllm:e2e_request_latency_seconds", e2eBounds).GetSampleCount())
	for _, r := range []string{"stop", "length", "error"} {
		assert.Zero(t, sample(t, fams, "vllm:request_success_total", r), r)
	}
}

// TestServerMetricsFaults checks how injected faults count: finished
// reason "error", and the tokens streamed before a mid-stream cut.
func TestServerMetricsFaults(t *testing.T) {
	t.Run("error", func(t *testing.T) {
		s := sim.Start(t, sim.ServerConfig{Config: sim.Config{ErrorRate: 1}})
		c := client(t)
		for _, stream := range []string{"true", "false"} {
			res, out := do(t, c, "POST", s.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"stream":`+stream+`}`)
			require.Equal(t, http.StatusInternalServerError, res.StatusCode, out)
		}
		fams := scrape(t, c, s)
		assert.Equal(t, 2.0, sample(t, fams, "vllm:request_success_total", "error"))
		assert.Zero(t, sample(t, fams, "vllm:prompt_tokens_total"), "no first token, no prefill counted")
		assert.Zero(t, sample(t, fams, "vllm:generation_tokens_total"))
		assert.Zero(t, hist(t, fams, "vllm:time_to_first_token_seconds", ttftBounds).GetSampleCount())
		assert.Equal(t, uint64(2), hist(t, fams, "vllm:e2e_request_latency_seconds", e2eBounds).GetSampleCount())
	})
	t.Run("mid-stream", func(t *testing.T) {
		s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Seed: 4, MidStreamFailureRate: 1, TokensPerChunk: 2}})
		twin := twinOf(t, s)
		c := client(t)
		res := send(t, t.Context(), c, "POST", s.URL+"/v1/messages", `{"messages":[{"role":"user","content":"x y"}],"max_tokens":30,"stream":true}`)
		require.Equal(t, http.StatusOK, res.StatusCode)
		_, err := io.ReadAll(res.Body)
		require.Error(t, err, "the stream is cut")
		plan := twin.PlanCapped(2, 30)
		require.Equal(t, sim.FaultMidStream, plan.Fault)

		fams := scrape(t, c, s)
		assert.Equal(t, 1.0, sample(t, fams, "vllm:request_success_total", "error"))
		assert.Equal(t, 2.0, sample(t, fams, "vllm:prompt_tokens_total"))
		assert.Equal(t, float64(plan.FaultAt), sample(t, fams, "vllm:generation_tokens_total"), "the tokens streamed before the cut")
		assert.Equal(t, uint64(1), hist(t, fams, "vllm:time_to_first_token_seconds", ttftBounds).GetSampleCount())
	})
}

// TestServerMetricsOpenMetrics checks that a scraper asking for
// OpenMetrics gets it, as from vLLM's Prometheus client.
func TestServerMetricsOpenMetrics(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{})
	req, err := http.NewRequestWithContext(t.Context(), "GET", s.URL+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	res, err := client(t).Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "application/openmetrics-text"), res.Header.Get("Content-Type"))
	assert.Contains(t, string(b), "# TYPE vllm:request_success counter")
	assert.True(t, strings.HasSuffix(string(b), "# EOF\n"))
}
