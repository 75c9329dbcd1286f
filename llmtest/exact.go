package llmtest

import (
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// This file computes exact percentiles at the end of a run without
// keeping a copy of every sample or sorting them: the model's histogram of
// a metric says which bucket holds the value of each rank a percentile
// needs, so one pass over the invocations collects only the samples inside
// those few buckets, and a selection among them finds each rank's value.
// The time and the extra memory are O(n) in the samples, and the memory is
// that of the samples in the needed buckets only.

// eachSample calls f with every sample inv contributes to the model's
// metrics, by metricIndex, as modelBuilder.add folds them: the non-zero
// latencies, every inter-token gap and the present token counts of a
// successful request; none for another.
func eachSample(inv *Invocation, f func(metric int, v int64)) {
	if inv.Warmup {
		return
	}
	if lag := inv.lag(); lag != 0 {
		f(iLag, int64(lag))
	}
	if !inv.Succeeded() {
		return
	}
	if d := inv.fromIntended(inv.TimeToFirstToken); d != 0 {
		f(iTTFTIntended, int64(d))
	}
	if d := inv.fromIntended(inv.TimeToLastToken); d != 0 {
		f(iTTLTIntended, int64(d))
	}
	for i, d := range [...]time.Duration{inv.TimeToFirstToken, inv.TimeToFirstOutput, inv.TimeToLastToken, inv.TimePerOutputToken} {
		if d != 0 {
			f(i, int64(d)) // iTTFT … iTPOT
		}
	}
	for _, g := range inv.InterTokenLatencies {
		f(iITL, int64(g))
	}
	if inv.InputTokensFrom != "" {
		f(iInputTokens, int64(inv.NumTokensInput))
	}
	if inv.OutputTokensFrom != "" {
		f(iOutputTokens, int64(inv.NumTokensOutput))
	}
}

// sortedSamples returns the sorted samples of every metric over invs.
func sortedSamples(invs []Invocation) *samples {
	var s samples
	for i := range invs {
		eachSample(&invs[i], func(m int, v int64) { s[m] = append(s[m], float64(v)) })
	}
	for m := range s {
		slices.Sort(s[m])
	}
	return &s
}

// rankSet collects, for one metric, the samples inside the histogram
// buckets that hold the ranks its percentiles need.
type rankSet struct {
	n       int                // samples of the metric
	ranks   []int64            // needed 0-based ranks, ascending, distinct
	bucket  []int              // ranks[j]'s bucket, an index in buckets
	buckets []reporters.Bucket // distinct, ascending
	vals    [][]int64          // the samples in buckets[k]
	seen    int                // samples seen by add
	// collect is false when every needed bucket holds one value: the
	// histogram alone then gives every needed rank, and add is not called.
	collect bool
	// cells maps a cell (see cellOf) to the bucket of buckets that holds
	// all of it and whose samples are collected, or to noBucket, or to
	// someBuckets for a cell that straddles a bucket's bounds. Cells past
	// its end are noBucket.
	cells []int8
}

const (
	noBucket    = -1 // the cell's samples are not needed
	someBuckets = -2 // the cell's samples are compared with the buckets' bounds
)

// A cell is a range of values of a log-linear geometry like the
// Histogram's: 2048 cells of width 1 below 2048, then 1024 cells of width
// 2^e for each octave [2^(e+10), 2^(e+11)). cellOf is cheap (a bit count
// and a shift), so that add looks a sample's cell up in a table instead of
// comparing it with each bucket, and the table stays small (75,000 cells up
// to HistogramMax). A cell that does not fit inside one bucket is only
// slower: its samples are compared with the bounds.
func cellOf(v int64) int {
	e := bits.Len64(uint64(v)|2047) - 11
	return e<<10 + int(v>>e)
}

// cellBounds returns the values from lo to hi, both included, of cell c.
func cellBounds(c int) (lo, hi int64) {
	if c < 2048 {
		return int64(c), int64(c)
	}
	e := c>>10 - 1
	lo = int64(c-e<<10) << e
	return lo, lo + 1<<e - 1
}

// maxCells bounds the table of a rankSet, in case a histogram's buckets
// reach past HistogramMax.
var maxCells = cellOf(reporters.HistogramMax) + 1

// percentileRanks returns the ranks that Percentile reads for each of ps
// over n sorted values, ascending and distinct.
func percentileRanks(n int, ps []float64) []int64 {
	var ranks []int64
	for _, p := range ps {
		i := int(math.Floor(float64(n-1) * p / 100))
		ranks = append(ranks, int64(min(i, n-1)), int64(min(i+1, n-1)))
	}
	slices.Sort(ranks)
	return slices.Compact(ranks)
}

// newRankSet returns the rank set of the n samples recorded in h, for the
// percentiles ps, or nil when h does not hold n values.
func newRankSet(h *reporters.Histogram, n int, ps []float64) *rankSet {
	if n == 0 || h.Count() != int64(n) {
		return nil
	}
	ranks := percentileRanks(n, ps)
	bs, ok := h.Buckets(ranks...)
	if !ok {
		return nil
	}
	return newRankSetOf(n, ranks, bs)
}

// newRankSetOf returns the rank set of n samples whose ranks are held by
// buckets bs, one for each rank.
func newRankSetOf(n int, ranks []int64, bs []reporters.Bucket) *rankSet {
	s := &rankSet{n: n, ranks: ranks}
	s.bucket = make([]int, len(bs))
	for j, b := range bs {
		if k := len(s.buckets); k == 0 || s.buckets[k-1].Lo != b.Lo {
			s.buckets = append(s.buckets, b)
		}
		s.bucket[j] = len(s.buckets) - 1
	}
	s.vals = make([][]int64, len(s.buckets))
	for k, b := range s.buckets {
		if b.Lo != b.Hi { // a bucket of one value needs no samples
			s.vals[k] = make([]int64, 0, b.Count)
			s.collect = true
		}
	}
	last := min(cellOf(min(max(s.buckets[len(s.buckets)-1].Hi, 0), reporters.HistogramMax)), maxCells-1)
	s.cells = make([]int8, last+1)
	k := 0
	for c := range s.cells {
		lo, hi := cellBounds(c)
		for k < len(s.buckets) && s.buckets[k].Hi < lo {
			k++
		}
		switch {
		case k == len(s.buckets) || hi < s.buckets[k].Lo:
			s.cells[c] = noBucket
		case lo >= s.buckets[k].Lo && hi <= s.buckets[k].Hi:
			s.cells[c] = int8(k)
			if s.buckets[k].Lo == s.buckets[k].Hi {
				s.cells[c] = noBucket
			}
		default:
			s.cells[c] = someBuckets
		}
	}
	return s
}

// add looks at one sample: it keeps it when it falls in a needed bucket,
// compared as the histogram recorded it (clamped to [0, HistogramMax]).
func (s *rankSet) add(v int64) {
	s.seen++
	c := min(max(v, 0), reporters.HistogramMax)
	if cell := cellOf(c); cell < len(s.cells) && s.cells[cell] != noBucket {
		s.keep(v, c, s.cells[cell])
	}
}

// addAll is add for every sample of vs.
func (s *rankSet) addAll(vs []time.Duration) {
	s.seen += len(vs)
	cells := s.cells
	for _, v := range vs {
		c := min(max(int64(v), 0), reporters.HistogramMax)
		if cell := cellOf(c); cell < len(cells) && cells[cell] != noBucket {
			s.keep(int64(v), c, cells[cell])
		}
	}
}

// keep keeps sample v, c as the histogram recorded it, of a cell marked k.
func (s *rankSet) keep(v, c int64, k int8) {
	if k != someBuckets {
		s.vals[k] = append(s.vals[k], v)
		return
	}
	for k := range s.buckets {
		if b := &s.buckets[k]; c >= b.Lo && c <= b.Hi && b.Lo != b.Hi {
			s.vals[k] = append(s.vals[k], v)
		}
	}
}

// exact returns the sample of each needed rank, by rank, or false when
// what was collected does not match the histogram (the invocations are
// not those the histogram was built from) or s is nil.
func (s *rankSet) exact() (map[int64]float64, bool) {
	if s == nil || (s.collect && s.seen != s.n) {
		return nil, false
	}
	for k, b := range s.buckets {
		if b.Lo != b.Hi && int64(len(s.vals[k])) != b.Count {
			return nil, false
		}
	}
	out := make(map[int64]float64, len(s.ranks))
	done := make([]int, len(s.buckets)) // vals[k][:done[k]] are in place
	for j, r := range s.ranks {
		k := s.bucket[j]
		if b := s.buckets[k]; b.Lo == b.Hi {
			out[r] = float64(b.Lo)
			continue
		}
		off := int(r - s.buckets[k].Below)
		vals := s.vals[k]
		if off >= done[k] {
			selectNth(vals[done[k]:], off-done[k])
			done[k] = off + 1
		}
		out[r] = float64(vals[off])
	}
	return out, true
}

// interpolate is Percentile over n sorted values read with at: the same
// arithmetic, so that it gives the same float64.
func interpolate(n int, p float64, at func(rank int64) float64) float64 {
	h := float64(n-1) * p / 100
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return at(int64(n - 1))
	}
	a := at(int64(i))
	return a + (h-lo)*(at(int64(i+1))-a)
}

// exactPercentiles returns the reportedPercentiles of every metric over
// the samples of invs, by metricIndex, exact as Percentile over the
// sorted samples would give them; nil for a metric of no samples. hists
// and ns are the metrics' histograms and sample counts, as modelBuilder
// built them from the same invocations. A metric whose needed buckets each
// hold one value is read from its histogram alone, without a look at the
// invocations; one whose samples, looked at, do not match its histogram is
// computed by sorting them.
func exactPercentiles(hists *[len(metricIndex)]*reporters.Histogram, ns *[len(metricIndex)]int, invs []Invocation) [len(metricIndex)][]float64 {
	var sets [len(metricIndex)]*rankSet
	for m := range sets {
		sets[m] = newRankSet(hists[m], ns[m], reportedPercentiles)
	}
	var collect [len(metricIndex)]bool // whether a metric's samples are looked at
	for m, s := range sets {
		collect[m] = s != nil && s.collect
	}
	pass := invs
	if !slices.Contains(collect[:], true) {
		pass = nil // the histograms hold every needed value
	}
	for i := range pass {
		inv := &pass[i]
		if inv.Warmup {
			continue
		}
		if lag := inv.lag(); lag != 0 && collect[iLag] {
			sets[iLag].add(int64(lag))
		}
		if !inv.Succeeded() {
			continue
		}
		if d := inv.fromIntended(inv.TimeToFirstToken); d != 0 && collect[iTTFTIntended] {
			sets[iTTFTIntended].add(int64(d))
		}
		if d := inv.fromIntended(inv.TimeToLastToken); d != 0 && collect[iTTLTIntended] {
			sets[iTTLTIntended].add(int64(d))
		}
		if d := inv.TimeToFirstToken; d != 0 && collect[iTTFT] {
			sets[iTTFT].add(int64(d))
		}
		if d := inv.TimeToFirstOutput; d != 0 && collect[iTTFO] {
			sets[iTTFO].add(int64(d))
		}
		if d := inv.TimeToLastToken; d != 0 && collect[iTTLT] {
			sets[iTTLT].add(int64(d))
		}
		if d := inv.TimePerOutputToken; d != 0 && collect[iTPOT] {
			sets[iTPOT].add(int64(d))
		}
		if collect[iITL] {
			sets[iITL].addAll(inv.InterTokenLatencies)
		}
		if inv.InputTokensFrom != "" && collect[iInputTokens] {
			sets[iInputTokens].add(int64(inv.NumTokensInput))
		}
		if inv.OutputTokensFrom != "" && collect[iOutputTokens] {
			sets[iOutputTokens].add(int64(inv.NumTokensOutput))
		}
	}
	var out [len(metricIndex)][]float64
	var sorted *samples
	for m, s := range sets {
		if ns[m] == 0 {
			continue
		}
		var at func(int64) float64
		if vals, ok := s.exact(); ok {
			at = func(r int64) float64 { return vals[r] }
		} else {
			if sorted == nil {
				sorted = sortedSamples(invs)
			}
			all := sorted[m]
			if len(all) == 0 {
				continue
			}
			at = func(r int64) float64 { return all[r] }
			ns[m] = len(all)
		}
		out[m] = make([]float64, len(reportedPercentiles))
		for j, p := range reportedPercentiles {
			out[m][j] = interpolate(ns[m], p, at)
		}
	}
	return out
}

// selectedPercentiles returns the ps-th percentiles of vals, as
// Percentile would over vals sorted, reordering vals but not sorting them:
// O(len(vals)) for a few percentiles. vals must hold no NaN.
func selectedPercentiles(vals []float64, ps ...float64) []float64 {
	out := make([]float64, len(ps))
	if len(vals) == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	done := 0 // vals[:done] are in place
	for _, r := range percentileRanks(len(vals), ps) {
		selectNth(vals[done:], int(r)-done)
		done = int(r) + 1
	}
	for i, p := range ps {
		out[i] = interpolate(len(vals), p, func(r int64) float64 { return vals[r] })
	}
	return out
}

// selectNth reorders a so that a[k] is the value of rank k in ascending
// order, every value before it no greater and every one after it no
// smaller: a quickselect with a three-way partition (so that runs of equal
// values cost one pass), in O(len(a)) expected time, falling back to a
// sort when the pivots go bad too many times in a row.
func selectNth[T int64 | float64](a []T, k int) {
	lo, hi := 0, len(a) // the rank is in a[lo:hi]
	for budget := 2 * bits.Len(uint(len(a))); hi-lo > 1; budget-- {
		if budget == 0 {
			slices.Sort(a[lo:hi])
			return
		}
		pivot := median3(a[lo], a[lo+(hi-lo)/2], a[hi-1])
		// a[lo:lt] < pivot, a[lt:i] == pivot, a[gt:hi] > pivot.
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := a[i]; {
			case v < pivot:
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case v > pivot:
				gt--
				a[gt], a[i] = a[i], a[gt]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return // a[k] == pivot, in place
		}
	}
}

func median3[T int64 | float64](a, b, c T) T {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	return max(a, b)
}
