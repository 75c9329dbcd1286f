package reporters_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

func TestCumulativeCountsTokensAreExact(t *testing.T) {
	m := reporters.Metric{Name: "num_tokens_output", Unit: reporters.UnitTokens, Histogram: reporters.NewHistogram()}
	for v := int64(1); v <= 100; v++ {
		m.Histogram.Record(v)
		m.N++
	}
	counts, ok := m.CumulativeCounts([]float64{0, 9.5, 10, 50, 1000})
	require.True(t, ok)
	assert.Equal(t, []int64{0, 9, 10, 50, 100}, counts)
}

func TestCumulativeCountsDurationsWithinRelativeError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := reporters.Metric{Name: "time_to_first_token", Unit: reporters.UnitSeconds, Histogram: reporters.NewHistogram()}
	var ns []int64
	for range 5000 {
		v := int64(rng.ExpFloat64() * 2e8) // mean 200ms
		ns = append(ns, v)
		m.Histogram.Record(v)
		m.N++
	}
	bounds := []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5}
	counts, ok := m.CumulativeCounts(bounds)
	require.True(t, ok)
	for i, b := range bounds {
		var exact, near int64
		for _, v := range ns {
			if float64(v) <= b*1e9 {
				exact++
			}
			if d := float64(v) - b*1e9; d < 0 && -d <= reporters.RelativeError*b*1e9 || d >= 0 && d <= reporters.RelativeError*b*1e9 {
				near++
			}
		}
		assert.InDelta(t, exact, counts[i], float64(near), "le=%g", b)
	}
}

func TestCumulativeCountsRefuses(t *testing.T) {
	m := reporters.Metric{Name: "x", Unit: reporters.UnitTokens, Histogram: reporters.NewHistogram()}
	_, ok := m.CumulativeCounts([]float64{2, 1})
	assert.False(t, ok, "bounds not ascending")
	_, ok = (&reporters.Metric{N: 3}).CumulativeCounts([]float64{1})
	assert.False(t, ok, "samples but no histogram")
	counts, ok := (&reporters.Metric{}).CumulativeCounts([]float64{1, 2})
	assert.True(t, ok)
	assert.Equal(t, []int64{0, 0}, counts, "no samples")
}
