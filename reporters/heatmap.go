package reporters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// HeatmapSchemaVersion is the version of the [Heatmap] JSON schema
// (heatmap.json).
const HeatmapSchemaVersion = 1

// Heatmap is the model of a latency heatmap (LLMeter's LatencyHeatmap): the
// latencies of requests whose prompts have each of Inputs tokens and whose
// outputs are limited to each of Outputs tokens, one cell per pair. Each
// cell is a run with its own model ([Run]) and folder; a cell holds its
// run's TTFT, TTLT and TPOT metrics as they are in that model — the
// aggregates and the mergeable histogram — so that the heatmap can be
// drawn, read and compared without loading every run. It is written as
// heatmap.json, beside report.json and sweep.json, the run model's other
// documents.
type Heatmap struct {
	// SchemaVersion is HeatmapSchemaVersion when written by this package.
	SchemaVersion int `json:"schema_version"`
	// Name is the heatmap's name, its folder name; each cell's run is
	// named <Name>-in<I>-out<O>.
	Name string `json:"heatmap_name"`
	// Inputs are the prompt lengths in tokens, one row each, in order.
	Inputs []int `json:"input_lengths"`
	// Outputs are the output limits in tokens, one column each, in order.
	Outputs []int `json:"output_lengths"`
	// PerCell is the number of requests each cell asked for.
	PerCell int `json:"requests_per_cell"`
	// Cells holds one cell per (input, output) pair, row by row: the cell
	// of Inputs[i] and Outputs[j] is Cells[i*len(Outputs)+j].
	Cells []HeatmapCell `json:"cells"`
	// Interrupted reports a heatmap whose cells did not all run: those
	// that did not have no requests.
	Interrupted bool `json:"interrupted,omitempty"`
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
	// TTFT, TTLT and TPOT are the cell run's time_to_first_token,
	// time_to_last_token and time_per_output_token metrics, in seconds;
	// a metric with N == 0 (no successful request had a value) has zero
	// aggregates.
	TTFT Metric `json:"time_to_first_token"`
	TTLT Metric `json:"time_to_last_token"`
	TPOT Metric `json:"time_per_output_token"`
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
// (heatmap.json), of schema version HeatmapSchemaVersion.
func WriteHeatmapJSON(w io.Writer, h *Heatmap) error {
	c := *h
	c.SchemaVersion = HeatmapSchemaVersion
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadHeatmapJSON reads a Heatmap that WriteHeatmapJSON wrote. A document
// of another schema version, or with a field this version does not know,
// is an error.
func ReadHeatmapJSON(r io.Reader) (*Heatmap, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reporters: heatmap: %w", err)
	}
	var v struct {
		SchemaVersion int `json:"schema_version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("reporters: heatmap: %w", err)
	}
	if v.SchemaVersion != HeatmapSchemaVersion {
		return nil, fmt.Errorf("reporters: heatmap: schema_version %d, want %d", v.SchemaVersion, HeatmapSchemaVersion)
	}
	var h Heatmap
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("reporters: heatmap: %w", err)
	}
	if err := h.checkCells(); err != nil {
		return nil, err
	}
	return &h, nil
}

// checkCells checks that h has one cell per pair of lengths, in order.
func (h *Heatmap) checkCells() error {
	if len(h.Cells) != len(h.Inputs)*len(h.Outputs) {
		return fmt.Errorf("reporters: heatmap: %d cells for %d input and %d output lengths", len(h.Cells), len(h.Inputs), len(h.Outputs))
	}
	for i, c := range h.Cells {
		in, out := h.Inputs[i/len(h.Outputs)], h.Outputs[i%len(h.Outputs)]
		if c.Input != in || c.Output != out {
			return fmt.Errorf("reporters: heatmap: cells[%d] is %d×%d, want %d×%d (row by row)", i, c.Input, c.Output, in, out)
		}
	}
	return nil
}

// WriteHeatmapMarkdown writes h to w as Markdown: one table for each of
// TTFT, TTLT and TPOT, the p50 in milliseconds, a row per input length and
// a column per output length. A cell without a value (no successful
// request had one, or the cell did not run) shows "—"; an interrupted
// heatmap ends with a line that says so.
func WriteHeatmapMarkdown(w io.Writer, h *Heatmap) error {
	if err := h.checkCells(); err != nil {
		return err
	}
	var b strings.Builder
	for i, m := range []struct {
		title string
		of    func(*HeatmapCell) *Metric
	}{
		{"Time to first token", func(c *HeatmapCell) *Metric { return &c.TTFT }},
		{"Time to last token", func(c *HeatmapCell) *Metric { return &c.TTLT }},
		{"Time per output token", func(c *HeatmapCell) *Metric { return &c.TPOT }},
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
				if cell.Succeeded == 0 || m.of(cell).N == 0 {
					b.WriteString(" — |")
					continue
				}
				fmt.Fprintf(&b, " %s |", strconv.FormatFloat(m.of(cell).P50*1e3, 'f', 2, 64))
			}
			b.WriteString("\n")
		}
	}
	if h.Interrupted {
		b.WriteString("\nInterrupted: the cells shown as — after the last that ran did not run.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
