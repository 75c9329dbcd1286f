package reporters_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

// serverRun is a run of 20 requests (1 failed) with the deltas a vLLM
// server reported over it.
func serverRun() *reporters.Run {
	return &reporters.Run{
		Name:    "r",
		Counts:  reporters.Counts{Total: 20, Failed: 1},
		Tokens:  reporters.Tokens{Input: 190, Output: 400},
		Metrics: []reporters.Metric{{Name: "time_to_first_token", Unit: reporters.UnitSeconds, N: 19, Average: 0.25}},
		ServerMetrics: &reporters.ServerMetrics{
			URL:    "http://vllm:8000/metrics",
			Server: reporters.ServerVLLM,
			Series: []reporters.ServerSeries{
				{Name: "vllm:generation_tokens_total", Type: "counter", Before: 1000, After: 1410, Delta: 410},
				{Name: "vllm:num_requests_running", Type: "gauge", Before: 0, After: 3},
				{Name: "vllm:prompt_tokens_total", Type: "counter", Before: 500, After: 690, Delta: 190},
				{Name: "vllm:request_queue_time_seconds", Type: "histogram", Before: 1, After: 1.6, Delta: 0.6, Count: 20},
				{Name: "vllm:request_success_total", Type: "counter", Before: 30, After: 49, Delta: 19},
				{Name: "vllm:time_to_first_token_seconds", Type: "histogram", Before: 2, After: 6.4, Delta: 4.4, Count: 20},
				{Name: "vllm:e2e_request_latency_seconds", Type: "histogram", Before: 2, After: 2, Delta: 0, Count: 0},
			},
			Warnings: []string{"server metrics http://vllm:8000/metrics: something odd"},
		},
	}
}

func TestServerMetricsComparison(t *testing.T) {
	run := serverRun()
	rows := run.ServerMetrics.Comparison(run)
	var got []string
	for _, f := range rows {
		got = append(got, f.Figure+" "+f.ServerText()+" "+f.ClientText()+" "+f.Metric)
	}
	assert.Equal(t, []string{
		"requests 19 20 vllm:request_success_total",
		"input tokens 190 190 vllm:prompt_tokens_total",
		"output tokens 410 400 vllm:generation_tokens_total",
		"queue time (mean) 30ms - vllm:request_queue_time_seconds",
		"ttft (mean) 220ms 250ms vllm:time_to_first_token_seconds",
	}, got, "the e2e histogram observed nothing: no row")
	assert.Nil(t, (*reporters.ServerMetrics)(nil).Comparison(run))
}

func TestServerMetricsText(t *testing.T) {
	run := serverRun()
	var b strings.Builder
	require.NoError(t, run.ServerMetrics.WriteText(&b, run))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Len(t, lines, 8, b.String())
	assert.Equal(t, "server metrics (vllm, http://vllm:8000/metrics):", lines[0])
	assert.Equal(t, []string{"figure", "server", "client", "server", "metric"}, strings.Fields(lines[1]))
	assert.Equal(t, []string{"output", "tokens", "410", "400", "vllm:generation_tokens_total"}, strings.Fields(lines[4]))
	assert.Equal(t, "  warning: server metrics http://vllm:8000/metrics: something odd", lines[7])

	b.Reset()
	require.NoError(t, (*reporters.ServerMetrics)(nil).WriteText(&b, run))
	assert.Empty(t, b.String())
}

func TestMarkdownShowsServerMetrics(t *testing.T) {
	run := serverRun()
	var b strings.Builder
	require.NoError(t, reporters.NewMarkdown(&b).Write(run))
	md := b.String()
	assert.Contains(t, md, "Server metrics (vllm, http://vllm:8000/metrics)\n\n| figure | server | client | server metric |\n| --- | ---: | ---: | --- |\n")
	assert.Contains(t, md, "| output tokens | 410 | 400 | `vllm:generation_tokens_total` |\n")
	assert.Contains(t, md, "| queue time (mean) | 30ms | - | `vllm:request_queue_time_seconds` |\n")
	assert.Contains(t, md, "⚠️ server metrics http://vllm:8000/metrics: something odd\n")

	run.ServerMetrics = nil
	b.Reset()
	require.NoError(t, reporters.NewMarkdown(&b).Write(run))
	assert.NotContains(t, b.String(), "Server metrics")
}

func TestServerMetricsRoundTripJSON(t *testing.T) {
	run := serverRun()
	var b strings.Builder
	require.NoError(t, reporters.NewJSON(&b).Write(run))
	back, err := reporters.ReadJSON(strings.NewReader(b.String()))
	require.NoError(t, err)
	assert.Equal(t, run.ServerMetrics, back.ServerMetrics)
}
