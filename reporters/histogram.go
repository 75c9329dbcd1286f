package reporters

import (
	"errors"
	"fmt"
	"math"
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
	out := make([]float64, len(ps))
	n := h.Count()
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
	for _, bar := range h.h.Distribution() {
		for j < len(ranks) && ranks[j] < below+bar.Count {
			values[j] = (float64(bar.From) + float64(bar.To)) / 2
			j++
		}
		if j == len(ranks) {
			break
		}
		below += bar.Count
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

// Reset empties h, keeping its memory for reuse.
func (h *Histogram) Reset() {
	if h.h != nil {
		h.h.Reset()
	}
}

// EncodedHistogram is a Histogram in its compact form: the HdrHistogram
// V2 compressed encoding in base64, as [Histogram.MarshalJSON] writes it,
// without the quotes. It costs a few hundred bytes for a histogram of a
// few hundred values, where a decoded Histogram costs about 300 KiB, so it
// is the form in which many small histograms are kept (a [Window]'s). The
// zero value, "", is an empty histogram.
type EncodedHistogram string

// Encode returns h in its compact form; an empty h encodes as "".
func (h *Histogram) Encode() (EncodedHistogram, error) {
	if h.Count() == 0 {
		return "", nil
	}
	b, err := h.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("reporters: encoding histogram: %w", err)
	}
	return EncodedHistogram(b), nil
}

// Decode returns the histogram e encodes: an empty Histogram for "", and
// an error wrapping [ErrHistogramGeometry] for a histogram of another
// geometry.
func (e EncodedHistogram) Decode() (*Histogram, error) {
	if e == "" {
		return &Histogram{}, nil
	}
	var h Histogram
	if err := h.UnmarshalJSON([]byte(`"` + e + `"`)); err != nil {
		return nil, err
	}
	return &h, nil
}
