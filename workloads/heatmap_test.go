package workloads_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
	"github.com/llmtest/llmtest/workloads"
)

func TestHeatmapAgainstSimulator(t *testing.T) {
	ep, err := sim.New(sim.Config{
		Seed: 1, FirstTokenLatency: time.Millisecond, PrefillPerToken: 200 * time.Microsecond,
		InterTokenLatency: 500 * time.Microsecond,
	})
	require.NoError(t, err)
	h := workloads.Heatmap{
		Inputs: []int{10, 100, 300}, Outputs: []int{8, 32}, PerCell: 3, Clients: 2, Name: "hm",
		Prompts: workloads.Synthetic{Payload: openai.ChatPayload, Seed: 3},
	}
	r := llmtest.NewRunner(llmtest.Config{Endpoint: ep, Timeout: 10 * time.Second})
	hm, err := h.Run(context.Background(), r)
	require.NoError(t, err)
	require.Len(t, hm.Cells, 6)
	for _, c := range hm.Cells {
		assert.Equal(t, 4, c.Requests, "cell %d×%d: 3 requests over 2 clients round up to 4", c.Input, c.Output)
		assert.Equal(t, 4, c.Succeeded, "cell %d×%d", c.Input, c.Output)
		assert.Equal(t, fmt.Sprintf("hm-in%d-out%d", c.Input, c.Output), c.Run)
		assert.Positive(t, c.TTFT.P50)
		assert.Greater(t, c.TTLT.P50, c.TTFT.P50, "cell %d×%d", c.Input, c.Output)
		assert.Positive(t, c.TPOT.Average)
	}
	for _, out := range h.Outputs {
		prev := 0.0
		for _, in := range h.Inputs {
			c, ok := hm.Cell(in, out)
			require.True(t, ok)
			// 90 and 200 more input tokens add 18 ms and 40 ms of prefill.
			// The minimum of a cell is compared: a busy machine only adds
			// to a latency, so the minimum stays nearest the model's.
			assert.Greater(t, c.TTFT.Min, prev, "TTFT rises with input length: %d×%d", in, out)
			assert.Greater(t, c.TTFT.Min, 0.001+float64(in)*200e-6*0.9, "cell %d×%d: prefill in TTFT", in, out)
			prev = c.TTFT.Min
		}
	}
	for _, in := range h.Inputs {
		// 24 more output tokens add 12 ms of decoding.
		short, _ := hm.Cell(in, 8)
		long, _ := hm.Cell(in, 32)
		assert.Greater(t, long.TTLT.Min, short.TTLT.Min, "TTLT rises with output length at input %d", in)
	}

	var js bytes.Buffer
	require.NoError(t, reporters.WriteHeatmapJSON(&js, hm))
	written := js.String()
	back, err := reporters.ReadHeatmapJSON(&js)
	require.NoError(t, err)
	var again bytes.Buffer
	require.NoError(t, reporters.WriteHeatmapJSON(&again, back))
	assert.JSONEq(t, written, again.String(), "heatmap.json round-trips")
	// Each cell holds its run's metrics as in the run's model: the
	// histogram of every sample, from which a percentile can be read.
	assert.Equal(t, "hm", back.Name)
	assert.Equal(t, reporters.HeatmapSchemaVersion, back.SchemaVersion)
	for _, c := range back.Cells {
		assert.Equal(t, 4, c.TTFT.N, "cell %d×%d", c.Input, c.Output)
		assert.Equal(t, int64(4), c.TTFT.Histogram.Count(), "cell %d×%d", c.Input, c.Output)
		p99, ok := c.TTLT.Percentile(99)
		assert.True(t, ok)
		assert.InEpsilon(t, c.TTLT.P99, p99, 2*reporters.RelativeError, "cell %d×%d: p99 from the histogram", c.Input, c.Output)
	}

	var md bytes.Buffer
	require.NoError(t, reporters.WriteHeatmapMarkdown(&md, hm))
	lines := strings.Split(md.String(), "\n")
	assert.Equal(t, "### Time to first token, p50 (ms)", lines[0])
	assert.Equal(t, "| input \\ output | 8 | 32 |", lines[2])
	assert.True(t, strings.HasPrefix(lines[4], "| 10 | "), lines[4])
	assert.True(t, strings.HasPrefix(lines[6], "| 300 | "), lines[6])
	assert.Contains(t, md.String(), "### Time to last token, p50 (ms)")
	assert.Contains(t, md.String(), "### Time per output token, p50 (ms)")
}

func TestHeatmapErrors(t *testing.T) {
	ok := workloads.Synthetic{Payload: openai.ChatPayload}
	for _, tc := range []struct {
		h    workloads.Heatmap
		want string
	}{
		{workloads.Heatmap{Outputs: []int{8}, Prompts: ok}, "Heatmap.Inputs: want at least one length"},
		{workloads.Heatmap{Inputs: []int{8}, Prompts: ok}, "Heatmap.Outputs: want at least one length"},
		{workloads.Heatmap{Inputs: []int{8, 0}, Outputs: []int{8}, Prompts: ok}, "Heatmap.Inputs: length 2: want a positive token count, got 0"},
		{workloads.Heatmap{Inputs: []int{8}, Outputs: []int{4, 4}, Prompts: ok}, "Heatmap.Outputs: length 2: 4 repeats"},
		{workloads.Heatmap{Inputs: []int{8}, Outputs: []int{4}, PerCell: -1, Prompts: ok}, "Heatmap.PerCell: want a count not below 0, got -1"},
		{workloads.Heatmap{Inputs: []int{8}, Outputs: []int{4}, Clients: -2, Prompts: ok}, "Heatmap.Clients: want a count not below 0, got -2"},
		{workloads.Heatmap{Inputs: []int{8}, Outputs: []int{4}}, "Heatmap.Prompts.Payload: required"},
	} {
		_, err := tc.h.Run(context.Background(), llmtest.NewRunner(llmtest.Config{}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestHeatmapMarkdownEmptyCellAndBadShape(t *testing.T) {
	hm := &reporters.Heatmap{Inputs: []int{5}, Outputs: []int{7}, PerCell: 1,
		Cells: []reporters.HeatmapCell{{Input: 5, Output: 7, Requests: 1}}}
	var md bytes.Buffer
	require.NoError(t, reporters.WriteHeatmapMarkdown(&md, hm))
	assert.Contains(t, md.String(), "| 5 | — |")
	hm.Cells = nil
	assert.ErrorContains(t, reporters.WriteHeatmapMarkdown(&md, hm), "0 cells for 1 input and 1 output lengths")
	_, err := reporters.ReadHeatmapJSON(strings.NewReader(`{"schema_version":1,"input_lengths":[1],"output_lengths":[2],"cells":[]}`))
	assert.ErrorContains(t, err, "0 cells for 1 input and 1 output lengths")
	// A document of another version, such as one written before the
	// heatmap held its cells' metrics, is refused by its version.
	_, err = reporters.ReadHeatmapJSON(strings.NewReader(`{"input_lengths":[1],"output_lengths":[2],"cells":[]}`))
	assert.ErrorContains(t, err, "schema_version 0, want 1")
}

// TestHeatmapCellsSendDistinctPrompts checks that no prompt is sent twice,
// within a cell or across cells (a prefix cache would otherwise serve the
// repeats), and that a cell's clients are at most its requests.
func TestHeatmapCellsSendDistinctPrompts(t *testing.T) {
	out := t.TempDir()
	h := workloads.Heatmap{
		Inputs: []int{10, 20}, Outputs: []int{4, 5}, PerCell: 3, Clients: 2, Name: "d",
		Prompts: workloads.Synthetic{Payload: openai.ChatPayload, Seed: 1},
	}
	hm, err := h.Run(context.Background(), llmtest.NewRunner(llmtest.Config{Endpoint: fastSim(t), OutputPath: out, Progress: llmtest.Progress{Off: true}}))
	require.NoError(t, err)
	seen := map[string]string{}
	for _, c := range hm.Cells {
		res, err := llmtest.LoadResult(filepath.Join(out, c.Run))
		require.NoError(t, err)
		require.Len(t, res.Invocations, 4, "cell %s: 3 requests over 2 clients round up to 4", c.Run)
		for _, inv := range res.Invocations {
			if prev, ok := seen[inv.InputPrompt]; ok {
				t.Errorf("cell %s sent a prompt cell %s sent: %q", c.Run, prev, inv.InputPrompt)
			}
			seen[inv.InputPrompt] = c.Run
		}
	}

	// One request a cell is one client's, whatever Clients says.
	h = workloads.Heatmap{Inputs: []int{10}, Outputs: []int{4}, PerCell: 1, Clients: 4,
		Prompts: workloads.Synthetic{Payload: openai.ChatPayload}}
	hm, err = h.Run(context.Background(), llmtest.NewRunner(llmtest.Config{Endpoint: fastSim(t), Progress: llmtest.Progress{Off: true}}))
	require.NoError(t, err)
	assert.Equal(t, 1, hm.Cells[0].Requests)
}

// TestHeatmapRefusesABaseLoadShape checks that a runner whose Config sets
// a load shape the cells would not honour is refused before any request.
func TestHeatmapRefusesABaseLoadShape(t *testing.T) {
	h := workloads.Heatmap{Inputs: []int{10}, Outputs: []int{4}, Prompts: workloads.Synthetic{Payload: openai.ChatPayload}}
	for field, cfg := range map[string]llmtest.Config{
		"Duration":     {Duration: time.Second},
		"Rate":         {Rate: 5},
		"Turns":        {Turns: 3},
		"ArrivalTimes": {ArrivalTimes: []time.Duration{0}},
		"Warmup":       {Warmup: llmtest.Warmup{Requests: 2}},
	} {
		cfg.Endpoint = fastSim(t)
		hm, err := h.Run(context.Background(), llmtest.NewRunner(cfg))
		assert.Nil(t, hm, field)
		assert.EqualError(t, err, "workloads: Heatmap.Run: the runner's Config."+field+" is set: each cell sets its own load (Clients × Requests of its prompts)")
	}
}

// TestHeatmapInterrupted cancels a heatmap after its first cell: the
// heatmap comes back with that cell, the others empty, and Interrupted.
func TestHeatmapInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := workloads.Heatmap{Inputs: []int{10, 20}, Outputs: []int{4}, Prompts: workloads.Synthetic{Payload: openai.ChatPayload}}
	r := llmtest.NewRunner(llmtest.Config{Endpoint: fastSim(t), Progress: llmtest.Progress{Off: true},
		Callbacks: []llmtest.Callback{cancelAfter{cancel: cancel}}})
	hm, err := h.Run(ctx, r)
	require.ErrorIs(t, err, llmtest.ErrInterrupted)
	require.NotNil(t, hm)
	assert.True(t, hm.Interrupted)
	require.Len(t, hm.Cells, 2)
	assert.Equal(t, 1, hm.Cells[0].Requests)
	assert.Equal(t, [3]int{20, 4, 0}, [3]int{hm.Cells[1].Input, hm.Cells[1].Output, hm.Cells[1].Requests})
	var md bytes.Buffer
	require.NoError(t, reporters.WriteHeatmapMarkdown(&md, hm))
	assert.Contains(t, md.String(), "| 20 | — |")
	assert.Contains(t, md.String(), "Interrupted: ")
}

// cancelAfter cancels a run's context once its first request ends.
type cancelAfter struct {
	llmtest.NopCallback
	cancel context.CancelFunc
}

func (c cancelAfter) AfterInvoke(context.Context, *llmtest.Invocation) error { c.cancel(); return nil }
