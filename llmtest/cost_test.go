package llmtest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/reporters"
)

// priced returns a successful invocation with these token counts.
func priced(in, cached, out int) Invocation {
	return Invocation{
		NumTokensInput: in, InputTokensFrom: FromServer, NumTokensInputCached: cached,
		NumTokensOutput: out, OutputTokensFrom: FromServer, NumTokensVisible: out,
	}
}

func TestCostModelArithmetic(t *testing.T) {
	m := &CostModel{
		Input:        &TokenPrice{PerMillion: 3},
		CachedInput:  &TokenPrice{PerMillion: 0.3},
		Output:       &TokenPrice{PerMillion: 15},
		EndpointTime: &TimePrice{PerHour: 7.2},
	}
	ctx := t.Context()
	require.NoError(t, m.BeforeRun(ctx, Config{}))
	invs := []Invocation{priced(1000, 0, 100), priced(2000, 500, 200), priced(3000, 0, 300)}
	failed := priced(9000, 0, 900)
	failed.Error = "boom"
	warm := priced(9000, 0, 900)
	warm.Warmup = true
	invs = append(invs, failed, warm)
	for i := range invs {
		require.NoError(t, m.AfterInvoke(ctx, &invs[i]))
	}
	res := &Result{}
	res.Run.TestTime = 61.2
	require.NoError(t, m.AfterRun(ctx, res))
	c := res.Run.Cost
	require.NotNil(t, c)

	const eps = 1e-12
	// Uncached input: 1000 + 1500 + 3000 = 5500 tokens at 3/M; cached: 500
	// at 0.3/M; output: 600 at 15/M; time: 61.2s billed as 62s at 7.2/h.
	// The failed and the warm-up request are not priced.
	want := map[string]float64{
		"cost_InputTokens":       5500 * 3 / 1e6,
		"cost_CachedInputTokens": 500 * 0.3 / 1e6,
		"cost_OutputTokens":      600 * 15 / 1e6,
		"cost_EndpointTime":      62 * 7.2 / 3600,
		"cost_total":             0.0165 + 0.00015 + 0.009 + 0.124,
		// Per request: 0.0045, 0.00765, 0.0135.
		"cost_per_request-average":               (0.0045 + 0.00765 + 0.0135) / 3,
		"cost_per_request-p50":                   0.00765,
		"cost_per_request-p90":                   0.00765 + 0.8*(0.0135-0.00765),
		"cost_per_request-p99":                   0.00765 + 0.98*(0.0135-0.00765),
		"cost_InputTokens_per_request-p50":       0.0045,
		"cost_CachedInputTokens_per_request-p99": 0.98 * 0.00015,
		"cost_OutputTokens_per_request-average":  0.003,
	}
	stats := res.Run.Stats()
	for k, v := range want {
		got, ok := stats[k]
		if assert.True(t, ok, "stats has %s", k) {
			assert.InDelta(t, v, got, eps, k)
		}
	}
	assert.Equal(t, 62.0, c.Dimension(reporters.CostEndpointTime).Quantity, "billed seconds")
	assert.Equal(t, 5500.0, c.Dimension(reporters.CostInputTokens).Quantity, "billed tokens")
	assert.Equal(t, 3, c.PerRequest.N)
	assert.True(t, c.PerRequest.Exact)

	// Again, from BeforeRun: nothing of the first run is left.
	require.NoError(t, m.BeforeRun(ctx, Config{}))
	one := priced(1000, 0, 0)
	require.NoError(t, m.AfterInvoke(ctx, &one))
	require.NoError(t, m.AfterRun(ctx, res))
	assert.InDelta(t, 0.003+0.124, res.Run.Cost.Total, eps, "a second run starts afresh")
}

func TestCostModelWithoutCachedPricesCachedAsInput(t *testing.T) {
	m := &CostModel{Input: &TokenPrice{PerMillion: 2}}
	require.NoError(t, m.BeforeRun(t.Context(), Config{}))
	inv := priced(1000, 400, 10)
	require.NoError(t, m.AfterInvoke(t.Context(), &inv))
	res := &Result{}
	require.NoError(t, m.AfterRun(t.Context(), res))
	assert.InDelta(t, 0.002, res.Run.Cost.Total, 1e-15, "as LLMeter: every input token at the input price")
	assert.NotContains(t, res.Run.Stats(), "cost_EndpointTime")
	assert.NotContains(t, res.Run.Stats(), "cost_OutputTokens")
}

func TestBilledSeconds(t *testing.T) {
	cases := []struct{ seconds, granularity, minimum, want float64 }{
		{61.2, 1, 0, 62},
		{61, 1, 0, 61},
		{3.0000000000001, 1, 0, 3}, // float noise bills no extra second
		{0.5, 1, 60, 60},           // the minimum
		{125, 60, 0, 180},          // per minute
		{125, 60, 300, 300},
		{0, 1, 0, 0},
		{1.25, 0, 0, 1.25}, // no granularity
	}
	for _, c := range cases {
		assert.Equal(t, c.want, reporters.BilledSeconds(c.seconds, c.granularity, c.minimum), "%+v", c)
	}
}

func TestCostModelTokenGranularity(t *testing.T) {
	m := &CostModel{Output: &TokenPrice{PerMillion: 1e6, Granularity: 1000}}
	require.NoError(t, m.BeforeRun(t.Context(), Config{}))
	for _, n := range []int{1, 1000, 1001} {
		inv := priced(5, 0, n)
		require.NoError(t, m.AfterInvoke(t.Context(), &inv))
	}
	res := &Result{}
	require.NoError(t, m.AfterRun(t.Context(), res))
	d := res.Run.Cost.Dimension(reporters.CostOutputTokens)
	assert.Equal(t, 4000.0, d.Quantity, "1 → 1000, 1000 → 1000, 1001 → 2000")
	assert.Equal(t, 4000.0, d.Total)
}

func TestCostModelValidate(t *testing.T) {
	cases := []struct {
		m    CostModel
		want string
	}{
		{CostModel{}, "no dimension is priced"},
		{CostModel{Input: &TokenPrice{PerMillion: -1}}, "CostModel.Input.PerMillion: want a finite price ≥ 0, got -1"},
		{CostModel{Output: &TokenPrice{Granularity: -2}}, "CostModel.Output.Granularity"},
		{CostModel{EndpointTime: &TimePrice{PerHour: 1, Minimum: -time.Second}}, "CostModel.EndpointTime.Minimum"},
	}
	for _, c := range cases {
		err := c.m.BeforeRun(t.Context(), Config{})
		if assert.Error(t, err) {
			assert.Contains(t, err.Error(), c.want)
		}
	}
	ok := CostModel{Input: &TokenPrice{PerMillion: 0}}
	assert.NoError(t, ok.Validate(), "a zero price prices the dimension at 0")
}

// costRun runs 6 requests of known usage through a cost model, writing
// the run folder under out.
func costRun(t *testing.T, out string, lowMemory bool, m *CostModel) *Result {
	t.Helper()
	ep := &fakeEndpoint{Chunks: []string{"a", " b"}, Usage: endpoints.Usage{InputTokens: 100, CachedInputTokens: 40, OutputTokens: 2}}
	res, err := (&Runner{}).Run(t.Context(), Config{
		Endpoint: ep, Payloads: prompts(3), Clients: 2, Requests: 3,
		OutputPath: out, RunName: "priced", LowMemory: lowMemory, Callbacks: []Callback{m},
	})
	require.NoError(t, err)
	return res
}

func newTestCostModel() *CostModel {
	return &CostModel{
		Input:        &TokenPrice{PerMillion: 1},
		CachedInput:  &TokenPrice{PerMillion: 0.5},
		Output:       &TokenPrice{PerMillion: 10},
		EndpointTime: &TimePrice{PerHour: 36, Minimum: time.Minute},
	}
}

func TestCostInRunFolder(t *testing.T) {
	for _, lowMemory := range []bool{false, true} {
		out := t.TempDir()
		res := costRun(t, out, lowMemory, newTestCostModel())
		dir := filepath.Join(out, "priced")

		var stats map[string]any
		b, err := os.ReadFile(filepath.Join(dir, StatsFile))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &stats))
		for _, k := range []string{"cost_total", "cost_InputTokens", "cost_CachedInputTokens", "cost_OutputTokens", "cost_EndpointTime",
			"cost_per_request-average", "cost_per_request-p50", "cost_per_request-p90", "cost_per_request-p99",
			"cost_InputTokens_per_request-p50", "cost_OutputTokens_per_request-p99", "total_cached_input_tokens"} {
			assert.Contains(t, stats, k, "stats.json (low memory %v)", lowMemory)
		}
		// 6 requests: 60 uncached and 40 cached input tokens, 2 output each;
		// the run lasts well under the 60s minimum.
		assert.Equal(t, 600.0, stats["total_input_tokens"])
		assert.Equal(t, 240.0, stats["total_cached_input_tokens"])
		assert.InDelta(t, 360*1/1e6, stats["cost_InputTokens"], 1e-15)
		assert.InDelta(t, 240*0.5/1e6, stats["cost_CachedInputTokens"], 1e-15)
		assert.InDelta(t, 12*10/1e6, stats["cost_OutputTokens"], 1e-15)
		assert.InDelta(t, 60*36/3600.0, stats["cost_EndpointTime"], 1e-15)
		assert.InDelta(t, (60+20+20)/1e6, stats["cost_per_request-p50"], 1e-15, "every request costs the same")
		assert.Equal(t, 6, res.Run.Cost.PerRequest.N)
		assert.Equal(t, !lowMemory, res.Run.Cost.PerRequest.Exact)

		// Every report shows it; report.json reads back with it.
		md, err := os.ReadFile(filepath.Join(dir, ReportMarkdownFile))
		require.NoError(t, err)
		assert.Contains(t, string(md), "Cost: 0.6006: InputTokens 0.00036 (360 tokens)")
		assert.Contains(t, res.SummaryText(), "cost 0.6006: InputTokens 0.00036 (360 tokens), CachedInputTokens 0.00012 (240 tokens), OutputTokens 0.00012 (12 tokens), EndpointTime 0.6000 (60s billed); per request avg 0.0001, p50 0.0001, p99 0.0001 (n=6)\n")
		var report map[string]any
		b, err = os.ReadFile(filepath.Join(dir, ReportJSONFile))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &report))
		assert.Contains(t, report, "cost")
		loaded, err := LoadResult(dir)
		require.NoError(t, err)
		require.NotNil(t, loaded.Run.Cost)
		assert.Equal(t, res.Run.Cost.Total, loaded.Run.Cost.Total)
		assert.Equal(t, res.Run.Stats(), loaded.Run.Stats())
	}
}

func TestCostMerges(t *testing.T) {
	a := costRun(t, t.TempDir(), false, newTestCostModel())
	b := costRun(t, t.TempDir(), true, newTestCostModel())
	m, err := MergeResults([]*Result{a, b}, MergeOptions{})
	require.NoError(t, err)
	c := m.Run.Cost
	require.NotNil(t, c)
	assert.Equal(t, 12, c.PerRequest.N)
	assert.InDelta(t, 720/1e6, c.Dimension(reporters.CostInputTokens).Total, 1e-15, "request dimensions sum")
	assert.InDelta(t, 0.6, c.Dimension(reporters.CostEndpointTime).Total, 1e-15, "the endpoint time is billed once, for the merged time")
	assert.InDelta(t, 100/1e6, c.PerRequest.P99, 100/1e6*reporters.RelativeError)
	assert.InDelta(t, c.Dimension(reporters.CostInputTokens).Total+c.Dimension(reporters.CostCachedInputTokens).Total+
		c.Dimension(reporters.CostOutputTokens).Total+c.Dimension(reporters.CostEndpointTime).Total, c.Total, 1e-15)

	other := newTestCostModel()
	other.Output.PerMillion = 20
	d := costRun(t, t.TempDir(), false, other)
	_, err = MergeResults([]*Result{a, d}, MergeOptions{})
	var me *reporters.MismatchError
	require.True(t, errors.As(err, &me), "%v", err)
	assert.Equal(t, "cost.OutputTokens.price", me.Field)

	unpriced, err := (&Runner{}).Run(t.Context(), Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(3), Clients: 1, Requests: 1})
	require.NoError(t, err)
	_, err = MergeResults([]*Result{a, unpriced}, MergeOptions{})
	require.True(t, errors.As(err, &me), "%v", err)
	assert.Equal(t, "cost.dimensions", me.Field)
	assert.True(t, strings.Contains(err.Error(), "none"), err.Error())
}

func TestCostModelPricesASavedRun(t *testing.T) {
	out := t.TempDir()
	ep := &fakeEndpoint{Chunks: []string{"a", " b"}, Usage: endpoints.Usage{InputTokens: 100, CachedInputTokens: 40, OutputTokens: 2}}
	_, err := (&Runner{}).Run(t.Context(), Config{Endpoint: ep, Payloads: prompts(3), Clients: 2, Requests: 3, OutputPath: out, RunName: "later"})
	require.NoError(t, err)
	for _, open := range []func(string) (*Result, error){LoadResult, OpenResult} {
		res, err := open(filepath.Join(out, "later"))
		require.NoError(t, err)
		require.Nil(t, res.Run.Cost, "the run was not priced")
		require.NoError(t, newTestCostModel().Price(t.Context(), res))
		priced := costRun(t, t.TempDir(), false, newTestCostModel())
		for _, name := range []string{reporters.CostInputTokens, reporters.CostCachedInputTokens, reporters.CostOutputTokens} {
			assert.Equal(t, priced.Run.Cost.Dimension(name).Total, res.Run.Cost.Dimension(name).Total, name)
		}
		assert.Equal(t, 6, res.Run.Cost.PerRequest.N)
		assert.Equal(t, len(res.Invocations) > 0, res.Run.Cost.PerRequest.Exact, "exact when the records are in memory")
	}
}
