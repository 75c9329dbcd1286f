package anthropic

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/llmtest/llmtest/internal/jsonscan"
)

// TestDecoderSaysInvalidJSON checks that event data that is not JSON is
// called "invalid JSON", whatever its first letter ("this is not json"
// once read as "got a boolean"), and that valid JSON that is not an
// object is named.
func TestDecoderSaysInvalidJSON(t *testing.T) {
	var d decoder
	for _, data := range []string{"this is not json", "nope", "falsey", "trueish", "nullify", "[1,", `{"type":`, "123abc", `"cut`, "<html>", ""} {
		err := d.decode([]byte(data))
		assert.ErrorIs(t, err, jsonscan.ErrSyntax, "%q", data)
		assert.ErrorContains(t, err, "invalid JSON", "%q", data)
	}
	assert.EqualError(t, d.decode([]byte("true")), "want a JSON object, got a boolean")
	assert.EqualError(t, d.decode([]byte(`"text"`)), "want a JSON object, got a string")
}
