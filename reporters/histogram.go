package reporters

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/bits"
	"slices"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry: every Histogram has the same, so that any two merge.
const (
	// HistogramDigits is the number of significant decimal digits a
	// Histogram keeps: values within one part in 10^3 share a bucket.
	HistogramDigits = 3
	// HistogramMax is the largest value a Histogram tells apart: 24 hours
	// in nanoseconds for durations, as many tokens for token counts.
	// Larger values are recorded as HistogramMax.
	HistogramMax = int64(24 * time.Hour)
	// RelativeError bounds the relative error of every percentile read
	// from a Histogram, against the exact percentile of the recorded
	// values by the same method (linear interpolation between closest
	// ranks): |approximate − exact| ≤ RelativeError · exact. With
	// HistogramDigits = 3, a bucket is at most 1/1024 of its values wide
	// and a percentile is read at its bucket's midpoint, so the error is
	// at most 1/2048; the stated bound is 0.1%.
	RelativeError = 0.001
)

// Histogram is a mergeable histogram of non-negative integers — durations
// in nanoseconds, token counts in tokens — over github.com/HdrHistogram/
// hdrhistogram-go, with the geometry above: exact below 2048, within
// RelativeError above, from 0 to HistogramMax. It costs about 300 KiB
// whatever it holds, and O(1) per recorded value.
//
// A Histogram merges losslessly: the histogram of the merged values is the
// merge of their histograms, so shards merged give the percentiles one big
// run would, within RelativeError. It encodes in JSON as a string, the
// HdrHistogram V2 compressed encoding in base64 ("HISTF…"), which other
// HdrHistogram tools read too.
//
// The zero value is an empty Histogram, ready to use. A Histogram is not
// safe for concurrent use.
type Histogram struct {
	h *hdrhistogram.Histogram
}

// NewHistogram returns an empty Histogram.
func NewHistogram() *Histogram {
	return &Histogram{h: hdrhistogram.New(1, HistogramMax, HistogramDigits)}
}

func (h *Histogram) init() {
	if h.h == nil {
		h.h = hdrhistogram.New(1, HistogramMax, HistogramDigits)
	}
}

// Record adds one value. A negative value is recorded as 0, one above
// HistogramMax as HistogramMax.
func (h *Histogram) Record(v int64) {
	h.init()
	v = min(max(v, 0), HistogramMax)
	_ = h.h.RecordValue(v) // in range: cannot fail
}

// Count returns the number of values recorded.
func (h *Histogram) Count() int64 {
	if h == nil || h.h == nil {
		return 0
	}
	return h.h.TotalCount()
}

// Merge adds every value recorded in o to h. o is not changed; a nil o
// adds nothing.
func (h *Histogram) Merge(o *Histogram) error {
	if o == nil || o.h == nil || o.h.TotalCount() == 0 {
		return nil
	}
	h.init()
	if dropped := h.h.Merge(o.h); dropped > 0 {
		return fmt.Errorf("reporters: merging histograms: %d values out of range", dropped)
	}
	return nil
}

// Clone returns an independent copy of h.
func (h *Histogram) Clone() *Histogram {
	if h == nil || h.h == nil {
		return &Histogram{}
	}
	return &Histogram{h: h.h.Clone()}
}

// Quantile returns the p-th percentile (0 ≤ p ≤ 100) of the recorded
// values, as [Histogram.Quantiles] does.
func (h *Histogram) Quantile(p float64) float64 { return h.Quantiles(p)[0] }

// Quantiles returns the ps-th percentiles (each 0 ≤ p ≤ 100) of the
// recorded values, in one pass. A percentile is computed as the exact one
// is (linear interpolation between closest ranks, numpy's default): with n
// values and h = (n−1)·p/100, the values of ranks ⌊h⌋ and ⌊h⌋+1 in sorted
// order are interpolated, each taken at the midpoint of its bucket, so
// the result is within RelativeError of the exact percentile. It is NaN
// for an empty histogram or a p outside [0, 100].
func (h *Histogram) Quantiles(ps ...float64) []float64 {
	return quantiles(h.Count(), ps, func(yield func(bar) bool) {
		if h.h == nil {
			return
		}
		for _, b := range h.h.Distribution() {
			if !yield(bar{b.From, b.To, b.Count}) {
				return
			}
		}
	})
}

// bar counts the values from..to (inclusive) of a histogram.
type bar struct{ from, to, count int64 }

// quantiles computes the ps-th percentiles of n values given by bars, in
// ascending order: each bar's count of values from..to, taken at its
// midpoint. It is the method of Histogram.Quantiles.
func quantiles(n int64, ps []float64, bars iter.Seq[bar]) []float64 {
	out := make([]float64, len(ps))
	var ranks []int64 // the 0-based ranks whose values are needed
	for i, p := range ps {
		if n == 0 || !(p >= 0 && p <= 100) {
			out[i] = math.NaN()
			continue
		}
		lo, _ := rankOf(n, p)
		ranks = append(ranks, lo, min(lo+1, n-1))
	}
	if len(ranks) == 0 {
		return out
	}
	slices.Sort(ranks)
	ranks = slices.Compact(ranks)
	values := make([]float64, len(ranks))
	var below int64 // values in the bars before the current one
	j := 0
	for b := range bars {
		for j < len(ranks) && ranks[j] < below+b.count {
			values[j] = (float64(b.from) + float64(b.to)) / 2
			j++
		}
		if j == len(ranks) {
			break
		}
		below += b.count
	}
	value := func(rank int64) float64 {
		i, _ := slices.BinarySearch(ranks, rank)
		return values[i]
	}
	for i, p := range ps {
		if n == 0 || !(p >= 0 && p <= 100) {
			continue
		}
		lo, frac := rankOf(n, p)
		a, b := value(lo), value(min(lo+1, n-1))
		out[i] = a + frac*(b-a)
	}
	return out
}

// Bucket is one bucket of a Histogram: the values from Lo to Hi, both
// included, that it cannot tell apart (after Record's clamping to [0,
// HistogramMax]), the number of recorded values it holds, and the number
// of recorded values in the buckets below it.
type Bucket struct {
	Lo, Hi       int64
	Count, Below int64
}

// Buckets returns, for each 0-based rank in ranks, the bucket holding the
// recorded value of that rank in ascending order: with the values sorted,
// the value of rank r is in the bucket b with b.Below ≤ r < b.Below+b.Count.
// It is how an exact percentile is found without sorting every value: only
// the values inside the buckets of the needed ranks need be ordered.
// ranks must be in ascending order and each below Count; ok is false
// otherwise.
func (h *Histogram) Buckets(ranks ...int64) (buckets []Bucket, ok bool) {
	n := h.Count()
	if !slices.IsSorted(ranks) || (len(ranks) > 0 && (ranks[0] < 0 || ranks[len(ranks)-1] >= n)) {
		return nil, false
	}
	if len(ranks) == 0 {
		return nil, true
	}
	buckets = make([]Bucket, len(ranks))
	var below int64
	j := 0
	for _, bar := range h.h.Distribution() {
		for j < len(ranks) && ranks[j] < below+bar.Count {
			buckets[j] = Bucket{Lo: bar.From, Hi: bar.To, Count: bar.Count, Below: below}
			j++
		}
		if j == len(ranks) {
			break
		}
		below += bar.Count
	}
	return buckets, true
}

// rankOf returns ⌊h⌋ and h−⌊h⌋ for h = (n−1)·p/100.
func rankOf(n int64, p float64) (int64, float64) {
	h := float64(n-1) * p / 100
	lo := math.Floor(h)
	return min(int64(lo), n-1), h - lo
}

// ErrHistogramGeometry reports an encoded histogram whose geometry is not
// the one every Histogram has (HistogramDigits, HistogramMax).
var ErrHistogramGeometry = errors.New("reporters: histogram of another geometry")

// MarshalJSON encodes h as a JSON string: the HdrHistogram V2 compressed
// encoding, in base64.
func (h Histogram) MarshalJSON() ([]byte, error) {
	if h.h == nil {
		return emptyHistogramJSON()
	}
	return encodeHistogram(h.h)
}

func encodeHistogram(h *hdrhistogram.Histogram) ([]byte, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, fmt.Errorf("reporters: encoding histogram: %w", err)
	}
	out := make([]byte, 0, len(b)+2)
	out = append(out, '"')
	out = append(out, b...)
	return append(out, '"'), nil
}

// emptyHistogramJSON is the encoding of an empty Histogram, made once.
var emptyHistogramJSON = sync.OnceValues(func() ([]byte, error) { return encodeHistogram(NewHistogram().h) })

// UnmarshalJSON decodes what MarshalJSON encodes. A histogram of another
// geometry is an error wrapping [ErrHistogramGeometry].
func (h *Histogram) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errors.New("reporters: histogram: want a JSON string")
	}
	d, err := hdrhistogram.Decode(b[1 : len(b)-1])
	if err != nil {
		return fmt.Errorf("reporters: decoding histogram: %w", err)
	}
	if d.LowestTrackableValue() != 1 || d.HighestTrackableValue() != HistogramMax || d.SignificantFigures() != HistogramDigits {
		return fmt.Errorf("%w: values 1..%d with %d digits, want 1..%d with %d",
			ErrHistogramGeometry, d.HighestTrackableValue(), d.SignificantFigures(), HistogramMax, HistogramDigits)
	}
	h.h = d
	return nil
}

// bucketOf returns the lowest and highest value of the bucket of v in the
// geometry of every Histogram (1 to HistogramMax, HistogramDigits
// digits): values below 2048 have buckets of their own; above, a bucket
// holds the values that share their 11 highest bits.
func bucketOf(v int64) (lo, hi int64) {
	v = min(max(v, 0), HistogramMax)
	if v < 2048 {
		return v, v
	}
	width := int64(1) << (bits.Len64(uint64(v)) - 11)
	lo = v &^ (width - 1)
	return lo, lo + width - 1
}

// EncodedHistogram is a small histogram in compact form: the buckets of
// its values (in the geometry of every Histogram) with their counts, as
// base64 of unsigned varints (the first bucket's lowest value, its count,
// then each next bucket's distance from the previous one and its count).
// It costs a few bytes per distinct bucket, where a Histogram costs about
// 300 KiB whatever it holds, and it is read without decoding one, so it
// is the form in which a run keeps many small histograms (a [Window]'s).
// Recorded into a Histogram (Decode), it gives the histogram of the
// original values; its quantiles are the Histogram's. The zero value, "",
// is an empty histogram.
type EncodedHistogram string

// EncodeValues returns the compact histogram of values (nanoseconds or
// tokens; negative values count as 0, those above HistogramMax as
// HistogramMax). It sorts values in place.
func EncodeValues(values []int64) EncodedHistogram {
	if len(values) == 0 {
		return ""
	}
	slices.Sort(values)
	var bs []bar
	for _, v := range values {
		lo, hi := bucketOf(v)
		if n := len(bs); n > 0 && bs[n-1].from == lo {
			bs[n-1].count++
			continue
		}
		bs = append(bs, bar{lo, hi, 1})
	}
	return encodeBars(bs)
}

func encodeBars(bs []bar) EncodedHistogram {
	if len(bs) == 0 {
		return ""
	}
	b := make([]byte, 0, 4*len(bs))
	prev := int64(0)
	for _, x := range bs {
		b = binary.AppendUvarint(b, uint64(x.from-prev))
		b = binary.AppendUvarint(b, uint64(x.count))
		prev = x.from
	}
	return EncodedHistogram(base64.RawStdEncoding.EncodeToString(b))
}

// ErrEncodedHistogram reports an EncodedHistogram that is not one.
var ErrEncodedHistogram = errors.New("reporters: malformed encoded histogram")

// bars returns the buckets of e, in ascending order.
func (e EncodedHistogram) bars() ([]bar, error) {
	if e == "" {
		return nil, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(string(e))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEncodedHistogram, err)
	}
	var bs []bar
	prev := int64(0)
	for len(b) > 0 {
		d, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, ErrEncodedHistogram
		}
		b = b[n:]
		c, n := binary.Uvarint(b)
		if n <= 0 || c == 0 || d > uint64(HistogramMax) || (len(bs) > 0 && d == 0) {
			return nil, ErrEncodedHistogram
		}
		b = b[n:]
		lo := prev + int64(d)
		blo, bhi := bucketOf(lo)
		if blo != lo || lo > HistogramMax {
			return nil, ErrEncodedHistogram // not the start of a bucket
		}
		bs = append(bs, bar{lo, bhi, int64(c)})
		prev = lo
	}
	return bs, nil
}

// Count returns the number of values in e, 0 for a malformed one.
func (e EncodedHistogram) Count() int64 {
	bs, _ := e.bars()
	var n int64
	for _, b := range bs {
		n += b.count
	}
	return n
}

// Quantiles returns the ps-th percentiles (each 0 ≤ p ≤ 100) of the values
// of e, as [Histogram.Quantiles] computes them: NaN for an empty e or a p
// outside [0, 100].
func (e EncodedHistogram) Quantiles(ps ...float64) ([]float64, error) {
	bs, err := e.bars()
	if err != nil {
		return nil, err
	}
	var n int64
	for _, b := range bs {
		n += b.count
	}
	return quantiles(n, ps, slices.Values(bs)), nil
}

// Decode returns e as a Histogram: the histogram of the values e was
// encoded from.
func (e EncodedHistogram) Decode() (*Histogram, error) {
	bs, err := e.bars()
	if err != nil {
		return nil, err
	}
	h := &Histogram{}
	for _, b := range bs {
		h.init()
		_ = h.h.RecordValues(b.from, b.count) // in range: cannot fail
	}
	return h, nil
}

// MergeEncoded returns the compact histogram of the values of every one
// of es.
func MergeEncoded(es ...EncodedHistogram) (EncodedHistogram, error) {
	var all []bar
	for _, e := range es {
		bs, err := e.bars()
		if err != nil {
			return "", err
		}
		all = append(all, bs...)
	}
	slices.SortStableFunc(all, func(x, y bar) int { return cmp.Compare(x.from, y.from) })
	var out []bar
	for _, b := range all {
		if n := len(out); n > 0 && out[n-1].from == b.from {
			out[n-1].count += b.count
			continue
		}
		out = append(out, b)
	}
	return encodeBars(out), nil
}

// All returns the buckets of h that hold a recorded value, in ascending
// order, each with the number of values below it; none for an empty h. It
// is how a renderer draws the distribution without reading every value.
func (h *Histogram) All() iter.Seq[Bucket] {
	return func(yield func(Bucket) bool) {
		if h == nil || h.h == nil {
			return
		}
		var below int64
		for _, b := range h.h.Distribution() {
			if b.Count == 0 {
				continue
			}
			if !yield(Bucket{Lo: b.From, Hi: b.To, Count: b.Count, Below: below}) {
				return
			}
			below += b.Count
		}
	}
}
