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
