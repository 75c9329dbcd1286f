package llmtest

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

// compareRunOf returns a run of n requests sent at rate per second, whose
// TTFT is drawn from an exponential distribution of mean ttft plus 10ms,
// TTLT is TTFT plus 32 tokens at itl, and whose requests fail with
// probability errRate.
func compareRunOf(seed uint64, n int, rate float64, ttft, itl time.Duration, errRate float64) *Result {
	r := rand.New(rand.NewPCG(seed, 7))
	t0 := time.Date(2026, 12, 4, 4, 0, 0, 0, time.UTC)
	invs := make([]Invocation, n)
	for i := range invs {
		at := t0.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if r.Float64() < errRate {
			invs[i] = Invocation{RequestTime: at, Error: "HTTP 500"}
			continue
		}
		first := 10*time.Millisecond + time.Duration(r.ExpFloat64()*float64(ttft))
		gaps := make([]time.Duration, 31)
		for j := range gaps {
			gaps[j] = time.Duration(float64(itl) * (0.5 + r.Float64()))
		}
		last := first
		for _, g := range gaps {
			last += g
		}
		invs[i] = Invocation{RequestTime: at, TimeToFirstToken: first, TimeToLastToken: last,
			TimePerOutputToken: (last - first) / 31, InterTokenLatencies: gaps,
			NumTokensOutput: 32, OutputTokensFrom: FromServer, NumTokensInput: 10, InputTokensFrom: FromServer}
	}
	end := invs[n-1].RequestTime.Add(time.Second).Sub(t0)
	return NewResult(invs, end)
}

func TestCompareFindsARegression(t *testing.T) {
	a := compareRunOf(1, 600, 50, 20*time.Millisecond, time.Millisecond, 0.01)
	b := compareRunOf(2, 600, 50, 40*time.Millisecond, time.Millisecond, 0.01)
	c, err := Compare(a, b)
	require.NoError(t, err)
	assert.Equal(t, DefaultResamples, c.Resamples)
	assert.Equal(t, DefaultConfidence, c.Confidence)

	for _, s := range []string{"ttft p50", "ttft p90", "ttft p99", "ttlt p50"} {
		d := c.Delta(s)
		require.NotNil(t, d, s)
		assert.True(t, d.Significant, "%s: %+v", s, d.Diff)
		assert.Positive(t, d.Diff.Low, s)
		assert.Equal(t, MethodSamples, d.Method)
		assert.Equal(t, reporters.UnitSeconds, d.Unit)
		require.NotNil(t, d.Relative)
		assert.InDelta(t, d.B/d.A-1, d.Relative.Estimate, 1e-12)
		assert.LessOrEqual(t, d.Relative.Low, d.Relative.Estimate)
		assert.GreaterOrEqual(t, d.Relative.High, d.Relative.Estimate)
		assert.Equal(t, 600-a.Run.Counts.Failed, d.NA)
	}
	// The true p50 of 10ms + Exp(mean) is 10ms + mean·ln 2.
	p50 := c.Delta("ttft p50")
	assert.InDelta(t, 0.010+0.020*math.Ln2, p50.A, 0.003)
	assert.InDelta(t, 0.010+0.040*math.Ln2, p50.B, 0.005)

	// The token counts are all 32: no change, an interval of width 0.
	out := c.Delta("output_tokens p50")
	require.NotNil(t, out)
	assert.False(t, out.Significant)
	assert.Equal(t, Interval{}, out.Diff)
	// The inter-token gaps are drawn alike: not significant.
	assert.False(t, c.Delta("itl p50").Significant, "%+v", c.Delta("itl p50").Diff)
	// Both sent at 50 requests/s for 12 s.
	rps := c.Delta(StatRequestsPerSecond)
	require.NotNil(t, rps)
	assert.Equal(t, MethodWindows, rps.Method)
	assert.Empty(t, rps.Note)
	assert.False(t, rps.Significant, "%+v", rps.Diff)
	er := c.Delta(StatErrorRate)
	require.NotNil(t, er)
	assert.Equal(t, MethodBinomial, er.Method)
	assert.False(t, er.Significant, "both fail 1%%: %+v", er.Diff)
}

func TestCompareSameRunChangesNothing(t *testing.T) {
	a := compareRunOf(3, 400, 40, 20*time.Millisecond, time.Millisecond, 0.05)
	c, err := Compare(a, a)
	require.NoError(t, err)
	require.NotEmpty(t, c.Deltas)
	for _, d := range c.Deltas {
		assert.False(t, d.Significant, "%s: %+v", d.Statistic, d.Diff)
		assert.Zero(t, d.Diff.Estimate, d.Statistic)
		assert.LessOrEqual(t, d.Diff.Low, 0.0, d.Statistic)
		assert.GreaterOrEqual(t, d.Diff.High, 0.0, d.Statistic)
	}
	assert.Less(t, c.Delta("ttft p99").Diff.Low, 0.0, "the interval has a width")
}

func TestCompareDetectsErrorRateAndThroughput(t *testing.T) {
	a := compareRunOf(4, 1000, 100, 20*time.Millisecond, time.Millisecond, 0.01)
	b := compareRunOf(5, 1000, 50, 20*time.Millisecond, time.Millisecond, 0.08)
	c, err := Compare(a, b)
	require.NoError(t, err)
	er := c.Delta(StatErrorRate)
	assert.True(t, er.Significant, "%+v", er.Diff)
	assert.Positive(t, er.Diff.Low)
	rps := c.Delta(StatRequestsPerSecond)
	assert.True(t, rps.Significant, "%+v", rps.Diff)
	assert.Negative(t, rps.Diff.High, "half the rate")
	require.NotNil(t, rps.Relative)
	assert.InDelta(t, -0.5, rps.Relative.Estimate, 0.1)
	assert.True(t, rps.HigherIsBetter())
	tps := c.Delta(StatOutputTokensPerSecond)
	assert.True(t, tps.Significant, "%+v", tps.Diff)

	var md bytes.Buffer
	require.NoError(t, c.WriteMarkdown(&md))
	assert.Regexp(t, `\| error_rate \| 1\.\d\d% \| [78]\.\d\d% \| \+\d\.\d\d pp \| \[\+.* \| \*\*regression\*\* \|`, md.String())
	assert.Regexp(t, `\| requests_per_second \(requests/s\) \| \d+\.\d \| \d+\.\d \| -\d+\.\d \| \[-\d+\.\d, -\d+\.\d\] \| -.*% \| .* \| \*\*regression\*\* \|`, md.String())
}

func TestCompareIsSeeded(t *testing.T) {
	a := compareRunOf(6, 300, 50, 20*time.Millisecond, time.Millisecond, 0.02)
	b := compareRunOf(7, 300, 50, 22*time.Millisecond, time.Millisecond, 0.02)
	enc := func(o CompareOptions) string {
		c, err := o.Compare(a, b)
		require.NoError(t, err)
		j, err := json.Marshal(c)
		require.NoError(t, err)
		return string(j)
	}
	assert.Equal(t, enc(CompareOptions{Seed: 9}), enc(CompareOptions{Seed: 9}))
	assert.NotEqual(t, enc(CompareOptions{Seed: 9}), enc(CompareOptions{Seed: 10}))
	// A statistic's resamples do not depend on the other statistics.
	all, err := CompareOptions{Seed: 9}.Compare(a, b)
	require.NoError(t, err)
	one, err := CompareOptions{Seed: 9, Metrics: []Metric{TimeToFirstToken}, Percentiles: []float64{99}}.Compare(a, b)
	require.NoError(t, err)
	require.Equal(t, "ttft p99", one.Deltas[0].Statistic)
	assert.Len(t, one.Deltas, 4, "ttft p99 and the three run statistics")
	assert.Equal(t, *all.Delta("ttft p99"), one.Deltas[0])
	assert.Equal(t, *all.Delta(StatErrorRate), *one.Delta(StatErrorRate))
}

func TestCompareOptionsErrors(t *testing.T) {
	a := compareRunOf(1, 50, 50, 20*time.Millisecond, time.Millisecond, 0)
	for _, o := range []CompareOptions{
		{Confidence: 1}, {Confidence: -0.5}, {Resamples: 10}, {Resamples: 1e12}, {Percentiles: []float64{101}},
		{Metrics: []Metric{"ttft"}},
	} {
		_, err := o.Compare(a, a)
		assert.ErrorIs(t, err, ErrCompareOptions, "%+v", o)
	}
	_, err := Compare(nil, a)
	assert.ErrorIs(t, err, ErrCompareOptions)
}

// TestBootstrapOrderStatisticsMatchResampling checks the shortcut of
// bootstrapPercentiles against the bootstrap it stands for: resampling n
// values with replacement and taking the percentile of each resample.
func TestBootstrapOrderStatisticsMatchResampling(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, resamples = 301, 4000
	v := make([]float64, n)
	for i := range v {
		v[i] = math.Exp(r.NormFloat64())
	}
	slices.Sort(v)
	for _, p := range []float64{50, 90, 99, 37.5} {
		naive := make([]float64, resamples)
		re := make([]float64, n)
		for i := range naive {
			for j := range re {
				re[j] = v[r.IntN(n)]
			}
			slices.Sort(re)
			naive[i] = Percentile(re, p)
		}
		_, fast := bootstrapPercentiles(func(int) *rand.Rand { return rand.New(rand.NewPCG(3, 4)) }, sortedSample{v: v, scale: 1}, []float64{p}, resamples)
		slices.Sort(naive)
		slices.Sort(fast[0])
		for _, q := range []float64{5, 25, 50, 75, 95} {
			want, got := Percentile(naive, q), Percentile(fast[0], q)
			assert.InEpsilon(t, want, got, 0.03, "p%v: the %vth percentile of the bootstrap distribution", p, q)
		}
	}
}

func TestBinomialVariate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		n int64
		p float64
	}{{1000, 0.05}, {20, 0.5}, {100000, 0.001}, {500, 0}, {500, 1}} {
		const draws = 20000
		var sum, sum2 float64
		for range draws {
			x := float64(binomialVariate(r, c.n, c.p))
			require.True(t, x >= 0 && x <= float64(c.n), "%v out of range", x)
			sum += x
			sum2 += x * x
		}
		mean := sum / draws
		variance := sum2/draws - mean*mean
		wantMean, wantVar := float64(c.n)*c.p, float64(c.n)*c.p*(1-c.p)
		assert.InDelta(t, wantMean, mean, 0.05*wantMean+1e-9, "mean of Binomial(%d, %v)", c.n, c.p)
		assert.InDelta(t, wantVar, variance, 0.1*wantVar+1e-9, "variance of Binomial(%d, %v)", c.n, c.p)
	}
}

// TestCompareIntervalCoverage draws 100 pairs of samples from two known
// distributions and counts how often the 95% interval of the difference
// of their 90th percentiles holds the true difference: a sound interval
// does about 95 times.
func TestCompareIntervalCoverage(t *testing.T) {
	// A is Exp(1), B is Exp(1.25): p90 = mean · ln 10.
	truth := 0.25 * math.Ln10
	o := CompareOptions{Resamples: 1000}
	require.NoError(t, o.resolve())
	covered := 0
	const trials, n = 100, 400
	r := rand.New(rand.NewPCG(11, 12))
	draw := func(mean float64) sortedSample {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.ExpFloat64() * mean
		}
		slices.Sort(v)
		return sortedSample{v: v, scale: 1}
	}
	for trial := range trials {
		a, b := draw(1), draw(1.25)
		pa, ra := bootstrapPercentiles(func(int) *rand.Rand { return newRand(uint64(trial), "a") }, a, []float64{90}, o.Resamples)
		pb, rb := bootstrapPercentiles(func(int) *rand.Rand { return newRand(uint64(trial), "b") }, b, []float64{90}, o.Resamples)
		d := o.delta(Delta{A: pa[0], B: pb[0]}, ra[0], rb[0])
		if d.Diff.Low <= truth && truth <= d.Diff.High {
			covered++
		}
	}
	t.Logf("covered %d of %d", covered, trials)
	assert.GreaterOrEqual(t, covered, 88, "the 95%% interval covered the true difference %d times in %d", covered, trials)
	assert.LessOrEqual(t, covered, 99, "an interval that always covers is too wide")
}

// TestCompareHistogramAgreesWithSamples compares runs once with their
// samples and once with only their histograms (as a low-memory or
// reopened run has): the intervals agree within the histograms' error.
func TestCompareHistogramAgreesWithSamples(t *testing.T) {
	a := compareRunOf(21, 500, 50, 20*time.Millisecond, time.Millisecond, 0.02)
	b := compareRunOf(22, 500, 50, 25*time.Millisecond, time.Millisecond, 0.02)
	withSamples, err := Compare(a, b)
	require.NoError(t, err)
	strip := func(r *Result) *Result { return &Result{Run: r.Run} }
	fromHist, err := Compare(strip(a), strip(b))
	require.NoError(t, err)
	require.Equal(t, len(withSamples.Deltas), len(fromHist.Deltas))
	for i, s := range withSamples.Deltas {
		h := fromHist.Deltas[i]
		require.Equal(t, s.Statistic, h.Statistic)
		if s.Metric == "" {
			assert.Equal(t, s, h, "run statistics do not use the samples")
			continue
		}
		assert.Equal(t, MethodSamples, s.Method)
		assert.Equal(t, MethodHistogram, h.Method)
		tol := func(v float64) float64 { return 2*reporters.RelativeError*math.Abs(v) + 2e-6 }
		assert.InDelta(t, s.A, h.A, tol(s.A), s.Statistic)
		assert.InDelta(t, s.B, h.B, tol(s.B), s.Statistic)
		// The bounds are differences: their error is that of A and B.
		assert.InDelta(t, s.Diff.Low, h.Diff.Low, tol(s.A)+tol(s.B), "%s low", s.Statistic)
		assert.InDelta(t, s.Diff.High, h.Diff.High, tol(s.A)+tol(s.B), "%s high", s.Statistic)
		assert.Equal(t, s.Significant, h.Significant, s.Statistic)
	}
	// Mixed: one side from samples, the other from its histogram.
	mixed, err := Compare(a, strip(b))
	require.NoError(t, err)
	assert.Equal(t, "samples/histogram", mixed.Delta("ttft p50").Method)
}

func TestCompareThroughputNeedsWindows(t *testing.T) {
	a := compareRunOf(1, 40, 40, 20*time.Millisecond, time.Millisecond, 0)
	c, err := Compare(a, a)
	require.NoError(t, err)
	rps := c.Delta(StatRequestsPerSecond)
	assert.Less(t, len(a.Run.Series), minWindows+1)
	assert.Contains(t, rps.Note, "at least 3 one-second windows")
	assert.False(t, rps.Significant)
	var md bytes.Buffer
	require.NoError(t, c.WriteMarkdown(&md))
	assert.Contains(t, md.String(), "requests_per_second: no interval")
}

func TestCompareMarkdown(t *testing.T) {
	a := compareRunOf(31, 300, 50, 20*time.Millisecond, time.Millisecond, 0)
	b := compareRunOf(32, 300, 50, 40*time.Millisecond, time.Millisecond, 0)
	a.Run.Name, b.Run.Name = "base", "head"
	c, err := CompareOptions{Metrics: []Metric{TimeToFirstToken}}.Compare(a, b)
	require.NoError(t, err)
	var md bytes.Buffer
	require.NoError(t, c.WriteMarkdown(&md))
	lines := strings.Split(md.String(), "\n")
	assert.Equal(t, "### llmtest compare: `base` → `head`", lines[0])
	assert.Equal(t, "A: 300 requests, 0 failed · B: 300 requests, 0 failed", lines[2])
	assert.Equal(t, "| statistic | A | B | Δ | Δ 95% CI | Δ% | Δ% 95% CI | verdict |", lines[4])
	assert.Regexp(t, `^\| ttft p99 † \| [\d.]+ms \| [\d.]+ms \| \+[\d.]+ms \| \[\+[\d.]+ms, \+[\d.]+ms\] \| \+[\d.]+% \| \[\+[\d.]+%, \+[\d.]+%\] \| \*\*regression\*\* \|$`, lines[8])
	assert.Contains(t, md.String(), "2000 resamples, seed 0")
	assert.Regexp(t, `\| error_rate \| 0\.00% \| 0\.00% \| \+0\.00 pp \| \[\+0\.00 pp, \+0\.00 pp\] \| n/a \| n/a \|  \|`, md.String())
}

// BenchmarkCompare compares two runs of 10,000 requests (310,000
// inter-token gaps each) with the default 2,000 resamples, from their
// samples and from their histograms.
func BenchmarkCompare(b *testing.B) {
	a := compareRunOf(1, 10000, 100, 20*time.Millisecond, time.Millisecond, 0.01)
	c := compareRunOf(2, 10000, 100, 25*time.Millisecond, time.Millisecond, 0.01)
	a.Samples(TimeToFirstToken) // sorted once, as any reader of percentiles does
	c.Samples(TimeToFirstToken)
	b.Run("samples", func(b *testing.B) {
		for b.Loop() {
			if _, err := Compare(a, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	ha, hc := &Result{Run: a.Run}, &Result{Run: c.Run}
	b.Run("histograms", func(b *testing.B) {
		for b.Loop() {
			if _, err := Compare(ha, hc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestCompareMarksFewSamples(t *testing.T) {
	a := compareRunOf(41, 100, 50, 20*time.Millisecond, time.Millisecond, 0)
	b := compareRunOf(42, 100, 50, 20*time.Millisecond, time.Millisecond, 0)
	c, err := Compare(a, b)
	require.NoError(t, err)
	assert.False(t, c.Delta("ttft p50").FewSamples)
	assert.False(t, c.Delta("ttft p90").FewSamples, "p90 needs 50")
	assert.True(t, c.Delta("ttft p99").FewSamples, "p99 needs 500")
	assert.False(t, c.Delta("itl p99").FewSamples, "3,100 gaps")
	var md bytes.Buffer
	require.NoError(t, c.WriteMarkdown(&md))
	assert.Contains(t, md.String(), "| ttft p99 † |")
	assert.Contains(t, md.String(), "\n† Fewer samples than the percentile needs")
	assert.Equal(t, int64(10), samplesNeeded(50))
	assert.Equal(t, int64(5000), samplesNeeded(99.9))
}

// TestThroughputIntervalCoverage draws 100 pairs of 30-second series of
// Poisson counts, at 50/s and 60/s, and counts how often the 95% interval
// of the difference of their rates holds the true difference, 10/s.
func TestThroughputIntervalCoverage(t *testing.T) {
	o := CompareOptions{Resamples: 1000}
	require.NoError(t, o.resolve())
	r := rand.New(rand.NewPCG(13, 14))
	poisson := func(mean float64) float64 { // by counting exponential gaps
		n, s := 0.0, r.ExpFloat64()
		for s < mean {
			n++
			s += r.ExpFloat64()
		}
		return n
	}
	series := func(rate float64) []window {
		ws := make([]window, 30)
		for i := range ws {
			ws[i] = window{seconds: 1, count: poisson(rate)}
		}
		return ws
	}
	covered := 0
	const trials = 100
	for trial := range trials {
		wa, wb := series(50), series(60)
		ra := bootstrapRate(newRand(uint64(trial), "a"), wa, o.Resamples)
		rb := bootstrapRate(newRand(uint64(trial), "b"), wb, o.Resamples)
		d := o.delta(Delta{A: rateOf(wa), B: rateOf(wb)}, ra, rb)
		if d.Diff.Low <= 10 && 10 <= d.Diff.High {
			covered++
		}
	}
	t.Logf("covered %d of %d", covered, trials)
	assert.GreaterOrEqual(t, covered, 85, "the 95%% interval covered the true difference %d times in %d", covered, trials)
	assert.LessOrEqual(t, covered, 99, "an interval that always covers is too wide")
}
