package assertions

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/llmtest/llmtest/llmtest"
)

// TestComparisonNamesTheLanguage checks that llmtest names the statistics
// of a comparison as the language does.
func TestComparisonNamesTheLanguage(t *testing.T) {
	for _, m := range llmtest.Metrics {
		assert.Equal(t, metricName(m), llmtest.StatisticName(m), "metric %s", m)
	}
	assert.Equal(t, string(RunErrorRate), llmtest.StatErrorRate)
	assert.Equal(t, string(RunRequestsPerSecond), llmtest.StatRequestsPerSecond)
	assert.Equal(t, string(RunOutputTokensPerSecond), llmtest.StatOutputTokensPerSecond)
}
