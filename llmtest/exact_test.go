package llmtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

// shapes are sample generators for the exact-percentile tests, in
// nanoseconds: below 2048 the histogram's buckets hold one value each,
// above they are wider, and some shapes put many equal values in a bucket,
// crowd most samples in a bucket or two (more than maxKept: counted in
// sub-spans), or put values past HistogramMax in its last one.
var shapes = map[string]func(r *rand.Rand) int64{
	"small":     func(r *rand.Rand) int64 { return r.Int64N(1500) },
	"uniform":   func(r *rand.Rand) int64 { return 5e6 + r.Int64N(10e6) },
	"lognormal": func(r *rand.Rand) int64 { return int64(math.Exp(18 + 0.8*r.NormFloat64())) },
	"bimodal": func(r *rand.Rand) int64 {
		if r.IntN(10) == 0 {
			return 2e9 + r.Int64N(1e8)
		}
		return 1e8 + r.Int64N(1e7)
	},
	"duplicates":  func(r *rand.Rand) int64 { return 1e7 + 1e3*r.Int64N(4) }, // 4 values
	"narrow":      func(r *rand.Rand) int64 { return 1e9 + r.Int64N(1000) },  // one or two buckets
	"constant":    func(*rand.Rand) int64 { return 123456789 },
	"zeros":       func(r *rand.Rand) int64 { return r.Int64N(2) },
	"crowded":     func(r *rand.Rand) int64 { return 40e6 - 20e3 + r.Int64N(40e3) },     // 40ms ± 20µs: crowded buckets
	"crowdedslow": func(r *rand.Rand) int64 { return 1440e6 - 100e3 + r.Int64N(200e3) }, // 1.44s ± 100µs
	"twovalues":   func(r *rand.Rand) int64 { return 40e6 + 7*r.Int64N(2) },             // one bucket, two values
	"beyondmax":   func(r *rand.Rand) int64 { return reporters.HistogramMax - 1e12 + r.Int64N(2e12) },
}

// TestExactPercentilesMatchASort pins that finish's percentiles, found by
// selection inside the histogram's buckets, are those of a full sort to
// the last bit, for every metric, over several shapes and sizes.
func TestExactPercentilesMatchASort(t *testing.T) {
	for name, shape := range shapes {
		for _, n := range []int{1, 2, 3, 10, 1000, 50_000} {
			t.Run(fmt.Sprintf("%s/n=%d", name, n), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(n), 7))
				invs := make([]Invocation, n)
				for i := range invs {
					d := func() time.Duration { return max(time.Duration(shape(r)), 1) } // a present duration is not zero
					gaps := make([]time.Duration, r.IntN(4))
					for j := range gaps {
						gaps[j] = time.Duration(shape(r))
					}
					invs[i] = Invocation{TimeToFirstToken: d(), TimeToFirstOutput: d(), TimeToLastToken: d(), TimePerOutputToken: d(),
						InterTokenLatencies: gaps, NumTokensInput: int(shape(r)), InputTokensFrom: FromServer,
						NumTokensOutput: int(shape(r)), OutputTokensFrom: FromTokenizer}
					// An open loop's schedule lag, and so its latencies
					// from the intended time.
					invs[i].IntendedTime = time.Unix(1e9, 0)
					invs[i].RequestTime = invs[i].IntendedTime.Add(d())
					// Traced client phases: a new connection every third.
					invs[i].Conn = ConnPhases{Traced: true, Reused: i%3 != 0, FirstByte: d()}
					if !invs[i].Conn.Reused {
						invs[i].Conn.Connect = d()
					}
					if i%5 == 4 {
						invs[i].Error = "failed" // none of its samples count but its lag
					}
				}
				res := NewResult(invs, time.Second)
				sorted := sortedSamples(invs)
				for i, metric := range metricIndex {
					m := res.Run.Metric(string(metric))
					require.NotNil(t, m)
					all := sorted[i]
					require.Equal(t, len(all), m.N, "%s samples", metric)
					require.Equal(t, m.N, res.Stats.Aggregate(metric).N, "Stats has %s", metric)
					if m.N == 0 {
						continue
					}
					assert.True(t, m.Exact, "%s", metric)
					conv := func(v float64) float64 { return v }
					if metric.IsDuration() {
						conv = func(ns float64) float64 { return time.Duration(math.Round(ns)).Seconds() }
					}
					for j, got := range []float64{m.P50, m.P90, m.P95, m.P99, m.P999} {
						want := min(max(conv(Percentile(all, reportedPercentiles[j])), m.Min), m.Max)
						assert.Equal(t, want, got, "%s p%v", metric, reportedPercentiles[j])
					}
				}
			})
		}
	}
}

// TestExactPercentilesOfOtherInvocationsSort pins the guard of the
// selection: invocations that are not those the histograms were built
// from (more, fewer, or other values in the same number) give the
// percentiles of a sort of what was passed, not a wrong value.
func TestExactPercentilesOfOtherInvocationsSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gen := func(n int) []Invocation {
		invs := make([]Invocation, n)
		for i := range invs {
			invs[i] = Invocation{TimeToLastToken: time.Duration(1e6 + r.Int64N(1e6))}
		}
		return invs
	}
	built := gen(1000)
	b := newModelBuilder(&reporters.Run{}, true, false)
	var hists [len(metricIndex)]*reporters.Histogram
	var ns [len(metricIndex)]int
	for i := range built {
		b.add(&built[i])
	}
	for i := range b.metrics {
		hists[i], ns[i] = &b.metrics[i].hist, b.metrics[i].n
	}
	for _, other := range [][]Invocation{gen(1000), gen(999), gen(1001), built[:0]} {
		nsCopy := ns
		got := exactPercentiles(&hists, &nsCopy, new([len(metricIndex)]int64), other)
		all := sortedSamples(other)[iTTLT]
		if len(all) == 0 {
			assert.Nil(t, got[iTTLT], "no samples, no percentiles")
			continue
		}
		for j, p := range reportedPercentiles {
			assert.Equal(t, Percentile(all, p), got[iTTLT][j], "%d invocations, p%v", len(other), p)
		}
	}
}

// TestSelectNthMatchesASort pins selectNth against a sort: every rank of
// arrays of several sizes and orders, with and without duplicates.
func TestSelectNthMatchesASort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	orders := map[string]func(n int) []int64{
		"random":     func(n int) []int64 { return fill(n, func(int) int64 { return r.Int64N(1e6) }) },
		"duplicates": func(n int) []int64 { return fill(n, func(int) int64 { return r.Int64N(3) }) },
		"equal":      func(n int) []int64 { return fill(n, func(int) int64 { return 5 }) },
		"ascending":  func(n int) []int64 { return fill(n, func(i int) int64 { return int64(i) }) },
		"descending": func(n int) []int64 { return fill(n, func(i int) int64 { return int64(-i) }) },
		"organpipe":  func(n int) []int64 { return fill(n, func(i int) int64 { return int64(min(i, n-i)) }) },
	}
	for name, order := range orders {
		for _, n := range []int{1, 2, 3, 7, 100, 1001} {
			a := order(n)
			want := slices.Sorted(slices.Values(a))
			for k := 0; k < n; k += max(1, n/50) {
				for _, k := range []int{k, n - 1 - k} {
					got := slices.Clone(a)
					selectNth(got, k)
					require.Equal(t, want[k], got[k], "%s n=%d k=%d", name, n, k)
					for i, v := range got {
						if i < k && v > got[k] || i > k && v < got[k] {
							t.Fatalf("%s n=%d k=%d: got[%d] = %d on the wrong side of %d", name, n, k, i, v, got[k])
						}
					}
					slices.Sort(got)
					require.Equal(t, want, got, "%s n=%d k=%d: a permutation", name, n, k)
				}
			}
		}
	}
}

func fill(n int, f func(i int) int64) []int64 {
	a := make([]int64, n)
	for i := range a {
		a[i] = f(i)
	}
	return a
}

// TestSelectedPercentilesMatchPercentile pins the window percentiles'
// selection against Percentile over the sorted values, to the last bit.
func TestSelectedPercentilesMatchPercentile(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ps := []float64{0, 1, 50, 90, 99, 99.9, 100}
	for name, shape := range shapes {
		for _, n := range []int{1, 2, 3, 10, 1000, 20_000} {
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = float64(shape(r))
			}
			sorted := slices.Sorted(slices.Values(vals))
			got := selectedPercentiles(slices.Clone(vals), ps...)
			for i, p := range ps {
				assert.Equal(t, Percentile(sorted, p), got[i], "%s n=%d p%v", name, n, p)
			}
		}
	}
	assert.True(t, math.IsNaN(selectedPercentiles(nil, 50)[0]), "no values")
}

// TestCellsTileTheValues pins the cell geometry the selection's table
// relies on: cells are contiguous and ordered, each value is in the cell
// cellOf names, and every cell lies inside one histogram bucket (so that
// no sample takes the slow path).
func TestCellsTileTheValues(t *testing.T) {
	next := int64(0)
	for c := range maxCells {
		lo, hi := cellBounds(c)
		if lo != next || hi < lo || cellOf(lo) != c || cellOf(hi) != c {
			t.Fatalf("cell %d is [%d, %d], after a cell ending at %d; cellOf gives %d and %d", c, lo, hi, next-1, cellOf(lo), cellOf(hi))
		}
		next = hi + 1
	}
	require.Greater(t, next, reporters.HistogramMax, "the cells reach HistogramMax")

	r := rand.New(rand.NewPCG(7, 8))
	vals := make([]int64, 5000)
	ranks := make([]int64, len(vals))
	var h reporters.Histogram
	for i := range vals {
		vals[i] = int64(math.Exp(r.Float64() * math.Log(float64(reporters.HistogramMax))))
		h.Record(vals[i])
		ranks[i] = int64(i)
	}
	slices.Sort(vals)
	bs, ok := h.Buckets(ranks...)
	require.True(t, ok)
	for i, v := range vals {
		lo, hi := cellBounds(cellOf(v))
		if lo < bs[i].Lo || hi > bs[i].Hi {
			t.Errorf("cell [%d, %d] of %d not inside bucket [%d, %d]", lo, hi, v, bs[i].Lo, bs[i].Hi)
		}
	}
}

// TestRankSetOfStraddlingBuckets pins the slow path of the selection: with
// buckets that do not line up with the cells (width 3 where the cells are
// 2 wide), the samples of a straddling cell are compared with the bounds,
// and the values are still those of a sort.
func TestRankSetOfStraddlingBuckets(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const n = 5000
	vals := make([]int64, n)
	for i := range vals {
		vals[i] = 2048 + r.Int64N(3000) // cells of width 2
	}
	sorted := slices.Sorted(slices.Values(vals))
	ranks := percentileRanks(n, reportedPercentiles)
	bucketOf := func(v int64) (lo, hi int64) { lo = 2048 + (v-2048)/3*3; return lo, lo + 2 }
	bs := make([]reporters.Bucket, len(ranks))
	for j, rank := range ranks {
		lo, hi := bucketOf(sorted[rank])
		below, _ := slices.BinarySearch(sorted, lo)
		end, _ := slices.BinarySearch(sorted, hi+1)
		bs[j] = reporters.Bucket{Lo: lo, Hi: hi, Below: int64(below), Count: int64(end - below)}
	}
	s := newRankSetOf(n, ranks, bs)
	assert.Contains(t, s.cells, int8(someBuckets), "some cell straddles a bucket")
	for v := range slices.Values(vals) {
		s.add(v)
	}
	require.True(t, s.refine())
	got, ok := s.exact()
	require.True(t, ok)
	for _, rank := range ranks {
		assert.Equal(t, float64(sorted[rank]), got[rank], "rank %d", rank)
	}
}

// TestRankSetResolvesCrowdedBuckets pins the passes of the selection on
// the samples of one metric, crowded or not: every pass matches the
// histogram's counts (no fall back to a sort), what a pass keeps stays
// within maxKept samples, the passes end within a few, and each needed
// rank's value is that of a sort.
func TestRankSetResolvesCrowdedBuckets(t *testing.T) {
	cases := map[string]struct {
		n         int
		shape     func(r *rand.Rand) int64
		maxPasses int
	}{
		"crowded 40ms±20µs":   {300_000, shapes["crowded"], 1},     // buckets 32,768 wide: counted by value
		"crowded 1.44s±100µs": {100_000, shapes["crowdedslow"], 2}, // buckets 2^20 wide: counted, then kept
		"crowded n=100,001":   {100_001, shapes["crowdedslow"], 2},
		"crowded n=150,000":   {150_000, shapes["crowdedslow"], 2},
		"crowded n=77,777":    {77_777, shapes["crowdedslow"], 2},
		"all equal":           {100_000, shapes["constant"], 2},
		"two values":          {100_000, shapes["twovalues"], 1},
		"n=1":                 {1, shapes["crowded"], 1},
		"wide":                {100_000, shapes["lognormal"], 1},
		"beyond max":          {100_000, shapes["beyondmax"], 4},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, uint64(c.n)))
			vals := fill(c.n, func(int) int64 { return c.shape(r) })
			var h reporters.Histogram
			for _, v := range vals {
				h.Record(v)
			}
			sorted := slices.Sorted(slices.Values(vals))
			s := newRankSet(&h, c.n, sorted[0], reportedPercentiles)
			require.NotNil(t, s)
			passes := 0
			for ; s.active(); passes++ {
				require.Less(t, passes, c.maxPasses, "passes")
				for _, sp := range s.spans {
					assert.LessOrEqual(t, cap(sp.kept), maxKept, "kept samples")
					assert.LessOrEqual(t, len(sp.counts), subSpans, "sub-spans")
				}
				for _, v := range vals {
					s.add(v)
				}
				require.True(t, s.refine(), "pass %d matches the histogram", passes)
			}
			got, ok := s.exact()
			require.True(t, ok)
			for _, rank := range s.ranks {
				require.Equal(t, float64(sorted[rank]), got[rank], "rank %d", rank)
			}
		})
	}
}

// TestExactPercentilesOfNegativeSamplesSort pins that samples below zero,
// which the histogram records as zero and so cannot order, give the
// percentiles of a sort: {-5, -3, 10, 20} has the median 3.5, not the 5
// a look inside the histogram's buckets would give.
func TestExactPercentilesOfNegativeSamplesSort(t *testing.T) {
	var invs []Invocation
	for _, v := range []int{-5, -3, 10, 20} {
		invs = append(invs, Invocation{NumTokensOutput: v, OutputTokensFrom: FromServer})
	}
	m := NewResult(invs, time.Second).Run.Metric(string(NumTokensOutput))
	require.NotNil(t, m)
	assert.True(t, m.Exact)
	all := []float64{-5, -3, 10, 20}
	assert.Equal(t, 3.5, m.P50)
	for j, got := range []float64{m.P50, m.P90, m.P95, m.P99, m.P999} {
		assert.Equal(t, Percentile(all, reportedPercentiles[j]), got, "p%v", reportedPercentiles[j])
	}
}
