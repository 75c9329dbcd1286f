package html

import (
	"fmt"

	"github.com/llmtest/llmtest/reporters"
)

// seriesCharts returns the figures over time of run's per-second series:
// requests started and completed, output tokens, requests in flight, the
// TTFT p50 and p99 (when a window has them) and the errors. A run without
// a series has none. The x axis is the seconds since the first window's
// start.
func seriesCharts(run *reporters.Run) ([]chart, error) {
	ws := run.Series
	if len(ws) == 0 {
		return nil, nil
	}
	n := len(ws)
	t := make([]float64, n)
	col := func(f func(w *reporters.Window) float64) []float64 {
		out := make([]float64, n)
		for i := range ws {
			out[i] = f(&ws[i])
		}
		return out
	}
	t0 := ws[0].Start
	for i := range ws {
		// A window's figures are plotted at its end: the requests that
		// ended by then.
		t[i] = ws[i].Start.Sub(t0).Seconds() + reporters.SeriesInterval.Seconds()
	}
	const x = "time since the first request (s)"
	perSecond := reporters.SeriesInterval.Seconds()
	var out []chart

	p := newPlot("Throughput: requests per second", x, "requests/s")
	if err := addLines(p,
		series{name: "started", color: colorPrimary, xy: points(t, col(func(w *reporters.Window) float64 { return float64(w.Started) / perSecond }))},
		series{name: "completed", color: colorSecond, xy: points(t, col(func(w *reporters.Window) float64 { return float64(w.Completed) / perSecond }))},
		series{name: "failed", color: colorFailure, xy: points(t, col(func(w *reporters.Window) float64 { return float64(w.Failed) / perSecond })), dashed: true},
	); err != nil {
		return nil, err
	}
	fromZero(p)
	svg, err := svgOf(p)
	if err != nil {
		return nil, err
	}
	out = append(out, chart{ID: "requests-over-time", Caption: "Requests sent, completed and failed in each second of the run.", SVG: svg})

	p = newPlot("Throughput: output tokens per second", x, "output tokens/s")
	if err := addLines(p, series{name: "output tokens of completed requests", color: colorPrimary,
		xy: points(t, col(func(w *reporters.Window) float64 { return float64(w.OutputTokens) / perSecond }))}); err != nil {
		return nil, err
	}
	fromZero(p)
	if svg, err = svgOf(p); err != nil {
		return nil, err
	}
	out = append(out, chart{ID: "tokens-over-time", Caption: "Output tokens of the requests completed in each second.", SVG: svg})

	p = newPlot("Requests in flight", x, "requests")
	if err := addLines(p, series{name: "in flight at the end of the second", color: colorThird,
		xy: points(t, col(func(w *reporters.Window) float64 { return float64(w.InFlight) }))}); err != nil {
		return nil, err
	}
	fromZero(p)
	if svg, err = svgOf(p); err != nil {
		return nil, err
	}
	out = append(out, chart{ID: "inflight-over-time", Caption: "Requests sent and not yet ended at the end of each second.", SVG: svg})

	// TTFT: only the windows that had a value.
	var tt, p50, p99 []float64
	for i := range ws {
		if ws[i].TTFTP50 > 0 || ws[i].TTFTP99 > 0 {
			tt = append(tt, t[i])
			p50 = append(p50, ws[i].TTFTP50)
			p99 = append(p99, ws[i].TTFTP99)
		}
	}
	if len(tt) > 0 {
		top := 0.0
		for _, v := range p99 {
			top = max(top, v)
		}
		u := unitFor(top)
		for i := range p50 {
			p50[i] /= u.seconds
			p99[i] /= u.seconds
		}
		p = newPlot("Time to first token over time", x, fmt.Sprintf("ttft (%s)", u.name))
		if err := addLines(p,
			series{name: "p50", color: colorPrimary, xy: points(tt, p50), marks: true},
			series{name: "p99", color: colorFourth, xy: points(tt, p99), marks: true},
		); err != nil {
			return nil, err
		}
		fromZero(p)
		if svg, err = svgOf(p); err != nil {
			return nil, err
		}
		out = append(out, chart{ID: "ttft-over-time", Caption: "TTFT p50 and p99 of the requests completed in each second (seconds without one are left out).", SVG: svg})
	}

	p = newPlot("Errors per second", x, "requests/s")
	if err := addLines(p,
		series{name: "failed", color: colorFailure, xy: points(t, col(func(w *reporters.Window) float64 { return float64(w.Failed) / perSecond })), marks: true},
		series{name: "cancelled", color: colorFourth, xy: points(t, col(func(w *reporters.Window) float64 { return float64(w.Cancelled) / perSecond })), dashed: true},
	); err != nil {
		return nil, err
	}
	fromZero(p)
	if svg, err = svgOf(p); err != nil {
		return nil, err
	}
	out = append(out, chart{ID: "errors-over-time", Caption: "Requests that failed, and those cut by an interruption, in each second.", SVG: svg})
	return out, nil
}
