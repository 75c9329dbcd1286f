package llmtest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

// goldenResult is a deterministic run: ten successes, a failure and a
// cancelled request, with every field of the LLMeter documents set.
func goldenResult() *Result {
	t0 := time.Date(2026, 11, 27, 1, 53, 0, 250_000_000, time.UTC)
	var invs []Invocation
	for i := 1; i <= 10; i++ {
		ttft := time.Duration(i) * 10 * time.Millisecond
		invs = append(invs, Invocation{
			ID: "ok", RequestTime: t0.Add(time.Duration(i) * 300 * time.Millisecond),
			TimeToFirstToken: ttft, TimeToFirstOutput: ttft, TimeToLastToken: ttft + 100*time.Millisecond + time.Duration(i)*1234,
			TimePerOutputToken:  10*time.Millisecond + time.Duration(i)*777,
			InterTokenLatencies: []time.Duration{time.Duration(i) * time.Millisecond, time.Duration(i+10)*time.Millisecond + 3},
			NumTokensInput:      20 + i, InputTokensFrom: FromServer, NumTokensOutput: 11 + i%3, OutputTokensFrom: FromTokenizer, NumTokensVisible: 11 + i%3,
		})
	}
	invs = append(invs, Invocation{ID: "bad", RequestTime: t0, Error: "HTTP 500", StatusCode: 500, NumTokensInput: 1000, InputTokensFrom: FromTokenizer})
	invs = append(invs, Invocation{ID: "cut", RequestTime: t0, Error: "cancelled: x", Cancelled: true})
	r := NewResult(invs, 3210987654*time.Nanosecond)
	r.Run.Name, r.Run.Description, r.Run.TestName = "golden", "a golden run", "TestGolden"
	r.Run.Endpoint = reporters.Endpoint{Provider: "fake", Model: "fake-model", Name: "unit", URL: "http://127.0.0.1:1/v1"}
	r.Run.Config = reporters.Config{Clients: 2, Requests: 6, RampUp: 0.5, Timeout: 30, Tokenizer: "whitespace", Payloads: 3}
	r.Run.StartTime = t0
	r.Run.EndTime = t0.Add(3210987654)
	r.OutputPath = "runs/golden"
	return r
}

// TestLLMeterDocumentsAreUnchanged pins summary.json and stats.json byte
// for byte to what llmtest wrote before the run model (testdata/golden,
// written from the same run by the version before it): LLMeter's keys, in
// the same order, with the same values.
func TestLLMeterDocumentsAreUnchanged(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, goldenResult().SaveTo(dir))
	for _, f := range []string{SummaryFile, StatsFile} {
		want, err := os.ReadFile(filepath.Join("testdata", "golden", f))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), f)
	}
}

// TestLoadResultReadsTheModel pins that a folder of this version reads back
// as its model, whole: the checks, the series, the histograms.
func TestLoadResultReadsTheModel(t *testing.T) {
	dir := t.TempDir()
	res := goldenResult()
	res.AddCheck(Check{Expression: "error_rate < 10%", Pass: true})
	require.NoError(t, res.SaveTo(dir))
	loaded, err := LoadResult(dir)
	require.NoError(t, err)
	assert.Equal(t, res.Stats, loaded.Stats)
	assert.Equal(t, res.Run.Stats(), loaded.Run.Stats())
	assert.Equal(t, res.Run.Series, loaded.Run.Series)
	assert.Equal(t, res.Run.Errors, loaded.Run.Errors)
	assert.Equal(t, res.Checks(), loaded.Checks())
	assert.Equal(t, res.Run.Config, loaded.Run.Config)
	assert.Len(t, loaded.Invocations, len(res.Invocations))
	for i, m := range res.Run.Metrics {
		assert.Equal(t, m.Histogram.Count(), loaded.Run.Metrics[i].Histogram.Count(), m.Name)
		assert.Equal(t, m.Histogram.Quantile(90), loaded.Run.Metrics[i].Histogram.Quantile(90), m.Name)
	}
	assert.Equal(t, dir, loaded.OutputPath)
}

// TestLoadResultReadsAnOlderFolder reads a folder written by llmtest before
// the run model (report.json of schema version 1): its statistics are
// recomputed, exactly, from responses.jsonl.
func TestLoadResultReadsAnOlderFolder(t *testing.T) {
	res, err := LoadResult(filepath.Join("testdata", "v1run"))
	require.NoError(t, err)
	assert.Equal(t, "v1run", res.Run.Name)
	assert.Equal(t, "an llmtest run before schema 2", res.Run.Description)
	assert.Equal(t, reporters.Endpoint{Provider: "fake", Model: "fake-model", Name: "unit"}, res.Run.Endpoint)
	assert.Equal(t, reporters.Config{Clients: 2, Requests: 3, Timeout: 60, Tokenizer: "whitespace", Payloads: 3}, res.Run.Config)
	assert.False(t, res.Run.Interrupted)
	assert.Len(t, res.Invocations, 6)
	assert.Equal(t, 6, res.Stats.TotalRequests)
	assert.Equal(t, 1, res.Stats.FailedRequests)
	assert.True(t, res.Stats.TimeToFirstToken.Exact)

	// The version that wrote it computed the same statistics.
	old, err := os.Open(filepath.Join("testdata", "v1run", ReportJSONFile))
	require.NoError(t, err)
	defer old.Close()
	v1, err := reporters.ReadJSON(old)
	require.NoError(t, err)
	got := res.Run.Stats()
	for k, v := range v1.Stats() {
		assert.InDelta(t, v, got[k], 1e-12, k)
	}
}

// TestLoadResultReadsLLMeterFolders reads the two kinds of folder LLMeter
// leaves: a complete run (summary.json, stats.json, responses.jsonl), and
// one whose process died (run_config.json and a torn responses.jsonl).
func TestLoadResultReadsLLMeterFolders(t *testing.T) {
	res, err := LoadResult(filepath.Join("testdata", "llmeter", "complete"))
	require.NoError(t, err)
	assert.Equal(t, "20261126-1902", res.Run.Name)
	assert.Equal(t, reporters.Endpoint{Provider: "bedrock", Model: "anthropic.claude-3-haiku-20240307-v1:0", Name: "amazon bedrock"}, res.Run.Endpoint)
	assert.Equal(t, 2, res.Run.Config.Clients)
	assert.Equal(t, 2, res.Run.Config.Requests)
	assert.False(t, res.Run.Interrupted)
	assert.Equal(t, time.Date(2026, 11, 26, 19, 2, 26, 0, time.UTC), res.Run.StartTime)
	assert.Equal(t, 1834200*time.Microsecond, res.Stats.TotalTestTime)
	st := res.Stats
	assert.Equal(t, 4, st.TotalRequests)
	assert.Equal(t, 1, st.FailedRequests)
	assert.Equal(t, 29, st.TotalInputTokens)
	assert.Equal(t, 28, st.TotalOutputTokens)
	assert.Equal(t, 3, st.TimeToFirstToken.N)
	assert.Equal(t, 402*time.Millisecond, st.TimeToFirstToken.P50, "LLMeter's own p50 in its stats.json")
	assert.Equal(t, 610*time.Millisecond, st.TimeToLastToken.P50)
	inv := res.Invocations[1]
	assert.Equal(t, `{"messages": [{"role": "user", "content": [{"text": "Count to five"}]}]}`, inv.InputPrompt, "a prompt LLMeter kept as an object")
	assert.Equal(t, 3, inv.NumTokensReasoning, "LLMeter's num_tokens_output_reasoning")
	assert.Equal(t, FromServer, inv.ReasoningTokensFrom)
	assert.Equal(t, 4, inv.NumTokensInputCached)
	assert.Equal(t, 2, res.Invocations[3].Retries)
	assert.Contains(t, res.Invocations[3].Error, "ThrottlingException")
	require.Len(t, res.Run.Errors, 1)
	assert.Equal(t, 1, res.Run.Errors[0].Count)

	res, err = LoadResult(filepath.Join("testdata", "llmeter", "interrupted"))
	require.NoError(t, err)
	assert.True(t, res.Run.Interrupted)
	assert.Equal(t, "20261126-1915", res.Run.Name)
	assert.Equal(t, "llmeter", res.Run.Config.Tokenizer)
	assert.True(t, res.Run.Config.LowMemory, "LLMeter's low_memory")
	assert.Empty(t, res.Invocations, "a low-memory run's records are not loaded")
	assert.Equal(t, 3, res.Stats.TotalRequests, "the torn last line is dropped")
	assert.False(t, res.Stats.TimeToFirstToken.Exact)
	assert.InEpsilon(t, 0.402, res.Run.Metric("time_to_first_token").P50, reporters.RelativeError)
	assert.Positive(t, res.Stats.TotalTestTime, "the time span comes from the records")
	n := 0
	for inv, err := range res.Responses() {
		require.NoError(t, err)
		assert.Contains(t, inv.ID, "5c1e4c8f")
		n++
	}
	assert.Equal(t, 3, n, "the records stream from the file, without the torn line")
}

func TestLoadResultErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, SummaryFile), []byte(`{"run_name": "x", "clients": "two"}`), 0o644))
	_, err := LoadResult(dir)
	assert.ErrorContains(t, err, "summary.json: clients")
	require.NoError(t, os.WriteFile(filepath.Join(dir, ReportJSONFile), []byte(`{"schema_version": 2, "metrics": 3}`), 0o644))
	_, err = LoadResult(dir)
	assert.ErrorContains(t, err, "report.json")
	_, err = LoadResult(t.TempDir())
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// loadDuringRun loads the run folder from a callback, while the run that
// writes it goes.
type loadDuringRun struct {
	NopCallback
	dir    string
	loaded *Result
	err    error
	ended  []string // end-of-run files present mid-run
}

func (c *loadDuringRun) AfterInvoke(_ context.Context, inv *Invocation) error {
	if c.loaded == nil && c.err == nil {
		for _, name := range endOfRunFiles() {
			if _, err := os.Stat(filepath.Join(c.dir, name)); err == nil {
				c.ended = append(c.ended, name)
			}
		}
		c.loaded, c.err = LoadResult(c.dir)
	}
	return nil
}

// TestARunNeverLeavesAnEarlierRunsSummary runs twice into one folder: while
// the second runs (as a process that dies then would leave it), the folder
// holds none of the first run's end-of-run files, so LoadResult reads the
// second run's records as an interrupted run, never the first run's
// figures.
func TestARunNeverLeavesAnEarlierRunsSummary(t *testing.T) {
	out := t.TempDir()
	r := NewRunner(Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, OutputPath: out, RunName: "same"})
	first, err := r.Run(t.Context(), Config{Payloads: prompts(20)})
	require.NoError(t, err)
	for _, name := range endOfRunFiles() {
		require.FileExists(t, filepath.Join(first.OutputPath, name))
	}

	cb := &loadDuringRun{dir: first.OutputPath}
	second, err := r.Run(t.Context(), Config{Payloads: prompts(5), Callbacks: []Callback{cb}})
	require.NoError(t, err)
	require.NoError(t, cb.err)
	assert.Empty(t, cb.ended, "the first run's end-of-run files are gone while the second runs")
	assert.True(t, cb.loaded.Run.Interrupted, "mid-run, the folder reads as an interrupted run")
	assert.Less(t, cb.loaded.Run.Counts.Total, 20, "never the first run's figures")
	assert.Equal(t, 5, cb.loaded.Run.Config.Requests, "the second run's configuration")

	loaded, err := LoadResult(second.OutputPath)
	require.NoError(t, err)
	assert.Equal(t, 5, loaded.Run.Counts.Total)
	assert.False(t, loaded.Run.Interrupted)
}

// TestLoadResultReadsAnLLMeterLowMemoryRun reads a completed low-memory
// LLMeter run: its summary.json does not say low_memory, its
// run_config.json does, so its records stay on disk.
func TestLoadResultReadsAnLLMeterLowMemoryRun(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("testdata", "llmeter", "complete")
	for _, name := range []string{SummaryFile, StatsFile, ResponsesFile, PayloadFile, RunConfigFile} {
		b, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		if name == RunConfigFile {
			var rc map[string]any
			require.NoError(t, json.Unmarshal(b, &rc))
			rc["low_memory"] = true
			b, err = json.Marshal(rc)
			require.NoError(t, err)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	res, err := LoadResult(dir)
	require.NoError(t, err)
	assert.True(t, res.Run.Config.LowMemory)
	assert.Empty(t, res.Invocations)
	assert.Equal(t, 4, res.Stats.TotalRequests)
	n := 0
	for _, err := range res.Responses() {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 4, n)
}

// TestOpenResultKeepsTheRecordsOnDisk opens a saved run without loading
// its records: the figures are the saved model's, exact, and the records
// stream from responses.jsonl; an LLMeter folder still has its records
// read for exact statistics.
func TestOpenResultKeepsTheRecordsOnDisk(t *testing.T) {
	dir := t.TempDir()
	res := goldenResult()
	require.NoError(t, res.SaveTo(dir))
	opened, err := OpenResult(dir)
	require.NoError(t, err)
	assert.Empty(t, opened.Invocations)
	assert.Equal(t, res.Stats, opened.Stats, "the model's exact figures")
	n := 0
	for inv, err := range opened.Responses() {
		require.NoError(t, err)
		assert.Equal(t, res.Invocations[n].ID, inv.ID)
		n++
	}
	assert.Equal(t, len(res.Invocations), n)

	llmeter, err := OpenResult(filepath.Join("testdata", "llmeter", "complete"))
	require.NoError(t, err)
	assert.Len(t, llmeter.Invocations, 4)
	assert.True(t, llmeter.Stats.TimeToFirstToken.Exact)
}
