package html

import "github.com/llmtest/llmtest/reporters"

// serverTable is what the server's own metrics said of a run, next to
// the client's figures, and the warnings of their scrapes.
type serverTable struct {
	Source   string // which server's metrics, from which URL
	Rows     []serverRow
	Warnings []string
}

// serverRow is one row of [reporters.ServerMetrics.Comparison].
type serverRow struct {
	Figure, Server, Client, Metric string
}

// serverOf returns the server's figures of run, nil when they were not
// scraped.
func serverOf(run *reporters.Run) *serverTable {
	m := run.ServerMetrics
	if m == nil {
		return nil
	}
	server := m.Server
	if server == "" {
		server = "an unknown server"
	}
	t := &serverTable{Source: "Scraped from " + clean(m.URL) + " (" + clean(server) + ") before and after the run. The server counts everything it served in between, warm-up, failed requests and other clients' included; the client counts its measured requests (tokens: its successful ones)."}
	for _, w := range m.Warnings {
		t.Warnings = append(t.Warnings, clean(w))
	}
	for _, f := range m.Comparison(run) {
		t.Rows = append(t.Rows, serverRow{Figure: f.Figure, Server: f.ServerText(), Client: f.ClientText(), Metric: clean(f.Metric)})
	}
	return t
}
