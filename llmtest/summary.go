package llmtest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// WriteSummary writes a one-screen text summary of the run to w: the run's
// identity, its request accounting and throughput, the verdict of its
// load generator's self-check ("load generator: healthy (…)" or "load
// generator: saturated: <reasons>"; no line for a run without one), its
// cost when it was priced ([reporters.Cost.String]), its client-side
// phases when they were traced ([reporters.Run.ConnectionsText]), a table
// of the aggregates of every metric that has samples, and the server's
// metrics next to the client's figures when they were scraped (see
// reporters.ServerMetrics.WriteText).
func (r *Result) WriteSummary(w io.Writer) error {
	st, run := &r.Stats, &r.Run
	var b strings.Builder
	fmt.Fprintf(&b, "llmtest run %s: %s", run.Name, endpointLabel(run.Endpoint))
	if run.Interrupted {
		b.WriteString(" [interrupted]")
	}
	b.WriteByte('\n')
	cancelled := ""
	if st.CancelledRequests > 0 {
		cancelled = fmt.Sprintf(", %d cancelled", st.CancelledRequests)
	}
	if st.DroppedRequests > 0 {
		cancelled += fmt.Sprintf(", %d dropped", st.DroppedRequests)
	}
	if st.WarmupRequests > 0 {
		cancelled += fmt.Sprintf(", %d warm-up excluded", st.WarmupRequests)
	}
	fmt.Fprintf(&b, "%s: %s, %d failed (%.2f%%)%s in %s; %.1f requests/min, %.1f output tokens/s\n",
		summaryShape(run.Config), plural(st.TotalRequests, "request"), st.FailedRequests, 100*st.FailedRequestsRate, cancelled,
		FormatDuration(st.TotalTestTime), st.RequestsPerMinute, st.OutputTokensPerSecond)
	if line := summaryStart(run); line != "" {
		b.WriteString(line + "\n")
	}
	if run.Generator != nil {
		b.WriteString("load generator: " + run.Generator.String() + "\n")
	}
	if run.Cost != nil {
		b.WriteString(run.Cost.String() + "\n")
	}
	if t := run.ConnectionsText(); t != "" {
		b.WriteString(t + "\n")
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "metric\tavg\tp50\tp90\tp99\tp99.9\tmax\tn\t")
	exact := true
	for _, m := range Metrics {
		s := st.Aggregate(m)
		if s.N == 0 {
			continue
		}
		exact = exact && s.Exact
		f := func(v float64) string {
			if m.IsDuration() {
				return FormatDuration(secondsToDuration(v))
			}
			return strconv.FormatFloat(v, 'f', 1, 64)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", m,
			f(s.Average), f(s.P50), f(s.P90), f(s.P99), f(s.P999), f(s.Max), s.N)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !exact {
		fmt.Fprintf(&b, "percentiles from histograms, within %g%%\n", 100*run.RelativeError)
	}
	if len(run.Turns) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "turn\tinput tokens\tttft p50\tttft p90\tttlt p50\tttlt p90\tfailed\tn\t")
		for i := range run.Turns {
			t := &run.Turns[i]
			in, ttft, ttlt := t.Metric(string(NumTokensInput)), t.Metric(string(TimeToFirstToken)), t.Metric(string(TimeToLastToken))
			d := func(m *reporters.Metric, v float64) string {
				if m == nil || m.N == 0 {
					return "–"
				}
				return FormatDuration(secondsToDuration(v))
			}
			avg := "–"
			if in != nil && in.N > 0 {
				avg = strconv.FormatFloat(in.Average, 'f', 1, 64)
			}
			var ttftP50, ttftP90, ttltP50, ttltP90 float64
			if ttft != nil {
				ttftP50, ttftP90 = ttft.P50, ttft.P90
			}
			if ttlt != nil {
				ttltP50, ttltP90 = ttlt.P50, ttlt.P90
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t\n", t.Turn, avg, d(ttft, ttftP50), d(ttft, ttftP90), d(ttlt, ttltP50), d(ttlt, ttltP90), t.Failed, t.Requests)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(&b, "per-turn percentiles from histograms, within %g%%\n", 100*reporters.RelativeError)
	}
	if err := run.ServerMetrics.WriteText(&b, run); err != nil {
		return err
	}
	if errs := topErrors(run.Errors, 3); len(errs) > 0 {
		b.WriteString("errors:\n")
		for _, e := range errs {
			msg := e.Message
			if msg == "" {
				msg = "(other errors)"
			}
			fmt.Fprintf(&b, "  %d× %s\n", e.Count, msg)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// summaryStart describes a shard and its start: "shard 1/4 of big,
// start at 2026-12-04T05:00:00Z, 0.3ms late"; empty for a run that is
// neither a shard nor told when to start.
func summaryStart(run *reporters.Run) string {
	var parts []string
	if s := run.Config.Shard; s != nil {
		parts = append(parts, "shard "+s.String()+" of "+s.Run)
	}
	if at := run.Config.StartAt; !at.IsZero() {
		parts = append(parts, "start at "+at.UTC().Format(time.RFC3339Nano)+", "+
			FormatDuration(secondsToDuration(run.StartLag))+" late")
	}
	return strings.Join(parts, ", ")
}

// summaryShape describes the load shape: "8 clients × 50 requests", "8
// clients for 1m0s", "50 req/s constant for 1m0s", "poisson ramp
// 0→100→0 req/s over 1m0s", "up to 4 clients, ramp →4→0 over 30s".
func summaryShape(c reporters.Config) string {
	if n := c.Shards; n > 0 {
		// The shards' shapes may differ: their clients (or rates)
		// summed is all one line can say.
		if c.Arrival != "" {
			return rateText(c.Rate) + " req/s in " + plural(n, "shard")
		}
		return plural(c.Clients, "client") + " in " + plural(n, "shard")
	}
	var levels []string
	var total time.Duration
	for _, s := range c.Stages {
		levels = append(levels, strconv.FormatFloat(s.Target, 'f', -1, 64))
		total += secondsToDurationOrZero(s.Duration)
	}
	open := c.Rate > 0 || c.Arrival != "" // an open loop has an arrival process
	if len(c.Stages) > 0 {
		if !open {
			return "up to " + plural(c.Clients, "client") + ", ramp →" + strings.Join(levels, "→") + " over " + total.String()
		}
		from := rateText(c.Rate)
		return c.Arrival + " ramp " + from + "→" + strings.Join(levels, "→") + " req/s over " + total.String()
	}
	d := secondsToDurationOrZero(c.Duration)
	if open {
		shape := rateText(c.Rate) + " req/s " + c.Arrival
		if d > 0 {
			return shape + " for " + d.String()
		}
		return shape + ", " + plural(c.Requests, "arrival")
	}
	if d > 0 {
		return plural(c.Clients, "client") + " for " + d.String()
	}
	return plural(c.Clients, "client") + " × " + plural(c.Requests, "request")
}

// rateText renders a rate for people: as given when it has at most three
// decimals (500, 0.5, 12.345), else rounded, as a trace's computed rate
// is: to whole requests from 1000/s, to three decimals from 1/s (6.667,
// not 6.666666666666667), and to four significant digits below.
func rateText(r float64) string {
	s := strconv.FormatFloat(r, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i < 0 || len(s)-i-1 <= 3 {
		return s
	}
	switch {
	case r >= 1000:
		return strconv.FormatFloat(r, 'f', 0, 64)
	case r >= 1:
		return strings.TrimRight(strconv.FormatFloat(r, 'f', 3, 64), "0")
	}
	return strconv.FormatFloat(r, 'g', 4, 64) // 0.0002778, 3.333e-06
}

// SummaryText returns what WriteSummary writes.
func (r *Result) SummaryText() string {
	var b strings.Builder
	_ = r.WriteSummary(&b)
	return b.String()
}

func endpointLabel(e reporters.Endpoint) string {
	parts := []string{}
	for _, s := range []string{e.Provider, e.Model, e.Name} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "endpoint"
	}
	return strings.Join(parts, " ")
}

// plural returns "1 request", "2 requests" and the like.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// topErrors returns the n most frequent error messages of the model's
// count, most frequent first.
func topErrors(errs []reporters.ErrorCount, n int) []reporters.ErrorCount {
	return errs[:min(n, len(errs))]
}

// FormatDuration formats d with three significant digits in the largest
// unit that keeps it at least 1: "912ms", "1.23s", "45.6µs", "850ns".
func FormatDuration(d time.Duration) string {
	var (
		v    float64
		unit string
	)
	switch ad := max(d, -d); {
	case ad >= time.Second:
		v, unit = d.Seconds(), "s"
	case ad >= time.Millisecond:
		v, unit = float64(d)/1e6, "ms"
	case ad >= time.Microsecond:
		v, unit = float64(d)/1e3, "µs"
	default:
		return strconv.FormatInt(int64(d), 10) + "ns"
	}
	prec := 0
	switch av := max(v, -v); {
	case av < 10:
		prec = 2
	case av < 100:
		prec = 1
	}
	return strconv.FormatFloat(v, 'f', prec, 64) + unit
}
