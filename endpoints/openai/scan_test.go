package openai

import "github.com/llmtest/llmtest/internal/jsonscan"

// maxDepth is the deepest nesting the decoder accepts, encoding/json's.
const maxDepth = jsonscan.MaxDepth
