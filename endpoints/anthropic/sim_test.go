package anthropic

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/tokenizers"
)

const simKey = "sk-ant-sim-key-42"

// newSim starts the simulator with cfg and simKey, and returns it with an
// endpoint for it, given the URL as the llmtest command passes it (with
// "/v1"), and a twin model that predicts its plans.
func newSim(t *testing.T, cfg sim.Config) (*sim.Server, *Endpoint, *sim.Model) {
	t.Helper()
	s, err := sim.NewServer(sim.ServerConfig{Config: cfg, APIKey: simKey, RetryAfter: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	e, err := New(Config{BaseURL: s.URL + "/v1", APIKey: simKey, Model: "claude-sim"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	twin, err := sim.NewModel(s.Model().Config())
	require.NoError(t, err)
	return s, e, twin
}

// simPayload has a prompt of 7 words: "be brief" and "tell me a story now".
func simPayload(maxTokens int, stream bool, thinkingBudget int) endpoints.Payload {
	p := endpoints.Payload{
		"system":     []any{map[string]any{"type": "text", "text": "be brief"}},
		"messages":   []any{map[string]any{"role": "user", "content": "tell me a story now"}},
		"max_tokens": maxTokens,
		"stream":     stream,
	}
	if thinkingBudget > 0 {
		p["thinking"] = map[string]any{"type": "enabled", "budget_tokens": thinkingBudget}
	}
	return p
}

func TestSimulator(t *testing.T) {
	ws := tokenizers.Whitespace{}
	tests := []struct {
		name     string
		cfg      sim.Config
		stream   bool
		budget   int
		thinking int // thinking tokens expected
	}{
		{"stream", sim.Config{Seed: 1, MinOutputTokens: 10, MaxOutputTokens: 20}, true, 0, 0},
		{"stream in chunks", sim.Config{Seed: 2, MinOutputTokens: 20, MaxOutputTokens: 20, TokensPerChunk: 3}, true, 0, 0},
		{"stream, timed", sim.Config{Seed: 3, MinOutputTokens: 8, MaxOutputTokens: 8, InterTokenLatency: time.Millisecond}, true, 0, 0},
		{"stream with thinking", sim.Config{Seed: 4, MinOutputTokens: 20, MaxOutputTokens: 20}, true, 5, 5},
		{"whole", sim.Config{Seed: 5, MinOutputTokens: 10, MaxOutputTokens: 20}, false, 0, 0},
		{"whole with thinking", sim.Config{Seed: 6, MinOutputTokens: 20, MaxOutputTokens: 20}, false, 16, sim.ThinkingTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e, twin := newSim(t, tt.cfg)
			var rec endpointstest.Recorder
			require.NoError(t, invoke(t, e, simPayload(64, tt.stream, tt.budget), &rec))
			plan := twin.PlanCapped(7, 64)
			full := twin.Text(plan)

			assert.Equal(t, "msg_sim_1", rec.ResponseID)
			assert.Equal(t, endpoints.Usage{InputTokens: 7, OutputTokens: plan.OutputTokens}, rec.LastUsage)
			if tt.stream {
				assert.Zero(t, rec.CompleteCalls)
				if tt.thinking == 0 {
					tpc := max(tt.cfg.TokensPerChunk, 1)
					chunks := (plan.OutputTokens + tpc - 1) / tpc
					assert.Len(t, rec.Chunks, chunks, "one text delta per chunk")
				}
			} else {
				assert.Equal(t, 1, rec.CompleteCalls)
				assert.Empty(t, rec.Chunks)
			}
			text := rec.Output()
			if tt.thinking == 0 {
				assert.Equal(t, full, text)
				assert.Empty(t, rec.ReasoningChunks)
				return
			}
			thinking := strings.Join(rec.ReasoningChunks, "")
			assert.Equal(t, tt.thinking, ws.Count(thinking), "thinking tokens")
			assert.Equal(t, plan.OutputTokens-tt.thinking, ws.Count(text), "text tokens")
			assert.Equal(t, full, thinking+" "+text)
			assert.Equal(t, "reasoning", firstOf(rec.Events, "reasoning", "text", "complete"), "thinking comes first")
		})
	}
}

func firstOf(events []string, names ...string) string {
	for _, ev := range events {
		for _, n := range names {
			if ev == n {
				return ev
			}
		}
	}
	return ""
}

func TestSimulatorWrongKey(t *testing.T) {
	s, _, _ := newSim(t, sim.Config{})
	const wrong = "sk-ant-wrong-key-0987654321"
	e, err := New(Config{BaseURL: s.URL, APIKey: wrong, Model: "m"})
	require.NoError(t, err)
	var rec endpointstest.Recorder
	err = invoke(t, e, simPayload(16, true, 0), &rec)
	var serr *endpoints.StatusError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, 401, serr.StatusCode)
	assert.Contains(t, serr.Message, "authentication_error: ")
	assert.NotContains(t, err.Error(), wrong)
	assert.NotContains(t, err.Error(), simKey)
	assert.Empty(t, rec.Events)

	e, err = New(Config{BaseURL: s.URL, Model: "m"}) // no key at all
	require.NoError(t, err)
	err = invoke(t, e, simPayload(16, true, 0), &rec)
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, 401, serr.StatusCode)
	assert.Contains(t, serr.Message, "x-api-key")
}

func TestSimulatorOverloaded(t *testing.T) {
	s, e, _ := newSim(t, sim.Config{Capacity: 1, MaxQueue: 1, InterTokenLatency: time.Hour, MinOutputTokens: 5, MaxOutputTokens: 5})
	m := s.Model()
	req, err := e.Prepare(simPayload(16, true, 0))
	require.NoError(t, err)

	// The first request holds the one slot, the second the one place in
	// the queue; both end when ctx is cancelled.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	results := make(chan error, 2)
	first := &cancelRecorder{}
	started := make(chan struct{})
	first.onText = func() { close(started) }
	go func() { results <- e.Invoke(ctx, req, first) }()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the first request got no token")
	}
	require.Equal(t, 1, m.InFlight())
	go func() { results <- e.Invoke(ctx, req, &endpointstest.Recorder{}) }()
	waitFor(t, "the second request to queue", func() bool { return m.Queued() == 1 })

	var rec endpointstest.Recorder
	err = invoke(t, e, simPayload(16, true, 0), &rec)
	var serr *endpoints.StatusError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, 429, serr.StatusCode)
	assert.Equal(t, 2*time.Second, serr.RetryAfter)
	assert.Contains(t, serr.Message, "rate_limit_error: ")
	assert.Contains(t, err.Error(), "(retry after 2s)")
	assert.Empty(t, rec.Events)

	cancel()
	for range 2 {
		select {
		case err := <-results:
			assert.ErrorIs(t, err, context.Canceled)
		case <-time.After(10 * time.Second):
			t.Fatal("Invoke did not return after its context ended")
		}
	}
	waitFor(t, "capacity to be freed", func() bool { return m.InFlight() == 0 && m.Queued() == 0 })
}

func TestSimulatorFaults(t *testing.T) {
	t.Run("injected error", func(t *testing.T) {
		s, e, _ := newSim(t, sim.Config{ErrorRate: 1, FirstTokenLatency: time.Millisecond})
		for _, stream := range []bool{true, false} {
			var rec endpointstest.Recorder
			err := invoke(t, e, simPayload(16, stream, 0), &rec)
			var serr *endpoints.StatusError
			require.ErrorAs(t, err, &serr)
			assert.Equal(t, 500, serr.StatusCode)
			assert.Contains(t, serr.Message, "api_error: ")
			assert.Contains(t, serr.Message, "injected fault")
			assert.Empty(t, rec.Events)
		}
		assert.Equal(t, 0, s.Model().InFlight())
	})
	for _, tc := range []struct {
		name string
		cfg  sim.Config
	}{
		{"mid-stream cut", sim.Config{Seed: 9, MidStreamFailureRate: 1, MinOutputTokens: 20, MaxOutputTokens: 20}},
		{"mid-stream cut, timed", sim.Config{Seed: 9, MidStreamFailureRate: 1, MinOutputTokens: 20, MaxOutputTokens: 20, InterTokenLatency: time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, e, twin := newSim(t, tc.cfg)
			var rec endpointstest.Recorder
			err := invoke(t, e, simPayload(64, true, 0), &rec)
			require.ErrorIs(t, err, endpoints.ErrIncompleteStream)
			plan := twin.PlanCapped(7, 64)
			require.Equal(t, sim.FaultMidStream, plan.Fault)
			assert.Len(t, rec.Chunks, plan.FaultAt, "the tokens before the cut")
			assert.True(t, strings.HasPrefix(twin.Text(plan), rec.Output()))
			assert.Equal(t, endpoints.Usage{InputTokens: 7}, rec.LastUsage, "no output count without message_delta")
			var rerr *ResponseError
			assert.False(t, errors.As(err, &rerr))
			waitFor(t, "capacity to be freed", func() bool { return s.Model().InFlight() == 0 })
		})
	}
}

// waitFor waits until cond holds, failing the test after 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, time.Millisecond, "timed out waiting for %s", what)
}

func TestSimulatorPromptMatchesInputTokens(t *testing.T) {
	_, e, _ := newSim(t, sim.Config{})
	req, err := e.Prepare(simPayload(16, true, 0))
	require.NoError(t, err)
	assert.Equal(t, "be brief\ntell me a story now", req.Prompt)
	var rec endpointstest.Recorder
	require.NoError(t, e.Invoke(t.Context(), req, &rec))
	assert.Equal(t, tokenizers.Whitespace{}.Count(req.Prompt), rec.LastUsage.InputTokens, "the simulator counts the prompt's words")
}
