package reporters

// CumulativeCounts returns, for each upper bound in bounds (in the
// metric's unit: seconds or tokens, ascending), the number of the
// metric's samples at or below it, read from its histogram: the cumulative
// bucket counts of a Prometheus or OpenTelemetry explicit-bucket
// histogram. A histogram bucket, whose values it cannot tell apart, counts
// at or below a bound when its midpoint is, so a count may misplace the
// samples within RelativeError of a bound; token counts below 2048 are
// exact. ok is false when the metric has no histogram (a version-1
// document) or the bounds are not ascending.
func (m *Metric) CumulativeCounts(bounds []float64) (counts []int64, ok bool) {
	if m == nil || (m.N > 0 && m.Histogram == nil) {
		return nil, false
	}
	for i := 1; i < len(bounds); i++ {
		if !(bounds[i] > bounds[i-1]) {
			return nil, false
		}
	}
	scale := 1.0
	if m.Unit == UnitSeconds {
		scale = 1e9
	}
	counts = make([]int64, len(bounds))
	if m.Histogram == nil || m.Histogram.h == nil {
		return counts, true
	}
	i := 0
	var below int64
	for _, bar := range m.Histogram.h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		mid := (float64(bar.From) + float64(bar.To)) / 2
		for i < len(bounds) && mid > bounds[i]*scale {
			counts[i] = below
			i++
		}
		below += bar.Count
	}
	for ; i < len(bounds); i++ {
		counts[i] = below
	}
	return counts, true
}
