package llmtest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/llmtest/llmtest/reporters"
)

// TestSummaryShapeRoundsAComputedRate checks that a rate of at most three
// decimals, as a user gives one, reads as given, and a computed one (a
// trace's) rounded.
func TestSummaryShapeRoundsAComputedRate(t *testing.T) {
	for rate, want := range map[float64]string{
		500:          "500 req/s trace, 3 arrivals",
		0.5:          "0.5 req/s trace, 3 arrivals",
		12.25:        "12.25 req/s trace, 3 arrivals",
		20.0 / 3:     "6.667 req/s trace, 3 arrivals",
		1.0 / 3600:   "0.0002778 req/s trace, 3 arrivals",
		12.345:       "12.345 req/s trace, 3 arrivals",
		123456.7891:  "123457 req/s trace, 3 arrivals",
		200000.0 / 3: "66667 req/s trace, 3 arrivals",
		1e-5 / 3:     "3.333e-06 req/s trace, 3 arrivals",
	} {
		assert.Equal(t, want, summaryShape(reporters.Config{Rate: rate, Arrival: "trace", Requests: 3}), rate)
	}
}
