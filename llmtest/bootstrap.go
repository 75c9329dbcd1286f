package llmtest

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/llmtest/llmtest/reporters"
)

// The bootstrap of Compare. A percentile's bootstrap distribution is drawn
// without materialising any resample: the k-th smallest of n values drawn
// with replacement from x₍₁₎ ≤ … ≤ x₍ₙ₎ is x₍⌈nU⌉₎, where U is the k-th
// smallest of n uniforms, a Beta(k, n−k+1) variate; the next order
// statistic is U plus the least of n−k uniforms on (U, 1). So one resample
// of a percentile costs two variates whatever n is, and needs only the
// values of two ranks: an index into the sorted samples, or a bucket of
// the histogram when the samples are not in memory. The distribution is
// exactly that of resampling the values one by one.

// newRand returns the generator of one statistic of one side: seeded by
// seed and the statistic's name, so that a statistic's resamples do not
// depend on which other statistics are compared.
func newRand(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// gammaVariate draws from Gamma(a, 1), a > 0 (Marsaglia and Tsang, 2000).
func gammaVariate(r *rand.Rand, a float64) float64 {
	if a < 1 {
		return gammaVariate(r, a+1) * math.Pow(r.Float64(), 1/a)
	}
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// betaVariate draws from Beta(a, b), a, b > 0.
func betaVariate(r *rand.Rand, a, b float64) float64 {
	x := gammaVariate(r, a)
	y := gammaVariate(r, b)
	return x / (x + y)
}

// binomialVariate draws from Binomial(n, p): the number of n uniforms
// below p, found by splitting at the median order statistic (a Beta
// variate) until few are left (Knuth, TAOCP vol. 2, 3.4.1).
func binomialVariate(r *rand.Rand, n int64, p float64) int64 {
	var x int64
	for n > 32 {
		a := 1 + n/2
		b := n + 1 - a
		y := betaVariate(r, float64(a), float64(b))
		if y >= p {
			n, p = a-1, p/y
		} else {
			x += a
			n, p = b-1, (p-y)/(1-y)
		}
	}
	for range n {
		if r.Float64() < p {
			x++
		}
	}
	return x
}

// rankOfUniform returns the 0-based rank ⌈nu⌉−1 of the value that u
// selects among n sorted values.
func rankOfUniform(u float64, n int64) int64 {
	return min(max(int64(math.Ceil(u*float64(n)))-1, 0), n-1)
}

// percentileDraw is one percentile of one sample: the values of ranks lo
// and hi (hi == lo when frac is 0), interpolated by frac, as Percentile
// computes it.
type percentileDraw struct {
	lo, hi int64
	frac   float64
}

// percentileDrawOf returns the ranks of the p-th percentile of n sorted
// values, as Percentile interpolates them.
func percentileDrawOf(n int64, p float64) percentileDraw {
	h := float64(n-1) * p / 100
	lo := min(int64(math.Floor(h)), n-1)
	d := percentileDraw{lo: lo, hi: lo, frac: h - math.Floor(h)}
	if d.frac > 0 && lo+1 < n {
		d.hi = lo + 1
	} else {
		d.frac = 0
	}
	return d
}

// resamplePercentile draws the ranks of the p-th percentile of one
// bootstrap resample of n values (see the comment at the top of the file).
func resamplePercentile(r *rand.Rand, n int64, p float64) percentileDraw {
	d := percentileDrawOf(n, p)
	k := d.lo + 1 // 1-based order statistic
	u := betaVariate(r, float64(k), float64(n-k+1))
	out := percentileDraw{lo: rankOfUniform(u, n), frac: d.frac}
	out.hi = out.lo
	if d.frac > 0 {
		u2 := u + (1-u)*(1-math.Pow(r.Float64(), 1/float64(n-k)))
		out.hi = rankOfUniform(u2, n)
	}
	return out
}

// ranked is a sorted sample that gives the values of ranks: the samples
// themselves, or a histogram's buckets.
type ranked interface {
	// count returns the number of values.
	count() int64
	// values returns the value of each rank, in the metric's unit
	// (seconds for a duration).
	values(ranks []int64) []float64
}

// sortedSample is samples sorted ascending, in nanoseconds (durations, with
// scale 1e-9) or tokens (scale 1).
type sortedSample struct {
	v     []float64
	scale float64
}

func (s sortedSample) count() int64 { return int64(len(s.v)) }

func (s sortedSample) values(ranks []int64) []float64 {
	out := make([]float64, len(ranks))
	for i, r := range ranks {
		out[i] = s.v[r] * s.scale
	}
	return out
}

// histogramSample is a histogram's values, each taken at the midpoint of
// its bucket as Histogram.Quantiles takes them.
type histogramSample struct {
	h     *reporters.Histogram
	scale float64
}

func (s histogramSample) count() int64 { return s.h.Count() }

func (s histogramSample) values(ranks []int64) []float64 {
	sorted := slices.Clone(ranks)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	buckets, ok := s.h.Buckets(sorted...)
	out := make([]float64, len(ranks))
	if !ok {
		return out
	}
	for i, r := range ranks {
		j, _ := slices.BinarySearch(sorted, r)
		b := buckets[j]
		out[i] = float64(b.Lo+b.Hi) / 2 * s.scale
	}
	return out
}

// bootstrapPercentiles returns, for each ps[j], the percentile of s and
// its value in each of n bootstrap resamples drawn from rng(j).
func bootstrapPercentiles(rng func(j int) *rand.Rand, s ranked, ps []float64, n int) (points []float64, resamples [][]float64) {
	cnt := s.count()
	draws := make([]percentileDraw, 0, len(ps)*(n+1))
	for _, p := range ps {
		draws = append(draws, percentileDrawOf(cnt, p))
	}
	for j, p := range ps {
		r := rng(j)
		for range n {
			draws = append(draws, resamplePercentile(r, cnt, p))
		}
	}
	ranks := make([]int64, 0, 2*len(draws))
	for _, d := range draws {
		ranks = append(ranks, d.lo, d.hi)
	}
	vals := s.values(ranks)
	stat := func(i int) float64 {
		lo, hi := vals[2*i], vals[2*i+1]
		return lo + draws[i].frac*(hi-lo)
	}
	points = make([]float64, len(ps))
	resamples = make([][]float64, len(ps))
	for j := range ps {
		points[j] = stat(j)
		resamples[j] = make([]float64, n)
		for i := range n {
			resamples[j][i] = stat(len(ps) + j*n + i)
		}
	}
	return points, resamples
}

// window is one window of the time series for a throughput: how long it
// overlapped the run, in seconds, and what it counted.
type window struct{ seconds, count float64 }

// minWindows is the fewest windows a throughput's interval is drawn from.
const minWindows = 3

// bootstrapRate returns n bootstrap resamples of the rate Σcount/Σseconds
// of ws by the circular block bootstrap: each resample joins blocks of
// ⌈∛len(ws)⌉ consecutive windows (the last window followed by the first),
// starting at uniform positions, until it has as many windows as ws, so
// that the correlation of neighbouring seconds (a ramp, a stall) stays
// within the blocks, and every window is drawn as often as any other.
func bootstrapRate(r *rand.Rand, ws []window, n int) []float64 {
	l := max(1, int(math.Ceil(math.Cbrt(float64(len(ws))))))
	out := make([]float64, n)
	for i := range n {
		var sec, cnt float64
		for taken := 0; taken < len(ws); {
			start := r.IntN(len(ws))
			for k := range min(l, len(ws)-taken) {
				w := ws[(start+k)%len(ws)]
				sec += w.seconds
				cnt += w.count
			}
			taken += l
		}
		if sec > 0 {
			out[i] = cnt / sec
		}
	}
	return out
}

// rateOf returns Σcount/Σseconds of ws (0 when they span no time).
func rateOf(ws []window) float64 {
	var sec, cnt float64
	for _, w := range ws {
		sec += w.seconds
		cnt += w.count
	}
	if sec <= 0 {
		return 0
	}
	return cnt / sec
}

// interval returns the equal-tailed percentile interval of level
// confidence of the values in xs, which it sorts.
func interval(xs []float64, confidence float64) (lo, hi float64) {
	slices.Sort(xs)
	tail := (1 - confidence) / 2 * 100
	return Percentile(xs, tail), Percentile(xs, 100-tail)
}
