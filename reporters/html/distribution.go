package html

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/llmtest/llmtest/reporters"
)

// latencyMetrics are the metrics whose distributions the page draws, with
// their short names and what one sample is.
var latencyMetrics = []struct {
	name, short, title, sample string
}{
	{"time_to_first_token", "ttft", "Time to first token (TTFT)", "requests"},
	{"time_to_last_token", "ttlt", "Time to last token (TTLT)", "requests"},
	{"time_per_output_token", "tpot", "Time per output token (TPOT)", "requests"},
	{"inter_token_latency", "itl", "Inter-token latency (ITL)", "chunk gaps"},
}

// histogramBars is the number of bars of a distribution's histogram.
const histogramBars = 40

// timeUnit is a unit to show durations in.
type timeUnit struct {
	name    string  // "ms"
	seconds float64 // the unit in seconds
}

// unitFor returns the unit that shows durations up to max seconds with
// readable numbers: µs below 1ms, ms below 10s, s above.
func unitFor(max float64) timeUnit {
	switch {
	case max < 1e-3:
		return timeUnit{"µs", 1e-6}
	case max < 10:
		return timeUnit{"ms", 1e-3}
	}
	return timeUnit{"s", 1}
}

// distributionCharts returns, for each latency metric of run with samples
// and a histogram, its histogram and its CDF, both drawn from the metric's
// mergeable histogram: so they are drawn alike for a run with its samples
// in memory, a low-memory run and a merged one.
func distributionCharts(run *reporters.Run) ([]chart, error) {
	var out []chart
	for _, lm := range latencyMetrics {
		m := run.Metric(lm.name)
		if m == nil || m.N == 0 || m.Histogram.Count() == 0 {
			continue
		}
		hi, _ := m.Aggregate("p99.9")
		u := unitFor(hi)
		buckets := slices.Collect(m.Histogram.All()) // one pass over the histogram for both charts
		h, err := histogramChart(m, buckets, lm.short, lm.title, lm.sample, u)
		if err != nil {
			return nil, err
		}
		c, err := cdfChart(m, buckets, lm.short, lm.title, lm.sample, u)
		if err != nil {
			return nil, err
		}
		out = append(out, h, c)
	}
	return out, nil
}

// histogramBins returns the histogramBars bars of m's histogram, whose
// non-empty buckets are buckets, in nanoseconds: of equal width from the
// metric's minimum to its p99.9, the last one also counting the values
// above the p99.9, whose number is above. Each bucket of the histogram
// counts in the bar of its midpoint.
func histogramBins(m *reporters.Metric, buckets []reporters.Bucket) (bins []plotter.HistogramBin, above int64) {
	lo, hi := m.Min*1e9, m.P999*1e9
	if !(hi > lo) {
		hi = lo + 1
	}
	width := (hi - lo) / histogramBars
	bins = make([]plotter.HistogramBin, histogramBars)
	for i := range bins {
		bins[i].Min, bins[i].Max = lo+float64(i)*width, lo+float64(i+1)*width
	}
	for _, b := range buckets {
		mid := (float64(b.Lo) + float64(b.Hi)) / 2
		if mid > hi {
			above += b.Count
		}
		i := min(max(int(math.Floor((mid-lo)/width)), 0), histogramBars-1)
		bins[i].Weight += float64(b.Count)
	}
	return bins, above
}

// histogramChart draws the histogram of m (see histogramBins).
func histogramChart(m *reporters.Metric, buckets []reporters.Bucket, short, title, sample string, u timeUnit) (chart, error) {
	bins, above := histogramBins(m, buckets)
	scale := 1e-9 / u.seconds
	for i := range bins {
		bins[i].Min *= scale
		bins[i].Max *= scale
	}
	p := newPlot(title+": histogram", fmt.Sprintf("%s (%s)", short, u.name), sample)
	bars := &plotter.Histogram{Bins: bins, Width: bins[0].Max - bins[0].Min, FillColor: colorFill}
	bars.LineStyle.Width = vg.Points(0.5)
	bars.LineStyle.Color = colorPrimary
	p.Add(bars)
	p.Legend.Add(fmt.Sprintf("%s (n=%d)", sample, m.N), bars)
	caption := fmt.Sprintf("%s of the %d %s, %d bars from the minimum to the p99.9", title, m.N, sample, histogramBars)
	if above > 0 {
		caption += fmt.Sprintf("; the last bar also counts the %d above the p99.9", above)
	}
	svg, err := svgOf(p)
	return chart{ID: short + "-histogram", Caption: caption + ".", SVG: svg}, err
}

// cdfStep is the least rise, in percent, between two points of a drawn
// CDF below its 99th percentile; above it, every bucket is a point.
const cdfStep = 0.25

// cdfPoints returns the empirical CDF of the n values in buckets: for each
// bucket, its highest value (ns) and the share of the values at or below
// it, in percent, from a first point at the lowest value. Points closer
// than cdfStep to the previous one are left out below the 99th
// percentile, so that a long run draws a few hundred points, not one per
// bucket.
func cdfPoints(buckets []reporters.Bucket, n int64) (xs, ys []float64) {
	if len(buckets) == 0 || n == 0 {
		return nil, nil
	}
	xs, ys = []float64{float64(buckets[0].Lo)}, []float64{0}
	for i, b := range buckets {
		y := float64(b.Below+b.Count) / float64(n) * 100
		if i < len(buckets)-1 && y < 99 && y-ys[len(ys)-1] < cdfStep {
			continue
		}
		xs, ys = append(xs, float64(b.Hi)), append(ys, y)
	}
	return xs, ys
}

// cdfChart draws the cumulative distribution of m — the share of samples at
// or below each value, from its histogram's buckets — with its p50, p90
// and p99 marked.
func cdfChart(m *reporters.Metric, buckets []reporters.Bucket, short, title, sample string, u timeUnit) (chart, error) {
	xs, ys := cdfPoints(buckets, m.Histogram.Count())
	for i := range xs {
		xs[i] *= 1e-9 / u.seconds
	}
	p := newPlot(title+": CDF", fmt.Sprintf("%s (%s)", short, u.name), sample+" at or below (%)")
	p.Y.Min, p.Y.Max = 0, 100
	p.Legend.Top = false // the lower right of a CDF is empty
	marks := points([]float64{m.P50 / u.seconds, m.P90 / u.seconds, m.P99 / u.seconds}, []float64{50, 90, 99})
	if err := addLines(p, series{name: "CDF", color: colorPrimary, xy: points(xs, ys)}); err != nil {
		return chart{}, err
	}
	if err := addMarks(p, "p50, p90, p99", colorFourth, marks); err != nil {
		return chart{}, err
	}
	svg, err := svgOf(p)
	return chart{ID: short + "-cdf", Caption: fmt.Sprintf("Cumulative distribution of the %s of the %d %s; the points mark p50, p90 and p99.", short, m.N, sample), SVG: svg}, err
}
