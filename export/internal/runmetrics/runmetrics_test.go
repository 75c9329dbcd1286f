package runmetrics_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

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
	assert.Equal(t, "time_to_first_token_from_intended", runmetrics.SnakeName("time_to_first_token-from-intended"))
}
