package servermetrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
	"github.com/llmtest/llmtest/servermetrics"
)

// vllmPage is a vLLM-like /metrics page after n requests of 7 prompt and
// 12 generation tokens each, every one queued 50ms and answered in 200ms.
func vllmPage(n int) string {
	return fmt.Sprintf(`# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="m"} %d
# HELP vllm:request_success_total Count of successfully processed requests.
# TYPE vllm:request_success_total counter
vllm:request_success_total{engine="0",finished_reason="stop",model_name="m"} %d
vllm:request_success_total{engine="0",finished_reason="length",model_name="m"} %d
# HELP vllm:prompt_tokens_total Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{engine="0",model_name="m"} %d
# HELP vllm:generation_tokens_total Number of generation tokens processed.
# TYPE vllm:generation_tokens_total counter
vllm:generation_tokens_total{engine="0",model_name="m"} %d
# HELP vllm:request_queue_time_seconds Histogram of time spent in WAITING phase for request.
# TYPE vllm:request_queue_time_seconds histogram
vllm:request_queue_time_seconds_bucket{engine="0",model_name="m",le="0.1"} %d
vllm:request_queue_time_seconds_bucket{engine="0",model_name="m",le="+Inf"} %d
vllm:request_queue_time_seconds_sum{engine="0",model_name="m"} %g
vllm:request_queue_time_seconds_count{engine="0",model_name="m"} %d
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="0",model_name="m",le="0.25"} %d
vllm:time_to_first_token_seconds_bucket{engine="0",model_name="m",le="+Inf"} %d
vllm:time_to_first_token_seconds_sum{engine="0",model_name="m"} %g
vllm:time_to_first_token_seconds_count{engine="0",model_name="m"} %d
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total %d
`, n%3, n-n/4, n/4, 7*n, 12*n, n, n, 0.05*float64(n), n, n, n, 0.2*float64(n), n, 10+n)
}

// llamaPage is a llama.cpp-like /metrics page after n requests of 9
// prompt and 5 predicted tokens, 0.5s of prompt processing each.
func llamaPage(n int) string {
	return fmt.Sprintf(`# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.
# TYPE llamacpp:prompt_tokens_total counter
llamacpp:prompt_tokens_total %d
# HELP llamacpp:prompt_seconds_total Prompt process time
# TYPE llamacpp:prompt_seconds_total counter
llamacpp:prompt_seconds_total %g
# HELP llamacpp:tokens_predicted_total Number of generation tokens processed.
# TYPE llamacpp:tokens_predicted_total counter
llamacpp:tokens_predicted_total %d
# HELP llamacpp:requests_processing Number of requests processing.
# TYPE llamacpp:requests_processing gauge
llamacpp:requests_processing %d
`, 9*n, 0.5*float64(n), 5*n, n%2)
}

// pages serves page(n) on 127.0.0.1, with n the values of counts in turn,
// one per scrape (the last one repeated).
func pages(t *testing.T, page func(int) string, counts ...int) *httptest.Server {
	var mu sync.Mutex
	scrapes := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := counts[min(scrapes, len(counts)-1)]
		scrapes++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		fmt.Fprint(w, page(n))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCompareVLLM(t *testing.T) {
	srv := pages(t, vllmPage, 100, 140)
	before, err := servermetrics.Get(t.Context(), nil, srv.URL+"/metrics")
	require.NoError(t, err)
	after, err := servermetrics.Get(t.Context(), nil, srv.URL+"/metrics")
	require.NoError(t, err)
	sm := servermetrics.Compare(srv.URL+"/metrics", before, after)

	assert.Equal(t, reporters.ServerVLLM, sm.Server)
	assert.Equal(t, srv.URL+"/metrics", sm.URL)
	assert.Empty(t, sm.Warnings)
	assert.False(t, sm.Before.After(sm.After))
	assert.Nil(t, sm.Get("process_cpu_seconds_total"), "only the server's own families are kept")
	assert.Equal(t, reporters.ServerSeries{Name: "vllm:request_success_total", Type: "counter", Before: 100, After: 140, Delta: 40}, *sm.Get("vllm:request_success_total"))
	assert.Equal(t, 280.0, sm.Get("vllm:prompt_tokens_total").Delta)
	assert.Equal(t, 480.0, sm.Get("vllm:generation_tokens_total").Delta)
	q := sm.Get("vllm:request_queue_time_seconds")
	require.NotNil(t, q)
	assert.Equal(t, "histogram", q.Type)
	assert.InDelta(t, 2.0, q.Delta, 1e-9)
	assert.Equal(t, 40.0, q.Count)
	g := sm.Get("vllm:num_requests_running")
	assert.Equal(t, reporters.ServerSeries{Name: "vllm:num_requests_running", Type: "gauge", Before: 1, After: 2}, *g)

	// Next to the client's own counts.
	run := &reporters.Run{Counts: reporters.Counts{Total: 41, Failed: 1}, Tokens: reporters.Tokens{Input: 280, Output: 470}}
	rows := map[string]reporters.ServerFigure{}
	for _, f := range sm.Comparison(run) {
		rows[f.Figure] = f
	}
	assert.Equal(t, reporters.ServerFigure{Figure: "requests", Metric: "vllm:request_success_total", Server: 40, Client: 41, HasClient: true}, rows["requests"])
	assert.Equal(t, reporters.ServerFigure{Figure: "input tokens", Metric: "vllm:prompt_tokens_total", Server: 280, Client: 280, HasClient: true}, rows["input tokens"])
	assert.Equal(t, reporters.ServerFigure{Figure: "output tokens", Metric: "vllm:generation_tokens_total", Server: 480, Client: 470, HasClient: true}, rows["output tokens"])
	assert.InDelta(t, 0.05, rows["queue time (mean)"].Server, 1e-12)
	assert.False(t, rows["queue time (mean)"].HasClient)
	assert.Equal(t, "50ms", rows["queue time (mean)"].ServerText())
	assert.Equal(t, "-", rows["queue time (mean)"].ClientText())
	assert.InDelta(t, 0.2, rows["ttft (mean)"].Server, 1e-12)
	assert.NotContains(t, rows, "prefill time (mean)", "not served")
}

func TestCompareLlamaCpp(t *testing.T) {
	srv := pages(t, llamaPage, 3, 8)
	before, err := servermetrics.Get(t.Context(), nil, srv.URL)
	require.NoError(t, err)
	after, err := servermetrics.Get(t.Context(), nil, srv.URL)
	require.NoError(t, err)
	sm := servermetrics.Compare(srv.URL, before, after)
	assert.Equal(t, reporters.ServerLlamaCpp, sm.Server)
	assert.Empty(t, sm.Warnings)
	assert.Equal(t, 45.0, sm.Get("llamacpp:prompt_tokens_total").Delta)
	assert.Equal(t, 25.0, sm.Get("llamacpp:tokens_predicted_total").Delta)
	assert.Equal(t, reporters.ServerSeries{Name: "llamacpp:requests_processing", Type: "gauge", Before: 1, After: 0}, *sm.Get("llamacpp:requests_processing"))

	run := &reporters.Run{Tokens: reporters.Tokens{Input: 45, Output: 25}}
	var figures []string
	for _, f := range sm.Comparison(run) {
		figures = append(figures, f.Figure+"="+f.ServerText()+"/"+f.ClientText())
	}
	assert.Equal(t, []string{"input tokens=45/45", "output tokens=25/25", "prompt processing time=2.5s/-"}, figures)
}

func TestCompareCounterReset(t *testing.T) {
	srv := pages(t, vllmPage, 100, 30)
	before, err := servermetrics.Get(t.Context(), nil, srv.URL)
	require.NoError(t, err)
	after, err := servermetrics.Get(t.Context(), nil, srv.URL)
	require.NoError(t, err)
	sm := servermetrics.Compare(srv.URL, before, after)
	assert.Equal(t, 7*30.0, sm.Get("vllm:prompt_tokens_total").Delta, "counts from the restart")
	require.NotEmpty(t, sm.Warnings)
	assert.Contains(t, sm.Warnings[0], srv.URL)
	assert.Contains(t, sm.Warnings[0], "restarted")
}

func TestGetFailuresNameTheURLWithoutSecrets(t *testing.T) {
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html></html>")
	}))
	t.Cleanup(html.Close)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/garbage" {
			fmt.Fprint(w, "vllm:x{ 1 2 3\n")
			return
		}
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	withSecret := func(base string) string {
		return strings.Replace(base, "http://", "http://bob:pa55@", 1) + "/metrics?token=t0ken"
	}
	for url, want := range map[string]string{
		withSecret(html.URL):     "content type \"text/html\"",
		withSecret(broken.URL):   "HTTP 500",
		broken.URL + "/garbage":  "server metrics " + broken.URL + "/garbage: text format parsing error",
		withSecret(closed.URL):   "connection refused",
		"localhost:8000/metrics": "want an http:// or https:// URL",
	} {
		_, err := servermetrics.Get(t.Context(), nil, url)
		require.Error(t, err, url)
		assert.Contains(t, err.Error(), want)
		assert.NotContains(t, err.Error(), "pa55")
		assert.NotContains(t, err.Error(), "t0ken")
	}
}

// simRun runs a small load over HTTP against the simulator, which serves
// vLLM's metrics, with cb as the run's callback.
func simRun(t *testing.T, s *sim.Server, cb llmtest.Callback) *llmtest.Result {
	t.Helper()
	ep, err := openai.New(openai.Config{BaseURL: s.URL + "/v1", Model: sim.DefaultModel})
	require.NoError(t, err)
	ps := make([]endpoints.Payload, 4)
	for i := range ps {
		ps[i] = endpoints.Payload{
			"model":    sim.DefaultModel,
			"messages": []any{map[string]any{"role": "user", "content": fmt.Sprintf("say something about number %d", i)}},
			"stream":   true,
		}
	}
	res, err := llmtest.NewRunner(llmtest.Config{
		Endpoint: ep, Payloads: ps, Clients: 2, Requests: 6, Callbacks: []llmtest.Callback{cb},
	}).Run(t.Context(), llmtest.Config{})
	require.NoError(t, err)
	return res
}

func TestCallbackAgainstTheSimulator(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{
		FirstTokenLatency: 2 * time.Millisecond, InterTokenLatency: time.Millisecond, MinOutputTokens: 3, MaxOutputTokens: 9,
	}})
	var warnings []string
	cb := &servermetrics.Callback{URL: s.URL + "/metrics", Warn: func(m string) { warnings = append(warnings, m) }}
	res := simRun(t, s, cb)
	sm := res.Run.ServerMetrics
	require.NotNil(t, sm)
	assert.Empty(t, warnings)
	assert.Empty(t, sm.Warnings)
	assert.Equal(t, reporters.ServerVLLM, sm.Server)
	require.Equal(t, 12, res.Run.Counts.Total)
	require.Zero(t, res.Run.Counts.Failed)
	rows := map[string]reporters.ServerFigure{}
	for _, f := range sm.Comparison(&res.Run) {
		rows[f.Figure] = f
	}
	for _, fig := range []string{"requests", "input tokens", "output tokens"} {
		require.Contains(t, rows, fig)
		assert.True(t, rows[fig].HasClient, fig)
		assert.Equal(t, rows[fig].Client, rows[fig].Server, "%s: the server counted what the client did", fig)
	}
	assert.Equal(t, 12.0, rows["requests"].Server)
	assert.Positive(t, rows["output tokens"].Server)
	require.Contains(t, rows, "ttft (mean)")
	assert.Positive(t, rows["ttft (mean)"].Server)

	summary := res.SummaryText()
	assert.Contains(t, summary, "server metrics (vllm, "+s.URL+"/metrics):\n")
	assert.Regexp(t, `\n  input tokens +\d+ +\d+ +vllm:prompt_tokens_total\n`, summary)

	// A second run through the same callback scrapes afresh.
	res2 := simRun(t, s, cb)
	assert.Equal(t, 12.0, res2.Run.ServerMetrics.Get("vllm:request_success_total").Delta)
}

func TestCallbackWarnsAndKeepsTheResults(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{})
	var warnings []string
	cb := &servermetrics.Callback{URL: s.URL + "/no-such-page", Warn: func(m string) { warnings = append(warnings, m) }, Timeout: 5 * time.Second}
	res := simRun(t, s, cb)
	assert.Equal(t, 12, res.Run.Counts.Total, "the run's results are kept")
	sm := res.Run.ServerMetrics
	require.NotNil(t, sm)
	assert.Empty(t, sm.Series)
	require.Len(t, sm.Warnings, 2, "%q", sm.Warnings)
	assert.Equal(t, warnings, sm.Warnings)
	assert.Contains(t, sm.Warnings[0], s.URL+"/no-such-page")
	assert.Contains(t, sm.Warnings[0], "HTTP 404")
	assert.Contains(t, sm.Warnings[1], "no scrape before the run")
}
