package llmtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/reporters"
)

// splitRun runs one seeded load test of 4000 requests against the
// in-process simulator and splits its records by index into n shard
// results, each saved to its own folder. It returns the run and the
// folders.
func splitRun(t *testing.T, n int) (*Result, []string) {
	t.Helper()
	ep, err := sim.New(sim.Config{
		Seed: 7, FirstTokenLatency: time.Millisecond, InterTokenLatency: 40 * time.Microsecond,
		Jitter: 0.6, MinOutputTokens: 4, MaxOutputTokens: 24, ErrorRate: 0.02,
	})
	require.NoError(t, err)
	res := Run(t, Config{Endpoint: ep, Payloads: prompts(8), Clients: 8, Requests: 500, Timeout: 10 * time.Second})
	require.Equal(t, 4000, res.TotalRequests())
	parts := make([][]Invocation, n)
	for i, inv := range res.Invocations {
		parts[i%n] = append(parts[i%n], inv)
	}
	base := t.TempDir()
	dirs := make([]string, n)
	for i, part := range parts {
		shard := NewResult(part, res.Run.EndTime.Sub(res.Run.StartTime))
		shard.Run.Name = fmt.Sprintf("shard-%d", i)
		shard.Run.Endpoint = res.Run.Endpoint
		shard.Run.Config = res.Run.Config
		shard.Run.Config.Clients = 2
		dirs[i] = filepath.Join(base, shard.Run.Name)
		require.NoError(t, shard.SaveTo(dirs[i]))
	}
	// The payloads of the test, in the second shard's folder only.
	var b []byte
	for _, p := range prompts(8) {
		line, err := json.Marshal(p)
		require.NoError(t, err)
		b = append(append(b, line...), '\n')
	}
	require.NoError(t, os.WriteFile(filepath.Join(dirs[1], PayloadFile), b, 0o644))
	return res, dirs
}

func TestMergeShardsOfOneRun(t *testing.T) {
	single, dirs := splitRun(t, 4)
	merged, err := Merge(dirs, MergeOptions{RunName: "merged"})
	require.NoError(t, err)

	m, s := &merged.Run, &single.Run
	assert.Equal(t, "merged", m.Name)
	assert.Equal(t, s.Counts, m.Counts, "counts are summed exactly")
	assert.Equal(t, s.Tokens, m.Tokens, "token totals are summed exactly")
	assert.Equal(t, 8, m.Config.Clients, "4 shards of 2 clients")
	assert.Equal(t, errorMap(s.Errors), errorMap(m.Errors))
	assert.NotEmpty(t, m.Errors, "the simulator failed some requests")
	assert.Empty(t, merged.Invocations)

	require.Len(t, m.Metrics, len(s.Metrics))
	for i, want := range s.Metrics {
		got := m.Metrics[i]
		t.Run(want.Name, func(t *testing.T) {
			require.Equal(t, want.Name, got.Name)
			require.Positive(t, want.N)
			assert.Equal(t, want.N, got.N)
			assert.Equal(t, want.Min, got.Min)
			assert.Equal(t, want.Max, got.Max)
			assert.InDelta(t, want.Average, got.Average, 1e-9, "average, to the nanosecond")
			assert.True(t, want.Exact)
			assert.False(t, got.Exact, "merged percentiles come from the histogram")
			for j, name := range []string{"p50", "p90", "p95", "p99", "p99.9"} {
				exact, _ := want.Aggregate(name)
				approx, _ := got.Aggregate(name)
				bound := reporters.RelativeError*exact + 1e-9 // and the rounding to a nanosecond
				assert.InDelta(t, exact, approx, bound, "%s (%d)", name, j)
			}
		})
	}
	// Merged, the stats are those of the model; no percentile is exact.
	assert.Equal(t, 4000, merged.Stats.TotalRequests)
	assert.False(t, merged.Stats.TimeToFirstToken.Exact)
	p99, ok := merged.Percentile(TimeToFirstToken, 99)
	require.True(t, ok)
	assert.Equal(t, m.Metric(string(TimeToFirstToken)).P99, p99)

	// The test time covers the union of the shards' spans, which is the
	// single run's span of records.
	whole := NewResult(single.Invocations, 0)
	assert.InDelta(t, whole.Run.EndTime.Sub(whole.Run.StartTime).Seconds(), m.TestTime, 1e-9)
	assert.Equal(t, whole.Run.StartTime, m.StartTime)
	assert.Equal(t, whole.Run.EndTime, m.EndTime)

	// The series is the one of all the records, window by window.
	require.Len(t, m.Series, len(whole.Run.Series))
	require.NotEmpty(t, m.Series)
	started := 0
	for i, want := range whole.Run.Series {
		got := m.Series[i]
		assert.Equal(t, want.Start, got.Start)
		assert.Equal(t, []int{want.Started, want.Completed, want.Failed, want.Cancelled, want.InFlight, want.OutputTokens},
			[]int{got.Started, got.Completed, got.Failed, got.Cancelled, got.InFlight, got.OutputTokens}, "window %s", want.Start)
		started += got.Started
		for _, pair := range [][2]float64{{want.TTFTP50, got.TTFTP50}, {want.TTFTP99, got.TTFTP99}, {want.TTLTP50, got.TTLTP50}, {want.TTLTP99, got.TTLTP99}} {
			assert.InDelta(t, pair[0], pair[1], reporters.RelativeError*pair[0]+1e-9, "window %s percentiles", want.Start)
		}
		if want.Completed > 0 {
			assert.NotEmpty(t, got.TTFT, "window %s keeps its merged histogram", want.Start)
		}
	}
	assert.Equal(t, 4000, started)

	// Its records stream from the shards' folders, and a saved merge is a
	// run folder that loads back with the same model.
	n := 0
	for _, err := range merged.Responses() {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 4000, n)
	out := filepath.Join(t.TempDir(), "merged")
	require.NoError(t, merged.SaveTo(out))
	payloads, err := LoadPayloads(filepath.Join(out, PayloadFile))
	require.NoError(t, err)
	assert.Equal(t, PayloadsDigest(prompts(8)), PayloadsDigest(payloads), "the shards' payloads")
	for _, f := range []string{RunConfigFile, ResponsesFile, SummaryFile, StatsFile, ReportJSONFile, JUnitFile, ReportMarkdownFile} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	back, err := LoadResult(out)
	require.NoError(t, err)
	assert.Equal(t, m.Counts, back.Run.Counts)
	assert.Len(t, back.Invocations, 4000)
	assert.Equal(t, m.Metrics[0].P99, back.Run.Metrics[0].P99)
}

func errorMap(errs []reporters.ErrorCount) map[string]int {
	m := map[string]int{}
	for _, e := range errs {
		m[e.Message] += e.Count
	}
	return m
}

func TestMergeMismatch(t *testing.T) {
	shard := func(name, model, digest string) string {
		r := NewResult([]Invocation{{RequestTime: time.Unix(100, 0), TimeToFirstToken: time.Millisecond, TimeToLastToken: 2 * time.Millisecond}}, time.Second)
		r.Run.Name = name
		r.Run.Endpoint = reporters.Endpoint{Provider: "openai", Model: model}
		r.Run.Config.PayloadsDigest = digest
		dir := filepath.Join(t.TempDir(), name)
		require.NoError(t, r.SaveTo(dir))
		return dir
	}
	a := shard("a", "m1", "sha256:1")
	b := shard("b", "m2", "sha256:1")
	c := shard("c", "m1", "sha256:2")

	_, err := Merge([]string{a, b}, MergeOptions{})
	var me *reporters.MismatchError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "endpoint.model_id", me.Field)
	assert.ErrorContains(t, err, `runs "a" and "b" differ in endpoint.model_id: "m1" and "m2"`)

	_, err = Merge([]string{a, c}, MergeOptions{})
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "config.payloads_digest", me.Field)

	forced, err := Merge([]string{a, b, c}, MergeOptions{Force: true})
	require.NoError(t, err)
	assert.Equal(t, 3, forced.TotalRequests())

	_, err = Merge([]string{a, filepath.Join(t.TempDir(), "missing")}, MergeOptions{})
	assert.ErrorContains(t, err, "missing")
	_, err = Merge([]string{a}, MergeOptions{RunName: "x/y"})
	var ce *ConfigError
	assert.ErrorAs(t, err, &ce)
}

func TestMergeOlderFolders(t *testing.T) {
	// A version-1 folder and an LLMeter folder have their models rebuilt
	// from their records, so they merge.
	for _, dir := range []string{"testdata/v1run", "testdata/llmeter/complete"} {
		t.Run(dir, func(t *testing.T) {
			one, err := LoadResult(dir)
			require.NoError(t, err)
			merged, err := Merge([]string{dir, dir}, MergeOptions{})
			require.NoError(t, err)
			assert.Equal(t, 2*one.Run.Counts.Total, merged.Run.Counts.Total)
			assert.InDelta(t, one.Run.EndTime.Sub(one.Run.StartTime).Seconds(), merged.Run.TestTime, 1e-9, "one span, twice")
			n := 0
			for _, err := range merged.Responses() {
				require.NoError(t, err)
				n++
			}
			assert.Equal(t, 2*one.Run.Counts.Total, n)
		})
	}
}

func TestPayloadsDigest(t *testing.T) {
	ps := prompts(3)
	d := PayloadsDigest(ps)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, d)
	assert.Equal(t, d, PayloadsDigest([]endpoints.Payload{ps[2], ps[0], ps[1]}), "the order does not count")
	assert.NotEqual(t, d, PayloadsDigest(ps[:2]))
	assert.Empty(t, PayloadsDigest(nil))
	assert.Empty(t, PayloadsDigest([]endpoints.Payload{{"x": math.NaN()}}), "cannot be encoded")

	// A run records it, and a payload read back from its folder has it.
	dir := t.TempDir()
	res := run(t, Config{Endpoint: &fakeEndpoint{Chunks: []string{"hi"}}, Payloads: ps, Requests: 1, OutputPath: dir, RunName: "r"})
	assert.Equal(t, d, res.Run.Config.PayloadsDigest)
	back, err := LoadPayloads(filepath.Join(dir, "r", PayloadFile))
	require.NoError(t, err)
	assert.Equal(t, d, PayloadsDigest(back))
	_, err = os.Stat(filepath.Join(dir, "r", ReportJSONFile))
	assert.False(t, errors.Is(err, os.ErrNotExist))
}

// TestMergeCopiesRecordLines checks that a saved merge of this version's
// folders holds the shards' record lines as they are, shard by shard, and
// that a line that is not JSON is an error naming it, while a torn last
// line is dropped.
func TestMergeCopiesRecordLines(t *testing.T) {
	_, dirs := splitRun(t, 2)
	var want []byte
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ResponsesFile))
		require.NoError(t, err)
		want = append(want, b...)
	}
	merged, err := Merge(dirs, MergeOptions{RunName: "m"})
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "m")
	require.NoError(t, merged.SaveTo(out))
	got, err := os.ReadFile(filepath.Join(out, ResponsesFile))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	// A torn last line (a crash mid-write) is dropped.
	last := filepath.Join(dirs[1], ResponsesFile)
	f, err := os.OpenFile(last, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"id":"torn`)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	merged, err = Merge(dirs, MergeOptions{RunName: "m2"})
	require.NoError(t, err)
	out = filepath.Join(t.TempDir(), "m2")
	require.NoError(t, merged.SaveTo(out))
	got, err = os.ReadFile(filepath.Join(out, ResponsesFile))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	// A broken line inside a shard's records is an error naming it.
	b, err := os.ReadFile(filepath.Join(dirs[0], ResponsesFile))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dirs[0], ResponsesFile), append([]byte("{not json\n"), b...), 0o644))
	merged, err = Merge(dirs, MergeOptions{RunName: "m3"})
	require.NoError(t, err)
	err = merged.SaveTo(filepath.Join(t.TempDir(), "m3"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dirs[0], ResponsesFile)+":1: not a JSON record")
}
