package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/export/otlp"
	"github.com/llmtest/llmtest/export/prom"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
	"github.com/llmtest/llmtest/servermetrics"
)

// Metric export and server metrics: --prometheus FILE writes the run in
// the Prometheus text format (a report, among --junit, --json and --md);
// --otlp-endpoint URL sends it over OTLP/HTTP, with the --otlp-header
// headers, when the reports are written (after the checks); and, for
// `llmtest run` only, --server-metrics URL scrapes the server's /metrics
// before and after the run.

// exportFlags are the flags that export a run's metrics, shared by `llmtest
// run`, `llmtest merge` and `llmtest report`.
type exportFlags struct {
	prometheus   string
	otlpEndpoint string
	otlpHeaders  headerList
}

// headerList is a repeatable NAME=VALUE flag whose values are secrets:
// Set never fails (pflag would quote the value in its error), String
// shows the names only, and check reports a malformed entry by its
// position.
type headerList []string

func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }
func (h *headerList) Type() string       { return "stringArray" }
func (h *headerList) String() string {
	names := make([]string, len(*h))
	for i, kv := range *h {
		name, _, _ := strings.Cut(kv, "=")
		names[i] = name + "=…"
	}
	return strings.Join(names, ", ")
}

func (e *exportFlags) register(reports *pflag.FlagSet) {
	reports.StringVar(&e.prometheus, "prometheus", "", "write the run's metrics in the Prometheus text format to this file (-: standard output), for node_exporter's textfile collector or a Pushgateway; replaced whole, never half-written")
	reports.StringVar(&e.otlpEndpoint, "otlp-endpoint", "", "send the run's metrics over OTLP/HTTP to this receiver, such as http://localhost:4318 (/v1/metrics is appended to a URL without a path); the OTEL_EXPORTER_OTLP_* variables apply too")
	reports.Var(&e.otlpHeaders, "otlp-header", "a header NAME=VALUE sent with the OTLP export, such as 'Authorization=Bearer $TOKEN' (repeatable); values are never shown")
}

// check checks the export flags before anything starts.
func (e *exportFlags) check() error {
	if e.otlpEndpoint != "" {
		if _, err := otlp.ParseEndpoint(e.otlpEndpoint); err != nil {
			return usageErrorf("--otlp-endpoint: %s", strings.TrimPrefix(err.Error(), "otlp: "))
		}
	} else if len(e.otlpHeaders) > 0 {
		return usageErrorf("--otlp-header applies to --otlp-endpoint, which is not given")
	}
	_, err := e.headers()
	return err
}

// headers returns --otlp-header as a map. An error names the entry by its
// position and its name, never its value.
func (e *exportFlags) headers() (map[string]string, error) {
	if len(e.otlpHeaders) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(e.otlpHeaders))
	for i, kv := range e.otlpHeaders {
		name, value, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t:") {
			return nil, usageErrorf("--otlp-header #%d: want NAME=VALUE, such as Authorization=Bearer… (the value is not shown)", i+1)
		}
		m[name] = value
	}
	return m, nil
}

// exportOTLP sends run to --otlp-endpoint, when it is given. It blocks
// until the receiver answers, at most otlp.DefaultTimeout.
func (e *exportFlags) exportOTLP(run *reporters.Run) error {
	if e.otlpEndpoint == "" {
		return nil
	}
	h, err := e.headers()
	if err != nil {
		return err
	}
	exp := &otlp.Exporter{Endpoint: e.otlpEndpoint, Headers: h}
	if err := exp.Export(context.Background(), run); err != nil {
		return fmt.Errorf("--otlp-endpoint: %w", err)
	}
	return nil
}

// promReport is the --prometheus report.
func promReport(w io.Writer) reporters.Reporter { return prom.NewWriter(w) }

// serverMetricsURL resolves --server-metrics against the endpoint's base
// URL base: a value that starts with "/" is a path on the endpoint's host
// (the built-in simulator's, without --url), any other must be an http or
// https URL.
func serverMetricsURL(flag, base string) (string, error) {
	if strings.HasPrefix(flag, "/") {
		b, err := url.Parse(base)
		if err != nil || b.Host == "" {
			return "", usageErrorf("--server-metrics %q: a path needs --url (or the built-in simulator)", servermetrics.Redact(flag))
		}
		// The path's query, which may hold a token, stays a query, which
		// servermetrics.Redact leaves out of the messages and the report.
		p, err := url.Parse(flag)
		if err != nil {
			return "", usageErrorf("--server-metrics %q: not a valid path", servermetrics.Redact(flag))
		}
		return (&url.URL{Scheme: b.Scheme, Host: b.Host, Path: p.Path, RawQuery: p.RawQuery}).String(), nil
	}
	u, err := url.Parse(flag)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageErrorf("--server-metrics %q: want an http:// or https:// URL, such as http://localhost:8000/metrics, or a path such as /metrics on the --url host", servermetrics.Redact(flag))
	}
	return flag, nil
}

// serverMetricsCallback returns the callback that scrapes url before and
// after each run, printing its warnings on stderr as they arise.
func serverMetricsCallback(url string, stderr io.Writer) llmtest.Callback {
	return &servermetrics.Callback{URL: url, Warn: func(msg string) {
		fmt.Fprintf(stderr, "llmtest run: warning: %s\n", msg)
	}}
}
