package html

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/llmtest/llmtest/reporters"
)

// sweepCharts returns a sweep's curves: latency against throughput,
// goodput (or, without a goodput definition, the achieved request rate)
// against throughput, and throughput against load, each with the
// saturation point (the knee, [reporters.Sweep.Saturation]) marked when
// the sweep reached it. Throughput is output tokens per second. A sweep
// without levels has none.
func sweepCharts(s *reporters.Sweep) ([]chart, error) {
	if len(s.Levels) == 0 {
		return nil, nil
	}
	n := len(s.Levels)
	col := func(f func(l *reporters.SweepLevel) float64) []float64 {
		out := make([]float64, n)
		for i := range s.Levels {
			out[i] = f(&s.Levels[i])
		}
		return out
	}
	knee := -1
	if s.Saturation != nil && *s.Saturation >= 0 && *s.Saturation < n {
		knee = *s.Saturation
	}
	kneeName := ""
	if knee >= 0 {
		kneeName = "saturation (knee): " + s.LevelText(s.Levels[knee].Level)
	}
	const tput = "throughput (output tokens/s)"
	thr := col(func(l *reporters.SweepLevel) float64 { return l.Throughput })
	var out []chart

	// Latency against throughput. A latency of 0 is a level without a
	// successful request: left out.
	top := 0.0
	for _, l := range s.Levels {
		top = max(top, l.TTLTP99, l.TTFTP99)
	}
	u := unitFor(top)
	lat := func(f func(l *reporters.SweepLevel) float64) plotter.XYs {
		var xy plotter.XYs
		for i := range s.Levels {
			if v := f(&s.Levels[i]); v > 0 && finite(thr[i]) {
				xy = append(xy, plotter.XY{X: thr[i], Y: v / u.seconds})
			}
		}
		return xy
	}
	p := newPlot("Latency against throughput", tput, fmt.Sprintf("latency (%s)", u.name))
	if err := addLines(p,
		series{name: "ttft p50", color: colorPrimary, xy: lat(func(l *reporters.SweepLevel) float64 { return l.TTFTP50 }), marks: true},
		series{name: "ttft p99", color: colorPrimary, xy: lat(func(l *reporters.SweepLevel) float64 { return l.TTFTP99 }), marks: true, dashed: true},
		series{name: "ttlt p50", color: colorSecond, xy: lat(func(l *reporters.SweepLevel) float64 { return l.TTLTP50 }), marks: true},
		series{name: "ttlt p99", color: colorSecond, xy: lat(func(l *reporters.SweepLevel) float64 { return l.TTLTP99 }), marks: true, dashed: true},
	); err != nil {
		return nil, err
	}
	if knee >= 0 {
		if err := markKnee(p, kneeName, thr[knee], s.Levels[knee].TTLTP50/u.seconds); err != nil {
			return nil, err
		}
	}
	fromZero(p)
	svg, err := svgOf(p)
	if err != nil {
		return nil, err
	}
	out = append(out, chart{ID: "sweep-latency", Caption: "TTFT and TTLT p50 and p99 of each level against its throughput, in order of load.", SVG: svg})

	// Goodput against throughput.
	hasGoodput := false
	for _, l := range s.Levels {
		hasGoodput = hasGoodput || l.Goodput != nil
	}
	p = newPlot("Goodput against throughput", tput, "requests/s")
	ss := []series{{name: "achieved rate (requests ended)", color: colorPrimary, xy: points(thr, col(func(l *reporters.SweepLevel) float64 { return l.AchievedRate })), marks: true}}
	caption := "Requests ended per second at each level against its throughput; the sweep had no goodput definition."
	var good []float64
	if hasGoodput {
		good = col(func(l *reporters.SweepLevel) float64 {
			if l.Goodput == nil {
				return math.NaN()
			}
			return *l.Goodput
		})
		ss = append(ss, series{name: "goodput (good requests)", color: colorSecond, xy: points(thr, good), marks: true})
		caption = "Good requests per second (goodput) and all requests ended per second at each level against its throughput."
	}
	ss = append(ss, series{name: "failed requests", color: colorFailure, dashed: true, marks: true,
		xy: points(thr, col(func(l *reporters.SweepLevel) float64 { return l.AchievedRate * l.ErrorRate }))})
	if err := addLines(p, ss...); err != nil {
		return nil, err
	}
	if knee >= 0 {
		y := s.Levels[knee].AchievedRate
		if hasGoodput && finite(good[knee]) {
			y = good[knee]
		}
		if err := markKnee(p, kneeName, thr[knee], y); err != nil {
			return nil, err
		}
	}
	fromZero(p)
	if svg, err = svgOf(p); err != nil {
		return nil, err
	}
	out = append(out, chart{ID: "sweep-goodput", Caption: caption, SVG: svg})

	// Throughput against load.
	unit := "clients"
	if s.Kind == reporters.SweepRate {
		unit = "requests/s"
	}
	levels := col(func(l *reporters.SweepLevel) float64 { return l.Level })
	p = newPlot("Throughput against load", fmt.Sprintf("load (%s)", unit), tput)
	if err := addLines(p, series{name: "throughput", color: colorPrimary, xy: points(levels, thr), marks: true}); err != nil {
		return nil, err
	}
	if knee >= 0 {
		if err := markKnee(p, kneeName, levels[knee], thr[knee]); err != nil {
			return nil, err
		}
	}
	fromZero(p)
	if svg, err = svgOf(p); err != nil {
		return nil, err
	}
	out = append(out, chart{ID: "sweep-throughput", Caption: "Output tokens per second at each load level.", SVG: svg})
	return out, nil
}

// markKnee marks the saturation point (x, y) of a sweep chart: a ring and
// a dashed vertical line, with its legend entry.
func markKnee(p *plot.Plot, name string, x, y float64) error {
	if !finite(x) || !finite(y) {
		return nil
	}
	sc, err := plotter.NewScatter(plotter.XYs{{X: x, Y: y}})
	if err != nil {
		return err
	}
	sc.Color = colorKnee
	sc.Radius = vg.Points(7)
	sc.Shape = draw.RingGlyph{}
	p.Add(sc)
	ymin, ymax := min(p.Y.Min, 0), max(p.Y.Max, y)
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: ymin}, {X: x, Y: ymax}})
	if err != nil {
		return err
	}
	l.Color = colorKnee
	l.Width = vg.Points(1)
	l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(l)
	p.Legend.Add(name, sc, l)
	return nil
}

// sweepTable is a sweep's table of levels, rendered.
type sweepTable struct {
	Kind       string
	Goodput    bool
	Dropped    bool
	Rows       []sweepRow
	Saturation string
}

type sweepRow struct {
	Level, Requests, Rate, Throughput, TTFTP50, TTFTP99, TTLTP50, TTLTP99, Errors, Dropped, GoodShare, Goodput string
	Knee, Interrupted, Failed                                                                                  bool
}

// sweepPage builds the page of a sweep.
func sweepPage(s *reporters.Sweep) (*page, error) {
	name := s.Name
	if name == "" {
		name = "unnamed sweep"
	}
	p := &page{Title: "llmtest sweep " + name, Kind: "Sweep", Name: name, Pass: s.Passed()}
	kind := s.Kind
	if kind == "" {
		kind = reporters.SweepClients
	}
	t := &sweepTable{Kind: kind}
	for _, l := range s.Levels {
		t.Goodput = t.Goodput || l.Goodput != nil
		t.Dropped = t.Dropped || l.Dropped > 0
	}
	latency := func(v float64) string {
		if v == 0 {
			return "–"
		}
		return seconds(v)
	}
	for i, l := range s.Levels {
		r := sweepRow{
			Level: sig3(l.Level), Requests: count(l.Requests), Rate: sig3(l.AchievedRate), Throughput: sig3(l.Throughput),
			TTFTP50: latency(l.TTFTP50), TTFTP99: latency(l.TTFTP99), TTLTP50: latency(l.TTLTP50), TTLTP99: latency(l.TTLTP99),
			Errors: percent(l.ErrorRate), Dropped: count(l.Dropped), GoodShare: "–", Goodput: "–",
			Knee: s.Saturation != nil && *s.Saturation == i, Interrupted: l.Interrupted, Failed: l.Failed > 0,
		}
		if l.GoodShare != nil {
			r.GoodShare = percent(*l.GoodShare)
		}
		if l.Goodput != nil {
			r.Goodput = sig3(*l.Goodput)
		}
		p.Pass = p.Pass && !l.Interrupted
		t.Rows = append(t.Rows, r)
	}
	if lv, ok := s.SaturationLevel(); ok {
		t.Saturation = "Saturation point (knee): " + s.LevelText(lv) + ", the highest load before more load stopped buying throughput and started costing latency."
	} else if len(s.Levels) > 0 {
		t.Saturation = fmt.Sprintf("Saturation: not reached up to %s.", s.LevelText(s.Levels[len(s.Levels)-1].Level))
	} else {
		t.Saturation = "Saturation: no level ran."
	}
	p.Sweep = t
	p.Checks = checksOf(s.Checks)
	var err error
	p.Curves, err = sweepCharts(s)
	return p, err
}
