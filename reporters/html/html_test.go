package html

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xhtml "golang.org/x/net/html"

	"github.com/llmtest/llmtest/reporters"
)

// runCharts are the charts of fixtureRun's page, in order.
var runCharts = []string{
	"ttft-histogram", "ttft-cdf", "ttlt-histogram", "ttlt-cdf", "tpot-histogram", "tpot-cdf", "itl-histogram", "itl-cdf",
	"requests-over-time", "tokens-over-time", "inflight-over-time", "ttft-over-time", "errors-over-time",
}

// parse parses a page, failing the test on an error.
func parse(t *testing.T, b []byte) *xhtml.Node {
	t.Helper()
	doc, err := xhtml.Parse(bytes.NewReader(b))
	require.NoError(t, err)
	return doc
}

func renderRun(t *testing.T, run *reporters.Run) ([]byte, *xhtml.Node) {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, New(&b).Write(run))
	return b.Bytes(), parse(t, b.Bytes())
}

// all returns the element nodes under n for which match holds, in
// document order.
func all(n *xhtml.Node, match func(*xhtml.Node) bool) []*xhtml.Node {
	var out []*xhtml.Node
	for d := range n.Descendants() {
		if d.Type == xhtml.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	return out
}

func tag(name string) func(*xhtml.Node) bool {
	return func(n *xhtml.Node) bool { return n.Data == name }
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *xhtml.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func text(n *xhtml.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == xhtml.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

func byID(doc *xhtml.Node, id string) *xhtml.Node {
	ns := all(doc, func(n *xhtml.Node) bool { return attr(n, "id") == id })
	if len(ns) == 0 {
		return nil
	}
	return ns[0]
}

// chartIDs returns the data-chart of every figure, checking that each
// holds one SVG chart and a caption.
func chartIDs(t *testing.T, doc *xhtml.Node) []string {
	t.Helper()
	var ids []string
	for _, f := range all(doc, tag("figure")) {
		id := attr(f, "data-chart")
		ids = append(ids, id)
		assert.Len(t, all(f, tag("svg")), 1, "figure %s holds one svg", id)
		caps := all(f, tag("figcaption"))
		if assert.Len(t, caps, 1, "figure %s has a caption", id) {
			assert.NotEmpty(t, strings.TrimSpace(text(caps[0])))
		}
	}
	return ids
}

func TestRunPageHasEverySectionAndChart(t *testing.T) {
	b, doc := renderRun(t, fixtureRun())
	assert.True(t, bytes.HasPrefix(b, []byte("<!DOCTYPE html>")))
	titles := all(doc, tag("title"))
	require.Len(t, titles, 1)
	assert.Equal(t, "llmtest run fixture", text(titles[0]))
	for _, id := range []string{"summary", "checks", "generator", "metrics", "distributions", "over-time", "errors"} {
		assert.NotNil(t, byID(doc, id), "section %s", id)
	}
	assert.Equal(t, runCharts, chartIDs(t, doc))

	// Every string from the run is text, never markup.
	assert.Empty(t, all(doc, tag("b")), "the description's <b> is escaped")
	assert.Contains(t, text(doc), "a <b>run</b> & its figures")
	assert.Contains(t, text(byID(doc, "errors")), "HTTP 500: <overloaded>")

	// The charts say what they show: units on the axes, legends.
	svg := string(b)
	for _, label := range []string{"ttft (ms)", "ttlt (ms)", "tpot (ms)", "itl (ms)", "requests at or below (%)",
		"chunk gaps at or below (%)", "time since the first request (s)", "requests/s", "output tokens/s", "p50, p90, p99", "started", "completed"} {
		assert.Contains(t, svg, ">"+label+"<", "axis label or legend %q", label)
	}

	// The metrics table has one row per metric, and the summary the counts.
	rows := all(byID(doc, "metrics"), tag("tr"))
	assert.Len(t, rows, 1+5)
	assert.Contains(t, text(byID(doc, "summary")), "12 (6%)")
	assert.Contains(t, text(byID(doc, "metrics")), "Percentiles are exact")
}

// TestRunPageIsSelfContained checks that nothing in the page is fetched:
// no script, stylesheet link, image, frame or object; no attribute that
// names another resource; no CSS url() or @import.
func TestRunPageIsSelfContained(t *testing.T) {
	for name, render := range map[string]func() []byte{
		"run": func() []byte { b, _ := renderRun(t, fixtureRun()); return b },
		"sweep": func() []byte {
			var b bytes.Buffer
			require.NoError(t, WriteSweep(&b, fixtureSweep()))
			return b.Bytes()
		},
		"heatmap": func() []byte {
			var b bytes.Buffer
			require.NoError(t, WriteHeatmap(&b, fixtureHeatmap()))
			return b.Bytes()
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := render()
			doc := parse(t, b)
			for _, el := range []string{"script", "link", "img", "iframe", "object", "embed", "image", "use", "audio", "video", "source", "base"} {
				assert.Empty(t, all(doc, tag(el)), "no <%s>", el)
			}
			for _, n := range all(doc, func(*xhtml.Node) bool { return true }) {
				for _, a := range n.Attr {
					k := strings.ToLower(a.Key)
					if k == "src" || k == "href" || k == "srcset" || k == "action" || k == "poster" || strings.HasPrefix(k, "on") {
						assert.Failf(t, "an attribute names a resource or a script", "<%s %s=%q>", n.Data, a.Key, a.Val)
					}
				}
			}
			for _, st := range all(doc, tag("style")) {
				css := text(st)
				assert.NotContains(t, css, "url(")
				assert.NotContains(t, css, "@import")
			}
			assert.NotContains(t, string(b), "<?xml", "the SVGs are inlined without their prolog")
		})
	}
}

func TestFailuresShowInTheFailureColour(t *testing.T) {
	b, doc := renderRun(t, fixtureRun())
	css := text(all(doc, tag("style"))[0])
	assert.Contains(t, css, "--fail: "+failureHex)
	assert.Contains(t, css, ".fail { color: var(--fail)")

	h1 := all(doc, tag("h1"))[0]
	marks := all(h1, func(n *xhtml.Node) bool { return hasClass(n, "mark") })
	require.Len(t, marks, 1)
	assert.True(t, hasClass(marks[0], "fail"))
	assert.Equal(t, "FAIL", text(marks[0]))

	checks := all(byID(doc, "checks"), tag("tr"))[1:]
	require.Len(t, checks, 2)
	assert.True(t, hasClass(checks[0], "pass"), "the passing check")
	assert.True(t, hasClass(checks[1], "fail"), "the failing check is in the failure colour")
	assert.Contains(t, text(checks[1]), "error_rate = 6.00%, want < 1% (n=200)")

	failedRow := all(byID(doc, "summary"), func(n *xhtml.Node) bool { return n.Data == "tr" && strings.HasPrefix(text(n), "failed") })
	require.Len(t, failedRow, 1)
	assert.True(t, hasClass(failedRow[0], "fail"))
	for _, r := range all(byID(doc, "errors"), tag("tr"))[1:] {
		assert.True(t, hasClass(r, "fail"), "error row %q", text(r))
	}

	// In the charts, the failed requests are drawn in the failure colour.
	for _, f := range all(doc, tag("figure")) {
		id := attr(f, "data-chart")
		if id != "requests-over-time" && id != "errors-over-time" {
			continue
		}
		var svg bytes.Buffer
		require.NoError(t, xhtml.Render(&svg, all(f, tag("svg"))[0]))
		assert.Contains(t, strings.ToLower(svg.String()), "stroke:"+failureHex, "%s draws the failures in red", id)
	}
	assert.Contains(t, string(b), ">failed<", "the legend names them")

	// A run without failures shows nothing in the failure colour.
	ok := fixtureRun()
	ok.Counts.Failed, ok.Errors = 0, nil
	ok.Checks = ok.Checks[:1]
	for i := range ok.Series {
		ok.Series[i].Failed = 0
	}
	_, doc = renderRun(t, ok)
	assert.Empty(t, all(doc, func(n *xhtml.Node) bool { return hasClass(n, "fail") }), "no element is marked failed")
	assert.Equal(t, "PASS", text(all(doc, func(n *xhtml.Node) bool { return hasClass(n, "mark") })[0]))
}

func TestSaturatedGeneratorAndInterruptionAreFailures(t *testing.T) {
	run := fixtureRun()
	run.Interrupted = true
	run.Generator = &reporters.Generator{CPU: 0.95, PeakCPU: 1, GOMAXPROCS: 2, SchedLatencyP99: 0.05, Samples: 3}
	run.Generator.Assess()
	require.True(t, run.Generator.Saturated)
	_, doc := renderRun(t, run)
	gen := byID(doc, "generator")
	assert.Contains(t, text(gen), "Saturated")
	reasons := all(gen, tag("li"))
	require.Len(t, reasons, len(run.Generator.Reasons))
	for i, li := range reasons {
		assert.True(t, hasClass(li, "fail"))
		assert.Equal(t, run.Generator.Reasons[i], text(li))
	}
	notes := all(all(doc, tag("header"))[0], func(n *xhtml.Node) bool { return n.Data == "p" && hasClass(n, "fail") })
	assert.Len(t, notes, 2, "the interruption and the saturated generator are noted under the heading")
}

// TestDistributionsComeFromTheHistograms checks that a run whose
// percentiles come from its histograms (low-memory, merged) draws the same
// charts, and says so, and that a run without histograms or series (a
// version-1 document) draws none and says why.
func TestDistributionsComeFromTheHistograms(t *testing.T) {
	run := fixtureRun()
	for i := range run.Metrics {
		run.Metrics[i].Exact = false
	}
	run.Config.LowMemory = true
	_, doc := renderRun(t, run)
	assert.Equal(t, runCharts, chartIDs(t, doc))
	assert.Contains(t, text(byID(doc, "metrics")), "read from the histograms, within 0.1%")

	old := fixtureRun()
	for i := range old.Metrics {
		old.Metrics[i].Histogram = nil
	}
	old.Series, old.Generator = nil, nil
	_, doc = renderRun(t, old)
	assert.Empty(t, chartIDs(t, doc))
	assert.Contains(t, text(byID(doc, "distributions")), "No successful request had a latency to draw")
	assert.Contains(t, text(byID(doc, "over-time")), "no time series")
	assert.Contains(t, text(byID(doc, "generator")), "no self-check")
}

func TestHistogramBinsHoldEverySample(t *testing.T) {
	run := fixtureRun()
	for _, name := range []string{"time_to_first_token", "inter_token_latency"} {
		m := run.Metric(name)
		bins, above := histogramBins(m, slices.Collect(m.Histogram.All()))
		require.Len(t, bins, histogramBars)
		total := 0.0
		for i, b := range bins {
			total += b.Weight
			assert.Greater(t, b.Max, b.Min)
			if i > 0 {
				assert.InDelta(t, bins[i-1].Max, b.Min, 1e-6, "the bars are contiguous")
			}
		}
		assert.Equal(t, float64(m.N), total, "%s: every sample is in a bar", name)
		assert.InDelta(t, m.Min*1e9, bins[0].Min, 1, "from the minimum")
		assert.InDelta(t, m.P999*1e9, bins[len(bins)-1].Max, 1, "to the p99.9")
		assert.LessOrEqual(t, above, int64(m.N)/1000+1, "about 0.1% lie above the p99.9")
	}

	// One value: one bar holds it.
	one := metricOf("time_to_first_token", []float64{0.25}, true)
	bins, _ := histogramBins(&one, slices.Collect(one.Histogram.All()))
	total := 0.0
	for _, b := range bins {
		total += b.Weight
	}
	assert.Equal(t, 1.0, total)
}

func TestCDFPointsRiseToEverySample(t *testing.T) {
	m := fixtureRun().Metric("inter_token_latency")
	buckets := slices.Collect(m.Histogram.All())
	require.Greater(t, len(buckets), 500, "the fixture's ITL spreads over many buckets")
	xs, ys := cdfPoints(buckets, m.Histogram.Count())
	require.Equal(t, len(xs), len(ys))
	assert.Equal(t, 0.0, ys[0])
	assert.Equal(t, 100.0, ys[len(ys)-1], "the CDF ends at every sample")
	assert.Equal(t, float64(buckets[len(buckets)-1].Hi), xs[len(xs)-1], "at the highest value")
	assert.InDelta(t, m.Min*1e9, xs[0], m.Min*1e9*reporters.RelativeError)
	assert.True(t, slices.IsSorted(xs) && slices.IsSorted(ys), "both rise")
	above99 := 0
	for _, b := range buckets {
		if float64(b.Below+b.Count) >= 0.99*float64(m.N) {
			above99++
		}
	}
	assert.LessOrEqual(t, len(xs), 1+int(99/cdfStep)+above99+1, "thinned below p99")
	// The p50 mark lies on the drawn CDF: the first point at or above 50%
	// is within one bucket of the metric's p50.
	i := slices.IndexFunc(ys, func(y float64) bool { return y >= 50 })
	assert.InEpsilon(t, m.P50*1e9, xs[i], 0.01)

	none, _ := cdfPoints(nil, 0)
	assert.Empty(t, none)
}

func TestSweepPage(t *testing.T) {
	s := fixtureSweep()
	require.NotNil(t, s.Saturation)
	require.Equal(t, 2, *s.Saturation, "the fixture saturates at 4 clients")
	var b bytes.Buffer
	require.NoError(t, WriteSweep(&b, s))
	doc := parse(t, b.Bytes())
	assert.Equal(t, []string{"sweep-latency", "sweep-goodput", "sweep-throughput"}, chartIDs(t, doc))
	rows := all(byID(doc, "levels"), tag("tr"))[1:]
	require.Len(t, rows, 4)
	for i, r := range rows {
		assert.Equal(t, i == 2, hasClass(r, "knee"), "row %d", i)
	}
	assert.Contains(t, text(rows[2]), "◀ knee")
	assert.Contains(t, text(byID(doc, "levels")), "Saturation point (knee): 4 clients")
	assert.Equal(t, 3, strings.Count(b.String(), ">saturation (knee): 4 clients<"), "each curve marks the knee in its legend")
	assert.Contains(t, b.String(), ">goodput (good requests)<")
	assert.Contains(t, b.String(), ">latency (ms)<")
	assert.Contains(t, b.String(), ">throughput (output tokens/s)<")
	errCells := all(rows[3], func(n *xhtml.Node) bool { return n.Data == "td" && hasClass(n, "fail") })
	assert.Len(t, errCells, 1, "the level with failures shows its error rate in red")
	check := all(byID(doc, "checks"), tag("tr"))[1:]
	require.Len(t, check, 1)
	assert.True(t, hasClass(check[0], "fail"))

	// Without a saturation point, no knee.
	s.Levels = s.Levels[:2]
	s.Locate()
	b.Reset()
	require.NoError(t, WriteSweep(&b, s))
	assert.NotContains(t, b.String(), "saturation (knee)")
	assert.Contains(t, b.String(), "Saturation: not reached up to 2 clients.")
}

func TestHeatmapPage(t *testing.T) {
	h := fixtureHeatmap()
	var b bytes.Buffer
	require.NoError(t, WriteHeatmap(&b, h))
	doc := parse(t, b.Bytes())
	tables := all(doc, func(n *xhtml.Node) bool { return attr(n, "data-heatmap") != "" })
	require.Len(t, tables, 3)
	assert.Equal(t, "heatmap-ttft", attr(tables[0], "data-heatmap"))
	ttlt := tables[1]
	cells := all(ttlt, tag("td"))
	require.Len(t, cells, 6)
	assert.True(t, hasClass(cells[3], "empty"))
	assert.Equal(t, "—4 failed", text(cells[3]), "a cell without a successful request")
	assert.True(t, hasClass(cells[5], "failed"))
	assert.Contains(t, text(cells[5]), "1 failed")
	assert.NotEmpty(t, all(cells[5], func(n *xhtml.Node) bool { return n.Data == "small" && hasClass(n, "fail") }))
	// TTLT grows with the output: the first cell is the fastest, the last
	// the slowest.
	assert.Contains(t, attr(cells[0], "style"), "#e3f2fd")
	assert.Contains(t, attr(cells[5], "style"), "#0d47a1")
	assert.Equal(t, "170ms", text(cells[0]), "10 input tokens, 16 output: 10·1ms + 16·10ms")
	assert.Equal(t, "FAIL", text(all(doc, func(n *xhtml.Node) bool { return hasClass(n, "mark") })[0]))

	bad := fixtureHeatmap()
	bad.Cells = bad.Cells[:5]
	assert.ErrorContains(t, WriteHeatmap(&bytes.Buffer{}, bad), "5 cells for 2 input and 3 output lengths")
}

func TestNilModels(t *testing.T) {
	assert.True(t, errors.Is(New(&bytes.Buffer{}).Write(nil), reporters.ErrNilRun))
	assert.True(t, errors.Is(WriteSweep(&bytes.Buffer{}, nil), reporters.ErrNilSweep))
	assert.Error(t, WriteHeatmap(&bytes.Buffer{}, nil))
}

func TestEmptyRun(t *testing.T) {
	_, doc := renderRun(t, &reporters.Run{})
	assert.Empty(t, chartIDs(t, doc))
	assert.Contains(t, text(all(doc, tag("h1"))[0]), "unnamed run")
}

func TestImportingThePackageRegistersReportHTML(t *testing.T) {
	var found *reporters.FolderReport
	for _, f := range reporters.FolderReports() {
		if f.Name == FileName {
			found = &f
		}
	}
	require.NotNil(t, found, "report.html is registered")
	assert.NotNil(t, found.Run)
	assert.NotNil(t, found.Sweep)
	assert.NotNil(t, found.Heatmap)
	var b bytes.Buffer
	require.NoError(t, found.Run(&b, fixtureRun()))
	assert.Equal(t, runCharts, chartIDs(t, parse(t, b.Bytes())))
}

// BenchmarkWrite renders the page of fixtureRun (13 charts, an ITL
// histogram of 5,000 gaps).
func BenchmarkWrite(b *testing.B) {
	run := fixtureRun()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := New(&buf).Write(run); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "page-bytes")
}

// TestDegenerateModels renders models at the edges — one window, one
// level, levels without a success, a grid without one — without an error
// or a panic.
func TestDegenerateModels(t *testing.T) {
	run := fixtureRun()
	run.Series = run.Series[:1]
	run.Metrics[0] = metricOf("time_to_first_token", []float64{0.1, 0.1, 0.1}, true)
	run.Config = reporters.Config{Rate: 5, MaxInFlight: 10, Requests: 50}
	_, doc := renderRun(t, run)
	assert.Equal(t, runCharts, chartIDs(t, doc))
	assert.Contains(t, text(byID(doc, "summary")), "open loop, 5 requests/s, at most 10 in flight, 50 requests")

	for name, levels := range map[string][]reporters.SweepLevel{
		"one level":  {{Level: 1, Requests: 3, AchievedRate: 1, Throughput: 10, TTLTP50: 0.1}},
		"no success": {{Level: 1, Requests: 3, Failed: 3, ErrorRate: 1}, {Level: 2, Requests: 6, Failed: 6, ErrorRate: 1}},
		"no levels":  nil,
	} {
		s := &reporters.Sweep{Name: name, Kind: reporters.SweepRate, Levels: levels}
		s.Locate()
		var b bytes.Buffer
		require.NoError(t, WriteSweep(&b, s), name)
		assert.Contains(t, b.String(), "</html>", name)
	}

	h := fixtureHeatmap()
	for i := range h.Cells {
		h.Cells[i].Succeeded = 0
	}
	var b bytes.Buffer
	require.NoError(t, WriteHeatmap(&b, h))
	assert.Equal(t, 3*6, strings.Count(b.String(), `class="empty failed"`))
}
