package reporters

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// ServerMetrics is what the server's own Prometheus metrics said of a run:
// the change of its counters and histograms between a scrape of its
// /metrics taken just before the run and one taken just after, and its
// gauges at each scrape. The deltas cover everything the server served
// in between, warm-up requests, failures and other clients' traffic
// included, while the run's own counts cover its measured requests only;
// [ServerMetrics.Comparison] puts the two side by side.
type ServerMetrics struct {
	// URL is the scraped URL, without user info or query (which may hold
	// credentials).
	URL string `json:"url"`
	// Server names the server whose metrics were found: ServerVLLM,
	// ServerLlamaCpp, or "" when neither's were.
	Server string `json:"server,omitempty"`
	// Before and After are when the two scrapes were answered (UTC); zero
	// for a scrape that failed.
	Before time.Time `json:"before"`
	After  time.Time `json:"after"`
	// Series holds one entry per metric family of a known server (the
	// "vllm:" and "llamacpp:" names), in the order of the scrape, each
	// summed over its label sets (models, finish reasons, engines). Empty
	// when a scrape failed.
	Series []ServerSeries `json:"series"`
	// Warnings describe what went wrong, each naming the URL: a scrape
	// that failed, a counter that went backwards (the server restarted).
	// A warning never fails the run.
	Warnings []string `json:"warnings,omitempty"`
}

// The servers ServerMetrics knows, by the prefix of their metric names.
const (
	ServerVLLM     = "vllm"     // vLLM: "vllm:…"
	ServerLlamaCpp = "llamacpp" // llama.cpp's server: "llamacpp:…"
)

// Types of a [ServerSeries], as Prometheus names them.
const (
	SeriesCounter   = "counter"
	SeriesGauge     = "gauge"
	SeriesHistogram = "histogram"
	SeriesSummary   = "summary"
)

// ServerSeries is one metric family of the server, summed over its label
// sets.
type ServerSeries struct {
	// Name is the family's name, such as "vllm:prompt_tokens_total".
	Name string `json:"name"`
	// Type is SeriesCounter, SeriesGauge, SeriesHistogram or
	// SeriesSummary.
	Type string `json:"type"`
	// Before and After are the values at the two scrapes: a counter's or
	// gauge's value, a histogram's or summary's sum of observations.
	Before float64 `json:"before"`
	After  float64 `json:"after"`
	// Delta is After − Before for a counter, histogram or summary (After
	// alone when the counter went backwards: the server restarted during
	// the run); zero for a gauge.
	Delta float64 `json:"delta"`
	// Count is the change of a histogram's or summary's number of
	// observations; zero for counters and gauges.
	Count float64 `json:"count,omitempty"`
}

// Mean returns a histogram's or summary's mean observation over the run,
// Delta / Count, and false when it observed nothing.
func (s *ServerSeries) Mean() (float64, bool) {
	if s.Count <= 0 {
		return 0, false
	}
	return s.Delta / s.Count, true
}

// Get returns the family of that name, or nil.
func (m *ServerMetrics) Get(name string) *ServerSeries {
	if m == nil {
		return nil
	}
	for i := range m.Series {
		if m.Series[i].Name == name {
			return &m.Series[i]
		}
	}
	return nil
}

// ServerFigure is one row of [ServerMetrics.Comparison]: a figure the
// server reported over the run next to the client's own, when it has one.
type ServerFigure struct {
	// Figure names what is compared, such as "input tokens".
	Figure string
	// Metric is the server's metric family it was read from.
	Metric string
	// Unit is UnitSeconds for a mean duration, "" for a count or a
	// token total.
	Unit string
	// Server is the server's figure: a counter's delta, a histogram's
	// mean observation.
	Server float64
	// Client is the run's own figure; HasClient is false when the run has
	// none to compare (the server's queue time).
	Client    float64
	HasClient bool
}

// serverFigures are the figures Comparison shows, in order: for each, the
// server families it can be read from (the first found is used), whether
// it is a histogram's mean, and the run's own figure.
var serverFigures = []struct {
	figure   string
	families []string
	mean     bool
	client   func(r *Run) (float64, bool)
}{
	{"requests", []string{"vllm:request_success_total"}, false,
		func(r *Run) (float64, bool) { return float64(r.Counts.Total), true }},
	{"input tokens", []string{"vllm:prompt_tokens_total", "llamacpp:prompt_tokens_total"}, false,
		func(r *Run) (float64, bool) { return float64(r.Tokens.Input), true }},
	{"output tokens", []string{"vllm:generation_tokens_total", "llamacpp:tokens_predicted_total"}, false,
		func(r *Run) (float64, bool) { return float64(r.Tokens.Output), true }},
	{"queue time (mean)", []string{"vllm:request_queue_time_seconds"}, true, nil},
	{"prefill time (mean)", []string{"vllm:request_prefill_time_seconds"}, true, nil},
	{"decode time (mean)", []string{"vllm:request_decode_time_seconds"}, true, nil},
	{"ttft (mean)", []string{"vllm:time_to_first_token_seconds"}, true,
		func(r *Run) (float64, bool) { return aggregate(r, metricTTFT, "average") }},
	{"e2e latency (mean)", []string{"vllm:e2e_request_latency_seconds"}, true,
		func(r *Run) (float64, bool) { return aggregate(r, metricTTLT, "average") }},
	{"prompt processing time", []string{"llamacpp:prompt_seconds_total"}, false, nil},
	{"generation time", []string{"llamacpp:tokens_predicted_seconds_total"}, false, nil},
}

// Comparison returns the server's figures that it reported, each next to
// the run's own when it has one: requests (vLLM's request_success_total,
// over every finish reason, against the requests the run sent), input and
// output tokens (against the run's, which count its successful requests
// only), and the mean queue, prefill, decode, first-token and end-to-end
// times of vLLM's histograms (the last two against the run's TTFT and
// TTLT averages); llama.cpp's prompt and generation times. A
// figure whose metric the server did not serve, or a mean over no
// observations, is left out. Nil for nil m.
func (m *ServerMetrics) Comparison(r *Run) []ServerFigure {
	if m == nil {
		return nil
	}
	var out []ServerFigure
	for _, f := range serverFigures {
		var s *ServerSeries
		for _, name := range f.families {
			if s = m.Get(name); s != nil {
				break
			}
		}
		if s == nil {
			continue
		}
		row := ServerFigure{Figure: f.figure, Metric: s.Name, Server: s.Delta}
		if f.mean {
			v, ok := s.Mean()
			if !ok {
				continue
			}
			row.Server, row.Unit = v, UnitSeconds
		} else if strings.HasSuffix(s.Name, "_seconds_total") {
			row.Unit = UnitSeconds
		}
		if f.client != nil && r != nil {
			row.Client, row.HasClient = f.client(r)
		}
		out = append(out, row)
	}
	return out
}

// ServerText returns the server's figure for people: a duration as
// "12.3ms", a count as "140".
func (f ServerFigure) ServerText() string { return f.format(f.Server) }

// ClientText returns the client's figure for people, "-" when there is
// none.
func (f ServerFigure) ClientText() string {
	if !f.HasClient {
		return "-"
	}
	return f.format(f.Client)
}

func (f ServerFigure) format(v float64) string {
	if f.Unit == UnitSeconds {
		return formatSeconds(v)
	}
	return formatTokens(v)
}

// Title returns the heading of the server's metrics for people: "server
// metrics (vllm, http://host:8000/metrics)".
func (m *ServerMetrics) Title() string {
	server := m.Server
	if server == "" {
		server = "unknown server"
	}
	return "server metrics (" + server + ", " + oneLine(m.URL) + ")"
}

// WriteText writes the server's figures next to run's for people: a
// heading (see Title), a table of Comparison's rows with the server
// metric each was read from, and one line per warning. It writes nothing
// for nil m.
func (m *ServerMetrics) WriteText(w io.Writer, run *Run) error {
	if m == nil {
		return nil
	}
	var b strings.Builder
	b.WriteString(m.Title() + ":\n")
	if rows := m.Comparison(run); len(rows) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  figure\tserver\tclient\tserver metric")
		for _, f := range rows {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", f.Figure, f.ServerText(), f.ClientText(), oneLine(f.Metric))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, s := range m.Warnings {
		b.WriteString("  warning: " + oneLine(s) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeServerMetrics writes the Markdown section of the server's figures:
// a table like WriteText's, then its warnings.
func writeServerMetrics(b *strings.Builder, run *Run) {
	m := run.ServerMetrics
	if m == nil {
		return
	}
	b.WriteString(mdText(strings.ToUpper(m.Title()[:1])+m.Title()[1:]) + "\n\n")
	if rows := m.Comparison(run); len(rows) > 0 {
		writeRow(b, []string{"figure", "server", "client", "server metric"})
		writeRow(b, []string{"---", "---:", "---:", "---"})
		for _, f := range rows {
			writeRow(b, []string{mdText(f.Figure), f.ServerText(), f.ClientText(), mdCode(f.Metric, true)})
		}
		b.WriteByte('\n')
	}
	for _, s := range m.Warnings {
		b.WriteString("⚠️ " + mdText(s) + "\n\n")
	}
}
