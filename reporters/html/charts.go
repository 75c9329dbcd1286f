package html

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The colours of the charts. Failure is the colour of everything that
// failed — failed requests, errors, failed checks — in the charts and in
// the page's CSS (--fail), so that it reads as failure at a glance.
var (
	colorFailure = color.RGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff} // #c62828
	colorPrimary = color.RGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff} // #1565c0
	colorSecond  = color.RGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff} // #2e7d32
	colorThird   = color.RGBA{R: 0x6a, G: 0x1b, B: 0x9a, A: 0xff} // #6a1b9a
	colorFourth  = color.RGBA{R: 0xef, G: 0x6c, B: 0x00, A: 0xff} // #ef6c00
	colorKnee    = color.RGBA{R: 0x21, G: 0x21, B: 0x21, A: 0xff} // #212121
	colorFill    = color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0x99}
)

// failureHex is colorFailure in CSS.
const failureHex = "#c62828"

// The size of a chart, in points.
const (
	chartWidth  = 6 * vg.Inch
	chartHeight = 3.4 * vg.Inch
)

// sans is the typeface of the charts' text. The SVG names it (Liberation
// Sans) without embedding it; a browser without it uses its own sans-serif
// font, and nothing is fetched.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// chart is one chart of the page: an SVG drawn by gonum.org/v1/plot.
type chart struct {
	// ID names the chart in the page (the figure's data-chart), such as
	// "ttft-histogram".
	ID string
	// Caption says what the chart shows, in a sentence.
	Caption string
	// SVG is the chart's inline SVG element.
	SVG string
}

// newPlot returns a plot with the title and axis labels, in sans.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Title.TextStyle.Font = font.From(sans, 13)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Tick.Label.Font = font.From(sans, 9)
	}
	p.Legend.TextStyle.Font = font.From(sans, 10)
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// svgOf draws p as an SVG element to inline in the page: without the XML
// prolog, scaled to its container.
// A legend at the top gets room above the data: the y axis grows so that
// no line runs under it.
func svgOf(p *plot.Plot) (string, error) {
	c := vgsvg.New(chartWidth, chartHeight)
	dc := draw.New(c)
	if p.Legend.Top && finite(p.Y.Min) && finite(p.Y.Max) && p.Y.Max > p.Y.Min {
		da := p.DataCanvas(dc)
		if h := da.Rectangle.Size().Y; h > 0 {
			share := float64(p.Legend.Rectangle(da).Size().Y/h) + 0.04
			if share < 0.6 {
				p.Y.Max = p.Y.Min + (p.Y.Max-p.Y.Min)/(1-share)
			}
		}
	}
	p.Draw(dc)
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("drawing %q: %w", p.Title.Text, err)
	}
	s := b.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return s, nil
}

// points returns the finite points of xs and ys, pairwise.
func points(xs, ys []float64) plotter.XYs {
	out := make(plotter.XYs, 0, len(xs))
	for i := range xs {
		if finite(xs[i]) && finite(ys[i]) {
			out = append(out, plotter.XY{X: xs[i], Y: ys[i]})
		}
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// series is one line of a chart.
type series struct {
	name   string
	color  color.Color
	xy     plotter.XYs
	dashed bool
	marks  bool // draw a point at each value
}

// addLines adds each series with at least one point to p, with its
// legend entry.
func addLines(p *plot.Plot, ss ...series) error {
	for _, s := range ss {
		if len(s.xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(s.xy)
		if err != nil {
			return err
		}
		l.Color = s.color
		l.Width = vg.Points(1.5)
		if s.dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		if s.marks || len(s.xy) == 1 {
			sc, err := plotter.NewScatter(s.xy)
			if err != nil {
				return err
			}
			sc.Color = s.color
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(2.5)
			p.Add(sc)
			p.Legend.Add(s.name, l, sc)
			continue
		}
		p.Legend.Add(s.name, l)
	}
	return nil
}

// addMarks adds points without a line to p, with their legend entry.
func addMarks(p *plot.Plot, name string, c color.Color, xy plotter.XYs) error {
	if len(xy) == 0 {
		return nil
	}
	sc, err := plotter.NewScatter(xy)
	if err != nil {
		return err
	}
	sc.Color = c
	sc.Shape = draw.CircleGlyph{}
	sc.Radius = vg.Points(3.5)
	p.Add(sc)
	p.Legend.Add(name, sc)
	return nil
}

// fromZero makes p's y axis start at 0 (or below, for negative values)
// and span at least one unit, so that a flat series of zeros is drawn as
// a line on the axis.
func fromZero(p *plot.Plot) {
	p.Y.Min = min(p.Y.Min, 0)
	if !(p.Y.Max > p.Y.Min) {
		p.Y.Max = p.Y.Min + 1
	}
}
