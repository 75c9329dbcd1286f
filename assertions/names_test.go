package assertions

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStatisticNames checks that every name StatisticNames lists parses,
// as a metric with an aggregate or as a run statistic, that an alias means
// what its name means, and that no spelling of the language is missing.
func TestStatisticNames(t *testing.T) {
	names := StatisticNames()
	spellings := 0
	for _, n := range names {
		want := canonical(t, n.Name, n.Metric, n.Verdict)
		for _, a := range n.Aliases {
			assert.Equal(t, want, canonical(t, a, n.Metric, n.Verdict), "alias %s of %s", a, n.Name)
		}
		spellings += 1 + len(n.Aliases)
	}
	assert.Equal(t, len(metricNames)+len(runNames), spellings, "every spelling listed once")
	assert.Equal(t, StatisticName{Name: "ttft", Aliases: []string{"time_to_first_token"}, Metric: true}, names[0])
	assert.Equal(t, StatisticName{Name: "schedule_lag", Metric: true}, names[7], "the open loop's metrics follow the others")
	assert.Equal(t, StatisticName{Name: "ttfb", Aliases: []string{"time_to_first_byte"}, Metric: true}, names[10], "the client-side phases follow them")
	assert.Equal(t, StatisticName{Name: "error_rate", Aliases: []string{"failed_requests_rate"}}, names[12])
	assert.False(t, names[len(names)-1].Metric)
	assert.Equal(t, StatisticName{Name: "generator_healthy", Verdict: true}, names[len(names)-1])
}

// canonical parses a threshold on statistic name and returns its
// statistic in canonical form.
func canonical(t *testing.T, name string, metric, verdict bool) string {
	t.Helper()
	expr := name + " < 1"
	switch {
	case verdict:
		expr = name
	case metric:
		expr = name + " p99 < 1"
		if m, _ := lookupMetric(name); m != "" && !isCountMetric(name) {
			expr = name + " p99 < 1s"
		}
	}
	th, err := Parse(expr)
	require.NoError(t, err, expr)
	return th.Statistic()
}

func isCountMetric(name string) bool {
	switch name {
	case "input_tokens", "num_tokens_input", "output_tokens", "num_tokens_output":
		return true
	}
	return false
}
