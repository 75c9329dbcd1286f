package otlp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/llmtest/llmtest/export/internal/exporttest"
	"github.com/llmtest/llmtest/export/internal/runmetrics"
	"github.com/llmtest/llmtest/export/otlp"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// receiver is an OTLP/HTTP metrics receiver on 127.0.0.1 that decodes each
// ExportMetricsServiceRequest it is sent.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*colmetricpb.ExportMetricsServiceRequest
	headers  []http.Header
	paths    []string
	status   int // the status to answer, 200 when zero
}

func startReceiver(t *testing.T) *receiver {
	r := newReceiver(t)
	r.Start()
	return r
}

// startTLSReceiver starts a receiver serving HTTPS, with a certificate of
// httptest's.
func startTLSReceiver(t *testing.T) *receiver {
	r := newReceiver(t)
	r.StartTLS()
	return r
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var m colmetricpb.ExportMetricsServiceRequest
		if err := proto.Unmarshal(body, &m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.requests = append(r.requests, &m)
		r.headers = append(r.headers, req.Header.Clone())
		r.paths = append(r.paths, req.URL.Path)
		status := r.status
		r.mu.Unlock()
		if status != 0 {
			http.Error(w, "refused", status)
			return
		}
		out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(r.Close)
	return r
}

// metrics returns the metrics of the one request received, by name.
func (r *receiver) metrics(t *testing.T) (map[string]*metricpb.Metric, *metricpb.ResourceMetrics) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Len(t, r.requests, 1)
	rms := r.requests[0].GetResourceMetrics()
	require.Len(t, rms, 1)
	require.Len(t, rms[0].GetScopeMetrics(), 1)
	sm := rms[0].GetScopeMetrics()[0]
	assert.Equal(t, otlp.ScopeName, sm.GetScope().GetName())
	out := map[string]*metricpb.Metric{}
	for _, m := range sm.GetMetrics() {
		assert.NotContains(t, out, m.GetName(), "metric sent twice")
		out[m.GetName()] = m
	}
	return out, rms[0]
}

func attrs(kvs []*commonpb.KeyValue) map[string]*commonpb.AnyValue {
	out := map[string]*commonpb.AnyValue{}
	for _, kv := range kvs {
		out[kv.GetKey()] = kv.GetValue()
	}
	return out
}

func TestExportMatchesTheRunModel(t *testing.T) {
	rcv := startReceiver(t)
	res := exporttest.Run(t)
	run := &res.Run
	exp := &otlp.Exporter{Endpoint: rcv.URL, Headers: map[string]string{"Authorization": "Bearer s3cret"}}
	require.NoError(t, exp.Export(t.Context(), run))

	ms, rm := rcv.metrics(t)
	assert.Equal(t, "/v1/metrics", rcv.paths[0])
	assert.Equal(t, "Bearer s3cret", rcv.headers[0].Get("Authorization"))
	assert.Equal(t, "llmtest", attrs(rm.GetResource().GetAttributes())["service.name"].GetStringValue())

	checkPoint := func(name string, a []*commonpb.KeyValue, startNano, timeNano uint64) {
		t.Helper()
		got := attrs(a)
		assert.Equal(t, "export-test", got["llmtest.run"].GetStringValue(), "%s: llmtest.run", name)
		assert.Equal(t, run.Endpoint.Model, got["llmtest.model"].GetStringValue(), "%s: llmtest.model", name)
		assert.Equal(t, int64(2), got["llmtest.clients"].GetIntValue(), "%s: llmtest.clients", name)
		assert.Equal(t, int64(10), got["llmtest.requests"].GetIntValue(), "%s: llmtest.requests", name)
		assert.Equal(t, int64(60), got["llmtest.timeout"].GetIntValue(), "%s: llmtest.timeout", name)
		assert.Equal(t, uint64(run.StartTime.UnixNano()), startNano, "%s: start time", name)
		assert.Equal(t, uint64(run.EndTime.UnixNano()), timeNano, "%s: time", name)
	}
	sum := func(name string) int64 {
		t.Helper()
		m := ms[name]
		require.NotNil(t, m, "no metric %s", name)
		s := m.GetSum()
		require.NotNil(t, s, "%s is not a sum", name)
		assert.True(t, s.GetIsMonotonic(), name)
		assert.Equal(t, metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE, s.GetAggregationTemporality(), name)
		require.Len(t, s.GetDataPoints(), 1, name)
		p := s.GetDataPoints()[0]
		checkPoint(name, p.GetAttributes(), p.GetStartTimeUnixNano(), p.GetTimeUnixNano())
		return p.GetAsInt()
	}
	gauge := func(name string) float64 {
		t.Helper()
		m := ms[name]
		require.NotNil(t, m, "no metric %s", name)
		require.Len(t, m.GetGauge().GetDataPoints(), 1, name)
		p := m.GetGauge().GetDataPoints()[0]
		checkPoint(name, p.GetAttributes(), p.GetStartTimeUnixNano(), p.GetTimeUnixNano())
		return p.GetAsDouble()
	}
	assert.Equal(t, int64(run.Counts.Total), sum("llmtest.requests"))
	assert.Equal(t, "{request}", ms["llmtest.requests"].GetUnit())
	assert.Equal(t, int64(run.Counts.Failed), sum("llmtest.failed_requests"))
	assert.Equal(t, int64(run.Tokens.Input), sum("llmtest.input_tokens"))
	assert.Equal(t, int64(run.Tokens.Output), sum("llmtest.output_tokens"))
	assert.Equal(t, "{token}", ms["llmtest.output_tokens"].GetUnit())
	assert.InDelta(t, run.OutputTokensPerSecond(), gauge("llmtest.output_tokens_per_second"), 1e-9)
	assert.InDelta(t, run.RequestsPerMinute(), gauge("llmtest.requests_per_minute"), 1e-9)
	assert.InDelta(t, run.TestTime, gauge("llmtest.test_duration"), 1e-12)
	assert.Equal(t, "s", ms["llmtest.test_duration"].GetUnit())
	assert.Equal(t, float64(len(run.Failures())), gauge("llmtest.checks_failed"))

	cp := ms["llmtest.check_passed"].GetGauge().GetDataPoints()
	require.Len(t, cp, len(run.Checks))
	for i, p := range cp {
		assert.Equal(t, run.Checks[i].Expression, attrs(p.GetAttributes())["llmtest.check"].GetStringValue())
		assert.Equal(t, run.Checks[i].Pass, p.GetAsInt() == 1, run.Checks[i].Expression)
	}

	// The connections and the cost: every key of stats.json's, once.
	require.NotNil(t, run.Cost)
	require.NotNil(t, run.Connections)
	want := map[string]float64{}
	for k, v := range run.Stats() {
		if strings.HasPrefix(k, "cost_") || strings.HasPrefix(k, "connections_") {
			want[k] = v
		}
	}
	got := map[string]float64{}
	for _, metric := range []struct {
		name, unit string
		key        func(a map[string]*commonpb.AnyValue) string
	}{
		{"llmtest.connections", "{request}", func(a map[string]*commonpb.AnyValue) string {
			require.Contains(t, a, "llmtest.reused")
			if a["llmtest.reused"].GetBoolValue() {
				return "connections_reused"
			}
			return "connections_new"
		}},
		{"llmtest.cost", "{cost}", func(map[string]*commonpb.AnyValue) string { return "cost_total" }},
		{"llmtest.dimension_cost", "{cost}", func(a map[string]*commonpb.AnyValue) string {
			return "cost_" + a["llmtest.dimension"].GetStringValue()
		}},
		{"llmtest.cost_per_request", "{cost}", func(a map[string]*commonpb.AnyValue) string {
			return reporters.StatKey("cost_per_request", a["llmtest.aggregate"].GetStringValue())
		}},
		{"llmtest.dimension_cost_per_request", "{cost}", func(a map[string]*commonpb.AnyValue) string {
			return reporters.StatKey("cost_"+a["llmtest.dimension"].GetStringValue()+"_per_request", a["llmtest.aggregate"].GetStringValue())
		}},
	} {
		m := ms[metric.name]
		require.NotNil(t, m, "no metric %s", metric.name)
		assert.Equal(t, metric.unit, m.GetUnit(), metric.name)
		var points []*metricpb.NumberDataPoint
		if strings.HasSuffix(metric.name, "per_request") {
			require.NotNil(t, m.GetGauge(), "%s is not a gauge", metric.name)
			points = m.GetGauge().GetDataPoints()
		} else {
			s := m.GetSum()
			require.NotNil(t, s, "%s is not a sum", metric.name)
			assert.True(t, s.GetIsMonotonic(), metric.name)
			assert.Equal(t, metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE, s.GetAggregationTemporality(), metric.name)
			points = s.GetDataPoints()
		}
		for _, p := range points {
			checkPoint(metric.name, p.GetAttributes(), p.GetStartTimeUnixNano(), p.GetTimeUnixNano())
			k := metric.key(attrs(p.GetAttributes()))
			require.NotContains(t, got, k, metric.name)
			if metric.name == "llmtest.connections" {
				got[k] = float64(p.GetAsInt())
			} else {
				got[k] = p.GetAsDouble()
			}
		}
	}
	assert.Equal(t, want, got)
	assert.Len(t, got, 2+1+3+4+2*4, "connections, the total, 3 dimensions, 4 aggregates of a request's cost and of its 2 dimensions'")
	assert.Positive(t, got["cost_total"])

	seen := 0
	for i := range run.Metrics {
		m := &run.Metrics[i]
		if m.N == 0 {
			continue
		}
		seen++
		name := "llmtest." + strings.ReplaceAll(m.Name, "-", "_")
		hm := ms[name]
		require.NotNil(t, hm, "no histogram %s", name)
		h := hm.GetHistogram()
		require.NotNil(t, h, "%s is not a histogram", name)
		assert.Equal(t, metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE, h.GetAggregationTemporality(), name)
		require.Len(t, h.GetDataPoints(), 1)
		p := h.GetDataPoints()[0]
		checkPoint(name, p.GetAttributes(), p.GetStartTimeUnixNano(), p.GetTimeUnixNano())
		assert.Equal(t, uint64(m.N), p.GetCount(), name)
		assert.InDelta(t, m.Sum, p.GetSum(), 1e-9*m.Sum, name)
		assert.Equal(t, m.Min, p.GetMin(), name)
		assert.Equal(t, m.Max, p.GetMax(), name)
		assert.Equal(t, runmetrics.Bounds(m.Unit), p.GetExplicitBounds(), name)
		require.Len(t, p.GetBucketCounts(), len(p.GetExplicitBounds())+1, name)

		// Each bucket holds the samples in (previous bound, bound], within
		// the run histogram's resolution at either bound.
		samples := res.Samples(llmtest.Metric(m.Name))
		require.Len(t, samples, m.N)
		scale := 1.0
		if m.Unit == reporters.UnitSeconds {
			scale = 1e9
		}
		var total uint64
		lo := -1.0
		for j, c := range p.GetBucketCounts() {
			total += c
			hi := 1e300
			if j < len(p.GetExplicitBounds()) {
				hi = p.GetExplicitBounds()[j] * scale
			}
			var exact, near int
			for _, v := range samples {
				if v > lo && v <= hi {
					exact++
				}
				for _, b := range []float64{lo, hi} {
					if b > 0 && v >= b*(1-reporters.RelativeError) && v <= b*(1+reporters.RelativeError) {
						near++
					}
				}
			}
			assert.InDelta(t, exact, c, float64(near), "%s bucket %d", name, j)
			lo = hi
		}
		assert.Equal(t, uint64(m.N), total, name)

		q := ms[name+".quantiles"].GetSummary()
		require.NotNil(t, q, "no summary %s.quantiles", name)
		require.Len(t, q.GetDataPoints(), 1)
		sp := q.GetDataPoints()[0]
		assert.Equal(t, uint64(m.N), sp.GetCount())
		want := map[float64]float64{0: m.Min, 0.5: m.P50, 0.9: m.P90, 0.95: m.P95, 0.99: m.P99, 0.999: m.P999, 1: m.Max}
		require.Len(t, sp.GetQuantileValues(), len(want))
		for _, qv := range sp.GetQuantileValues() {
			assert.Equal(t, want[qv.GetQuantile()], qv.GetValue(), "%s quantile %g", name, qv.GetQuantile())
		}
	}
	assert.GreaterOrEqual(t, seen, 6)
	assert.Equal(t, "s", ms["llmtest.time_to_first_token"].GetUnit())
	assert.Equal(t, "{token}", ms["llmtest.num_tokens_output"].GetUnit())
}

func TestExporterAsCallback(t *testing.T) {
	rcv := startReceiver(t)
	res := exporttest.Run(t, &otlp.Exporter{Endpoint: rcv.URL + "/otlp/v1/metrics"})
	ms, _ := rcv.metrics(t)
	assert.Equal(t, "/otlp/v1/metrics", rcv.paths[0], "a URL with a path is used as it is")
	require.NotNil(t, ms["llmtest.requests"])
	assert.Equal(t, int64(res.Run.Counts.Total), ms["llmtest.requests"].GetSum().GetDataPoints()[0].GetAsInt())
	assert.NotContains(t, ms, "llmtest.check_passed", "the callback runs before the checks")
	require.NotNil(t, ms["llmtest.cost"], "the callback runs after the CostModel")
	assert.Equal(t, res.Run.Cost.Total, ms["llmtest.cost"].GetSum().GetDataPoints()[0].GetAsDouble())
}

func TestExportRefusedNamesTheEndpointNotTheHeaders(t *testing.T) {
	rcv := startReceiver(t)
	rcv.status = http.StatusBadRequest // not retried
	res := exporttest.Run(t)
	exp := &otlp.Exporter{Endpoint: rcv.URL, Headers: map[string]string{"Authorization": "Bearer s3cret"}, Timeout: 5 * time.Second}
	err := exp.Export(t.Context(), &res.Run)
	require.Error(t, err)
	assert.Contains(t, err.Error(), rcv.URL+"/v1/metrics")
	assert.NotContains(t, err.Error(), "s3cret")
}

// TestExportRefusedEchoesNoHeaderSecret checks the error of a receiver
// that refuses the export with a body echoing the credentials it got —
// the token of an Authorization header without its scheme, upper-cased,
// and a header from OTEL_EXPORTER_OTLP_HEADERS: none reaches the error.
func TestExportRefusedEchoesNoHeaderSecret(t *testing.T) {
	const token = "tok-llmtest-FAKE-OTLP-9c2e"
	const envKey = "envkey-llmtest-FAKE-OTLP-41d7"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		http.Error(w, "echo: "+tok+" "+strings.ToUpper(tok)+" "+r.Header.Get("X-Api-Key"), http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	res := exporttest.Run(t)
	for _, c := range []struct {
		name    string
		headers map[string]string
		env     string
	}{
		{"headers", map[string]string{"Authorization": "Bearer " + token}, ""},
		{"environment", nil, "x-api-key=" + envKey + ",authorization=Bearer%20" + token},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", c.env)
			exp := &otlp.Exporter{Endpoint: srv.URL, Headers: c.headers, Timeout: 5 * time.Second}
			err := exp.Export(t.Context(), &res.Run)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "echo: ", "the receiver's body is in the error")
			for _, s := range []string{token, envKey} {
				assert.NotContains(t, strings.ToLower(err.Error()), strings.ToLower(s))
			}
		})
	}
}

func TestParseEndpoint(t *testing.T) {
	u, err := otlp.ParseEndpoint("https://collector:4318")
	require.NoError(t, err)
	assert.Equal(t, "https://collector:4318/v1/metrics", u.String())
	u, err = otlp.ParseEndpoint("http://collector:4318/")
	require.NoError(t, err)
	assert.Equal(t, "http://collector:4318/v1/metrics", u.String())

	for in, want := range map[string]string{
		"localhost:4318":             "no http:// or https://",
		"bob:pa55@collector:4318":    "no http:// or https://",
		"ftp://collector":            "want an http:// or https:// URL",
		"http:///v1/metrics":         "no host",
		"http://bob:pa55@collector/": "user info in the URL",
		"http://collector:x y":       "not a URL",
	} {
		_, err := otlp.ParseEndpoint(in)
		require.ErrorIs(t, err, otlp.ErrEndpoint, in)
		assert.ErrorContains(t, err, want, in)
		assert.NotContains(t, err.Error(), "pa55", in)
	}
	err = (&otlp.Exporter{Endpoint: "collector:4318"}).Export(t.Context(), &reporters.Run{})
	assert.ErrorIs(t, err, otlp.ErrEndpoint)
	assert.Error(t, (&otlp.Exporter{}).Export(t.Context(), nil))
}
