package workloads

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLengths(t *testing.T) {
	for in, want := range map[string]Lengths{
		"512":               Fixed(512),
		" uniform:100,200 ": Uniform{100, 200},
		"normal:512,64":     Normal{512, 64},
		"normal:512,0":      Normal{512, 0},
		"lognormal:300,0.5": LogNormal{300, 0.5},
		"list:100, 200,300": List{100, 200, 300},
		"list:7":            List{7},
		"uniform:5,5":       Uniform{5, 5},
	} {
		got, err := ParseLengths(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		again, err := ParseLengths(got.String())
		require.NoError(t, err, got.String())
		assert.Equal(t, got, again, "String round-trips %q", in)
	}
	for in, msg := range map[string]string{
		"":                 "want a positive number",
		"0":                "want a positive number",
		"-3":               "want a positive number",
		"abc":              "want a positive number",
		"uniform:200,100":  "MIN 200 is above MAX 100",
		"uniform:1":        "uniform takes MIN,MAX",
		"uniform:0,3":      "MIN: want a positive integer",
		"normal:512":       "normal takes MEAN,STDDEV",
		"normal:x,1":       "MEAN: want a positive number",
		"normal:10,-1":     "STDDEV: want a number not below 0",
		"lognormal:10,NaN": "SIGMA: want a number not below 0",
		"list:1,,3":        "entry 2: want a positive integer",
		"poisson:3":        `unknown kind "poisson"`,
		// Above MaxLength: minutes and gigabytes of prompt, refused.
		"4194305":              "want at most 4194304 tokens",
		"uniform:1,2000000000": "MAX: want at most 4194304 tokens",
		"list:5,99999999":      "entry 2: want at most 4194304 tokens",
		"normal:1e9,1":         "MEAN: want at most 4194304 tokens",
		"lognormal:1e300,5":    "MEDIAN: want at most 4194304 tokens",
	} {
		_, err := ParseLengths(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), msg, in)
			assert.Contains(t, err.Error(), `"`+in+`"`, "the error quotes the input")
		}
	}
	// A draw far above the mean or median is MaxLength, not a prompt of
	// billions of tokens.
	for _, l := range []Lengths{Normal{MaxLength, 1e15}, LogNormal{MaxLength, 50}} {
		assert.LessOrEqual(t, slices.Max(draws(l, 100, 1)), MaxLength, l)
	}
}

// ksStat returns the Kolmogorov–Smirnov distance between the sample and
// the discrete CDF cdf (P(X ≤ k)).
func ksStat(sample []int, cdf func(k int) float64) float64 {
	s := slices.Sorted(slices.Values(sample))
	n := float64(len(s))
	d := 0.0
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		below := cdf(s[i] - 1) // the CDF just before the jump at s[i]
		at := cdf(s[i])
		d = max(d, math.Abs(float64(i)/n-below), math.Abs(float64(j)/n-at))
		i = j
	}
	return d
}

// chi2Crit is the 0.999 quantile of the chi-square distribution with df
// degrees of freedom (Wilson–Hilferty).
func chi2Crit(df int) float64 {
	k := float64(df)
	z := 3.09
	return k * math.Pow(1-2/(9*k)+z*math.Sqrt(2/(9*k)), 3)
}

func draws(l Lengths, n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]int, n)
	for i := range out {
		out[i] = l.Draw(r)
	}
	return out
}

func normalCDF(mean, sd float64) func(int) float64 {
	return func(k int) float64 { return 0.5 * math.Erfc(-(float64(k)+0.5-mean)/(sd*math.Sqrt2)) }
}

func logNormalCDF(median, sigma float64) func(int) float64 {
	return func(k int) float64 {
		x := float64(k) + 0.5
		return 0.5 * math.Erfc(-(math.Log(x)-math.Log(median))/(sigma*math.Sqrt2))
	}
}

// TestLengthsFit checks the draws of each continuous distribution with a
// Kolmogorov–Smirnov test at the 0.1% level, and that the test rejects a
// sample of a neighbouring distribution (so it has the power to fail).
func TestLengthsFit(t *testing.T) {
	const n = 5000
	crit := 1.95 / math.Sqrt(n)
	for _, tc := range []struct {
		l     Lengths
		cdf   func(int) float64
		wrong func(int) float64
	}{
		{Normal{512, 64}, normalCDF(512, 64), normalCDF(512, 80)},
		{Normal{200, 20}, normalCDF(200, 20), normalCDF(205, 20)},
		{LogNormal{300, 0.5}, logNormalCDF(300, 0.5), logNormalCDF(320, 0.5)},
	} {
		s := draws(tc.l, n, 7)
		assert.Less(t, ksStat(s, tc.cdf), crit, "%s: KS distance", tc.l)
		assert.Greater(t, ksStat(s, tc.wrong), crit, "%s: KS rejects a neighbouring distribution", tc.l)
	}
}

// TestLengthsChiSquare checks Uniform and List draws with a chi-square
// test at the 0.1% level.
func TestLengthsChiSquare(t *testing.T) {
	const n = 20000
	chi2 := func(s []int, cats []int, p []float64) float64 {
		count := map[int]int{}
		for _, x := range s {
			count[x]++
		}
		sum := 0.0
		for i, c := range cats {
			e := p[i] * float64(len(s))
			d := float64(count[c]) - e
			sum += d * d / e
			delete(count, c)
		}
		if len(count) > 0 {
			return math.Inf(1) // a draw outside the support
		}
		return sum
	}
	u := Uniform{100, 149}
	cats := make([]int, 0, 50)
	p := make([]float64, 0, 50)
	for k := 100; k <= 149; k++ {
		cats, p = append(cats, k), append(p, 1.0/50)
	}
	s := draws(u, n, 3)
	assert.Less(t, chi2(s, cats, p), chi2Crit(49), "uniform")
	assert.Equal(t, 100, slices.Min(s))
	assert.Equal(t, 149, slices.Max(s))

	l := List{100, 200, 200, 300}
	s = draws(l, n, 3)
	assert.Less(t, chi2(s, []int{100, 200, 300}, []float64{0.25, 0.5, 0.25}), chi2Crit(2), "list")
	assert.Greater(t, chi2(s, []int{100, 200, 300}, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}), chi2Crit(2),
		"chi-square rejects equal weights for a list with a repeated entry")

	for _, x := range draws(Fixed(42), 100, 3) {
		require.Equal(t, 42, x)
	}
	for _, x := range draws(Normal{1, 50}, 1000, 3) {
		require.GreaterOrEqual(t, x, 1, "a normal draw is at least 1")
	}
}
