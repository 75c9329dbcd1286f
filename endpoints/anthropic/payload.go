package anthropic

import (
	"errors"
	"fmt"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
)

// MessagesPayload returns a Messages payload with one user message and a
// limit of maxTokens output tokens ("max_tokens"), validated as LLMeter
// validates its payload builders: the message must not be empty or white
// space only, maxTokens must be positive, and thinkingBudget must be at
// least 0 and less than maxTokens. A positive thinkingBudget enables
// extended thinking with that budget ("thinking": {"type": "enabled",
// "budget_tokens": thinkingBudget}); thinking tokens count against
// max_tokens, as Anthropic bills them. The payload has no "model" (the
// Endpoint's Config.Model fills it in) and no "stream" (Prepare streams by
// default).
func MessagesPayload(message string, maxTokens int, thinkingBudget int) (endpoints.Payload, error) {
	if strings.TrimSpace(message) == "" {
		return nil, errors.New("anthropic: MessagesPayload: message is empty")
	}
	if maxTokens <= 0 {
		return nil, fmt.Errorf("anthropic: MessagesPayload: maxTokens: want a positive number, got %d", maxTokens)
	}
	if thinkingBudget < 0 || thinkingBudget >= maxTokens {
		return nil, fmt.Errorf("anthropic: MessagesPayload: thinkingBudget: want 0 (no thinking) or a number less than maxTokens (%d), got %d", maxTokens, thinkingBudget)
	}
	p := endpoints.Payload{
		"messages": []any{
			map[string]any{"role": "user", "content": message},
		},
		"max_tokens": maxTokens,
	}
	if thinkingBudget > 0 {
		p["thinking"] = map[string]any{"type": "enabled", "budget_tokens": thinkingBudget}
	}
	return p, nil
}
