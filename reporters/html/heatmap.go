package html

import (
	"fmt"
	"math"

	"github.com/llmtest/llmtest/reporters"
)

// heatmapTable is one metric's grid of a heatmap, as a coloured table.
type heatmapTable struct {
	ID, Title string
	Outputs   []int
	Rows      []heatmapRow
	// Low and High are the scale's ends, rendered.
	Low, High string
}

type heatmapRow struct {
	Input int
	Cells []heatmapCell
}

// heatmapCell is one cell: its p50, its background and text colours, and
// a note in the failure colour when some of its requests failed.
type heatmapCell struct {
	Text, Background, Foreground, Title string
	Failed                              string
	Empty                               bool
}

// heatmapPage builds the page of a heatmap.
func heatmapPage(h *reporters.Heatmap) *page {
	p := &page{Title: "llmtest heatmap", Kind: "Heatmap", Name: fmt.Sprintf("%d × %d cells, %d requests each", len(h.Inputs), len(h.Outputs), h.PerCell), Pass: true}
	for _, c := range h.Cells {
		if c.Succeeded < c.Requests {
			p.Pass = false
		}
	}
	if !p.Pass {
		p.Notes = append(p.Notes, note{Text: "Some requests failed: the cells marked in red count them.", Fail: true})
	}
	for _, m := range []struct {
		id, title string
		metric    func(*reporters.HeatmapCell) *reporters.Metric
	}{
		{"heatmap-ttft", "Time to first token (TTFT), p50", func(c *reporters.HeatmapCell) *reporters.Metric { return &c.TTFT }},
		{"heatmap-ttlt", "Time to last token (TTLT), p50", func(c *reporters.HeatmapCell) *reporters.Metric { return &c.TTLT }},
		{"heatmap-tpot", "Time per output token (TPOT), p50", func(c *reporters.HeatmapCell) *reporters.Metric { return &c.TPOT }},
	} {
		// A cell has a value when a successful request measured one (a
		// one-token output has no TPOT).
		has := func(c *reporters.HeatmapCell) bool { return c.Succeeded > 0 && m.metric(c).N > 0 }
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range h.Cells {
			if c := &h.Cells[i]; has(c) {
				lo, hi = min(lo, m.metric(c).P50), max(hi, m.metric(c).P50)
			}
		}
		t := heatmapTable{ID: m.id, Title: m.title, Outputs: h.Outputs, Low: seconds(lo), High: seconds(hi)}
		for r, in := range h.Inputs {
			row := heatmapRow{Input: in}
			for col := range h.Outputs {
				c := &h.Cells[r*len(h.Outputs)+col]
				cell := heatmapCell{Title: fmt.Sprintf("input %d tokens, output %d tokens: %d of %d requests succeeded", c.Input, c.Output, c.Succeeded, c.Requests)}
				if failed := c.Requests - c.Succeeded; failed > 0 {
					cell.Failed = fmt.Sprintf("%d failed", failed)
				}
				if !has(c) {
					cell.Text, cell.Empty = "—", true
				} else {
					v := m.metric(c).P50
					share := 0.0
					if hi > lo {
						share = (v - lo) / (hi - lo)
					}
					cell.Text = seconds(v)
					cell.Background, cell.Foreground = scale(share)
				}
				row.Cells = append(row.Cells, cell)
			}
			t.Rows = append(t.Rows, row)
		}
		p.Heatmap = append(p.Heatmap, t)
	}
	return p
}

// scale returns the background of a cell share of the way (0..1) from the
// fastest cell to the slowest — from a light to a dark blue — and a text
// colour that reads on it.
func scale(share float64) (background, foreground string) {
	share = min(max(share, 0), 1)
	from := [3]float64{0xe3, 0xf2, 0xfd}
	to := [3]float64{0x0d, 0x47, 0xa1}
	var c [3]int
	for i := range c {
		c[i] = int(math.Round(from[i] + share*(to[i]-from[i])))
	}
	foreground = "#000"
	if share > 0.5 {
		foreground = "#fff"
	}
	return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]), foreground
}
