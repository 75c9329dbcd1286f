package html

import (
	"fmt"
	"slices"

	"github.com/llmtest/llmtest/reporters"
)

// The client-side phase metrics (llmtest's ConnPhases).
const (
	metricTTFB    = "time_to_first_byte"
	metricConnect = "connect_time"
	metricTTFT    = "time_to_first_token"
)

// phases is where a run's time to first token went on the client: the
// connections of its traced requests, the time to first byte next to the
// time to first token, and the distribution of the time to first byte.
type phases struct {
	Line   string     // the connections, new and reused
	Rows   []phaseRow // TTFB, TTFT and the TCP connect, those with samples
	Charts []chart    // the TTFB histogram and CDF
}

// phaseRow is one phase's percentiles.
type phaseRow struct {
	Label, Metric    string
	N                int
	P50, P90, P99, M string
}

// phasesOf returns the client-side phases of run, nil when none of its
// requests was traced.
func phasesOf(run *reporters.Run) (*phases, error) {
	c := run.Connections
	if c == nil || c.Traced == 0 {
		return nil, nil
	}
	p := &phases{Line: fmt.Sprintf("Connections: %d traced requests, %d on a reused connection, %d on a new one.", c.Traced, c.Reused, c.New())}
	for _, r := range []struct{ label, metric string }{
		{"time to first byte (TTFB)", metricTTFB},
		{"time to first token (TTFT)", metricTTFT},
		{"TCP connect (new connections)", metricConnect},
	} {
		m := run.Metric(r.metric)
		if m == nil || m.N == 0 {
			continue
		}
		p.Rows = append(p.Rows, phaseRow{Label: r.label, Metric: r.metric, N: m.N, P50: seconds(m.P50), P90: seconds(m.P90), P99: seconds(m.P99), M: seconds(m.Max)})
	}
	if m := run.Metric(metricTTFB); m != nil && m.N > 0 && m.Histogram.Count() > 0 {
		hi, _ := m.Aggregate("p99.9")
		u := unitFor(hi)
		buckets := slices.Collect(m.Histogram.All())
		const title = "Time to first byte (TTFB)"
		h, err := histogramChart(m, buckets, "ttfb", title, "requests", u)
		if err != nil {
			return nil, err
		}
		cdf, err := cdfChart(m, buckets, "ttfb", title, "requests", u)
		if err != nil {
			return nil, err
		}
		p.Charts = []chart{h, cdf}
	}
	return p, nil
}
