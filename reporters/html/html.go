package html

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/llmtest/llmtest/reporters"
)

// FileName is the name of the HTML report in a run, sweep or heatmap
// folder.
const FileName = "report.html"

func init() {
	reporters.RegisterFolderReport(reporters.FolderReport{
		Name:    FileName,
		Run:     func(w io.Writer, run *reporters.Run) error { return New(w).Write(run) },
		Sweep:   WriteSweep,
		Heatmap: WriteHeatmap,
	})
}

// HTML writes a run as one self-contained HTML page (report.html): the
// run's summary, its SLO checks, the load generator's health, its cost
// (when it was priced: each dimension's price, billed quantity and total,
// cost_total, and the p50, p90 and p99 of a request's cost), a table of
// the metrics' aggregates, the client-side phases (when its requests
// were traced: connections new and reused, time to first byte next to
// time to first token, and the TTFB's histogram and CDF), the server's
// own metrics next to the client's figures (when they were scraped; their
// warnings in the failure colour), the latency distributions (a histogram
// and a CDF each for TTFT, TTLT, TPOT and ITL, drawn from the metrics'
// histograms), the figures over time of the per-second series
// (throughput, output tokens, in flight, TTFT p50 and p99, errors) and
// the error messages. The charts are inline SVG and the style inline CSS;
// the page has no script and refers to nothing outside itself.
type HTML struct {
	w io.Writer
}

var _ reporters.Reporter = (*HTML)(nil)

// New returns an HTML reporter writing to w.
func New(w io.Writer) *HTML { return &HTML{w: w} }

// Write renders run to the reporter's writer with one call.
func (h *HTML) Write(run *reporters.Run) error {
	if run == nil {
		return fmt.Errorf("reporters/html: %w", reporters.ErrNilRun)
	}
	p, err := runPage(run)
	if err != nil {
		return fmt.Errorf("reporters/html: %w", err)
	}
	return p.write(h.w)
}

// WriteSweep writes a sweep as one self-contained HTML page: its levels
// in a table with the saturation point marked, its checks, and its
// curves — latency and goodput against throughput, throughput against
// load — with the saturation point (the knee) marked.
func WriteSweep(w io.Writer, s *reporters.Sweep) error {
	if s == nil {
		return fmt.Errorf("reporters/html: %w", reporters.ErrNilSweep)
	}
	p, err := sweepPage(s)
	if err != nil {
		return fmt.Errorf("reporters/html: %w", err)
	}
	return p.write(w)
}

// WriteHeatmap writes a latency heatmap as one self-contained HTML page:
// for each of TTFT, TTLT and TPOT, the grid of the cells' p50 as a table
// coloured from the fastest cell (light) to the slowest (dark), cells
// with failed requests marked in the failure colour.
func WriteHeatmap(w io.Writer, h *reporters.Heatmap) error {
	if h == nil {
		return fmt.Errorf("reporters/html: nil heatmap")
	}
	if len(h.Cells) != len(h.Inputs)*len(h.Outputs) {
		return fmt.Errorf("reporters/html: heatmap: %d cells for %d input and %d output lengths", len(h.Cells), len(h.Inputs), len(h.Outputs))
	}
	return heatmapPage(h).write(w)
}

// page is what the template renders.
type page struct {
	Title   string
	Kind    string // "Run", "Sweep" or "Heatmap"
	Name    string
	Pass    bool
	Notes   []note
	Summary []row
	Checks  []check
	// Run pages.
	Generator *generator
	Metrics   []metricRow
	Exactness string
	Cost      *costTable
	Phases    *phases
	Server    *serverTable
	Dists     []chart
	OverTime  []chart
	Errors    []reporters.ErrorCount
	// Sweep pages: the levels and the curves.
	Sweep  *sweepTable
	Curves []chart
	// Heatmap pages.
	Heatmap []heatmapTable
}

// note is a line under the page's heading; Fail marks a failure.
type note struct {
	Text string
	Fail bool
}

// row is one row of a two-column table; Fail marks a failure.
type row struct {
	Label, Value string
	Fail         bool
}

// check is one SLO check.
type check struct {
	Expression, Line string
	Pass             bool
}

func checksOf(cs []reporters.Check) []check {
	out := make([]check, len(cs))
	for i, c := range cs {
		line := c.Message
		if line == "" {
			line = fmt.Sprintf("%s = %s, want %s %s (n=%d)", c.Statistic, value(c.Observed, c.Unit), c.Op, value(c.Limit, c.Unit), c.Samples)
		}
		out[i] = check{Expression: c.Expression, Line: line, Pass: c.Pass}
	}
	return out
}

func (p *page) write(w io.Writer) error {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		return fmt.Errorf("reporters/html: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// runPage builds the page of a run.
func runPage(run *reporters.Run) (*page, error) {
	name := run.Name
	if name == "" {
		name = "unnamed run"
	}
	p := &page{Title: "llmtest run " + name, Kind: "Run", Name: name, Pass: !(run.Interrupted || run.AllFailed() || !run.Passed())}
	if run.Description != "" {
		p.Notes = append(p.Notes, note{Text: run.Description})
	}
	if run.Interrupted {
		p.Notes = append(p.Notes, note{Text: "The run was interrupted: its figures cover the requests that ended.", Fail: true})
	}
	if run.AllFailed() {
		p.Notes = append(p.Notes, note{Text: fmt.Sprintf("Every request failed (%d of %d).", run.Counts.Failed, run.Counts.Ended()), Fail: true})
	}
	if !run.Generator.Healthy() {
		p.Notes = append(p.Notes, note{Text: "The load generator was saturated: its figures may be distorted (see Load generator).", Fail: true})
	}
	p.Summary = runSummary(run)
	p.Checks = checksOf(run.Checks)
	p.Generator = generatorOf(run.Generator)
	p.Metrics, p.Exactness = metricRows(run)
	p.Cost = costOf(run.Cost)
	p.Server = serverOf(run)
	var err error
	if p.Phases, err = phasesOf(run); err != nil {
		return nil, err
	}
	if p.Dists, err = distributionCharts(run); err != nil {
		return nil, err
	}
	if p.OverTime, err = seriesCharts(run); err != nil {
		return nil, err
	}
	p.Errors = run.Errors
	return p, nil
}

// runSummary returns the rows of a run's summary table.
func runSummary(run *reporters.Run) []row {
	c := &run.Config
	var rows []row
	add := func(label, v string, fail bool) { rows = append(rows, row{label, v, fail}) }
	if run.TestName != "" {
		add("test", run.TestName, false)
	}
	ep := run.Endpoint
	endpoint := strings.Join(nonEmpty(ep.Provider, ep.Name, ep.Model), " · ")
	if ep.URL != "" {
		endpoint += " (" + ep.URL + ")"
	}
	add("endpoint", endpoint, false)
	add("load", loadText(c), false)
	add("started", instant(run.StartTime), false)
	add("ended", instant(run.EndTime), false)
	add("test time", seconds(run.TestTime), false)
	add("requests", count(run.Counts.Total), false)
	add("failed", fmt.Sprintf("%d (%s)", run.Counts.Failed, percent(run.FailedRequestsRate())), run.Counts.Failed > 0)
	if run.Counts.Cancelled > 0 {
		add("cancelled", count(run.Counts.Cancelled), false)
	}
	if run.Counts.Dropped > 0 {
		add("dropped", count(run.Counts.Dropped), true)
	}
	if run.Counts.Warmup > 0 {
		add("warm-up requests (left out)", count(run.Counts.Warmup), false)
	}
	add("requests per minute", sig3(run.RequestsPerMinute()), false)
	add("output tokens per second", sig3(run.OutputTokensPerSecond()), false)
	add("tokens in / out", fmt.Sprintf("%d / %d", run.Tokens.Input, run.Tokens.Output), false)
	if c.Tokenizer != "" {
		add("tokenizer", c.Tokenizer, false)
	}
	if run.Interrupted {
		add("interrupted", "yes", true)
	}
	return rows
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// loadText describes a run's load shape in one line.
func loadText(c *reporters.Config) string {
	var parts []string
	if c.Rate > 0 {
		open := fmt.Sprintf("open loop, %s requests/s", sig3(c.Rate))
		if c.Arrival != "" {
			open += " (" + c.Arrival + ")"
		}
		parts = append(parts, open)
		if c.MaxInFlight > 0 {
			parts = append(parts, fmt.Sprintf("at most %d in flight", c.MaxInFlight))
		}
	} else {
		parts = append(parts, fmt.Sprintf("%d clients", c.Clients))
	}
	if c.Requests > 0 {
		if c.Rate > 0 {
			parts = append(parts, fmt.Sprintf("%d requests", c.Requests))
		} else {
			parts = append(parts, fmt.Sprintf("%d requests each", c.Requests))
		}
	}
	if c.Duration > 0 {
		parts = append(parts, "for "+seconds(c.Duration))
	}
	if len(c.Stages) > 0 {
		parts = append(parts, fmt.Sprintf("%d stages", len(c.Stages)))
	}
	if c.Turns > 0 {
		parts = append(parts, fmt.Sprintf("%d turns", c.Turns))
	}
	if c.Shards > 0 {
		parts = append(parts, fmt.Sprintf("merged from %d shards", c.Shards))
	}
	if c.LowMemory {
		parts = append(parts, "low memory")
	}
	return strings.Join(parts, ", ")
}

// generator is the load generator's self-check, as the page shows it.
type generator struct {
	Rows    []row
	Healthy bool
	Reasons []string
}

func generatorOf(g *reporters.Generator) *generator {
	if g == nil {
		return nil
	}
	lagLimit := g.ScheduleLagLimit
	if lagLimit == 0 {
		lagLimit = reporters.GeneratorMaxScheduleLag.Seconds()
	}
	maxCPU := reporters.GeneratorMaxCPU
	rows := []row{
		{"CPU over the run", fmt.Sprintf("%s of %d CPUs (limit %s)", percent(g.CPU), g.GOMAXPROCS, percent(maxCPU)), g.CPU >= maxCPU},
		{"CPU in the busiest second", percent(g.PeakCPU), g.PeakCPU >= maxCPU},
		{"Go scheduler latency p99", fmt.Sprintf("%s (limit %s)", seconds(g.SchedLatencyP99), seconds(reporters.GeneratorMaxSchedLatency.Seconds())),
			g.SchedLatencyP99 > reporters.GeneratorMaxSchedLatency.Seconds()},
	}
	if g.ScheduleLagP99 > 0 || g.ScheduleLagSamples > 0 {
		rows = append(rows, row{"schedule lag p99", fmt.Sprintf("%s (limit %s, n=%d)", seconds(g.ScheduleLagP99), seconds(lagLimit), g.ScheduleLagSamples),
			g.ScheduleLagP99 > lagLimit && (g.ScheduleLagSamples == 0 || g.ScheduleLagSamples >= reporters.GeneratorMinScheduleLagSamples)})
	}
	rows = append(rows, row{"samples", count(g.Samples), false})
	return &generator{Rows: rows, Healthy: g.Healthy(), Reasons: g.Reasons}
}

// metricRow is one metric's aggregates, rendered.
type metricRow struct {
	Name, Unit                        string
	N                                 int
	Average, P50, P90, P99, P999, Max string
	Min                               string
}

func metricRows(run *reporters.Run) ([]metricRow, string) {
	var rows []metricRow
	for i := range run.Metrics {
		m := &run.Metrics[i]
		f := sig3
		unit := m.Unit
		if m.Unit == reporters.UnitSeconds {
			f, unit = seconds, ""
		}
		r := metricRow{Name: m.Name, Unit: unit, N: m.N}
		if m.N > 0 {
			r.Average, r.Min, r.P50, r.P90, r.P99, r.P999, r.Max = f(m.Average), f(m.Min), f(m.P50), f(m.P90), f(m.P99), f(m.P999), f(m.Max)
		} else {
			r.Average, r.Min, r.P50, r.P90, r.P99, r.P999, r.Max = "–", "–", "–", "–", "–", "–", "–"
		}
		rows = append(rows, r)
	}
	exact := true
	for i := range run.Metrics {
		if m := &run.Metrics[i]; m.N > 0 && !m.Exact {
			exact = false
		}
	}
	text := "Percentiles are exact, computed from every sample."
	if !exact {
		text = fmt.Sprintf("Percentiles are read from the histograms, within %s of the exact ones.", percent(run.RelativeError))
	}
	return rows, text
}
