package httpx

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		body         string
		plain, typed string
	}{
		{`{"error":{"message":"m","type":"t"}}`, "m", "t: m"},
		{`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "Overloaded", "overloaded_error: Overloaded"},
		{`{"error":{"type":"t"}}`, `{"type":"t"}`, "t"},
		{`{"error":{"code":"c"}}`, `{"code":"c"}`, `{"code":"c"}`},
		{`{"error":{"message":{"detail":"x"}}}`, `{"detail":"x"}`, `{"detail":"x"}`},
		{`{"error":"e"}`, "e", "e"},
		{`{"message":"m","object":"error"}`, "m", "m"},
		{`{"detail":"d"}`, "d", "d"},
		{`{"detail":[{"loc":["body"],"msg":"field required"}]}`, `[{"loc":["body"],"msg":"field required"}]`, `[{"loc":["body"],"msg":"field required"}]`},
		{`{"message":7,"detail":"d"}`, "d", "d"},
		{`{"other":1}`, `{"other":1}`, `{"other":1}`},
		{`[1,2]`, "[1,2]", "[1,2]"},
		{" plain text \n", "plain text", "plain text"},
		{"", "", ""},
	} {
		assert.Equal(t, tc.plain, ErrorMessage([]byte(tc.body)), "ErrorMessage(%s)", tc.body)
		assert.Equal(t, tc.typed, TypedErrorMessage([]byte(tc.body)), "TypedErrorMessage(%s)", tc.body)
	}
}
