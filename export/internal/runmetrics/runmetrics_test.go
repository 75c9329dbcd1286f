package runmetrics_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/export/internal/runmetrics"
	"github.com/llmtest/llmtest/reporters"
)

func TestParamsLeaveOutZeroValues(t *testing.T) {
	run := &reporters.Run{
		Name:     "r",
		Endpoint: reporters.Endpoint{Provider: "openai", Model: "m"},
		Config:   reporters.Config{Rate: 12.5, Arrival: "poisson", Requests: 100, LowMemory: true, Timeout: 60},
	}
	assert.Equal(t, []runmetrics.Param{
		{Key: "run", Value: "r"},
		{Key: "provider", Value: "openai"},
		{Key: "model", Value: "m"},
		{Key: "requests", Value: "100", Number: true},
		{Key: "rate", Value: "12.5", Number: true},
		{Key: "arrival", Value: "poisson"},
		{Key: "low_memory", Value: "true", Bool: true},
		{Key: "timeout", Value: "60", Number: true},
	}, runmetrics.Params(run))
}

func TestFigures(t *testing.T) {
	run := &reporters.Run{Counts: reporters.Counts{Total: 10, Failed: 2}, Tokens: reporters.Tokens{Output: 50}, TestTime: 5}
	byName := map[string]runmetrics.Figure{}
	for _, f := range runmetrics.Figures(run) {
		byName[f.Name] = f
	}
	assert.Equal(t, 10.0, byName["requests"].Value)
	assert.Equal(t, runmetrics.Counter, byName["requests"].Kind)
	assert.Equal(t, 0.2, byName["failed_requests_ratio"].Value)
	assert.Equal(t, 10.0, byName["output_tokens_per_second"].Value)
	assert.Equal(t, runmetrics.Gauge, byName["output_tokens_per_second"].Kind)
	assert.NotContains(t, byName, "generator_saturated", "no self-check")
	assert.NotContains(t, byName, "checks_failed", "no checks")
	assert.NotContains(t, byName, "connections", "no traced request")
	assert.NotContains(t, byName, "cost", "not priced")
	assert.Equal(t, "time_to_first_token_from_intended", runmetrics.SnakeName("time_to_first_token-from-intended"))
}

// statKey returns the LLMeter stats key a cost figure stands for.
func statKey(f runmetrics.Figure) string {
	l := map[string]string{}
	for _, p := range f.Labels {
		l[p.Key] = p.Value
	}
	switch f.Name {
	case "cost":
		return "cost_total"
	case "dimension_cost":
		return "cost_" + l["dimension"]
	case "cost_per_request":
		return reporters.StatKey("cost_per_request", l["aggregate"])
	case "dimension_cost_per_request":
		return reporters.StatKey("cost_"+l["dimension"]+"_per_request", l["aggregate"])
	}
	return "not a cost: " + f.Name
}

func TestCostFiguresAreTheCostStats(t *testing.T) {
	agg := func(n int, avg, p50, p90, p99 float64) *reporters.CostAggregate {
		return &reporters.CostAggregate{N: n, Average: avg, P50: p50, P90: p90, P99: p99}
	}
	cost := &reporters.Cost{
		Total: 0.75,
		Dimensions: []reporters.CostDimension{
			{Name: reporters.CostInputTokens, Kind: reporters.CostPerRequest, Total: 0.25, PerRequest: agg(4, 0.0625, 0.06, 0.07, 0.08)},
			{Name: reporters.CostOutputTokens, Kind: reporters.CostPerRequest, Total: 0.375, PerRequest: agg(4, 0.09375, 0.09, 0.1, 0.11)},
			{Name: reporters.CostEndpointTime, Kind: reporters.CostPerRun, Total: 0.125},
		},
		PerRequest: *agg(4, 0.15625, 0.15, 0.17, 0.19),
	}
	run := &reporters.Run{Cost: cost}
	got := map[string]float64{}
	for _, f := range runmetrics.Figures(run) {
		if f.Unit != runmetrics.UnitCost {
			continue
		}
		k := statKey(f)
		assert.NotContains(t, got, k, "two figures for %s", k)
		got[k] = f.Value
		if strings.HasSuffix(f.Name, "per_request") {
			assert.Equal(t, runmetrics.Gauge, f.Kind, k)
		} else {
			assert.Equal(t, runmetrics.Counter, f.Kind, k)
		}
	}
	assert.Equal(t, cost.Stats(), got)
	assert.Len(t, got, 1+3+4+2*4)

	// No request priced: the totals alone, as in stats.json.
	run.Cost = &reporters.Cost{Dimensions: []reporters.CostDimension{{Name: reporters.CostEndpointTime, Kind: reporters.CostPerRun, Total: 0.5}}, Total: 0.5}
	clear(got)
	for _, f := range runmetrics.CostFigures(run.Cost) {
		got[statKey(f)] = f.Value
	}
	assert.Equal(t, run.Cost.Stats(), got)
	assert.Nil(t, runmetrics.CostFigures(nil))
}

func TestConnectionFigures(t *testing.T) {
	run := &reporters.Run{Connections: &reporters.Connections{Traced: 10, Reused: 7}}
	var got []runmetrics.Figure
	for _, f := range runmetrics.Figures(run) {
		if f.Name == "connections" {
			got = append(got, f)
		}
	}
	require.Len(t, got, 2)
	stats := run.Stats()
	for _, f := range got {
		require.Len(t, f.Labels, 1)
		assert.Equal(t, runmetrics.Param{Key: "reused", Value: f.Labels[0].Value, Bool: true}, f.Labels[0])
		assert.Equal(t, runmetrics.Counter, f.Kind)
		want := stats["connections_new"]
		if f.Labels[0].Value == "true" {
			want = stats["connections_reused"]
		}
		assert.Equal(t, want, f.Value, "reused=%s", f.Labels[0].Value)
	}
	assert.Equal(t, "false", got[0].Labels[0].Value)
	assert.Equal(t, 3.0, got[0].Value)
	assert.Nil(t, runmetrics.ConnectionFigures(nil), "an untraced run has none")
}
