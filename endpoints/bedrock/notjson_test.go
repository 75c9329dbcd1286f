package bedrock

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/internal/jsonpath"
	"github.com/llmtest/llmtest/internal/awstest"
)

// notJSON are bodies and chunks that are not JSON, each starting with a
// byte that could start a JSON value or not, or going wrong only after
// the value the paths lead to.
var notJSON = []string{
	"this is not json", "nope", "falsey", "trueish", "[1,", "123abc", "<html>",
	`{"choices":[{"message":{"content":"a"},"delta":{"content":"a"}}]} trailing`,
	`{"choices":[{"message":{"content":"a"},"delta":{"content":"a"}}],"usage":`,
}

// TestNotJSONIsInvalidJSON checks that InvokeModel and its stream call a
// body or chunk that is not JSON "invalid JSON", whatever its first letter
// ("falsey" once read as "want an object, got a boolean") and wherever the
// fault.
func TestNotJSONIsInvalidJSON(t *testing.T) {
	for _, data := range notJSON {
		for _, api := range []API{InvokeModel, InvokeModelWithResponseStream} {
			h := func(x *awstest.Exchange) { x.Body(200, "application/json", []byte(data)) }
			if api == InvokeModelWithResponseStream {
				h = awstest.Stream(awstest.Chunk(data))
			}
			srv := awstest.New(t, h)
			e := newEndpoint(t, srv, Config{API: api})
			err := invoke(t, e, prompt(), &endpointstest.Recorder{})
			assert.ErrorIs(t, err, jsonpath.ErrSyntax, "%s: %q", api, data)
			assert.ErrorContains(t, err, "invalid JSON", "%s: %q", api, data)
		}
	}
}
