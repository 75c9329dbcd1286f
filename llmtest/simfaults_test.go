package llmtest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/sim"
)

// TestAccountingUnderSimulatorFaults runs the in-process simulator with
// every fault it can inject and checks that each request sent is in the
// result exactly once, succeeded or failed, and that the failures are the
// faults the model planned. The model is deterministic per seed apart from
// timing, so a twin model tells how many faults the first n requests get.
func TestAccountingUnderSimulatorFaults(t *testing.T) {
	cfg := sim.Config{
		Seed:                 7,
		FirstTokenLatency:    time.Millisecond,
		InterTokenLatency:    100 * time.Microsecond,
		MaxOutputTokens:      12,
		Capacity:             4,
		ErrorRate:            0.1,
		MidStreamFailureRate: 0.1,
		StallRate:            0.05,
		StallDuration:        10 * time.Second, // far beyond Timeout: a stall is a timeout
	}
	for round := range 3 {
		ep, err := sim.New(cfg)
		require.NoError(t, err)
		const clients, perClient = 8, 25
		res, err := (&Runner{}).Run(t.Context(), Config{
			Endpoint: ep, Clients: clients, Requests: perClient, Timeout: 200 * time.Millisecond,
			Payloads: []endpoints.Payload{{"messages": []any{map[string]any{"role": "user", "content": "hi there"}}}},
		})
		require.NoError(t, err)

		twin, err := sim.NewModel(cfg)
		require.NoError(t, err)
		want := map[sim.Fault]int{}
		for range clients * perClient {
			want[twin.Plan(2, 0).Fault]++
		}
		got := map[string]int{}
		for _, inv := range res.Invocations {
			switch {
			case !inv.Failed():
				got["ok"]++
			case strings.HasPrefix(inv.Error, "timeout"):
				got["stall"]++
			case strings.Contains(inv.Error, "(mid-stream)"):
				got["mid-stream"]++
				assert.NotEmpty(t, inv.ResponseText, "tokens before the cut are kept")
			case strings.Contains(inv.Error, "(error)"):
				got["error"]++
			default:
				t.Errorf("unexpected error %q", inv.Error)
			}
		}
		assert.Equal(t, clients*perClient, res.Stats.TotalRequests, "round %d: requests sent", round)
		assert.Equal(t, res.Stats.TotalRequests, got["ok"]+res.Stats.FailedRequests, "sent = succeeded + failed")
		assert.Equal(t, want[sim.FaultNone], got["ok"], "round %d", round)
		assert.Equal(t, want[sim.FaultError], got["error"], "round %d", round)
		assert.Equal(t, want[sim.FaultMidStream], got["mid-stream"], "round %d", round)
		assert.Equal(t, want[sim.FaultStall], got["stall"], "round %d", round)
		assert.Positive(t, got["stall"]*got["error"]*got["mid-stream"], "every fault occurred")
	}
}
