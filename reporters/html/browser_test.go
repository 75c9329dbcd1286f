package html

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/servermetrics"
)

// browserTimeout bounds the browser's work on one page.
const browserTimeout = 60 * time.Second

// chromium returns the path of a Chromium (or Chrome) executable, or skips
// the test when there is none.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on PATH (chromium, chromium-browser, google-chrome, headless-shell): " +
		"install Debian's chromium (apt-get install chromium) to check the HTML report in a real browser; .ci/run does")
	return ""
}

// browser starts one headless Chromium for the test, closed at its end.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1024),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	require.NoError(t, chromedp.Do(bctx), "starting %s", exe)
	return bctx
}

// loaded is what the browser saw of one page.
type loaded struct {
	url      string   // the page's file:// URL
	requests []string // every URL the page requested
	errors   []string // console errors, exceptions and error log entries
	shot     []byte   // a full-page PNG screenshot
	charts   []string // the data-chart of every figure whose SVG has a size
	svgs     int      // the SVG elements in the page
	failRGB  string   // the computed colour of the first .fail element but the heading's mark, "" without one
	sections []string // the id of every section with a size, in order
}

// load opens the file at path in a new tab of the browser and records
// what it requested and logged.
func load(t *testing.T, bctx context.Context, path string) loaded {
	t.Helper()
	tab, cancel := chromedp.NewContext(bctx)
	defer cancel()
	require.NoError(t, chromedp.Do(tab), "opening a tab") // before the timeout: the tab lives as long as tab
	var mu sync.Mutex
	var l loaded
	require.NoError(t, chromedp.Listen(tab, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			l.requests = append(l.requests, ev.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				l.errors = append(l.errors, fmt.Sprintf("console.%s (%d arguments)", ev.Type, len(ev.Args)))
			}
		case *runtime.EventExceptionThrown:
			l.errors = append(l.errors, "exception: "+ev.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				l.errors = append(l.errors, fmt.Sprintf("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	}))
	ctx, cancelT := context.WithTimeout(tab, browserTimeout)
	defer cancelT()
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	u := (&url.URL{Scheme: "file", Path: abs}).String()
	_, err = chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, log.Enable, cdp.Empty{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, runtime.Enable, cdp.Empty{})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("footer"))), "loading %s", u)
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('figure[data-chart]'))
		.filter(f => { const s = f.querySelector('svg'); if (!s) return false; const r = s.getBoundingClientRect(); return r.width > 100 && r.height > 50; })
		.map(f => f.dataset.chart)`))
	require.NoError(t, err)
	svgs, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg').length`))
	require.NoError(t, err)
	failRGB, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const e = document.querySelector('.fail:not(.mark)'); return e ? getComputedStyle(e).color : ''; })()`))
	require.NoError(t, err)
	sections, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('section[id]'))
		.filter(s => s.getBoundingClientRect().height > 20).map(s => s.id)`))
	require.NoError(t, err)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	l.url, l.charts, l.svgs, l.failRGB, l.shot, l.sections = u, charts, svgs, failRGB, shot, sections
	l.requests, l.errors = slices.Clone(l.requests), slices.Clone(l.errors)
	return l
}

// checkOffline checks that the page requested nothing but itself and
// logged no error.
func checkOffline(t *testing.T, l loaded) {
	t.Helper()
	for _, r := range l.requests {
		assert.Equal(t, l.url, r, "the page requests nothing but itself")
	}
	assert.Contains(t, l.requests, l.url, "the browser saw the page's own request (the network events were recorded)")
	assert.Empty(t, l.errors, "no console error")
}

// checkScreenshot checks that shot is a PNG of the page that is not blank:
// of a page's width, and with many colours (text, charts).
func checkScreenshot(t *testing.T, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err, "the screenshot is a PNG")
	b := img.Bounds()
	assert.GreaterOrEqual(t, b.Dx(), 1000)
	assert.Greater(t, b.Dy(), 500)
	colours := map[uint32]int{}
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[(r>>8)<<16|(g>>8)<<8|bl>>8]++
		}
	}
	assert.Greater(t, len(colours), 20, "the screenshot is not blank")
	white := colours[0xffffff]
	total := 0
	for _, n := range colours {
		total += n
	}
	assert.Less(t, white, total*99/100, "the screenshot is not all white")
}

// TestReportInBrowser runs a load test against the in-process simulator
// (some of its requests fail), a sweep, and renders a heatmap; the run and
// sweep folders get report.html through the folder report this package
// registers. Each page is opened in headless Chromium from its file://
// URL: the page must request nothing but itself, log no error, show every
// chart it should have with a size, colour its failures red, and give a
// screenshot that is not blank.
func TestReportInBrowser(t *testing.T) {
	bctx := browser(t)
	out := t.TempDir()
	ep, err := sim.New(sim.Config{Seed: 1, FirstTokenLatency: 2 * time.Millisecond, InterTokenLatency: 200 * time.Microsecond,
		MinOutputTokens: 8, MaxOutputTokens: 16, ErrorRate: 0.15})
	require.NoError(t, err)
	payloads := make([]endpoints.Payload, 8)
	for i := range payloads {
		payloads[i] = endpoints.Payload{"prompt": fmt.Sprintf("tell me about %d", i), "max_tokens": 16}
	}
	r := llmtest.NewRunner(llmtest.Config{Endpoint: ep, Payloads: payloads, OutputPath: out, Progress: llmtest.Progress{Off: true}})
	res, err := r.Run(t.Context(), llmtest.Config{RunName: "browser", Clients: 2, Requests: 20})
	require.NoError(t, err)
	require.Positive(t, res.Run.Counts.Failed, "the simulator failed some requests")
	require.Less(t, res.Run.Counts.Failed, res.Run.Counts.Total)
	require.NoError(t, res.Save()) // after the checks: the page holds them
	runPage := filepath.Join(res.OutputPath, FileName)
	require.FileExists(t, runPage, "the run folder has report.html")

	sw, err := r.Sweep(t.Context(), llmtest.Config{}, llmtest.SweepConfig{Name: "sweep", Levels: llmtest.ClientLevels(1, 2, 4), MinRequestsPerRun: 8})
	require.NoError(t, err)
	sweepPage := filepath.Join(sw.OutputPath, FileName)
	require.FileExists(t, sweepPage, "the sweep folder has report.html")

	heatPage := filepath.Join(out, "heatmap.html")
	var hb bytes.Buffer
	require.NoError(t, WriteHeatmap(&hb, fixtureHeatmap()))
	require.NoError(t, os.WriteFile(heatPage, hb.Bytes(), 0o644))

	// The control: a page that fetches an image from a server of the
	// test and logs an error is caught, so the checks above can fail.
	t.Run("control", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
		t.Cleanup(srv.Close)
		control := filepath.Join(out, "control.html")
		require.NoError(t, os.WriteFile(control, []byte(`<!DOCTYPE html><html><head><title>c</title></head><body>`+
			`<img src="`+srv.URL+`/x.png"><script>console.error("boom")</script><footer></footer></body></html>`), 0o644))
		l := load(t, bctx, control)
		assert.Contains(t, l.requests, srv.URL+"/x.png", "the image request is seen")
		assert.Contains(t, l.errors, "console.error (1 arguments)", "the console error is seen")
	})
	t.Run("run", func(t *testing.T) {
		l := load(t, bctx, runPage)
		checkOffline(t, l)
		checkScreenshot(t, l.shot)
		// A streaming run with an open series has every chart.
		assert.Equal(t, runCharts, l.charts, "every chart is present and drawn")
		assert.Equal(t, len(runCharts), l.svgs, "and no other SVG")
		assert.Equal(t, "rgb(198, 40, 40)", l.failRGB, "failures are red")
		assert.NotContains(t, l.sections, "cost", "an unpriced run has no cost")
		assert.NotContains(t, l.sections, "phases", "an in-process run is not traced")
		assert.NotContains(t, l.sections, "server-metrics")
	})
	t.Run("run over HTTP, priced, with server metrics", func(t *testing.T) {
		l := load(t, bctx, httpRunPage(t, out))
		checkOffline(t, l)
		checkScreenshot(t, l.shot)
		assert.Equal(t, []string{"summary", "checks", "generator", "cost", "metrics", "phases", "server-metrics", "distributions", "over-time", "errors"}, l.sections)
		charts := append([]string{"ttfb-histogram", "ttfb-cdf"}, runCharts...)
		assert.Equal(t, charts, l.charts, "the TTFB's distribution is drawn too")
		assert.Equal(t, len(charts), l.svgs)
	})
	t.Run("sweep", func(t *testing.T) {
		l := load(t, bctx, sweepPage)
		checkOffline(t, l)
		checkScreenshot(t, l.shot)
		assert.Equal(t, []string{"sweep-latency", "sweep-goodput", "sweep-throughput"}, l.charts)
		assert.Equal(t, 3, l.svgs)
	})
	t.Run("sweep level", func(t *testing.T) {
		l := load(t, bctx, filepath.Join(sw.Results[0].OutputPath, FileName))
		checkOffline(t, l)
		assert.Equal(t, runCharts, l.charts)
	})
	t.Run("heatmap", func(t *testing.T) {
		l := load(t, bctx, heatPage)
		checkOffline(t, l)
		checkScreenshot(t, l.shot)
		assert.Zero(t, l.svgs, "the heatmap is a coloured table")
		assert.Equal(t, "rgb(198, 40, 40)", l.failRGB, "the failed cells are red")
	})
}

// httpRunPage runs a small load over HTTP against the simulator, so that
// its requests are traced, priced by a CostModel and with the
// simulator's vLLM metrics scraped, and returns the path of its
// report.html.
func httpRunPage(t *testing.T, out string) string {
	t.Helper()
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Seed: 1, FirstTokenLatency: 2 * time.Millisecond, InterTokenLatency: 200 * time.Microsecond,
		MinOutputTokens: 8, MaxOutputTokens: 16}})
	ep, err := openai.New(openai.Config{BaseURL: s.URL + "/v1", Model: sim.DefaultModel})
	require.NoError(t, err)
	ps := make([]endpoints.Payload, 4)
	for i := range ps {
		ps[i] = endpoints.Payload{"model": sim.DefaultModel, "stream": true, "max_tokens": 16,
			"messages": []any{map[string]any{"role": "user", "content": fmt.Sprintf("tell me about %d", i)}}}
	}
	cost := &llmtest.CostModel{Input: &llmtest.TokenPrice{PerMillion: 0.15}, Output: &llmtest.TokenPrice{PerMillion: 0.6},
		EndpointTime: &llmtest.TimePrice{PerHour: 3.6}}
	res, err := llmtest.NewRunner(llmtest.Config{Endpoint: ep, Payloads: ps, OutputPath: out, Progress: llmtest.Progress{Off: true},
		Callbacks: []llmtest.Callback{cost, &servermetrics.Callback{URL: s.URL + "/metrics"}}}).
		Run(t.Context(), llmtest.Config{RunName: "http", Clients: 2, Requests: 6})
	require.NoError(t, err)
	require.NotNil(t, res.Run.Cost)
	require.NotNil(t, res.Run.ServerMetrics)
	require.Empty(t, res.Run.ServerMetrics.Warnings)
	require.NotNil(t, res.Run.Connections)
	require.Equal(t, 12, res.Run.Connections.Traced)
	require.NoError(t, res.Save())
	return filepath.Join(res.OutputPath, FileName)
}
