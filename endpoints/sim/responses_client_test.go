package sim_test

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
	openaiep "github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/tokenizers"
)

const responsesKey = "sk-sim-responses-key-42"

// responsesEndpoint returns llmtest's own OpenAI endpoint for the Responses
// API of s, given the URL as the llmtest command passes it (with "/v1").
func responsesEndpoint(t *testing.T, s *sim.Server, key string) *openaiep.Endpoint {
	t.Helper()
	e, err := openaiep.New(openaiep.Config{
		BaseURL:    s.URL + "/v1",
		APIKey:     key,
		Model:      "sim-model",
		API:        openaiep.Responses,
		HTTPClient: client(t),
	})
	require.NoError(t, err)
	return e
}

// invokeResponses prepares p and invokes e with it, within 10s.
func invokeResponses(t *testing.T, e *openaiep.Endpoint, p endpoints.Payload, rec endpoints.Recorder) error {
	t.Helper()
	req, err := e.Prepare(p)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return e.Invoke(ctx, req, rec)
}

// responsesPayload has a prompt of 5 words; maxTokens 0 leaves
// max_output_tokens out, and stream false asks for one body (Prepare
// streams by default).
func responsesPayload(t *testing.T, maxTokens int, stream, summary bool) endpoints.Payload {
	t.Helper()
	p, err := openaiep.ResponsesPayload("tell me a story now", max(maxTokens, 1))
	require.NoError(t, err)
	if maxTokens == 0 {
		delete(p, "max_output_tokens")
	}
	if !stream {
		p["stream"] = false
	}
	if summary {
		p["reasoning"] = map[string]any{"effort": "low", "summary": "auto"}
	}
	return p
}

// TestServerResponsesOpenAIEndpoint drives the simulator with llmtest's own
// Responses API client, streaming and not: it must read the text, the
// reasoning, the usage and the id the model planned, and report a cut
// stream, a 500 and a 429 as failures.
func TestServerResponsesOpenAIEndpoint(t *testing.T) {
	ws := tokenizers.Whitespace{}
	tests := []struct {
		name    string
		cfg     sim.Config
		max     int
		stream  bool
		summary bool
	}{
		{"stream, incomplete at max_output_tokens", sim.Config{Seed: 1}, 16, true, false},
		{"stream, completed", sim.Config{Seed: 2, MinOutputTokens: 5, MaxOutputTokens: 30}, 0, true, false},
		{"stream in chunks", sim.Config{Seed: 3, TokensPerChunk: 3}, 16, true, false},
		{"stream, timed", sim.Config{Seed: 4, InterTokenLatency: time.Millisecond}, 8, true, false},
		{"stream with reasoning", sim.Config{Seed: 5, TokensPerChunk: 2}, 20, true, true},
		{"whole", sim.Config{Seed: 6}, 16, false, false},
		{"whole, completed", sim.Config{Seed: 7, MinOutputTokens: 5, MaxOutputTokens: 30}, 0, false, false},
		{"whole with reasoning", sim.Config{Seed: 8}, 20, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sim.Start(t, sim.ServerConfig{Config: tt.cfg, APIKey: responsesKey})
			twin := twinOf(t, s)
			e := responsesEndpoint(t, s, responsesKey)
			var rec endpointstest.Recorder
			require.NoError(t, invokeResponses(t, e, responsesPayload(t, tt.max, tt.stream, tt.summary), &rec))
			plan := twin.Plan(5, tt.max)
			full := twin.Text(plan)

			assert.Equal(t, "resp_sim_1", rec.ResponseID)
			think := 0
			if tt.summary {
				think = sim.ThinkingTokens
			}
			assert.Equal(t, endpoints.Usage{InputTokens: 5, OutputTokens: plan.OutputTokens, ReasoningTokens: think}, rec.LastUsage)
			if tt.stream {
				assert.Zero(t, rec.CompleteCalls)
				if !tt.summary {
					tpc := max(tt.cfg.TokensPerChunk, 1)
					assert.Len(t, rec.Chunks, (plan.OutputTokens+tpc-1)/tpc, "one text delta per chunk")
				}
			} else {
				assert.Equal(t, 1, rec.CompleteCalls)
				assert.Empty(t, rec.Chunks)
			}
			text := rec.Output()
			if !tt.summary {
				assert.Equal(t, full, text)
				assert.Empty(t, rec.ReasoningChunks)
				return
			}
			reasoning := strings.Join(rec.ReasoningChunks, "")
			assert.Equal(t, think, ws.Count(reasoning), "reasoning tokens")
			assert.Equal(t, plan.OutputTokens-think, ws.Count(text), "text tokens")
			assert.Equal(t, full, reasoning+" "+text)
		})
	}

	t.Run("mid-stream cut", func(t *testing.T) {
		for _, cfg := range []sim.Config{
			{Seed: 9, MidStreamFailureRate: 1},
			{Seed: 9, MidStreamFailureRate: 1, InterTokenLatency: time.Millisecond},
		} {
			s := sim.Start(t, sim.ServerConfig{Config: cfg, APIKey: responsesKey})
			twin := twinOf(t, s)
			e := responsesEndpoint(t, s, responsesKey)
			var rec endpointstest.Recorder
			err := invokeResponses(t, e, responsesPayload(t, 20, true, false), &rec)
			require.ErrorIs(t, err, endpoints.ErrIncompleteStream)
			plan := twin.Plan(5, 20)
			require.Equal(t, sim.FaultMidStream, plan.Fault)
			assert.Len(t, rec.Chunks, plan.FaultAt, "the tokens before the cut")
			assert.True(t, strings.HasPrefix(twin.Text(plan), rec.Output()))
			assert.Equal(t, "resp_sim_1", rec.ResponseID, "response.created came")
			assert.Zero(t, rec.UsageCalls, "no usage without the final event")

			// Not streaming, the request fails without a response.
			rec.Reset()
			err = invokeResponses(t, e, responsesPayload(t, 20, false, false), &rec)
			require.Error(t, err)
			var serr *endpoints.StatusError
			assert.False(t, errors.As(err, &serr), "a cut connection, not a status: %v", err)
			assert.Zero(t, rec.CompleteCalls)
			waitFor(t, "capacity to be freed", func() bool { return s.Model().InFlight() == 0 })
		}
	})

	t.Run("injected error", func(t *testing.T) {
		s := sim.Start(t, sim.ServerConfig{Config: sim.Config{ErrorRate: 1, FirstTokenLatency: time.Millisecond}, APIKey: responsesKey})
		e := responsesEndpoint(t, s, responsesKey)
		for _, stream := range []bool{true, false} {
			var rec endpointstest.Recorder
			err := invokeResponses(t, e, responsesPayload(t, 16, stream, false), &rec)
			var serr *endpoints.StatusError
			require.ErrorAs(t, err, &serr)
			assert.Equal(t, 500, serr.StatusCode)
			assert.Contains(t, serr.Message, "injected fault (error)")
			assert.Empty(t, rec.Events)
		}
	})

	t.Run("overloaded", func(t *testing.T) {
		s := sim.Start(t, sim.ServerConfig{
			Config:     sim.Config{Capacity: 1, MaxQueue: 1, InterTokenLatency: time.Hour},
			APIKey:     responsesKey,
			RetryAfter: 2 * time.Second,
		})
		m := s.Model()
		e := responsesEndpoint(t, s, responsesKey)
		req, err := e.Prepare(responsesPayload(t, 16, true, false))
		require.NoError(t, err)

		// The first request holds the one slot (it has its first token),
		// the second the one place in the queue; both end with ctx.
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		results := make(chan error, 2)
		go func() { results <- e.Invoke(ctx, req, &endpointstest.Recorder{}) }()
		waitFor(t, "the first request to generate", func() bool { return m.InFlight() == 1 })
		go func() { results <- e.Invoke(ctx, req, &endpointstest.Recorder{}) }()
		waitFor(t, "the second request to queue", func() bool { return m.Queued() == 1 })

		var rec endpointstest.Recorder
		err = invokeResponses(t, e, responsesPayload(t, 16, true, false), &rec)
		var serr *endpoints.StatusError
		require.ErrorAs(t, err, &serr)
		assert.Equal(t, 429, serr.StatusCode)
		assert.Equal(t, 2*time.Second, serr.RetryAfter)
		assert.Contains(t, serr.Message, "queue is full")
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
	})

	t.Run("wrong key", func(t *testing.T) {
		s := sim.Start(t, sim.ServerConfig{APIKey: responsesKey})
		const wrong = "sk-sim-wrong-key-0987654321"
		for _, key := range []string{wrong, ""} {
			var rec endpointstest.Recorder
			err := invokeResponses(t, responsesEndpoint(t, s, key), responsesPayload(t, 16, true, false), &rec)
			var serr *endpoints.StatusError
			require.ErrorAs(t, err, &serr)
			assert.Equal(t, 401, serr.StatusCode)
			assert.NotContains(t, err.Error(), wrong)
			assert.NotContains(t, err.Error(), responsesKey)
			assert.Empty(t, rec.Events)
		}
	})
}
