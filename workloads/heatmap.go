package workloads

import (
	"context"
	"fmt"
	"time"

	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// Heatmap measures latency over a grid of prompt and output lengths
// (LLMeter's LatencyHeatmap): for every input length and every output
// limit, one run of PerCell requests whose prompts have exactly that many
// tokens and whose payloads ask for that many output tokens.
type Heatmap struct {
	// Inputs are the prompt lengths in tokens, the heatmap's rows. Each
	// must be positive, and no length may repeat. Required.
	Inputs []int
	// Outputs are the output limits in tokens, the heatmap's columns, as
	// Inputs. Required.
	Outputs []int
	// PerCell is the number of requests of each cell. Zero means 1.
	PerCell int
	// Clients is the number of concurrent clients of each cell's run, at
	// most PerCell; the cell's PerCell requests are spread over them, so
	// a cell sends PerCell rounded up to a multiple of Clients, each
	// request a distinct prompt. Zero means 1.
	Clients int
	// Name prefixes each cell's run name, <Name>-in<I>-out<O>. Empty means
	// "heatmap-" and the UTC start time (20061231-150405).
	Name string
	// Prompts builds the cells' prompts: its Payload, Tokenizer, Corpus,
	// SharedPrefix, CacheBust and ForceOutput apply; Input and Output are
	// set per cell (Fixed lengths), and each cell draws with its own seed,
	// derived from Prompts.Seed and the cell's lengths, so that no two
	// cells send the same text (a server's prefix cache would otherwise
	// serve every column after the first). Prompts.Payload is required.
	Prompts Synthetic
}

func heatmapErrorf(field, format string, args ...any) error {
	return fmt.Errorf("workloads: Heatmap.%s: %s", field, fmt.Sprintf(format, args...))
}

func checkLengths(field string, ls []int) error {
	if len(ls) == 0 {
		return heatmapErrorf(field, "want at least one length")
	}
	seen := make(map[int]bool, len(ls))
	for i, n := range ls {
		switch {
		case n <= 0:
			return heatmapErrorf(field, "length %d: want a positive token count, got %d", i+1, n)
		case seen[n]:
			return heatmapErrorf(field, "length %d: %d repeats", i+1, n)
		}
		seen[n] = true
	}
	return nil
}

// Validate reports the first field that breaks a rule, naming it.
func (h *Heatmap) Validate() error {
	if err := checkLengths("Inputs", h.Inputs); err != nil {
		return err
	}
	if err := checkLengths("Outputs", h.Outputs); err != nil {
		return err
	}
	switch {
	case h.PerCell < 0:
		return heatmapErrorf("PerCell", "want a count not below 0, got %d", h.PerCell)
	case h.Clients < 0:
		return heatmapErrorf("Clients", "want a count not below 0, got %d", h.Clients)
	case h.Prompts.Payload == nil:
		return heatmapErrorf("Prompts.Payload", "required")
	}
	return nil
}

// Run runs the heatmap's cells with r, one run after the other, row by
// row, and returns the heatmap. Each cell's run is r.Run with Clients,
// Requests, Payloads and RunName set by the cell on top of r.Config (so
// Endpoint, Timeout, OutputPath and the rest come from r.Config; with
// OutputPath set, each cell writes its own run folder). r.Config must set
// no other load shape: Duration, Rate, Stages, ArrivalTimes, Turns or
// Warmup is an error. It blocks until the last cell ends.
//
// A Heatmap field that breaks a rule, or prompts that cannot be built, is
// an error before any request is sent, and so is a ctx done while they
// are built (nil and an error wrapping ctx.Err()). When a cell's run
// fails or ctx is cancelled, Run stops there and returns the heatmap with
// the error: its cells that ran, the others with no requests, and
// Interrupted set.
func (h *Heatmap) Run(ctx context.Context, r *llmtest.Runner) (*reporters.Heatmap, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	if err := checkBase(&r.Config); err != nil {
		return nil, err
	}
	perCell := max(h.PerCell, 1)
	clients := min(max(h.Clients, 1), perCell)
	requests := (perCell + clients - 1) / clients
	name := h.Name
	if name == "" {
		name = "heatmap-" + time.Now().UTC().Format("20060102-150405")
	}
	type cell struct {
		in, out int
		items   []Item
	}
	var cells []cell
	for _, in := range h.Inputs {
		for _, out := range h.Outputs {
			s := h.Prompts
			s.Input, s.Output = Fixed(in), Fixed(out)
			s.Seed = cellSeed(h.Prompts.Seed, in, out)
			items, err := s.GenerateContext(ctx, requests*clients)
			if err != nil {
				return nil, fmt.Errorf("workloads: heatmap cell %d×%d: %w", in, out, err)
			}
			cells = append(cells, cell{in, out, items})
		}
	}
	hm := &reporters.Heatmap{SchemaVersion: reporters.HeatmapSchemaVersion, Name: name, Inputs: h.Inputs, Outputs: h.Outputs, PerCell: perCell}
	for i, c := range cells {
		runName := fmt.Sprintf("%s-in%d-out%d", name, c.in, c.out)
		res, err := r.Run(ctx, llmtest.Config{
			Clients:  clients,
			Requests: requests,
			Payloads: Payloads(c.items),
			RunName:  runName,
		})
		if res != nil {
			hm.Cells = append(hm.Cells, cellOf(c.in, c.out, runName, res))
		}
		if err == nil && res != nil && res.Run.Interrupted {
			err = llmtest.ErrInterrupted
		}
		if err != nil {
			hm.Interrupted = true
			for _, rest := range cells[len(hm.Cells):] {
				hm.Cells = append(hm.Cells, reporters.HeatmapCell{Input: rest.in, Output: rest.out})
			}
			return hm, fmt.Errorf("workloads: heatmap cell %d×%d (%d of %d): %w", c.in, c.out, i+1, len(cells), err)
		}
	}
	return hm, nil
}

// checkBase refuses a base configuration whose load shape the cells
// would not honour.
func checkBase(c *llmtest.Config) error {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"Duration", c.Duration != 0},
		{"Rate", c.Rate != 0},
		{"Stages", len(c.Stages) > 0},
		{"ArrivalTimes", len(c.ArrivalTimes) > 0},
		{"Turns", c.Turns > 1},
		{"Warmup", c.Warmup != (llmtest.Warmup{})},
	} {
		if f.set {
			return fmt.Errorf("workloads: Heatmap.Run: the runner's Config.%s is set: each cell sets its own load (Clients × Requests of its prompts)", f.name)
		}
	}
	return nil
}

// cellSeed derives a cell's seed from the heatmap's and the cell's
// lengths (a SplitMix64 finalizer over them), so that cells draw
// different corpus offsets.
func cellSeed(seed uint64, in, out int) uint64 {
	z := seed ^ uint64(in)<<32 ^ uint64(out) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// cellOf summarizes a cell's run, taking its metrics from the run's model.
func cellOf(in, out int, name string, res *llmtest.Result) reporters.HeatmapCell {
	metric := func(m llmtest.Metric) reporters.Metric {
		if rm := res.Run.Metric(string(m)); rm != nil {
			return *rm
		}
		return reporters.Metric{Name: string(m), Unit: reporters.UnitSeconds}
	}
	counts := res.Run.Counts
	return reporters.HeatmapCell{
		Input: in, Output: out, Run: name,
		Requests:  counts.Total,
		Succeeded: counts.Total - counts.Failed - counts.Cancelled,
		TTFT:      metric(llmtest.TimeToFirstToken),
		TTLT:      metric(llmtest.TimeToLastToken),
		TPOT:      metric(llmtest.TimePerOutputToken),
	}
}
