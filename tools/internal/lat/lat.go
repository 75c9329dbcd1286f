// Package lat holds what the comparison tools (tailcompare, ratecompare)
// share about latency samples.
package lat

import (
	"math"
	"time"
)

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of sorted, in
// nanoseconds, with numpy's linear interpolation between the two nearest
// ranks, as llmtest computes its own. sorted must be non-empty and in
// ascending order.
func Percentile(sorted []time.Duration, p float64) float64 {
	rank := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	hi := min(lo+1, len(sorted)-1)
	frac := rank - float64(lo)
	return float64(sorted[lo]) + frac*float64(sorted[hi]-sorted[lo])
}
