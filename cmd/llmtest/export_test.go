package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/llmtest/llmtest/reporters"
)

// otlpReceiver is an OTLP/HTTP receiver on 127.0.0.1 that keeps the
// metric names, Authorization header and body of what it is sent.
type otlpReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	metrics [][]string // per request, the metric names
	auth    []string
	bodies  [][]byte
	values  map[string]int64 // the int sums, by name
}

func startOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{values: map[string]int64{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var m colmetricpb.ExportMetricsServiceRequest
		if req.URL.Path != "/v1/metrics" || proto.Unmarshal(body, &m) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		var names []string
		for _, rm := range m.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				for _, mt := range sm.GetMetrics() {
					names = append(names, mt.GetName())
					if s := mt.GetSum(); s != nil && len(s.GetDataPoints()) == 1 {
						r.values[mt.GetName()] = s.GetDataPoints()[0].GetAsInt()
					}
				}
			}
		}
		r.metrics = append(r.metrics, names)
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.bodies = append(r.bodies, body)
		out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(r.Close)
	return r
}

// parseProm parses the Prometheus text format with Prometheus' parser.
func parseProm(r io.Reader) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	return p.TextToMetricFamilies(r)
}

func TestRunExportsAndScrapesServerMetrics(t *testing.T) {
	rcv := startOTLPReceiver(t)
	dir := t.TempDir()
	promFile := filepath.Join(dir, "llmtest.prom")
	args := append([]string{"run", "--clients", "2", "--requests", "3", "--max-tokens", "8", "--run-name", "exp",
		"--slo", "error_rate < 1%", "--price-input", "3", "--price-output", "15",
		"--prometheus", promFile,
		"--otlp-endpoint", rcv.URL, "--otlp-header", "Authorization=Bearer s3cret",
		"--server-metrics", "/metrics",
		"--json", "-"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)

	run, err := reporters.ReadJSON(strings.NewReader(stdout))
	require.NoError(t, err)
	require.Equal(t, 6, run.Counts.Total)

	// The server's counts, scraped from the simulator's /metrics.
	sm := run.ServerMetrics
	require.NotNil(t, sm, stdout)
	assert.Equal(t, reporters.ServerVLLM, sm.Server)
	assert.Empty(t, sm.Warnings)
	assert.True(t, strings.HasSuffix(sm.URL, "/metrics") && strings.HasPrefix(sm.URL, "http://127.0.0.1:"), sm.URL)
	require.NotNil(t, sm.Get("vllm:request_success_total"))
	assert.Equal(t, 6.0, sm.Get("vllm:request_success_total").Delta)
	assert.Equal(t, float64(run.Tokens.Output), sm.Get("vllm:generation_tokens_total").Delta)
	assert.Contains(t, stderr, "server metrics (vllm, "+sm.URL+"):", "the summary, on stderr beside --json -")

	// The Prometheus file, with the checks.
	text, err := os.ReadFile(promFile)
	require.NoError(t, err)
	fams, err := parseProm(strings.NewReader(string(text)))
	require.NoError(t, err, "%s", text)
	require.Contains(t, fams, "llmtest_requests_total")
	assert.Equal(t, 6.0, fams["llmtest_requests_total"].GetMetric()[0].GetCounter().GetValue())
	require.Contains(t, fams, "llmtest_check_passed")
	assert.Equal(t, dto.MetricType_HISTOGRAM, fams["llmtest_time_to_first_token_seconds"].GetType())
	require.NotNil(t, run.Cost)
	require.Contains(t, fams, "llmtest_cost_total")
	assert.Equal(t, run.Cost.Total, fams["llmtest_cost_total"].GetMetric()[0].GetCounter().GetValue())
	require.NotNil(t, run.Connections)
	require.Contains(t, fams, "llmtest_connections_total")
	assert.Len(t, fams["llmtest_connections_total"].GetMetric(), 2, "reused and new")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left")

	// The OTLP export, once, with the header and the checks.
	rcv.mu.Lock()
	require.Len(t, rcv.metrics, 1)
	assert.Contains(t, rcv.metrics[0], "llmtest.check_passed")
	assert.Contains(t, rcv.metrics[0], "llmtest.time_to_first_token")
	assert.Contains(t, rcv.metrics[0], "llmtest.cost")
	assert.Contains(t, rcv.metrics[0], "llmtest.connections")
	assert.Equal(t, int64(6), rcv.values["llmtest.requests"])
	assert.Equal(t, "Bearer s3cret", rcv.auth[0])
	rcv.mu.Unlock()

	for name, s := range map[string]string{"stdout": stdout, "stderr": stderr, "--prometheus": string(text)} {
		assert.NotContains(t, s, "s3cret", name)
	}
}

func TestServerMetricsScrapeFailureIsAWarning(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	args := append([]string{"run", "--clients", "1", "--requests", "2", "--max-tokens", "4",
		"--server-metrics", strings.Replace(closed.URL, "http://", "http://bob:pa55@", 1) + "/metrics"}, fastSim...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "llmtest run: warning: server metrics "+closed.URL+"/metrics: ")
	assert.Contains(t, stdout, "2 requests, 0 failed", "the results are kept")
	assert.Contains(t, stdout, "  warning: server metrics "+closed.URL+"/metrics: ")
	assert.NotContains(t, stdout+stderr, "pa55")
}

func TestExportFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--otlp-endpoint", "localhost:4318"}, "llmtest run: --otlp-endpoint: bad endpoint: no http:// or https://; want a URL such as http://localhost:4318"},
		{[]string{"--otlp-endpoint", "http://bob:pa55@collector:4318"}, "--otlp-endpoint: bad endpoint \"http://collector:4318\": user info in the URL"},
		{[]string{"--otlp-endpoint", "http://collector:4318", "--otlp-header", "Bearer pa55"}, "--otlp-header #1: want NAME=VALUE"},
		{[]string{"--otlp-header", "Authorization=pa55"}, "--otlp-header applies to --otlp-endpoint, which is not given"},
		{[]string{"--server-metrics", "ftp://host/metrics"}, "--server-metrics \"ftp://host/metrics\": want an http:// or https:// URL"},
		{[]string{"--server-metrics", "/metrics", "--api", "bedrock-converse", "--model", "m"}, "--server-metrics \"/metrics\": a path needs --url"},
		{[]string{"--server-metrics", "/metrics?token=pa55", "--api", "bedrock-converse", "--model", "m"}, "--server-metrics \"/metrics\": a path needs --url"},
		{[]string{"--prometheus", filepath.Join(t.TempDir(), "missing", "x.prom")}, "--prometheus"},
		{[]string{"--prometheus", "-", "--json", "-"}, "--json and --prometheus both write to standard output"},
		{[]string{"--otlp-endpoint", "http://collector:4318", "--sweep-clients", "1,2"}, "--prometheus and --otlp-endpoint export one run"},
	} {
		code, stdout, stderr := runCLI(t, append([]string{"run", "--requests", "1"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, "%q: %s", tc.args, stderr)
		assert.Empty(t, stdout, "%q: nothing ran", tc.args)
		assert.Contains(t, stderr, tc.want, "%q", tc.args)
		assert.NotContains(t, stderr, "pa55", "%q", tc.args)
	}
	code, _, stderr := runCLI(t, "run", "--prometheus", "x.prom", "--heatmap-inputs", "8", "--heatmap-outputs", "8")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--prometheus", "a heatmap writes no run's reports")
}

func TestReportWritesPrometheusOfASavedRun(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCLI(t, append([]string{"run", "--clients", "1", "--requests", "2", "--max-tokens", "4", "--out", out, "--run-name", "saved"}, fastSim...)...)
	require.Equal(t, exitOK, code, stderr)
	code, stdout, stderr := runCLI(t, "report", filepath.Join(out, "saved"), "--prometheus", "-")
	require.Equal(t, exitOK, code, stderr)
	fams, err := parseProm(strings.NewReader(stdout))
	require.NoError(t, err, stdout)
	require.Contains(t, fams, "llmtest_requests_total")
	assert.Equal(t, 2.0, fams["llmtest_requests_total"].GetMetric()[0].GetCounter().GetValue())

	var doc map[string]any
	raw, err := os.ReadFile(filepath.Join(out, "saved", "report.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.NotContains(t, doc, "server_metrics", "no --server-metrics, no section")
}
