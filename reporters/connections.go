package reporters

import (
	"fmt"
	"strings"
)

// The metrics of the client-side phases (llmtest's ConnPhases).
const (
	metricTTFB    = "time_to_first_byte"
	metricConnect = "connect_time"
)

// ConnectionsText describes where the time to first token went, on the
// client, in one line: the connections of the traced requests, the TCP
// connect of the new ones, and the time to the response's first byte next
// to the time to first token — "connections: 40 traced, 36 reused, 4 new
// (connect p50 120µs); time to first byte p50 2.1ms, p99 3ms; ttft p50
// 2.3ms, p99 3.2ms". It is "" for a run whose requests were not traced.
func (r *Run) ConnectionsText() string {
	c := r.Connections
	if c == nil || c.Traced == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "connections: %d traced, %d reused, %d new", c.Traced, c.Reused, c.New())
	if m := r.Metric(metricConnect); m != nil && m.N > 0 {
		fmt.Fprintf(&b, " (connect p50 %s, max %s)", formatSeconds(m.P50), formatSeconds(m.Max))
	}
	for _, row := range []struct{ label, metric string }{{"time to first byte", metricTTFB}, {"ttft", metricTTFT}} {
		if m := r.Metric(row.metric); m != nil && m.N > 0 {
			fmt.Fprintf(&b, "; %s p50 %s, p99 %s", row.label, formatSeconds(m.P50), formatSeconds(m.P99))
		}
	}
	return b.String()
}
