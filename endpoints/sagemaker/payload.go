package sagemaker

import (
	"errors"
	"fmt"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
)

// TGIPayload returns a TGI-style payload: prompt as "inputs", and
// "parameters" with "max_new_tokens" and "details": true, which asks TGI
// for the number of generated tokens in a non-streamed response (a
// stream's last line carries it unasked). prompt must not be empty or
// white space only, and maxNewTokens must be positive. Prepare adds
// "stream".
func TGIPayload(prompt string, maxNewTokens int) (endpoints.Payload, error) {
	if strings.TrimSpace(prompt) == "" {
		return nil, errors.New("sagemaker: TGIPayload: prompt is empty")
	}
	if maxNewTokens <= 0 {
		return nil, fmt.Errorf("sagemaker: TGIPayload: maxNewTokens: want a positive number, got %d", maxNewTokens)
	}
	return endpoints.Payload{
		"inputs":     prompt,
		"parameters": map[string]any{"max_new_tokens": maxNewTokens, "details": true},
	}, nil
}

// ChatPayload returns an OpenAI-style payload: one user message of text,
// and "max_tokens". text must not be empty or white space only, and
// maxTokens must be positive. Prepare adds "stream" and, for a stream,
// "stream_options".
func ChatPayload(text string, maxTokens int) (endpoints.Payload, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("sagemaker: ChatPayload: text is empty")
	}
	if maxTokens <= 0 {
		return nil, fmt.Errorf("sagemaker: ChatPayload: maxTokens: want a positive number, got %d", maxTokens)
	}
	return endpoints.Payload{
		"messages":   []any{map[string]any{"role": "user", "content": text}},
		"max_tokens": maxTokens,
	}, nil
}
