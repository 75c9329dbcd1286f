package openai

import (
	"errors"
	"fmt"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
)

// ChatPayload returns a Chat Completions payload with one user message and
// a limit of maxTokens output tokens ("max_tokens"), as LLMeter's OpenAI
// endpoint builds it. The message must not be empty or white space only,
// and maxTokens must be positive. The payload has no "model" (the
// Endpoint's Config.Model fills it in) and no "stream" (Prepare streams by
// default).
func ChatPayload(message string, maxTokens int) (endpoints.Payload, error) {
	if strings.TrimSpace(message) == "" {
		return nil, errors.New("openai: ChatPayload: message is empty")
	}
	if maxTokens <= 0 {
		return nil, fmt.Errorf("openai: ChatPayload: maxTokens: want a positive number, got %d", maxTokens)
	}
	return endpoints.Payload{
		"messages": []any{
			map[string]any{"role": "user", "content": message},
		},
		"max_tokens": maxTokens,
	}, nil
}

// CompletionPayload returns a Completions payload with one prompt and a
// limit of maxTokens output tokens ("max_tokens"). The prompt must not be
// empty or white space only, and maxTokens must be positive.
func CompletionPayload(prompt string, maxTokens int) (endpoints.Payload, error) {
	if strings.TrimSpace(prompt) == "" {
		return nil, errors.New("openai: CompletionPayload: prompt is empty")
	}
	if maxTokens <= 0 {
		return nil, fmt.Errorf("openai: CompletionPayload: maxTokens: want a positive number, got %d", maxTokens)
	}
	return endpoints.Payload{
		"prompt":     prompt,
		"max_tokens": maxTokens,
	}, nil
}

// ResponsesPayload returns a Responses API payload with input as its
// "input" (a string, which the API takes as one user message) and a limit
// of maxOutputTokens output tokens ("max_output_tokens"), reasoning
// included. The input must not be empty or white space only, and
// maxOutputTokens must be positive. The payload has no "model" (the
// Endpoint's Config.Model fills it in) and no "stream" (Prepare streams by
// default).
func ResponsesPayload(input string, maxOutputTokens int) (endpoints.Payload, error) {
	if strings.TrimSpace(input) == "" {
		return nil, errors.New("openai: ResponsesPayload: input is empty")
	}
	if maxOutputTokens <= 0 {
		return nil, fmt.Errorf("openai: ResponsesPayload: maxOutputTokens: want a positive number, got %d", maxOutputTokens)
	}
	return endpoints.Payload{
		"input":             input,
		"max_output_tokens": maxOutputTokens,
	}, nil
}
