package sim_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
)

// sdkClient returns the official OpenAI Go SDK pointed at s, without
// retries.
func sdkClient(t *testing.T, s *sim.Server, key string) openai.Client {
	t.Helper()
	return openai.NewClient(
		option.WithBaseURL(s.URL+"/v1/"),
		option.WithAPIKey(key),
		option.WithMaxRetries(0),
		option.WithHTTPClient(client(t)),
	)
}

// TestServerOpenAISDK proves the wire format against independent code: the
// official SDK must read the content, finish reason and usage the model
// planned. With one client the N-th request gets the N-th plan, so a twin
// model predicts each.
func TestServerOpenAISDK(t *testing.T) {
	const key = "sk-sim-sdk-test"
	s := sim.Start(t, sim.ServerConfig{APIKey: key, Config: sim.Config{Seed: 42, Model: "sim-7b", MinOutputTokens: 5, MaxOutputTokens: 40, TokensPerChunk: 2}})
	twin := twinOf(t, s)
	c := sdkClient(t, s, key)
	ctx := t.Context()
	messages := []openai.ChatCompletionMessageParamUnion{
		openai.SystemMessage("you are terse"),
		openai.UserMessage("count to ten"),
	}

	t.Run("chat streaming", func(t *testing.T) {
		for _, maxTokens := range []int64{0, 17} {
			params := openai.ChatCompletionNewParams{
				Model:         "sim-7b",
				Messages:      messages,
				StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
			}
			finish := "stop"
			if maxTokens > 0 {
				params.MaxTokens = openai.Int(maxTokens)
				finish = "length"
			}
			stream := c.Chat.Completions.NewStreaming(ctx, params)
			var acc openai.ChatCompletionAccumulator
			chunks := 0
			for stream.Next() {
				chunk := stream.Current()
				acc.AddChunk(chunk)
				if len(chunk.Choices) > 0 && chunk.Choices[0].Delta.Content != "" {
					chunks++
				}
			}
			require.NoError(t, stream.Err())
			plan := twin.Plan(6, int(maxTokens))
			assert.Equal(t, plan.ID, acc.ID)
			assert.Equal(t, "sim-7b", acc.Model)
			require.Len(t, acc.Choices, 1)
			assert.Equal(t, twin.Text(plan), acc.Choices[0].Message.Content)
			assert.Equal(t, "assistant", string(acc.Choices[0].Message.Role))
			assert.Equal(t, finish, acc.Choices[0].FinishReason)
			assert.Equal(t, (plan.OutputTokens+1)/2, chunks, "two tokens per chunk")
			assert.EqualValues(t, 6, acc.Usage.PromptTokens)
			assert.EqualValues(t, plan.OutputTokens, acc.Usage.CompletionTokens)
			assert.EqualValues(t, 6+plan.OutputTokens, acc.Usage.TotalTokens)
		}
	})

	t.Run("chat", func(t *testing.T) {
		res, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model:               "sim-7b",
			Messages:            messages,
			MaxCompletionTokens: openai.Int(9),
		})
		require.NoError(t, err)
		plan := twin.Plan(6, 9)
		assert.Equal(t, plan.ID, res.ID)
		require.Len(t, res.Choices, 1)
		assert.Equal(t, twin.Text(plan), res.Choices[0].Message.Content)
		assert.Equal(t, "length", res.Choices[0].FinishReason)
		assert.EqualValues(t, 9, res.Usage.CompletionTokens)
		assert.EqualValues(t, 15, res.Usage.TotalTokens)
	})

	t.Run("completions streaming", func(t *testing.T) {
		stream := c.Completions.NewStreaming(ctx, openai.CompletionNewParams{
			Model:         "sim-7b",
			Prompt:        openai.CompletionNewParamsPromptUnion{OfString: openai.String("once upon a time")},
			StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
		})
		var text, finish string
		var usage openai.CompletionUsage
		for stream.Next() {
			chunk := stream.Current()
			if len(chunk.Choices) > 0 {
				text += chunk.Choices[0].Text
				if chunk.Choices[0].FinishReason != "" {
					finish = string(chunk.Choices[0].FinishReason)
				}
			}
			if chunk.Usage.TotalTokens > 0 {
				usage = chunk.Usage
			}
		}
		require.NoError(t, stream.Err())
		plan := twin.Plan(4, 0)
		assert.Equal(t, twin.Text(plan), text)
		assert.Equal(t, "stop", finish)
		assert.EqualValues(t, 4, usage.PromptTokens)
		assert.EqualValues(t, plan.OutputTokens, usage.CompletionTokens)
	})

	t.Run("completions", func(t *testing.T) {
		res, err := c.Completions.New(ctx, openai.CompletionNewParams{
			Model:     "sim-7b",
			Prompt:    openai.CompletionNewParamsPromptUnion{OfArrayOfStrings: []string{"a b", "c"}},
			MaxTokens: openai.Int(3),
		})
		require.NoError(t, err)
		plan := twin.Plan(3, 3)
		assert.Equal(t, plan.ID, res.ID)
		require.Len(t, res.Choices, 1)
		assert.Equal(t, twin.Text(plan), res.Choices[0].Text)
		assert.Equal(t, "length", string(res.Choices[0].FinishReason))
		assert.EqualValues(t, 3, res.Usage.CompletionTokens)
	})

	t.Run("responses streaming", func(t *testing.T) {
		for _, maxTokens := range []int64{0, 11} {
			params := responses.ResponseNewParams{
				Model:        "sim-7b",
				Instructions: openai.String("you are terse"),
				Input:        responses.ResponseNewParamsInputUnion{OfString: openai.String("count to ten")},
			}
			status, final := responses.ResponseStatusCompleted, "response.completed"
			if maxTokens > 0 {
				params.MaxOutputTokens = openai.Int(maxTokens)
				status, final = responses.ResponseStatusIncomplete, "response.incomplete"
			}
			stream := c.Responses.NewStreaming(ctx, params)
			var text, last string
			var res responses.Response
			deltas, n := 0, int64(0)
			for stream.Next() {
				ev := stream.Current()
				assert.Equal(t, n, ev.SequenceNumber, ev.Type)
				n++
				last = ev.Type
				switch ev.Type {
				case "response.output_text.delta":
					text += ev.Delta
					deltas++
				case "response.output_text.done":
					assert.Equal(t, text, ev.Text)
				case "response.completed", "response.incomplete":
					res = ev.Response
				}
			}
			require.NoError(t, stream.Err())
			plan := twin.Plan(6, int(maxTokens))
			assert.Equal(t, final, last, "the stream ends with the final event")
			assert.Equal(t, "resp_sim_"+strconv.FormatUint(plan.Seq, 10), res.ID)
			assert.Equal(t, "sim-7b", res.Model)
			assert.Equal(t, status, res.Status)
			assert.Equal(t, twin.Text(plan), text)
			assert.Equal(t, text, res.OutputText())
			assert.Equal(t, (plan.OutputTokens+1)/2, deltas, "two tokens per chunk")
			assert.EqualValues(t, 6, res.Usage.InputTokens)
			assert.EqualValues(t, plan.OutputTokens, res.Usage.OutputTokens)
			assert.EqualValues(t, 6+plan.OutputTokens, res.Usage.TotalTokens)
			if maxTokens > 0 {
				assert.Equal(t, "max_output_tokens", res.IncompleteDetails.Reason)
			}
		}
	})

	t.Run("responses", func(t *testing.T) {
		res, err := c.Responses.New(ctx, responses.ResponseNewParams{
			Model: "sim-7b",
			Input: responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
				responses.ResponseInputItemParamOfMessage("you are terse", responses.EasyInputMessageRoleSystem),
				responses.ResponseInputItemParamOfMessage("count to ten", responses.EasyInputMessageRoleUser),
			}},
			Reasoning: openai.ReasoningParam{Effort: openai.ReasoningEffortLow, Summary: openai.ReasoningSummaryAuto},
		})
		require.NoError(t, err)
		plan := twin.Plan(6, 0)
		assert.Equal(t, "resp_sim_"+strconv.FormatUint(plan.Seq, 10), res.ID)
		assert.Equal(t, responses.ResponseStatusCompleted, res.Status)
		require.Len(t, res.Output, 2)
		assert.Equal(t, "reasoning", res.Output[0].Type)
		require.Len(t, res.Output[0].Summary, 1)
		summary := res.Output[0].Summary[0].Text
		assert.Equal(t, "message", res.Output[1].Type)
		assert.Equal(t, twin.Text(plan), summary+" "+res.OutputText())
		assert.EqualValues(t, sim.ThinkingTokens, res.Usage.OutputTokensDetails.ReasoningTokens)
		assert.EqualValues(t, plan.OutputTokens, res.Usage.OutputTokens)
	})

	t.Run("models", func(t *testing.T) {
		page, err := c.Models.List(ctx)
		require.NoError(t, err)
		require.Len(t, page.Data, 1)
		assert.Equal(t, "sim-7b", page.Data[0].ID)
		assert.Equal(t, "llmtest", page.Data[0].OwnedBy)
	})

	t.Run("errors", func(t *testing.T) {
		bad := sdkClient(t, s, "sk-wrong")
		_, err := bad.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "sim-7b", Messages: messages})
		var apiErr *openai.Error
		require.True(t, errors.As(err, &apiErr), "%v", err)
		assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
		assert.Equal(t, "invalid_api_key", apiErr.Code)
		assert.NotContains(t, apiErr.Message, "sk-")

		_, err = c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "sim-7b", Messages: messages, MaxTokens: openai.Int(-1)})
		require.True(t, errors.As(err, &apiErr), "%v", err)
		assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
		assert.Equal(t, "invalid_request_error", apiErr.Type)
		assert.Contains(t, apiErr.Message, `"max_tokens"`)

		_, err = bad.Responses.New(ctx, responses.ResponseNewParams{Model: "sim-7b", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")}})
		require.True(t, errors.As(err, &apiErr), "%v", err)
		assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
		assert.Equal(t, "invalid_api_key", apiErr.Code)
	})
}
