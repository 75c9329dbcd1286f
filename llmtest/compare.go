package llmtest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// Defaults of [CompareOptions].
const (
	// DefaultConfidence is the level of a comparison's intervals.
	DefaultConfidence = 0.95
	// DefaultResamples is the number of bootstrap resamples.
	DefaultResamples = 2000
	// MaxResamples is the most bootstrap resamples a comparison draws:
	// each holds a value per statistic in memory.
	MaxResamples = 1_000_000
)

// DefaultComparePercentiles are the percentiles a comparison compares.
var DefaultComparePercentiles = []float64{50, 90, 99}

// DefaultCompareMetrics are the metrics a comparison compares, those that
// both runs measured (the client phases only when both runs traced them).
var DefaultCompareMetrics = []Metric{TimeToFirstToken, TimeToLastToken, TimePerOutputToken, InterTokenLatency, NumTokensOutput, TimeToFirstByte, ConnectTime}

// CompareOptions configure [CompareOptions.Compare]. The zero value is
// valid and means the defaults.
type CompareOptions struct {
	// Confidence is the level of the intervals, in (0, 1). Zero means
	// DefaultConfidence.
	Confidence float64
	// Resamples is the number of bootstrap resamples, from 100 to
	// MaxResamples. Zero means DefaultResamples.
	Resamples int
	// Seed seeds the resamples: the same runs and options give the same
	// comparison. Zero is a seed like any other.
	Seed uint64
	// Percentiles are the percentiles compared, each in [0, 100]. Nil
	// means DefaultComparePercentiles.
	Percentiles []float64
	// Metrics are the metrics compared, in order; a metric either run has
	// no sample of is left out. Nil means DefaultCompareMetrics.
	Metrics []Metric
}

// Comparison is the comparison of a run B (the change) with a run A (the
// baseline): per statistic, the difference B − A with its bootstrap
// confidence interval. Build it with [Compare]; render it with
// [Comparison.WriteMarkdown], or encode it as JSON.
type Comparison struct {
	// A and B describe the runs compared.
	A CompareRun `json:"a"`
	B CompareRun `json:"b"`
	// Confidence, Resamples and Seed are the options the intervals were
	// drawn with.
	Confidence float64 `json:"confidence"`
	Resamples  int     `json:"resamples"`
	Seed       uint64  `json:"seed"`
	// Deltas holds one entry per statistic: per metric its percentiles,
	// then requests_per_second, output_tokens_per_second and error_rate.
	Deltas []Delta `json:"deltas"`
}

// CompareRun names one run of a comparison.
type CompareRun struct {
	// Name is the run's name, and Path its folder (empty for a run that
	// wrote none).
	Name string `json:"run_name"`
	Path string `json:"path,omitempty"`
	// Requests and Failed are its Counts.Total and Counts.Failed.
	Requests int `json:"requests"`
	Failed   int `json:"failed"`
}

// Interval is an estimate and its confidence interval [Low, High].
type Interval struct {
	Estimate float64 `json:"estimate"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
}

// Excludes0 reports whether the interval lies wholly above or below 0.
func (i Interval) Excludes0() bool { return i.Low > 0 || i.High < 0 }

// The statistics of a comparison besides the metrics' percentiles, named
// as in the threshold language of package assertions.
const (
	StatRequestsPerSecond     = "requests_per_second"
	StatOutputTokensPerSecond = "output_tokens_per_second"
	StatErrorRate             = "error_rate"
)

// How a Delta's interval was drawn.
const (
	// MethodSamples resamples the samples held in memory.
	MethodSamples = "samples"
	// MethodHistogram resamples the metric's histogram (a low-memory or
	// merged run), within reporters.RelativeError.
	MethodHistogram = "histogram"
	// MethodWindows resamples the one-second windows of the time series,
	// in blocks.
	MethodWindows = "windows"
	// MethodBinomial resamples the requests' outcomes.
	MethodBinomial = "binomial"
)

// Delta is the change of one statistic from run A to run B.
type Delta struct {
	// Statistic names it as the threshold language of package assertions
	// does: "ttft p99", "output_tokens p50", StatRequestsPerSecond, ….
	Statistic string `json:"statistic"`
	// Metric and Percentile are the metric and percentile of a percentile
	// statistic; Metric is empty for a run statistic.
	Metric     Metric  `json:"metric,omitempty"`
	Percentile float64 `json:"percentile,omitempty"`
	// Unit is the unit of A, B and Diff: "s", "tokens", "requests/s",
	// "tokens/s" or "ratio".
	Unit string `json:"unit"`
	// A and B are the statistic in each run, and NA and NB the number of
	// samples (requests, chunk gaps or windows) each was computed from.
	A  float64 `json:"a"`
	B  float64 `json:"b"`
	NA int     `json:"n_a"`
	NB int     `json:"n_b"`
	// Diff is B − A, in Unit.
	Diff Interval `json:"diff"`
	// Relative is B/A − 1 (0.1 is +10%), nil when A is 0 or a resample of
	// A was.
	Relative *Interval `json:"relative,omitempty"`
	// Significant reports whether Diff's interval excludes 0.
	Significant bool `json:"significant"`
	// Method says how the interval was drawn: MethodSamples,
	// MethodHistogram (or "samples/histogram" when the runs differ),
	// MethodWindows or MethodBinomial.
	Method string `json:"method"`
	// Note says why there is no interval (Diff's bounds are then its
	// estimate and Significant is false); empty otherwise.
	Note string `json:"note,omitempty"`
	// FewSamples reports a percentile p of a run with fewer than
	// ⌈5/(1−p/100)⌉ samples (10 for p50, 50 for p90, 500 for p99): it
	// rests on fewer than five values at or above it, and its interval,
	// drawn from so few, is narrower than the truth.
	FewSamples bool `json:"few_samples,omitempty"`
}

// HigherIsBetter reports whether an increase of the statistic is an
// improvement (throughputs), rather than a regression (latencies, error
// rate); token counts are neither, and report false.
func (d *Delta) HigherIsBetter() bool {
	return d.Statistic == StatRequestsPerSecond || d.Statistic == StatOutputTokensPerSecond
}

// Delta returns the delta of the named statistic ("ttft p99",
// StatErrorRate, …), or nil when the comparison has none.
func (c *Comparison) Delta(statistic string) *Delta {
	for i := range c.Deltas {
		if c.Deltas[i].Statistic == statistic {
			return &c.Deltas[i]
		}
	}
	return nil
}

// ErrCompareOptions is wrapped by the error of invalid CompareOptions.
var ErrCompareOptions = errors.New("llmtest: invalid compare options")

// Compare compares run b with run a with the default options:
// CompareOptions{}.Compare(a, b).
func Compare(a, b *Result) (*Comparison, error) { return CompareOptions{}.Compare(a, b) }

// Compare compares run b (the change) with run a (the baseline): for every
// metric both measured, the difference of each percentile; the
// difference of their throughputs (requests/s and output tokens/s); and of
// their error rates. Each difference has a bootstrap confidence interval
// (the equal-tailed percentile interval) from o.Resamples resamples of
// each run, drawn from a generator seeded by o.Seed, so the same runs and
// options give the same comparison:
//
//   - a percentile resamples the samples when the Result holds its
//     invocations, and the metric's histogram otherwise (a low-memory,
//     merged or reopened run), whose values are taken at their buckets'
//     midpoints, within reporters.RelativeError;
//   - a throughput resamples the one-second windows of the time series in
//     blocks of ⌈∛n⌉ consecutive windows (a circular block bootstrap, which
//     keeps the correlation of neighbouring seconds): each resample's
//     throughput is the run's throughput times the resampled windows'
//     rate over the original windows' rate. A run of fewer than 3
//     windows gets no interval;
//   - an error rate resamples the requests that ended: a binomial draw
//     of their failures at the observed rate.
//
// The two runs are resampled independently. Compare returns an error only
// for invalid options (wrapping ErrCompareOptions) or a nil run.
func (o CompareOptions) Compare(a, b *Result) (*Comparison, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("%w: a nil Result", ErrCompareOptions)
	}
	if err := o.resolve(); err != nil {
		return nil, err
	}
	c := &Comparison{
		A: compareRun(a), B: compareRun(b),
		Confidence: o.Confidence, Resamples: o.Resamples, Seed: o.Seed,
		Deltas: []Delta{},
	}
	for _, m := range o.Metrics {
		c.Deltas = append(c.Deltas, o.percentileDeltas(a, b, m)...)
	}
	c.Deltas = append(c.Deltas,
		o.throughputDelta(a, b, StatRequestsPerSecond, "requests/s", func(r *reporters.Run) float64 { return r.RequestsPerMinute() / 60 },
			func(w reporters.Window) int { return w.Completed + w.Failed }),
		o.throughputDelta(a, b, StatOutputTokensPerSecond, "tokens/s", (*reporters.Run).OutputTokensPerSecond,
			func(w reporters.Window) int { return w.OutputTokens }),
		o.errorRateDelta(a, b),
	)
	return c, nil
}

// Validate reports the first invalid option, as an error wrapping
// ErrCompareOptions, or nil.
func (o CompareOptions) Validate() error { return o.resolve() }

// resolve applies the defaults to o and validates it.
func (o *CompareOptions) resolve() error {
	if o.Confidence == 0 {
		o.Confidence = DefaultConfidence
	}
	if !(o.Confidence > 0 && o.Confidence < 1) {
		return fmt.Errorf("%w: Confidence %v, want in (0, 1)", ErrCompareOptions, o.Confidence)
	}
	if o.Resamples == 0 {
		o.Resamples = DefaultResamples
	}
	if o.Resamples < 100 {
		return fmt.Errorf("%w: Resamples %d, want at least 100", ErrCompareOptions, o.Resamples)
	}
	if o.Resamples > MaxResamples {
		return fmt.Errorf("%w: Resamples %d, want at most %d", ErrCompareOptions, o.Resamples, MaxResamples)
	}
	if o.Percentiles == nil {
		o.Percentiles = DefaultComparePercentiles
	}
	for _, p := range o.Percentiles {
		if !(p >= 0 && p <= 100) {
			return fmt.Errorf("%w: percentile %v, want in [0, 100]", ErrCompareOptions, p)
		}
	}
	if o.Metrics == nil {
		o.Metrics = DefaultCompareMetrics
	}
	for _, m := range o.Metrics {
		if !m.Valid() {
			return fmt.Errorf("%w: unknown metric %q", ErrCompareOptions, m)
		}
	}
	return nil
}

func compareRun(r *Result) CompareRun {
	return CompareRun{Name: r.Run.Name, Path: r.OutputPath, Requests: r.Run.Counts.Total, Failed: r.Run.Counts.Failed}
}

// sampleOf returns what a percentile of m is resampled from in r: its
// samples, else its histogram; nil when r has neither.
func sampleOf(r *Result, m Metric) (ranked, string) {
	scale := 1.0
	if m.IsDuration() {
		scale = 1e-9
	}
	if s := r.Samples(m); len(s) > 0 {
		return sortedSample{v: s, scale: scale}, MethodSamples
	}
	if rm := r.Run.Metric(string(m)); rm != nil && rm.N > 0 && rm.Histogram.Count() > 0 {
		return histogramSample{h: rm.Histogram, scale: scale}, MethodHistogram
	}
	return nil, ""
}

// percentileDeltas compares the percentiles of m, none when a run has no
// sample of it.
func (o *CompareOptions) percentileDeltas(a, b *Result, m Metric) []Delta {
	sa, ma := sampleOf(a, m)
	sb, mb := sampleOf(b, m)
	if sa == nil || sb == nil {
		return nil
	}
	method := ma
	if mb != ma {
		method = ma + "/" + mb
	}
	unit := reporters.UnitTokens
	if m.IsDuration() {
		unit = reporters.UnitSeconds
	}
	name := StatisticName(m)
	stat := func(j int) string { return name + " p" + strconv.FormatFloat(o.Percentiles[j], 'f', -1, 64) }
	pa, ra := bootstrapPercentiles(func(j int) *rand.Rand { return newRand(o.Seed, "a "+stat(j)) }, sa, o.Percentiles, o.Resamples)
	pb, rb := bootstrapPercentiles(func(j int) *rand.Rand { return newRand(o.Seed, "b "+stat(j)) }, sb, o.Percentiles, o.Resamples)
	out := make([]Delta, len(o.Percentiles))
	for j, p := range o.Percentiles {
		out[j] = o.delta(Delta{
			Statistic: stat(j),
			Metric:    m, Percentile: p, Unit: unit,
			A: pa[j], B: pb[j], NA: int(sa.count()), NB: int(sb.count()),
			Method:     method,
			FewSamples: min(sa.count(), sb.count()) < samplesNeeded(p),
		}, ra[j], rb[j])
	}
	return out
}

// delta fills d's intervals from the resamples of A and B.
func (o *CompareOptions) delta(d Delta, ra, rb []float64) Delta {
	diffs := make([]float64, len(ra))
	rels := make([]float64, len(ra))
	relOK := d.A > 0
	for i := range ra {
		diffs[i] = rb[i] - ra[i]
		if ra[i] > 0 {
			rels[i] = rb[i]/ra[i] - 1
		} else {
			relOK = false
		}
	}
	d.Diff.Estimate = d.B - d.A
	d.Diff.Low, d.Diff.High = interval(diffs, o.Confidence)
	if relOK {
		rel := Interval{Estimate: d.B/d.A - 1}
		rel.Low, rel.High = interval(rels, o.Confidence)
		d.Relative = &rel
	}
	d.Significant = d.Diff.Excludes0()
	return d
}

// noInterval returns d without an interval, for the reason note.
func noInterval(d Delta, note string) Delta {
	d.Diff = Interval{Estimate: d.B - d.A, Low: d.B - d.A, High: d.B - d.A}
	if d.A > 0 {
		rel := d.B/d.A - 1
		d.Relative = &Interval{Estimate: rel, Low: rel, High: rel}
	}
	d.Note = note
	return d
}

// windowsOf returns r's time series as windows counting count, each
// lasting its overlap with the run's span [StartTime, EndTime].
func windowsOf(r *reporters.Run, count func(reporters.Window) int) []window {
	ws := make([]window, 0, len(r.Series))
	for _, w := range r.Series {
		start, end := w.Start, w.Start.Add(reporters.SeriesInterval)
		if !r.StartTime.IsZero() && r.StartTime.After(start) {
			start = r.StartTime
		}
		if !r.EndTime.IsZero() && r.EndTime.Before(end) {
			end = r.EndTime
		}
		ws = append(ws, window{seconds: max(end.Sub(start), 0).Seconds(), count: float64(count(w))})
	}
	return ws
}

// throughputDelta compares a throughput, value of the run, resampled from
// the windows' counts.
func (o *CompareOptions) throughputDelta(a, b *Result, stat, unit string, value func(*reporters.Run) float64, count func(reporters.Window) int) Delta {
	wa, wb := windowsOf(&a.Run, count), windowsOf(&b.Run, count)
	d := Delta{Statistic: stat, Unit: unit, A: value(&a.Run), B: value(&b.Run), NA: len(wa), NB: len(wb), Method: MethodWindows}
	ratea, rateb := rateOf(wa), rateOf(wb)
	if len(wa) < minWindows || len(wb) < minWindows || ratea <= 0 || rateb <= 0 {
		return noInterval(d, fmt.Sprintf("no interval: a throughput needs at least %d one-second windows with a count", minWindows))
	}
	ra := bootstrapRate(newRand(o.Seed, "a "+stat), wa, o.Resamples)
	rb := bootstrapRate(newRand(o.Seed, "b "+stat), wb, o.Resamples)
	for i := range ra {
		ra[i] *= d.A / ratea
		rb[i] *= d.B / rateb
	}
	return o.delta(d, ra, rb)
}

// errorRateDelta compares the error rates, resampling the outcomes.
func (o *CompareOptions) errorRateDelta(a, b *Result) Delta {
	na, nb := a.Run.Counts.Ended(), b.Run.Counts.Ended()
	d := Delta{Statistic: StatErrorRate, Unit: "ratio", A: a.Run.FailedRequestsRate(), B: b.Run.FailedRequestsRate(), NA: na, NB: nb, Method: MethodBinomial}
	if na == 0 || nb == 0 {
		return noInterval(d, "no interval: a run has no request that ended")
	}
	draw := func(r *Result, side string) []float64 {
		n := int64(r.Run.Counts.Ended())
		p := r.Run.FailedRequestsRate()
		g := newRand(o.Seed, side+" "+StatErrorRate)
		out := make([]float64, o.Resamples)
		for i := range out {
			out[i] = float64(binomialVariate(g, n, p)) / float64(n)
		}
		return out
	}
	return o.delta(d, draw(a, "a"), draw(b, "b"))
}

// statisticNames are the canonical names of the metrics in the threshold
// language of package assertions (its test checks that they agree).
var statisticNames = map[Metric]string{
	TimeToFirstToken:             "ttft",
	TimeToFirstOutput:            "ttfo",
	TimeToLastToken:              "ttlt",
	TimePerOutputToken:           "tpot",
	InterTokenLatency:            "itl",
	NumTokensInput:               "input_tokens",
	NumTokensOutput:              "output_tokens",
	ScheduleLag:                  "schedule_lag",
	TimeToFirstTokenFromIntended: "ttft_from_intended",
	TimeToLastTokenFromIntended:  "ttlt_from_intended",
	TimeToFirstByte:              "ttfb",
	ConnectTime:                  "connect_time",
}

// StatisticName returns the canonical name of m in the threshold language
// of package assertions, such as "ttft" for TimeToFirstToken; m itself
// when it has none.
func StatisticName(m Metric) string {
	if n, ok := statisticNames[m]; ok {
		return n
	}
	return string(m)
}

// formatValue formats v of unit for a report; signed prints a sign.
func formatValue(v float64, unit string, signed bool) string {
	sign := ""
	if signed && v >= 0 {
		sign = "+"
	}
	if math.IsNaN(v) {
		return "n/a"
	}
	switch unit {
	case reporters.UnitSeconds:
		return sign + FormatDuration(time.Duration(math.Round(v*1e9)))
	case "ratio":
		return sign + strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	}
	return sign + strconv.FormatFloat(v, 'f', 1, 64) // a throughput: the unit is the row's
}

// samplesNeeded returns ⌈5/(1−p/100)⌉, the number of samples the p-th
// percentile needs to rest on at least five values at or above it (as
// package assertions warns on a check).
func samplesNeeded(p float64) int64 {
	if p >= 100 {
		return 0 // the maximum: one value is enough to be exact
	}
	x := 500 / (100 - p)
	return int64(math.Ceil(x - x*1e-9))
}
