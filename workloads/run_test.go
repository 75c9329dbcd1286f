package workloads_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/workloads"
)

// fastSim returns the in-process simulator with small latencies.
func fastSim(t *testing.T) *sim.Endpoint {
	t.Helper()
	ep, err := sim.New(sim.Config{Seed: 1, FirstTokenLatency: time.Millisecond, InterTokenLatency: 50 * time.Microsecond})
	require.NoError(t, err)
	return ep
}

// TestWorkloadsRunFromGo runs the workloads through llmtest from
// Go against the simulator: synthetic prompts at a rate, a ShareGPT file
// and a trace replayed on its schedule. (Conversations and the heatmap
// have their own tests: llmtest's TestTurnStatsSim, and
// TestHeatmapAgainstSimulator.)
func TestWorkloadsRunFromGo(t *testing.T) {
	t.Run("synthetic at a rate", func(t *testing.T) {
		input, err := workloads.ParseLengths("normal:1000,100")
		require.NoError(t, err)
		s := workloads.Synthetic{Input: input, Output: workloads.Fixed(200), Seed: 7, Payload: openai.ChatPayload}
		items, err := s.Generate(40)
		require.NoError(t, err)
		drawn := map[int]bool{}
		for _, it := range items {
			drawn[it.InputTokens] = true
		}
		res, err := llmtest.NewRunner(llmtest.Config{Endpoint: fastSim(t), Progress: llmtest.Progress{Off: true}}).Run(context.Background(), llmtest.Config{
			Payloads: workloads.Payloads(items), Rate: 10, Duration: 2 * time.Second,
		})
		require.NoError(t, err)
		assert.Equal(t, 20, res.Run.Counts.Total, "10 requests/s for 2 s")
		assert.Zero(t, res.Run.Counts.Failed)
		for _, inv := range res.Invocations {
			assert.True(t, drawn[inv.NumTokensInput], "request %s: %d input tokens, not a drawn length", inv.ID, inv.NumTokensInput)
			assert.LessOrEqual(t, inv.NumTokensOutput, 200, "request %s: the output limit", inv.ID)
			assert.False(t, inv.IntendedTime.IsZero(), "an open loop's request has an intended time")
		}
	})

	t.Run("sharegpt", func(t *testing.T) {
		ps, err := workloads.LoadDataset("sharegpt:" + writeFile(t, "sg.json", shareGPT))
		require.NoError(t, err)
		items, err := (&workloads.Dataset{Prompts: ps, Payload: openai.ChatPayload}).Items()
		require.NoError(t, err)
		res, err := llmtest.NewRunner(llmtest.Config{Endpoint: fastSim(t), Progress: llmtest.Progress{Off: true}}).Run(context.Background(), llmtest.Config{
			Payloads: workloads.Payloads(items), Clients: 1, Requests: len(items),
		})
		require.NoError(t, err)
		require.Len(t, res.Invocations, 2)
		for i, inv := range res.Invocations {
			assert.True(t, inv.Succeeded(), "request %d: %s", i, inv.Error)
			assert.Equal(t, items[i].InputTokens, inv.NumTokensInput, "request %d: the human turn is the prompt", i)
			assert.LessOrEqual(t, inv.NumTokensOutput, items[i].OutputTokens, "request %d: the reply's length limits the output", i)
		}
	})

	t.Run("trace", func(t *testing.T) {
		tr := workloads.Trace{
			Entries: []workloads.TraceEntry{
				{Timestamp: 0, InputLength: 40, OutputLength: 4, HashIDs: []int{1}},
				{Timestamp: 200 * time.Millisecond, InputLength: 60, OutputLength: 8, HashIDs: []int{1, 2}},
				{Timestamp: 600 * time.Millisecond, InputLength: 20, OutputLength: 2},
			},
			Speed: 2, BlockSize: 16, Payload: openai.ChatPayload,
		}
		items, err := tr.Items()
		require.NoError(t, err)
		at, err := tr.ArrivalTimes()
		require.NoError(t, err)
		res, err := llmtest.NewRunner(llmtest.Config{Endpoint: fastSim(t), Progress: llmtest.Progress{Off: true}}).Run(context.Background(), llmtest.Config{
			Payloads: workloads.Payloads(items), ArrivalTimes: at,
		})
		require.NoError(t, err)
		require.Len(t, res.Invocations, 3)
		invs := slices.Clone(res.Invocations)
		slices.SortFunc(invs, func(a, b llmtest.Invocation) int { return a.IntendedTime.Compare(b.IntendedTime) })
		for i, want := range []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond} {
			assert.Equal(t, want, invs[i].IntendedTime.Sub(invs[0].IntendedTime), "entry %d is due at its timestamp / speed", i)
			assert.Equal(t, tr.Entries[i].InputLength, invs[i].NumTokensInput, "entry %d: its input length", i)
		}
	})
}
