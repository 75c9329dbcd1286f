package llmtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// TestHistogramAccuracy checks the bound the run model states for every
// percentile it reads from a histogram (low-memory and merged runs):
// 100,000 seeded samples of three shapes, and for each the histogram's
// p50 … p99.9 against the exact percentile of the same samples (numpy's
// linear method, [Percentile]). It logs the table of relative errors:
//
//	go test ./llmtest -run TestHistogramAccuracy -v
func TestHistogramAccuracy(t *testing.T) {
	const n = 100_000
	rng := rand.New(rand.NewPCG(10, 2026))
	ms := float64(time.Millisecond)
	shapes := []struct {
		name string
		draw func() float64 // nanoseconds
	}{
		{"uniform 1ms..1s", func() float64 { return ms + rng.Float64()*999*ms }},
		{"log-normal median 200ms, σ=1", func() float64 { return 200 * ms * math.Exp(rng.NormFloat64()) }},
		{"bimodal 70% 50±5ms, 30% 800±80ms", func() float64 {
			if rng.Float64() < 0.7 {
				return 50*ms + 5*ms*rng.NormFloat64()
			}
			return 800*ms + 80*ms*rng.NormFloat64()
		}},
	}
	percentiles := []float64{50, 90, 95, 99, 99.9}
	var table strings.Builder
	fmt.Fprintf(&table, "%d samples per shape; relative error |histogram − exact| / exact (bound %g)\n", n, reporters.RelativeError)
	fmt.Fprintf(&table, "| shape | p50 | p90 | p95 | p99 | p99.9 |\n| --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, shape := range shapes {
		h := reporters.NewHistogram()
		samples := make([]float64, n)
		for i := range samples {
			v := math.Max(1, math.Round(shape.draw())) // whole nanoseconds, as recorded
			samples[i] = v
			h.Record(int64(v))
		}
		slices.Sort(samples)
		approx := h.Quantiles(percentiles...)
		fmt.Fprintf(&table, "| %s |", shape.name)
		for i, p := range percentiles {
			exact := Percentile(samples, p)
			rel := math.Abs(approx[i]-exact) / exact
			if rel > reporters.RelativeError {
				t.Errorf("%s p%g: histogram %v, exact %v: relative error %.3g > %g", shape.name, p, approx[i], exact, rel, reporters.RelativeError)
			}
			fmt.Fprintf(&table, " %.4f%% |", 100*rel)
		}
		table.WriteString("\n")
	}
	t.Log("\n" + table.String())
}
