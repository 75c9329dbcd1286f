package openai

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/llmtest/llmtest/internal/jsonscan"
)

// notJSON are stream data that are not JSON, each starting with a byte
// that could start a JSON value or not.
var notJSON = []string{"this is not json", "nope", "falsey", "trueish", "nullify", "[1,", `{"a":`, "123abc", `"cut`, "<html>", ""}

// TestDecodersSayInvalidJSON checks that every decoder calls data that is
// not JSON "invalid JSON", whatever its first letter ("this is not json"
// once read as "got a boolean"), and names the type of valid JSON that is
// not an object.
func TestDecodersSayInvalidJSON(t *testing.T) {
	var d decoder
	decoders := map[string]func([]byte) error{
		"chat": d.decode, "responses event": d.decodeEvent, "responses body": d.decodeResponse,
	}
	for name, decode := range decoders {
		for _, data := range notJSON {
			err := decode([]byte(data))
			assert.ErrorIs(t, err, jsonscan.ErrSyntax, "%s: %q", name, data)
			assert.ErrorContains(t, err, "invalid JSON", "%s: %q", name, data)
		}
		assert.EqualError(t, decode([]byte("false")), "want a JSON object, got a boolean", name)
		assert.EqualError(t, decode([]byte("[1]")), "want a JSON object, got an array", name)
	}
}
