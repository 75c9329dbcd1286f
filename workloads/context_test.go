package workloads_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/workloads"
)

// cancelOnBuild returns a PayloadFunc that builds chat payloads and cancels
// cancel once it has built n, and the count of those it built.
func cancelOnBuild(n int, cancel context.CancelFunc) (workloads.PayloadFunc, *int) {
	built := new(int)
	return func(prompt string, maxTokens int) (endpoints.Payload, error) {
		*built++
		if *built == n {
			cancel()
		}
		return openai.ChatPayload(prompt, maxTokens)
	}, built
}

// TestBuildingStopsWhenTheContextIsDone checks that each workload's
// Context form stops before the next item once ctx is done, returns no
// items, and says which request it stopped before; the plain forms build
// everything.
func TestBuildingStopsWhenTheContextIsDone(t *testing.T) {
	entries := make([]workloads.TraceEntry, 10)
	prompts := make([]workloads.Prompt, 10)
	for i := range entries {
		entries[i] = workloads.TraceEntry{InputLength: 12, OutputLength: 3, Where: "trace"}
		prompts[i] = workloads.Prompt{Text: "a short prompt", OutputTokens: 4, Where: "data"}
	}
	for name, build := range map[string]func(context.Context, workloads.PayloadFunc) ([]workloads.Item, error){
		"synthetic": func(ctx context.Context, p workloads.PayloadFunc) ([]workloads.Item, error) {
			s := workloads.Synthetic{Input: workloads.Fixed(12), Output: workloads.Fixed(3), Payload: p}
			return s.GenerateContext(ctx, 10)
		},
		"trace": func(ctx context.Context, p workloads.PayloadFunc) ([]workloads.Item, error) {
			tr := workloads.Trace{Entries: entries, Payload: p}
			return tr.ItemsContext(ctx)
		},
		"dataset": func(ctx context.Context, p workloads.PayloadFunc) ([]workloads.Item, error) {
			d := workloads.Dataset{Prompts: prompts, Payload: p}
			return d.ItemsContext(ctx)
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p, built := cancelOnBuild(3, cancel)
			items, err := build(ctx, p)
			require.ErrorIs(t, err, context.Canceled)
			assert.Nil(t, items)
			assert.Equal(t, 3, *built, "stops before the item after the cancel")
			assert.Contains(t, err.Error(), "workloads: stopped before request 4: ")

			p, built = cancelOnBuild(0, func() {})
			items, err = build(context.Background(), p)
			require.NoError(t, err)
			assert.Len(t, items, 10)
			assert.Equal(t, 10, *built)
		})
	}
}
