package prom_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/export/internal/exporttest"
	"github.com/llmtest/llmtest/export/prom"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// parse parses the text format with Prometheus' own parser.
func parse(t *testing.T, text []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(text))
	require.NoError(t, err, "%s", text)
	return fams
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// one returns the only sample of a family, checking its run label.
func one(t *testing.T, fams map[string]*dto.MetricFamily, name string, typ dto.MetricType) *dto.Metric {
	t.Helper()
	fam := fams[name]
	require.NotNil(t, fam, "no family %s", name)
	require.Equal(t, typ, fam.GetType(), name)
	require.Len(t, fam.GetMetric(), 1, name)
	m := fam.GetMetric()[0]
	assert.Equal(t, "export-test", labels(m)["run"], "%s: run label", name)
	return m
}

func TestWriterMatchesTheRunModel(t *testing.T) {
	res := exporttest.Run(t)
	run := &res.Run
	require.Positive(t, run.Counts.Total)
	var b bytes.Buffer
	require.NoError(t, prom.NewWriter(&b).Write(run))
	fams := parse(t, b.Bytes())

	counter := func(name string) float64 {
		return one(t, fams, name, dto.MetricType_COUNTER).GetCounter().GetValue()
	}
	gauge := func(name string) float64 {
		return one(t, fams, name, dto.MetricType_GAUGE).GetGauge().GetValue()
	}
	assert.Equal(t, float64(run.Counts.Total), counter("llmtest_requests_total"))
	assert.Equal(t, float64(run.Counts.Failed), counter("llmtest_failed_requests_total"))
	assert.Equal(t, float64(run.Tokens.Input), counter("llmtest_input_tokens_total"))
	assert.Equal(t, float64(run.Tokens.Output), counter("llmtest_output_tokens_total"))
	assert.InDelta(t, run.RequestsPerMinute(), gauge("llmtest_requests_per_minute"), 1e-9)
	assert.InDelta(t, run.OutputTokensPerSecond(), gauge("llmtest_output_tokens_per_second"), 1e-9)
	assert.InDelta(t, run.TestTime, gauge("llmtest_test_duration_seconds"), 1e-12)
	assert.InDelta(t, float64(run.StartTime.UnixNano())/1e9, gauge("llmtest_start_timestamp_seconds"), 1e-3)
	assert.Equal(t, float64(len(run.Failures())), gauge("llmtest_checks_failed"))

	info := labels(one(t, fams, "llmtest_run_info", dto.MetricType_GAUGE))
	assert.Equal(t, "2", info["clients"])
	assert.Equal(t, "10", info["requests"])
	assert.Equal(t, run.Endpoint.Model, info["model"])
	assert.Equal(t, run.Endpoint.Provider, info["provider"])

	checks := fams["llmtest_check_passed"]
	require.NotNil(t, checks)
	require.Len(t, checks.GetMetric(), len(run.Checks))
	for i, m := range checks.GetMetric() {
		assert.Equal(t, run.Checks[i].Expression, labels(m)["check"])
		assert.Equal(t, run.Checks[i].Pass, m.GetGauge().GetValue() == 1, run.Checks[i].Expression)
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
	for _, fam := range []struct {
		name string
		typ  dto.MetricType
		key  func(l map[string]string) string
	}{
		{"llmtest_connections_total", dto.MetricType_COUNTER, func(l map[string]string) string {
			return map[string]string{"true": "connections_reused", "false": "connections_new"}[l["reused"]]
		}},
		{"llmtest_cost_total", dto.MetricType_COUNTER, func(map[string]string) string { return "cost_total" }},
		{"llmtest_dimension_cost_total", dto.MetricType_COUNTER, func(l map[string]string) string { return "cost_" + l["dimension"] }},
		{"llmtest_cost_per_request", dto.MetricType_GAUGE, func(l map[string]string) string {
			return reporters.StatKey("cost_per_request", l["aggregate"])
		}},
		{"llmtest_dimension_cost_per_request", dto.MetricType_GAUGE, func(l map[string]string) string {
			return reporters.StatKey("cost_"+l["dimension"]+"_per_request", l["aggregate"])
		}},
	} {
		f := fams[fam.name]
		require.NotNil(t, f, "no family %s", fam.name)
		require.Equal(t, fam.typ, f.GetType(), fam.name)
		for _, m := range f.GetMetric() {
			l := labels(m)
			assert.Equal(t, "export-test", l["run"], "%s: run label", fam.name)
			k := fam.key(l)
			require.NotContains(t, got, k, "%s %v", fam.name, l)
			if fam.typ == dto.MetricType_COUNTER {
				got[k] = m.GetCounter().GetValue()
			} else {
				got[k] = m.GetGauge().GetValue()
			}
		}
	}
	assert.Equal(t, want, got)
	assert.Len(t, got, 2+1+3+4+2*4, "connections, the total, 3 dimensions, 4 aggregates of a request's cost and of its 2 dimensions'")
	assert.Positive(t, got["cost_total"])
	assert.Equal(t, float64(run.Connections.Reused), got["connections_reused"])

	seen := 0
	for i := range run.Metrics {
		m := &run.Metrics[i]
		if m.N == 0 {
			continue
		}
		seen++
		name := "llmtest_" + strings.ReplaceAll(m.Name, "-", "_")
		if m.Unit == reporters.UnitSeconds {
			name += "_seconds"
		}
		h := one(t, fams, name, dto.MetricType_HISTOGRAM).GetHistogram()
		assert.Equal(t, uint64(m.N), h.GetSampleCount(), name)
		assert.InDelta(t, m.Sum, h.GetSampleSum(), 1e-9*m.Sum, name)
		samples := res.Samples(llmtest.Metric(m.Name)) // exact, ns or tokens
		require.Len(t, samples, m.N, name)
		scale := 1.0
		if m.Unit == reporters.UnitSeconds {
			scale = 1e9
		}
		for _, bk := range h.GetBucket() {
			le := bk.GetUpperBound() * scale
			var exact, near int
			for _, v := range samples {
				if v <= le {
					exact++
				}
				if v >= le*(1-reporters.RelativeError) && v <= le*(1+reporters.RelativeError) {
					near++
				}
			}
			assert.InDelta(t, exact, bk.GetCumulativeCount(), float64(near), "%s le=%g", name, bk.GetUpperBound())
		}

		summaryName := strings.TrimSuffix(name, "_seconds") + "_summary"
		if m.Unit == reporters.UnitSeconds {
			summaryName += "_seconds"
		}
		s := one(t, fams, summaryName, dto.MetricType_SUMMARY).GetSummary()
		assert.Equal(t, uint64(m.N), s.GetSampleCount(), summaryName)
		want := map[float64]float64{0: m.Min, 0.5: m.P50, 0.9: m.P90, 0.95: m.P95, 0.99: m.P99, 0.999: m.P999, 1: m.Max}
		require.Len(t, s.GetQuantile(), len(want), summaryName)
		for _, q := range s.GetQuantile() {
			assert.Equal(t, want[q.GetQuantile()], q.GetValue(), "%s quantile %g", summaryName, q.GetQuantile())
		}
	}
	assert.GreaterOrEqual(t, seen, 6, "ttft, ttfo, ttlt, tpot, itl, input and output tokens have samples")
	assert.Contains(t, fams, "llmtest_time_to_first_token_seconds")
	assert.Contains(t, fams, "llmtest_num_tokens_output")
}

func TestFileCallbackWritesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "llmtest.prom")
	res := exporttest.Run(t, prom.File{Path: path})
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	fams := parse(t, text)
	assert.Equal(t, float64(res.Run.Counts.Total), one(t, fams, "llmtest_requests_total", dto.MetricType_COUNTER).GetCounter().GetValue())
	_, hasChecks := fams["llmtest_check_passed"]
	assert.False(t, hasChecks, "the callback runs before the checks")
	assert.Equal(t, res.Run.Cost.Total, one(t, fams, "llmtest_cost_total", dto.MetricType_COUNTER).GetCounter().GetValue(),
		"the callback runs after the CostModel")

	// WriteFile replaces the file whole and leaves no temporary file.
	require.NoError(t, prom.WriteFile(path, &res.Run))
	text, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, parse(t, text), "llmtest_check_passed")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "llmtest.prom", entries[0].Name())

	err = prom.WriteFile(filepath.Join(dir, "missing", "x.prom"), &res.Run)
	assert.ErrorContains(t, err, "missing")
	assert.Error(t, prom.NewWriter(&bytes.Buffer{}).Write(nil))
}

func TestUnpricedUntracedRunHasNoCostNorConnections(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, prom.NewWriter(&b).Write(&reporters.Run{Name: "bare"}))
	fams := parse(t, b.Bytes())
	assert.Contains(t, fams, "llmtest_requests_total")
	for _, name := range []string{"llmtest_connections_total", "llmtest_cost_total", "llmtest_dimension_cost_total",
		"llmtest_cost_per_request", "llmtest_dimension_cost_per_request"} {
		assert.NotContains(t, fams, name)
	}
}
