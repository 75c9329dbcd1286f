package llmtest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/reporters"
)

// TestSeries pins the per-second time series: windows on wall-clock
// seconds from the first send to the last end, requests started in their
// send's window and ended in their end's, in flight at each window's end,
// and the exact TTFT and TTLT percentiles of the requests completed in a
// window.
func TestSeries(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 1, 53, 0, 0, time.UTC)
	at := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	ok := func(start float64, ttft, ttlt time.Duration, out int) Invocation {
		return Invocation{RequestTime: at(start), TimeToFirstToken: ttft, TimeToLastToken: ttlt,
			NumTokensOutput: out, OutputTokensFrom: FromServer}
	}
	invs := []Invocation{
		ok(0.1, ms(100), ms(200), 10),      // 0 → 0
		ok(0.5, ms(300), ms(800), 20),      // 0 → 1
		ok(0.9, ms(200), ms(2500), 30),     // 0 → 3
		ok(1.2, ms(50), ms(100), 5),        // 1 → 1
		{RequestTime: at(1.5), Error: "x"}, // fails at once, in 1
		{RequestTime: at(3.8), Error: "cut", Cancelled: true, TimeToFirstToken: ms(500)}, // 3 → 4
	}
	res := NewResult(invs, 5*time.Second)
	s := res.Run.Series
	require.Len(t, s, 5, "seconds 0 … 4, the empty second 2 included")
	for i, w := range s {
		assert.Equal(t, t0.Add(time.Duration(i)*time.Second), w.Start)
	}
	type counts struct{ started, completed, failed, cancelled, inFlight, tokens int }
	got := make([]counts, len(s))
	for i, w := range s {
		got[i] = counts{w.Started, w.Completed, w.Failed, w.Cancelled, w.InFlight, w.OutputTokens}
	}
	assert.Equal(t, []counts{
		{3, 1, 0, 0, 2, 10},
		{2, 2, 1, 0, 1, 25},
		{0, 0, 0, 0, 1, 0},
		{1, 1, 0, 0, 1, 30},
		{0, 0, 0, 1, 0, 0},
	}, got)
	assert.Equal(t, 0.1, s[0].TTFTP50)
	assert.Equal(t, 0.175, s[1].TTFTP50, "the median of 300ms and 50ms")
	assert.InDelta(t, 0.2975, s[1].TTFTP99, 1e-12)
	assert.Equal(t, 0.45, s[1].TTLTP50)
	assert.Zero(t, s[2].TTFTP50, "no request completed in second 2")
	assert.Zero(t, s[4].TTFTP50, "a cancelled request has no place in the percentiles")

	assert.Empty(t, NewResult([]Invocation{{TimeToLastToken: ms(1)}}, time.Second).Run.Series,
		"a record without a send time has no place in time")
}

// TestLiveSeriesClosesWindowsAsItGoes pins that the collector's series
// keeps the samples of a few seconds only, yet loses none of a request
// that reaches it slightly out of order.
func TestLiveSeriesClosesWindowsAsItGoes(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 1, 53, 0, 0, time.UTC)
	b := newModelBuilder(&reporters.Run{}, false, true)
	for sec := range 60 {
		for i := range 10 {
			inv := Invocation{RequestTime: t0.Add(time.Duration(sec)*time.Second + time.Duration(i)*time.Millisecond),
				TimeToFirstToken: ms(float64(10 + i)), TimeToLastToken: ms(float64(20 + i))}
			if sec > 0 && i == 0 { // reaches the collector after later ones
				inv.RequestTime = inv.RequestTime.Add(-time.Second)
			}
			b.add(&inv)
		}
		assert.LessOrEqual(t, len(b.series.open), closeLag+1, "open windows")
	}
	b.finish(time.Minute, nil)
	for i, w := range b.run.Series {
		assert.NotZero(t, w.TTFTP50, "window %d", i)
	}
	assert.Equal(t, 0.014, b.run.Series[0].TTFTP50, "10 … 19ms and the late 10ms of second 1")
}

// TestErrorsAreCountedByMessage pins the model's error counts: most
// frequent first, and the messages past MaxErrorMessages counted together.
func TestErrorsAreCountedByMessage(t *testing.T) {
	var invs []Invocation
	for i := range reporters.MaxErrorMessages + 50 {
		invs = append(invs, Invocation{Error: fmt.Sprintf("unique %d", i)})
	}
	for range 3 {
		invs = append(invs, Invocation{Error: "HTTP 500"}, Invocation{Error: "cancelled", Cancelled: true})
	}
	errs := NewResult(invs, time.Second).Run.Errors
	require.Len(t, errs, reporters.MaxErrorMessages+1)
	assert.Equal(t, reporters.ErrorCount{Message: "", Count: 50 + 3}, errs[0], "the messages past the bound, HTTP 500 among them")
	assert.Equal(t, reporters.ErrorCount{Message: "unique 0", Count: 1}, errs[1])
	total := 0
	for _, e := range errs {
		total += e.Count
	}
	assert.Equal(t, reporters.MaxErrorMessages+53, total, "every failure, no cancellation")
}

// TestLowMemoryRunKeepsNothing runs the same load in both modes: a
// low-memory run keeps no invocation and no sample, streams its records
// back from responses.jsonl, and has the statistics of the exact model of
// those records — counts, totals, means and extremes equal, percentiles
// within the stated bound, marked inexact.
func TestLowMemoryRunKeepsNothing(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a", " b", " c", " d"}, Fail: func(n int64) error {
		if n%7 == 0 {
			return fmt.Errorf("failure %d", n%2)
		}
		return nil
	}, FailAt: 2}
	out := t.TempDir()
	res := run(t, Config{Endpoint: ep, Payloads: prompts(3), Clients: 4, Requests: 250, OutputPath: out, RunName: "lm", LowMemory: true})
	assert.Empty(t, res.Invocations)
	assert.Nil(t, res.Samples(TimeToFirstToken))
	assert.True(t, res.Run.Config.LowMemory)

	invs := records(t, res)
	require.Len(t, invs, 1000)
	exact := NewResult(invs, res.Stats.TotalTestTime)
	st, ex := res.Stats, exact.Stats
	assert.Equal(t, ex.TotalRequests, st.TotalRequests)
	assert.Equal(t, ex.FailedRequests, st.FailedRequests)
	assert.Equal(t, 142, st.FailedRequests)
	assert.Equal(t, ex.TotalInputTokens, st.TotalInputTokens)
	assert.Equal(t, ex.TotalOutputTokens, st.TotalOutputTokens)
	assert.Equal(t, exact.Run.Errors, res.Run.Errors)
	for _, m := range Metrics {
		if m.OpenLoopOnly() {
			assert.Nil(t, res.Run.Metric(string(m)), "a closed loop has no %s", m)
			continue
		}
		if m.Traced() {
			assert.Nil(t, res.Run.Metric(string(m)), "an untraced endpoint's run has no %s", m)
			continue
		}
		a, e := st.Aggregate(m), ex.Aggregate(m)
		assert.False(t, a.Exact, m)
		assert.True(t, e.Exact, m)
		assert.Equal(t, e.N, a.N, m)
		assert.InDelta(t, e.Average, a.Average, 1e-12, m)
		assert.Equal(t, e.Min, a.Min, m)
		assert.Equal(t, e.Max, a.Max, m)
		for _, p := range [][2]float64{{e.P50, a.P50}, {e.P90, a.P90}, {e.P99, a.P99}, {e.P999, a.P999}} {
			assert.LessOrEqual(t, math.Abs(p[0]-p[1]), reporters.RelativeError*p[0]+1e-9, "%s: exact %v, histogram %v", m, p[0], p[1])
		}
		v, ok := res.Percentile(m, 75)
		require.True(t, ok, m)
		w, _ := exact.Percentile(m, 75)
		assert.LessOrEqual(t, math.Abs(v-w), reporters.RelativeError*w+1e-9, m)
	}
	var started, ended int
	for _, w := range res.Run.Series {
		started += w.Started
		ended += w.Completed + w.Failed + w.Cancelled
	}
	assert.Equal(t, 1000, started)
	assert.Equal(t, 1000, ended)
	assert.Contains(t, res.SummaryText(), "percentiles from histograms, within 0.1%")

	// Saving elsewhere streams the records into the new folder.
	dir := t.TempDir()
	require.NoError(t, res.SaveTo(dir))
	lines := readLines(t, filepath.Join(dir, ResponsesFile))
	assert.Len(t, lines, 1000)
	loaded, err := LoadResult(filepath.Join(out, "lm"))
	require.NoError(t, err)
	assert.Empty(t, loaded.Invocations)
	assert.Equal(t, res.Stats, loaded.Stats)

	// A record that cannot be read ends the stream with an error naming it.
	require.NoError(t, os.WriteFile(filepath.Join(dir, ResponsesFile), []byte("{\"id\":\"a\"}\n{oops\n{\"id\":\"b\"}\n"), 0o644))
	moved := &Result{Run: res.Run, OutputPath: dir}
	var errs []error
	for _, err := range moved.Responses() {
		errs = append(errs, err)
	}
	require.Len(t, errs, 2)
	assert.NoError(t, errs[0])
	assert.ErrorContains(t, errs[1], "responses.jsonl:2")
}

func TestLowMemoryNeedsAnOutputPath(t *testing.T) {
	err := Config{Endpoint: &fakeEndpoint{}, Payloads: prompts(1), LowMemory: true}.Validate()
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "LowMemory", ce.Field)
	assert.EqualError(t, err, "llmtest: Config.LowMemory: needs Config.OutputPath: a low-memory run keeps its records only in responses.jsonl")
	assert.True(t, Config{}.merge(Config{LowMemory: true}).LowMemory, "an override turns it on")
}

// BenchmarkModelAdd measures the collector's fold of one invocation (four
// latencies, eight gaps, two token counts) into the model. An exact model
// folds as the other does: it keeps no samples (finish reads them from the
// invocations).
//
//	go test ./llmtest -run '^$' -bench BenchmarkModelAdd
func BenchmarkModelAdd(b *testing.B) {
	t0 := time.Now()
	gaps := []time.Duration{1e5, 2e5, 1e5, 3e5, 1e5, 2e5, 1e5, 1e5}
	m := newModelBuilder(&reporters.Run{}, true, true)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		inv := Invocation{RequestTime: t0.Add(time.Duration(i) * time.Microsecond), TimeToFirstToken: 1e6 + time.Duration(i%1000),
			TimeToFirstOutput: 1e6, TimeToLastToken: 3e6, TimePerOutputToken: 2e5, InterTokenLatencies: gaps,
			NumTokensInput: 3, InputTokensFrom: FromServer, NumTokensOutput: 8, OutputTokensFrom: FromServer}
		m.add(&inv)
	}
}

// BenchmarkFinish measures the end of a run that keeps its invocations:
// finish over 400,000 records of 31 inter-token gaps each, whose exact
// percentiles it computes. One op is one finish. The profiles are those of
// finishProfiles: "zero", a simulator at zero latency (hundreds of
// nanoseconds to a few microseconds: the histogram's buckets of the needed
// ranks hold one value each); "narrow", a steady server (40ms ± 20µs gaps:
// every gap in one or two buckets); "wide", a real server's spread (5-15ms
// gaps, 100-400ms to the first token).
//
//	go test ./llmtest -run '^$' -bench BenchmarkFinish -benchtime 5x -count 3
func BenchmarkFinish(b *testing.B) {
	const n = 400_000
	for _, name := range []string{"zero", "narrow", "wide"} {
		b.Run(name, func(b *testing.B) {
			invs := finishInvocations(n, finishProfiles[name])
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				m := newModelBuilder(&reporters.Run{}, true, true)
				for i := range invs {
					m.add(&invs[i])
				}
				b.StartTimer()
				m.finish(2*time.Second, invs)
			}
		})
	}
}

// BenchmarkExactPercentiles measures the part of BenchmarkFinish that
// finds the exact percentiles (exactPercentiles, the passes over the
// invocations), without the time series, for each profile.
//
//	go test ./llmtest -run '^$' -bench BenchmarkExactPercentiles -benchtime 5x -count 3
func BenchmarkExactPercentiles(b *testing.B) {
	const n = 400_000
	for _, name := range []string{"zero", "narrow", "wide"} {
		b.Run(name, func(b *testing.B) {
			invs := finishInvocations(n, finishProfiles[name])
			m := newModelBuilder(&reporters.Run{}, true, false)
			for i := range invs {
				m.add(&invs[i])
			}
			var hists [len(metricIndex)]*reporters.Histogram
			var ns [len(metricIndex)]int
			var mins [len(metricIndex)]int64
			for i := range m.metrics {
				hists[i], ns[i], mins[i] = &m.metrics[i].hist, m.metrics[i].n, m.metrics[i].min
			}
			b.ReportAllocs()
			for b.Loop() {
				nsCopy := ns
				exactPercentiles(&hists, &nsCopy, &mins, invs)
			}
		})
	}
}

// finishProfiles are the latencies of BenchmarkFinish's records, in
// nanoseconds: for the time to first token (and to first output), the time
// to last token and the gaps (and time per output token), the middle and
// the spread, {mid, spread}, drawn uniformly from mid ± spread.
var finishProfiles = map[string]struct{ ttft, ttlt, gap [2]int64 }{
	"zero":   {ttft: [2]int64{25_000, 15_000}, ttlt: [2]int64{65_000, 25_000}, gap: [2]int64{1000, 500}},
	"narrow": {ttft: [2]int64{200e6, 20e3}, ttlt: [2]int64{1440e6, 100e3}, gap: [2]int64{40e6, 20e3}},
	"wide":   {ttft: [2]int64{250e6, 150e6}, ttlt: [2]int64{650e6, 250e6}, gap: [2]int64{10e6, 5e6}},
}

// finishInvocations returns n successful records of 31 gaps each, seeded,
// with the latencies of profile p.
func finishInvocations(n int, p struct{ ttft, ttlt, gap [2]int64 }) []Invocation {
	t0 := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	draw := func(ms [2]int64) time.Duration { return time.Duration(ms[0] - ms[1] + rng.Int64N(2*ms[1]+1)) }
	invs := make([]Invocation, n)
	gaps := make([]time.Duration, 31*n)
	for i := range invs {
		g := gaps[31*i : 31*(i+1) : 31*(i+1)]
		for j := range g {
			g[j] = draw(p.gap)
		}
		invs[i] = Invocation{RequestTime: t0.Add(time.Duration(i) * 5 * time.Microsecond),
			TimeToFirstToken: draw(p.ttft), TimeToFirstOutput: draw(p.ttft),
			TimeToLastToken: draw(p.ttlt), TimePerOutputToken: draw(p.gap),
			InterTokenLatencies: g, NumTokensInput: 3, InputTokensFrom: FromServer, NumTokensOutput: 32, OutputTokensFrom: FromServer}
	}
	return invs
}

// TestARunRebuiltFromItsRecordsHasItsSeries pins that a record keeps when
// its request ended (time_to_end), so that a run rebuilt from its records
// — from responses.jsonl after a crash, or by NewResult — places slow
// failures where the live run did: in flight until they failed.
func TestARunRebuiltFromItsRecordsHasItsSeries(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a", "b"}, Gap: 700 * time.Millisecond,
		Fail: func(int64) error { return errors.New("503 after a while") }}
	ps := []endpoints.Payload{{"prompt": "p", "stream": false}}
	out := t.TempDir()
	res, err := NewRunner(Config{}).Run(t.Context(), Config{Endpoint: ep, Payloads: ps, Clients: 2, Requests: 1, OutputPath: out, RunName: "slow"})
	require.NoError(t, err)
	require.Equal(t, 2, res.Run.Counts.Failed)
	for _, inv := range res.Invocations {
		assert.GreaterOrEqual(t, inv.TimeToEnd, 1400*time.Millisecond, "each failure took two gaps")
	}
	counts := func(ws []reporters.Window) (out [][3]int) {
		for _, w := range ws {
			out = append(out, [3]int{w.Started, w.Failed, w.InFlight})
		}
		return out
	}
	live := counts(res.Run.Series)
	require.GreaterOrEqual(t, len(live), 2, "the failures end a second or more after they start")
	assert.Equal(t, live, counts(NewResult(res.Invocations, 0).Run.Series), "rebuilt in memory")

	// And from the folder of a run whose process died before its end.
	require.NoError(t, os.Remove(filepath.Join(res.OutputPath, SummaryFile)))
	require.NoError(t, os.Remove(filepath.Join(res.OutputPath, ReportJSONFile)))
	loaded, err := LoadResult(res.OutputPath)
	require.NoError(t, err)
	assert.Equal(t, live, counts(loaded.Run.Series), "rebuilt from responses.jsonl")
	assert.GreaterOrEqual(t, loaded.Stats.TotalTestTime, 1400*time.Millisecond, "the span reaches the failures' ends")
}
