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
// needs, so a pass over the invocations collects only the samples inside
// those few buckets, and a selection among them finds each rank's value.
// A crowded bucket (narrow latencies put most samples in one or two) is
// not collected but counted, in finer sub-spans, and the next pass looks
// only at the sub-span of the rank. The time is O(n) per pass, a few
// passes at most; the extra memory is bounded whatever n (see rankSet).

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
	if d := inv.Conn.FirstByte; d != 0 {
		f(iTTFB, int64(d))
	}
	if d := inv.Conn.Connect; d != 0 {
		f(iConnect, int64(d))
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

// rankSet finds, for one metric, the samples of the ranks its percentiles
// need, in passes over the samples. Each needed rank is known to lie in a
// span of values whose count of samples, and of samples below it, is
// known: at first the histogram bucket that holds it. A pass looks at
// every sample: it keeps those in a span of few samples, and counts those
// in a crowded span into sub-spans of equal width (a counting pass, which
// keeps nothing). After a pass, refine selects each rank's value among the
// kept samples of its span, or narrows its span to the sub-span that holds
// it, whose count the pass has counted. Values are integers, so a span
// narrows to one value in a few passes; one value needs no more passes.
// The memory is bounded by the spans' limits (maxKept samples, subSpans
// counters), whatever the number of samples.
type rankSet struct {
	n     int     // samples of the metric
	ranks []int64 // needed 0-based ranks, ascending, distinct
	span  []int   // ranks[j]'s span, an index in spans
	spans []span  // distinct, ascending
	seen  int     // samples seen by add in this pass
	// cells maps a cell of the values to the span of spans whose samples
	// are looked at and that holds all of it, or to noBucket, or to
	// someBuckets for a cell that straddles a span's bounds. Cells past
	// its end are noBucket. In the first pass, the cells are cellOf's
	// (the spans are histogram buckets, spread over any range); later,
	// when linear, cell i holds the values from base + i<<shift, 1<<shift
	// of them.
	cells  []int8
	linear bool
	base   int64
	shift  uint
}

// A span is a range of a metric's values, from lo to hi both included,
// that holds count samples, below samples being smaller than lo. During
// a pass, its samples are kept in kept or, for a crowded span, counted in
// counts by sub-span of width 1<<shift from lo.
type span struct {
	lo, hi       int64
	below, count int64
	kept         []int64
	counts       []uint32
	shift        uint
	seen         int64 // samples of the span seen in this pass
}

// resolved reports whether the span is one value: its samples need no
// look.
func (sp *span) resolved() bool { return sp.lo == sp.hi }

// Limits of a pass: a span of at most maxKept samples keeps them; a more
// crowded one counts them in at most subSpans sub-spans.
const (
	maxKept  = 1 << 13
	subSpans = 1 << 16
)

const (
	noBucket    = -1 // the cell's samples are not needed
	someBuckets = -2 // the cell's samples are compared with the spans' bounds
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

// maxCells bounds the first pass's table, in case a histogram's buckets
// reach past HistogramMax.
var maxCells = cellOf(reporters.HistogramMax) + 1

// linearCells is the size of a later pass's table.
const linearCells = 1 << 12

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

// newRankSet returns the rank set of the n samples recorded in h, the
// smallest of them least, for the percentiles ps; nil when h does not
// hold n values, or some are negative (the histogram recorded them as 0,
// so its buckets do not order them).
func newRankSet(h *reporters.Histogram, n int, least int64, ps []float64) *rankSet {
	if n == 0 || h.Count() != int64(n) || least < 0 || int64(n) > math.MaxUint32 {
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
// histogram buckets bs, one for each rank, ready for its first pass.
func newRankSetOf(n int, ranks []int64, bs []reporters.Bucket) *rankSet {
	s := &rankSet{n: n, ranks: ranks, span: make([]int, len(bs))}
	for j, b := range bs {
		if k := len(s.spans); k == 0 || s.spans[k-1].lo != b.Lo {
			hi := b.Hi
			if hi >= reporters.HistogramMax {
				hi = math.MaxInt64 // it holds the values recorded as HistogramMax
			}
			s.spans = append(s.spans, span{lo: b.Lo, hi: hi, below: b.Below, count: b.Count})
		}
		s.span[j] = len(s.spans) - 1
	}
	s.prepare()
	if !s.active() {
		return s
	}
	last := 0
	for _, sp := range s.spans {
		if !sp.resolved() {
			last = min(cellOf(min(sp.hi, reporters.HistogramMax)), maxCells-1)
		}
	}
	s.cells = make([]int8, last+1)
	k := 0
	for c := range s.cells {
		lo, hi := cellBounds(c)
		s.cells[c] = s.mark(lo, hi, &k)
	}
	return s
}

// mark returns the mark of the cell of the values from lo to hi: the span
// that holds it whole, noBucket or someBuckets. *k is the first span that
// may meet it, advanced as the cells ascend.
func (s *rankSet) mark(lo, hi int64, k *int) int8 {
	for *k < len(s.spans) && (s.spans[*k].hi < lo || s.spans[*k].resolved()) {
		*k++
	}
	switch sp := s.spans[min(*k, len(s.spans)-1)]; {
	case *k == len(s.spans) || hi < sp.lo:
		return noBucket
	case lo >= sp.lo && hi <= sp.hi:
		return int8(*k)
	default:
		return someBuckets
	}
}

// prepare readies every span that is not one value for a pass: kept or
// counted.
func (s *rankSet) prepare() {
	s.seen = 0
	for k := range s.spans {
		sp := &s.spans[k]
		sp.seen, sp.kept, sp.counts = 0, nil, nil
		switch width := uint64(sp.hi-sp.lo) + 1; {
		case sp.resolved():
		case sp.count <= maxKept:
			sp.kept = make([]int64, 0, sp.count)
		default:
			sp.shift = uint(max(0, bits.Len64(width-1)-bits.Len64(subSpans-1)))
			sp.counts = make([]uint32, (width-1)>>sp.shift+1)
		}
	}
}

// active reports whether some rank's span is not yet one value: then the
// samples are to be passed to add, and refine called.
func (s *rankSet) active() bool {
	return slices.ContainsFunc(s.spans, func(sp span) bool { return !sp.resolved() })
}

// add looks at one sample.
func (s *rankSet) add(v int64) {
	s.seen++
	if k := s.markOf(v); k != noBucket {
		s.keep(v, k)
	}
}

// markOf returns the mark of v's cell.
func (s *rankSet) markOf(v int64) int8 {
	var cell uint64
	if s.linear {
		if v < s.base {
			return noBucket
		}
		cell = uint64(v-s.base) >> s.shift
	} else {
		cell = uint64(cellOf(min(max(v, 0), reporters.HistogramMax))) // as the histogram recorded it
	}
	if cell >= uint64(len(s.cells)) {
		return noBucket
	}
	return s.cells[cell]
}

// addAll is add for every sample of vs, with the loads of s hoisted out
// of the loop (most samples of a crowded metric are counted: the loop is
// the cost of a pass).
func (s *rankSet) addAll(vs []time.Duration) {
	s.seen += len(vs)
	cells, spans, linear, base, shift := s.cells, s.spans, s.linear, s.base, s.shift
	for _, d := range vs {
		v := int64(d)
		var cell uint64
		if linear {
			if v < base {
				continue
			}
			cell = uint64(v-base) >> shift
		} else {
			cell = uint64(cellOf(min(max(v, 0), reporters.HistogramMax)))
		}
		if cell >= uint64(len(cells)) {
			continue
		}
		switch k := cells[cell]; {
		case k >= 0:
			spans[k].take(v)
		case k == someBuckets:
			s.keep(v, k)
		}
	}
}

// keep keeps or counts sample v, of a cell marked k.
func (s *rankSet) keep(v int64, k int8) {
	if k != someBuckets {
		s.spans[k].take(v)
		return
	}
	for k := range s.spans {
		if sp := &s.spans[k]; v >= sp.lo && v <= sp.hi && !sp.resolved() {
			sp.take(v)
		}
	}
}

// take keeps or counts sample v, which lies in sp.
func (sp *span) take(v int64) {
	if sp.counts != nil {
		sp.counts[uint64(v-sp.lo)>>sp.shift]++ // seen by refine, the sum of counts
		return
	}
	sp.seen++
	if sp.seen <= sp.count { // more is a mismatch, found by refine
		sp.kept = append(sp.kept, v)
	}
}

// refine narrows the spans after a pass, and readies the next pass if one
// is needed (see active). It returns false when what the pass saw does
// not match the counts (the samples are not those the histogram was built
// from).
func (s *rankSet) refine() bool {
	if s.seen != s.n {
		return false
	}
	for k := range s.spans {
		sp := &s.spans[k]
		if sp.counts != nil {
			for _, c := range sp.counts {
				sp.seen += int64(c)
			}
		}
		if !sp.resolved() && sp.seen != sp.count {
			return false
		}
	}
	next := make([]span, 0, len(s.ranks))
	for j := 0; j < len(s.ranks); {
		k := s.span[j]
		sp := &s.spans[k]
		end := j + 1 // ranks[j:end] are in sp
		for end < len(s.ranks) && s.span[end] == k {
			end++
		}
		done := int64(0) // sp.kept[:done] are in place
		for ; j < end; j++ {
			off := s.ranks[j] - sp.below
			var to span
			switch {
			case sp.resolved():
				to = span{lo: sp.lo, hi: sp.lo}
			case sp.counts == nil: // kept: select
				selectNth(sp.kept[done:], int(off-done))
				done = off + 1
				v := sp.kept[off]
				to = span{lo: v, hi: v}
			default: // counted: the sub-span of the rank
				below := sp.below
				i := 0
				for below+int64(sp.counts[i]) <= s.ranks[j] {
					below += int64(sp.counts[i])
					i++
				}
				lo := sp.lo + int64(uint64(i)<<sp.shift)
				hi := sp.hi
				if w := uint64(1)<<sp.shift - 1; uint64(sp.hi-lo) > w {
					hi = lo + int64(w)
				}
				to = span{lo: lo, hi: hi, below: below, count: int64(sp.counts[i])}
			}
			if n := len(next); n == 0 || next[n-1].lo != to.lo || next[n-1].hi != to.hi {
				next = append(next, to)
			}
			s.span[j] = len(next) - 1
		}
	}
	s.spans = next
	s.prepare()
	s.setLinearCells()
	return true
}

// setLinearCells builds the table of a later pass: linearCells cells over
// the spans' range, each marked as mark marks it.
func (s *rankSet) setLinearCells() {
	s.linear, s.cells = true, nil
	first, last := -1, -1
	for k, sp := range s.spans {
		if !sp.resolved() {
			last = k
			if first < 0 {
				first = k
			}
		}
	}
	if first < 0 {
		return
	}
	s.base = s.spans[first].lo
	width := uint64(s.spans[last].hi-s.base) + 1
	s.shift = uint(max(0, bits.Len64(width-1)-bits.Len64(linearCells-1)))
	s.cells = make([]int8, (width-1)>>s.shift+1)
	k := 0
	for c := range s.cells {
		lo := s.base + int64(uint64(c)<<s.shift)
		hi := int64(math.MaxInt64) // the whole cell, which may reach past the spans
		if w := uint64(1)<<s.shift - 1; uint64(hi-lo) > w {
			hi = lo + int64(w)
		}
		s.cells[c] = s.mark(lo, hi, &k)
	}
}

// exact returns the sample of each needed rank, by rank, once no span is
// active, or false when s is nil or still active.
func (s *rankSet) exact() (map[int64]float64, bool) {
	if s == nil || s.active() {
		return nil, false
	}
	out := make(map[int64]float64, len(s.ranks))
	for j, r := range s.ranks {
		out[r] = float64(s.spans[s.span[j]].lo)
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
// sorted samples would give them; nil for a metric of no samples. hists,
// ns and mins are the metrics' histograms, sample counts and smallest
// samples, as modelBuilder built them from the same invocations. A metric
// whose needed buckets each hold one value is read from its histogram
// alone, without a look at the invocations; the others are found in a few
// passes over the invocations (see rankSet). One whose samples, looked at,
// do not match its histogram, or whose smallest sample is negative, is
// computed by sorting them.
func exactPercentiles(hists *[len(metricIndex)]*reporters.Histogram, ns *[len(metricIndex)]int, mins *[len(metricIndex)]int64, invs []Invocation) [len(metricIndex)][]float64 {
	var sets [len(metricIndex)]*rankSet
	for m := range sets {
		sets[m] = newRankSet(hists[m], ns[m], mins[m], reportedPercentiles)
	}
	for {
		var look [len(metricIndex)]bool // whether a metric's samples are looked at
		for m, s := range sets {
			look[m] = s != nil && s.active()
		}
		if !slices.Contains(look[:], true) {
			break
		}
		pass(sets, look, invs)
		for m, s := range sets {
			if look[m] && !s.refine() {
				sets[m] = nil
			}
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

// pass passes the samples of invs, as eachSample gives them, to the rank
// sets of the metrics marked in look.
func pass(sets [len(metricIndex)]*rankSet, look [len(metricIndex)]bool, invs []Invocation) {
	for i := range invs {
		inv := &invs[i]
		if inv.Warmup {
			continue
		}
		if lag := inv.lag(); lag != 0 && look[iLag] {
			sets[iLag].add(int64(lag))
		}
		if !inv.Succeeded() {
			continue
		}
		if d := inv.fromIntended(inv.TimeToFirstToken); d != 0 && look[iTTFTIntended] {
			sets[iTTFTIntended].add(int64(d))
		}
		if d := inv.fromIntended(inv.TimeToLastToken); d != 0 && look[iTTLTIntended] {
			sets[iTTLTIntended].add(int64(d))
		}
		if d := inv.TimeToFirstToken; d != 0 && look[iTTFT] {
			sets[iTTFT].add(int64(d))
		}
		if d := inv.TimeToFirstOutput; d != 0 && look[iTTFO] {
			sets[iTTFO].add(int64(d))
		}
		if d := inv.TimeToLastToken; d != 0 && look[iTTLT] {
			sets[iTTLT].add(int64(d))
		}
		if d := inv.TimePerOutputToken; d != 0 && look[iTPOT] {
			sets[iTPOT].add(int64(d))
		}
		if look[iITL] {
			sets[iITL].addAll(inv.InterTokenLatencies)
		}
		if d := inv.Conn.FirstByte; d != 0 && look[iTTFB] {
			sets[iTTFB].add(int64(d))
		}
		if d := inv.Conn.Connect; d != 0 && look[iConnect] {
			sets[iConnect].add(int64(d))
		}
		if inv.InputTokensFrom != "" && look[iInputTokens] {
			sets[iInputTokens].add(int64(inv.NumTokensInput))
		}
		if inv.OutputTokensFrom != "" && look[iOutputTokens] {
			sets[iOutputTokens].add(int64(inv.NumTokensOutput))
		}
	}
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
