package reporters

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shardRun returns a run of one shard: requests of TTFT ttft[i] ms sent at
// start, one second apart, each ending within its second.
func shardRun(name string, start time.Time, ttft ...int64) *Run {
	r := &Run{
		SchemaVersion: SchemaVersion, Name: name, RelativeError: RelativeError,
		Endpoint:  Endpoint{Provider: "openai", Model: "m", URL: "http://127.0.0.1:1/v1"},
		Config:    Config{Clients: 1, Requests: len(ttft), Timeout: 60, Tokenizer: "whitespace", Payloads: 2, PayloadsDigest: "sha256:ab"},
		StartTime: start, EndTime: start.Add(time.Duration(len(ttft)) * time.Second),
		TestTime: float64(len(ttft)),
		Counts:   Counts{Total: len(ttft)},
	}
	m := Metric{Name: "time_to_first_token", Unit: UnitSeconds, Histogram: NewHistogram()}
	for i, v := range ttft {
		ns := v * int64(time.Millisecond)
		m.Histogram.Record(ns)
		if m.N == 0 || ns < int64(m.Min*1e9) {
			m.Min = float64(ns) / 1e9
		}
		if ns > int64(m.Max*1e9) {
			m.Max = float64(ns) / 1e9
		}
		m.N++
		m.Sum += float64(ns) / 1e9
		enc := EncodeValues([]int64{ns})
		sec := start.Truncate(time.Second).Add(time.Duration(i) * time.Second)
		r.Series = append(r.Series, Window{Start: sec, Started: 1, Completed: 1, OutputTokens: 10, TTFT: enc,
			TTFTP50: float64(ns) / 1e9, TTFTP99: float64(ns) / 1e9})
	}
	m.Average = m.Sum / float64(m.N)
	r.Metrics = []Metric{m}
	return r
}

func TestMergeSumsAndAligns(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	a := shardRun("a", t0, 100, 200, 300)
	b := shardRun("b", t0.Add(2*time.Second), 400, 500) // overlaps a by one second
	c := shardRun("c", t0.Add(10*time.Second), 600)     // after a gap
	c.Interrupted = true
	a.Errors = []ErrorCount{{"boom", 2}, {"slow", 1}}
	b.Errors = []ErrorCount{{"slow", 3}}
	a.Checks = []Check{{Expression: "ttft p99 < 1s", Pass: true}}

	m, err := Merge([]*Run{a, b, c}, MergeOptions{})
	require.NoError(t, err)
	assert.Equal(t, "a", m.Name)
	assert.Equal(t, Counts{Total: 6}, m.Counts)
	assert.Equal(t, 3, m.Config.Clients)
	assert.Equal(t, 3, m.Config.Requests, "the largest")
	assert.True(t, m.Interrupted, "c was")
	assert.Empty(t, m.Checks, "checks held for the shards, not the merge")
	assert.Equal(t, t0, m.StartTime)
	assert.Equal(t, t0.Add(11*time.Second), m.EndTime)
	assert.InDelta(t, 4.0+1.0, m.TestTime, 1e-9, "the union [0,3) ∪ [2,4) ∪ [10,11), not the span of 11 s nor the sum of 6")
	assert.Equal(t, []ErrorCount{{"slow", 4}, {"boom", 2}}, m.Errors)

	ttft := m.Metric("time_to_first_token")
	require.NotNil(t, ttft)
	assert.Equal(t, 6, ttft.N)
	assert.InDelta(t, 2.1, ttft.Sum, 1e-12)
	assert.InDelta(t, 0.35, ttft.Average, 1e-12)
	assert.Equal(t, 0.1, ttft.Min)
	assert.Equal(t, 0.6, ttft.Max)
	assert.False(t, ttft.Exact)
	assert.InEpsilon(t, 0.35, ttft.P50, RelativeError, "(300+400)/2 ms")
	assert.Equal(t, int64(6), ttft.Histogram.Count())
	assert.Equal(t, int64(3), a.Metrics[0].Histogram.Count(), "the shards are not changed")

	require.Len(t, m.Series, 11, "every second from the first to the last window")
	for i, w := range m.Series {
		assert.Equal(t, t0.Add(time.Duration(i)*time.Second), w.Start)
	}
	assert.Equal(t, 2, m.Series[2].Started, "a's third and b's first second line up")
	assert.Equal(t, 20, m.Series[2].OutputTokens)
	h, err := m.Series[2].TTFT.Decode()
	require.NoError(t, err)
	assert.Equal(t, int64(2), h.Count(), "the window's histograms are merged")
	assert.InEpsilon(t, 0.35, m.Series[2].TTFTP50, RelativeError)
	assert.InEpsilon(t, 0.399, m.Series[2].TTFTP99, RelativeError)
	assert.Equal(t, 0, m.Series[6].Started, "a gap second")
	assert.Empty(t, m.Series[6].TTFT)
	assert.Equal(t, 0.6, m.Series[10].TTFTP50, "a window of one shard keeps its percentiles")
}

func TestMergeInFlight(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	a := shardRun("a", t0, 1, 1, 1)
	b := shardRun("b", t0, 1, 1, 1)
	a.Series[0].InFlight, a.Series[1].InFlight = 2, 1
	b.Series[0].InFlight = 4
	m, err := Merge([]*Run{a, b}, MergeOptions{})
	require.NoError(t, err)
	var got []int
	for _, w := range m.Series {
		got = append(got, w.InFlight)
	}
	assert.Equal(t, []int{6, 1, 0}, got)
}

func TestMergeErrorMessagesBounded(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	a, b := shardRun("a", t0, 1), shardRun("b", t0, 1)
	for i := range MaxErrorMessages {
		a.Errors = append(a.Errors, ErrorCount{fmt.Sprintf("a%d", i), 1})
		b.Errors = append(b.Errors, ErrorCount{fmt.Sprintf("b%d", i), 1})
	}
	b.Errors = append(b.Errors, ErrorCount{"a0", 5})
	m, err := Merge([]*Run{a, b}, MergeOptions{})
	require.NoError(t, err)
	require.Len(t, m.Errors, MaxErrorMessages+1)
	assert.Equal(t, ErrorCount{"", MaxErrorMessages}, m.Errors[0], "b's messages beyond the first 100, together")
	assert.Equal(t, ErrorCount{"a0", 6}, m.Errors[1], "a known message still counts under its own")
	total := 0
	for _, e := range m.Errors {
		total += e.Count
	}
	assert.Equal(t, 2*MaxErrorMessages+5, total)
}

func TestMergeMismatch(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		field  string
		change func(r *Run)
	}{
		{"endpoint.provider", func(r *Run) { r.Endpoint.Provider = "bedrock" }},
		{"endpoint.model_id", func(r *Run) { r.Endpoint.Model = "other" }},
		{"endpoint.endpoint_name", func(r *Run) { r.Endpoint.Name = "other" }},
		{"endpoint.url", func(r *Run) { r.Endpoint.URL = "http://127.0.0.1:2/v1" }},
		{"config.payloads_digest", func(r *Run) { r.Config.PayloadsDigest = "sha256:cd" }},
		{"config.tokenizer", func(r *Run) { r.Config.Tokenizer = "tiktoken" }},
		{"config.payloads", func(r *Run) { r.Config.PayloadsDigest = ""; r.Config.Payloads = 3 }},
	} {
		t.Run(c.field, func(t *testing.T) {
			a, b := shardRun("a", t0, 1), shardRun("b", t0, 1)
			if c.field == "config.payloads" {
				a.Config.PayloadsDigest = ""
			}
			c.change(b)
			_, err := Merge([]*Run{a, b}, MergeOptions{})
			var me *MismatchError
			require.ErrorAs(t, err, &me)
			assert.Equal(t, c.field, me.Field)
			assert.Equal(t, "a", me.A)
			assert.Equal(t, "b", me.B)
			assert.NotEqual(t, me.AValue, me.BValue)
			assert.Contains(t, err.Error(), c.field)
			m, err := Merge([]*Run{a, b}, MergeOptions{Force: true})
			require.NoError(t, err)
			assert.Equal(t, 2, m.Counts.Total)
		})
	}
	// A run without a digest (an LLMeter or older folder) is compared
	// with one that has one by the payload count.
	a, b := shardRun("a", t0, 1), shardRun("b", t0, 1)
	a.Config.PayloadsDigest = ""
	_, err := Merge([]*Run{a, b}, MergeOptions{})
	assert.NoError(t, err)
	b.Config.Payloads = 5
	_, err = Merge([]*Run{a, b}, MergeOptions{})
	var me *MismatchError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "config.payloads", me.Field)

	// Neither the clients nor the load shape tell shards apart.
	a, b = shardRun("a", t0, 1), shardRun("b", t0, 1, 2)
	b.Config.Clients, b.Config.Timeout, b.Config.LowMemory = 7, 5, true
	_, err = Merge([]*Run{a, b}, MergeOptions{})
	assert.NoError(t, err)
}

func TestMergeRefusesVersion1(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "run_v1.json"))
	require.NoError(t, err)
	defer f.Close()
	old, err := ReadJSON(f)
	require.NoError(t, err)
	old.Name = "old-run"
	_, err = Merge([]*Run{shardRun("a", time.Now(), 1), old}, MergeOptions{})
	require.ErrorIs(t, err, ErrNoHistograms)
	assert.ErrorContains(t, err, `"old-run"`)
	_, err = Merge(nil, MergeOptions{})
	assert.Error(t, err)
	_, err = Merge([]*Run{nil}, MergeOptions{})
	assert.ErrorIs(t, err, ErrNilRun)
}

func TestMergedRunRoundTrips(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	m, err := Merge([]*Run{shardRun("a", t0, 100, 200), shardRun("b", t0, 300)}, MergeOptions{})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, NewJSON(&buf).Write(m))
	back, err := ReadJSON(&buf)
	require.NoError(t, err)
	again, err := Merge([]*Run{back, shardRun("c", t0, 400)}, MergeOptions{})
	require.NoError(t, err, "a merged run merges again")
	assert.Equal(t, 4, again.Metrics[0].N)
	assert.Equal(t, m.Series[0].TTFT != "", back.Series[0].TTFT != "")
	h, err := again.Series[0].TTFT.Decode()
	require.NoError(t, err)
	assert.Equal(t, int64(3), h.Count())
}

func TestEncodedHistogram(t *testing.T) {
	assert.Empty(t, EncodeValues(nil), "no values encode as nothing")
	d, err := EncodedHistogram("").Decode()
	require.NoError(t, err)
	assert.Zero(t, d.Count())
	q, err := EncodedHistogram("").Quantiles(50)
	require.NoError(t, err)
	assert.True(t, math.IsNaN(q[0]))

	// Values of every magnitude: the compact form is the Histogram's
	// buckets, so it gives the Histogram's quantiles, decoded or not.
	rng := rand.New(rand.NewPCG(1, 2))
	var values []int64
	h := NewHistogram()
	for i := range 3000 {
		v := int64(rng.ExpFloat64() * float64(time.Duration(1+i%4)*10*time.Millisecond))
		if i%10 == 0 {
			v = int64(rng.IntN(3000)) // exact region and its edge
		}
		values = append(values, v)
		h.Record(v)
	}
	values = append(values, -5, HistogramMax+7)
	h.Record(-5)
	h.Record(HistogramMax + 7)
	e := EncodeValues(slices.Clone(values))
	assert.Equal(t, h.Count(), e.Count())
	ps := []float64{0, 1, 25, 50, 90, 99, 99.9, 100}
	got, err := e.Quantiles(ps...)
	require.NoError(t, err)
	assert.Equal(t, h.Quantiles(ps...), got)
	back, err := e.Decode()
	require.NoError(t, err)
	assert.Equal(t, h.Quantiles(ps...), back.Quantiles(ps...))
	for _, b := range h.h.Distribution() {
		lo, hi := bucketOf(b.From)
		require.Equal(t, [2]int64{b.From, b.To}, [2]int64{lo, hi}, "bucketOf(%d) is HdrHistogram's bucket", b.From)
	}
	assert.Less(t, len(e), 8*len(values), "a few bytes a bucket")

	// Merged, the values of both.
	a, b := EncodeValues(slices.Clone(values[:1000])), EncodeValues(slices.Clone(values[1000:]))
	m, err := MergeEncoded(a, "", b)
	require.NoError(t, err)
	assert.Equal(t, e, m)

	for _, bad := range []EncodedHistogram{"!!", "AA", "gA"} {
		_, err := bad.Quantiles(50)
		assert.ErrorIs(t, err, ErrEncodedHistogram, "%q", bad)
		_, err = MergeEncoded(bad)
		assert.ErrorIs(t, err, ErrEncodedHistogram)
	}
}

// hourOfShards returns n shard runs of an hour each, every window with
// perWindow TTFT samples, for the merge benchmark.
func hourOfShards(b *testing.B, n, perWindow int) []*Run {
	b.Helper()
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	var runs []*Run
	for s := range n {
		r := shardRun(fmt.Sprintf("s%d", s), t0, 1)
		r.Series = make([]Window, 3600)
		vs := make([]int64, perWindow)
		for i := range r.Series {
			for j := range vs {
				vs[j] = int64(50+(i+j)%200)*int64(time.Millisecond) + int64(j)*977
			}
			enc := EncodeValues(vs)
			r.Series[i] = Window{Start: t0.Add(time.Duration(i) * time.Second), Started: perWindow, Completed: perWindow, TTFT: enc, TTLT: enc}
		}
		r.EndTime = t0.Add(time.Hour)
		runs = append(runs, r)
	}
	return runs
}

// BenchmarkMergeHour merges 4 one-hour shards, 3600 windows each with
// their TTFT and TTLT histograms of 100 samples.
//
//	go test ./reporters -run '^$' -bench BenchmarkMergeHour -benchmem
func BenchmarkMergeHour(b *testing.B) {
	runs := hourOfShards(b, 4, 100)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Merge(runs, MergeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeWindow encodes a window's 300 samples, as a run does
// when a window closes, and reports the encoding's size.
//
//	go test ./reporters -run '^$' -bench BenchmarkEncodeWindow -benchmem
func BenchmarkEncodeWindow(b *testing.B) {
	vs := make([]int64, 300)
	var size int
	for b.Loop() {
		for j := range vs {
			vs[j] = int64(50+j%200)*int64(time.Millisecond) + int64(j)*977
		}
		size = len(EncodeValues(vs))
	}
	b.ReportMetric(float64(size), "bytes/window")
}

// TestMergeOpenLoopShards sums the shards' shares of an open loop: the
// rate, the cap in flight, the dropped and the warm-up requests.
func TestMergeOpenLoopShards(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	a, b := shardRun("a", t0, 100, 200), shardRun("b", t0, 300)
	for i, r := range []*Run{a, b} {
		r.Config.Clients = 0
		r.Config.Rate, r.Config.Arrival, r.Config.MaxInFlight = 25, "poisson", 128
		r.Counts.Dropped, r.Counts.Warmup = i+1, 2*i+3
	}
	m, err := Merge([]*Run{a, b}, MergeOptions{})
	require.NoError(t, err)
	assert.Equal(t, 50.0, m.Config.Rate)
	assert.Equal(t, 256, m.Config.MaxInFlight)
	assert.Equal(t, "poisson", m.Config.Arrival)
	assert.Zero(t, m.Config.Clients)
	assert.Equal(t, Counts{Total: 3, Dropped: 3, Warmup: 8}, m.Counts)
}

// TestMergeWindowsWithoutHistograms merges windows of documents written
// before window histograms: a window only one run has keeps its own
// percentiles; one that several runs have, some without samples, has
// none rather than a wrong one.
func TestMergeWindowsWithoutHistograms(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	a := shardRun("a", t0, 10, 20)
	b := shardRun("b", t0.Add(time.Second), 30, 40)
	for _, r := range []*Run{a, b} {
		for i := range r.Series {
			r.Series[i].TTFT = "" // an older document
		}
	}
	m, err := Merge([]*Run{a, b}, MergeOptions{})
	require.NoError(t, err)
	require.Len(t, m.Series, 3)
	assert.Equal(t, 0.010, m.Series[0].TTFTP50, "only a has second 0: its own")
	assert.Zero(t, m.Series[1].TTFTP50, "a and b have second 1, without samples: none")
	assert.Zero(t, m.Series[1].TTFTP99)
	assert.Equal(t, 0.040, m.Series[2].TTFTP99, "only b has second 2")

	// With samples, second 1 merges: the p50 of {20ms, 30ms}.
	m, err = Merge([]*Run{shardRun("a", t0, 10, 20), shardRun("b", t0.Add(time.Second), 30, 40)}, MergeOptions{})
	require.NoError(t, err)
	assert.InEpsilon(t, 0.025, m.Series[1].TTFTP50, RelativeError)
}
