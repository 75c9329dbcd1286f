// Package html renders the run model as one self-contained HTML page with
// charts: report.html ([FileName]) in every run, sweep and heatmap folder,
// and `llmtest report DIR --html FILE` for any saved run.
//
// [HTML] renders a [reporters.Run]: the run's summary and its SLO checks
// (pass or fail), the load generator's self-check, the aggregates of every
// metric, the latency distributions — a histogram and a CDF each for
// TTFT, TTLT, TPOT and ITL — and the figures over time of the per-second
// series: requests started, completed and failed per second, output tokens
// per second, requests in flight, the TTFT p50 and p99, and the errors.
// Three sections appear only when the run has what they show: the cost of
// a priced run ([reporters.Cost]: each dimension's price, billed quantity
// and total, cost_total, and the p50, p90 and p99 of a request's cost);
// the client-side phases of a traced run ([reporters.Connections] and the
// time_to_first_byte and connect_time metrics: connections new and
// reused, the time to first byte next to the time to first token, and
// the TTFB's histogram and CDF); and the server's own metrics next to the
// client's figures ([reporters.ServerMetrics.Comparison]), with the
// scrapes' warnings in the failure colour.
// [WriteSweep] renders a [reporters.Sweep]: its levels, latency and
// goodput against throughput and throughput against load, with the
// saturation point (the knee) marked. [WriteHeatmap] renders a
// [reporters.Heatmap]: the TTFT, TTLT and TPOT p50 of each cell as
// coloured tables.
//
// # Charts
//
// The charts are drawn in Go with gonum.org/v1/plot to SVG and inlined;
// the style is inline CSS. The page has no script and refers to no file
// and no network: it opens offline, from a file:// URL, in any browser
// (the SVG text names Liberation Sans and falls back to the browser's
// sans-serif; no font is fetched). Axes are labelled with their units,
// each chart has a legend and a caption, and everything that failed —
// failed requests, errors, failed checks, a saturated generator, an
// interrupted run, server-metrics warnings, heatmap cells with failures —
// is drawn or written in
// one red (#c62828).
//
// The distributions are drawn from each metric's mergeable histogram
// ([reporters.Metric.Histogram], HdrHistogram): a histogram of 40 bars of
// equal width from the minimum to the p99.9 (the last bar also counts the
// values above the p99.9) and the empirical CDF of its buckets (within
// the histogram's 0.1%), with p50, p90 and p99 marked.
// So they are drawn alike for a run that kept its samples, a low-memory
// run and a merged one. A metric without a histogram (a version-1
// document) or without samples has no chart, and a run without a series
// none over time; the page says so.
//
// # How report.html reaches the folders
//
// Package llmtest writes the run folders, and must stay light: importing
// it pulls in no plotting library (deps_test.go at the repository root
// checks that neither llmtest nor reporters depends on gonum). So this
// package registers itself, in its init function, as a
// [reporters.FolderReport] named report.html; llmtest's Result.Save and
// SweepResult.Save write every registered report into the folder. The
// llmtest command imports this package, so every run, sweep level and
// sweep folder it writes has report.html, and it writes the heatmap's
// page itself. A Go test gets report.html in its run folders by importing
// the package for its side effect:
//
//	import _ "github.com/llmtest/llmtest/reporters/html"
package html
