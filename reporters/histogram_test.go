package reporters

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistogramIsExactBelow2048(t *testing.T) {
	var h Histogram
	for _, v := range []int64{1, 2, 3, 4, 5} {
		h.Record(v)
	}
	assert.Equal(t, int64(5), h.Count())
	// numpy: linear interpolation between closest ranks.
	assert.Equal(t, []float64{1, 3, 4.6, 4.96, 5}, h.Quantiles(0, 50, 90, 99, 100))
	assert.True(t, math.IsNaN(h.Quantile(101)))
	assert.True(t, math.IsNaN(h.Quantile(-1)))
	assert.True(t, math.IsNaN(new(Histogram).Quantile(50)), "empty")

	h.Record(-7)
	h.Record(math.MaxInt64)
	assert.Equal(t, 0.0, h.Quantile(0), "negative values are recorded as 0")
	assert.InEpsilon(t, float64(HistogramMax), h.Quantile(100), RelativeError, "and huge ones as the maximum")
}

func TestHistogramMergeIsLossless(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	whole, a, b := NewHistogram(), NewHistogram(), &Histogram{}
	for i := range 10000 {
		v := int64(rng.ExpFloat64() * 1e8)
		whole.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	var merged Histogram
	require.NoError(t, merged.Merge(a))
	require.NoError(t, merged.Merge(b))
	require.NoError(t, merged.Merge(nil))
	assert.Equal(t, whole.Count(), merged.Count())
	ps := []float64{0, 50, 90, 99, 99.9, 100}
	assert.Equal(t, whole.Quantiles(ps...), merged.Quantiles(ps...), "the same buckets, the same percentiles")
	assert.Zero(t, new(Histogram).Clone().Count())
	c := a.Clone()
	c.Record(1)
	assert.Equal(t, a.Count()+1, c.Count(), "a clone is independent")
}

func TestHistogramJSONRoundTrip(t *testing.T) {
	h := NewHistogram()
	for v := int64(1); v < 1e12; v *= 3 {
		h.Record(v)
	}
	b, err := json.Marshal(h)
	require.NoError(t, err)
	assert.Regexp(t, `^"HISTF`, string(b), "HdrHistogram's base64 V2 compressed encoding")
	var back Histogram
	require.NoError(t, json.Unmarshal(b, &back))
	ps := []float64{0, 25, 50, 75, 100}
	assert.Equal(t, h.Quantiles(ps...), back.Quantiles(ps...))
	assert.Equal(t, h.Count(), back.Count())

	empty, err := json.Marshal(Histogram{})
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(empty, &back))
	assert.Zero(t, back.Count())

	assert.Error(t, json.Unmarshal([]byte(`12`), &back))
	assert.Error(t, json.Unmarshal([]byte(`"not base64!"`), &back))
	// A histogram of another geometry (values 1..1000, 2 digits).
	assert.ErrorIs(t, json.Unmarshal([]byte(`"HISTFAAAACN42pJpmSzMwMDAxAABMJoRQjG/sP8AYXEyAQIAAP//SWgDcQ=="`), &back), ErrHistogramGeometry)
}

// TestHistogramBuckets pins Buckets: the bucket of each rank holds that
// rank's value, counts what it holds and what lies below it, and bad
// ranks are refused.
func TestHistogramBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var h Histogram
	vals := make([]int64, 5000)
	for i := range vals {
		vals[i] = int64(rng.ExpFloat64() * 1e7)
		h.Record(vals[i])
	}
	slices.Sort(vals)
	ranks := []int64{0, 1, 2499, 2500, 4999}
	bs, ok := h.Buckets(ranks...)
	require.True(t, ok)
	require.Len(t, bs, len(ranks))
	for j, r := range ranks {
		b := bs[j]
		assert.True(t, vals[r] >= b.Lo && vals[r] <= b.Hi, "rank %d: %d in [%d, %d]", r, vals[r], b.Lo, b.Hi)
		below, _ := slices.BinarySearch(vals, b.Lo)
		end, _ := slices.BinarySearch(vals, b.Hi+1)
		assert.Equal(t, int64(below), b.Below, "rank %d: values below", r)
		assert.Equal(t, int64(end-below), b.Count, "rank %d: values inside", r)
	}
	for _, bad := range [][]int64{{-1}, {5000}, {3, 2}} {
		_, ok := h.Buckets(bad...)
		assert.False(t, ok, "ranks %v", bad)
	}
	_, ok = new(Histogram).Buckets(0)
	assert.False(t, ok, "an empty histogram has no rank 0")
	bs, ok = new(Histogram).Buckets()
	assert.True(t, ok)
	assert.Empty(t, bs)
}

func TestHistogramAllYieldsTheNonEmptyBucketsInOrder(t *testing.T) {
	assert.Empty(t, slices.Collect(new(Histogram).All()), "an empty histogram has no bucket")
	var nilH *Histogram
	assert.Empty(t, slices.Collect(nilH.All()))

	rng := rand.New(rand.NewPCG(3, 4))
	h := NewHistogram()
	values := []int64{5, 5, 7, 3000, 3001}
	for range 1000 {
		values = append(values, int64(rng.ExpFloat64()*1e7))
	}
	for _, v := range values {
		h.Record(v)
	}
	var below int64
	prevHi := int64(-1)
	for b := range h.All() {
		require.Positive(t, b.Count, "only buckets that hold a value")
		assert.Equal(t, below, b.Below, "Below counts the values of the buckets before")
		assert.Greater(t, b.Lo, prevHi, "ascending, without overlap")
		assert.LessOrEqual(t, b.Lo, b.Hi)
		n := 0
		for _, v := range values {
			if v >= b.Lo && v <= b.Hi {
				n++
			}
		}
		assert.Equal(t, int64(n), b.Count, "bucket %d..%d counts the values in it", b.Lo, b.Hi)
		below += b.Count
		prevHi = b.Hi
	}
	assert.Equal(t, h.Count(), below, "the buckets hold every value")

	small := NewHistogram()
	for _, v := range []int64{7, 5, 5, 4096} {
		small.Record(v)
	}
	assert.Equal(t, []Bucket{{Lo: 5, Hi: 5, Count: 2}, {Lo: 7, Hi: 7, Count: 1, Below: 2}, {Lo: 4096, Hi: 4099, Count: 1, Below: 3}},
		slices.Collect(small.All()), "exact below 2048, buckets of four values from 4096")
}
