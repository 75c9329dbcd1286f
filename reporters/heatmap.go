package reporters

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Heatmap is a latency heatmap (LLMeter's LatencyHeatmap): the latencies
// of requests whose prompts have each of Inputs tokens and whose outputs
// are limited to each of Outputs tokens, one cell per pair.
type Heatmap struct {
	// Inputs are the prompt lengths in tokens, one row each, in order.
	Inputs []int `json:"input_lengths"`
	// Outputs are the output limits in tokens, one column each, in order.
	Outputs []int `json:"output_lengths"`
	// PerCell is the number of requests each cell asked for.
	PerCell int `json:"requests_per_cell"`
	// Cells holds one cell per (input, output) pair, row by row: the cell
	// of Inputs[i] and Outputs[j] is Cells[i*len(Outputs)+j].
	Cells []HeatmapCell `json:"cells"`
}

// HeatmapCell is one cell of a Heatmap.
type HeatmapCell struct {
	// Input and Output are the cell's prompt length and output limit in
	// tokens.
	Input  int `json:"input_tokens"`
	Output int `json:"output_tokens"`
	// Run is the name of the cell's run.
	Run string `json:"run,omitempty"`
	// Requests counts the requests sent, Succeeded the successful ones,
	// over which the latencies are taken.
	Requests  int `json:"requests"`
	Succeeded int `json:"succeeded"`
	// TTFT, TTLT and TPOT are the time to first token, to last token and
	// per output token, in seconds.
	TTFT HeatmapStat `json:"time_to_first_token"`
	TTLT HeatmapStat `json:"time_to_last_token"`
	TPOT HeatmapStat `json:"time_per_output_token"`
}

// HeatmapStat is the median and mean of one metric of a cell, in
// seconds; both are zero when the cell has no successful request.
type HeatmapStat struct {
	P50  float64 `json:"p50"`
	Mean float64 `json:"mean"`
}

// Cell returns the cell of input and output tokens, and whether there is
// one.
func (h *Heatmap) Cell(input, output int) (HeatmapCell, bool) {
	for _, c := range h.Cells {
		if c.Input == input && c.Output == output {
			return c, true
		}
	}
	return HeatmapCell{}, false
}

// WriteHeatmapJSON writes h to w as one indented JSON document
// (heatmap.json).
func WriteHeatmapJSON(w io.Writer, h *Heatmap) error {
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadHeatmapJSON reads a Heatmap that WriteHeatmapJSON wrote.
func ReadHeatmapJSON(r io.Reader) (*Heatmap, error) {
	var h Heatmap
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("reporters: heatmap: %w", err)
	}
	if len(h.Cells) != len(h.Inputs)*len(h.Outputs) {
		return nil, fmt.Errorf("reporters: heatmap: %d cells for %d input and %d output lengths", len(h.Cells), len(h.Inputs), len(h.Outputs))
	}
	return &h, nil
}

// WriteHeatmapMarkdown writes h to w as Markdown: one table for each of
// TTFT, TTLT and TPOT, the p50 in milliseconds, a row per input length and
// a column per output length. A cell without a successful request shows
// "—".
func WriteHeatmapMarkdown(w io.Writer, h *Heatmap) error {
	if len(h.Cells) != len(h.Inputs)*len(h.Outputs) {
		return fmt.Errorf("reporters: heatmap: %d cells for %d input and %d output lengths", len(h.Cells), len(h.Inputs), len(h.Outputs))
	}
	var b strings.Builder
	for i, m := range []struct {
		title string
		of    func(*HeatmapCell) HeatmapStat
	}{
		{"Time to first token", func(c *HeatmapCell) HeatmapStat { return c.TTFT }},
		{"Time to last token", func(c *HeatmapCell) HeatmapStat { return c.TTLT }},
		{"Time per output token", func(c *HeatmapCell) HeatmapStat { return c.TPOT }},
	} {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### %s, p50 (ms)\n\n| input \\ output |", m.title)
		for _, out := range h.Outputs {
			b.WriteString(" " + strconv.Itoa(out) + " |")
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(h.Outputs)) + "\n")
		for r, in := range h.Inputs {
			fmt.Fprintf(&b, "| %d |", in)
			for c := range h.Outputs {
				cell := &h.Cells[r*len(h.Outputs)+c]
				if cell.Succeeded == 0 {
					b.WriteString(" — |")
					continue
				}
				fmt.Fprintf(&b, " %s |", strconv.FormatFloat(m.of(cell).P50*1e3, 'f', 2, 64))
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
