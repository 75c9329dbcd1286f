package sagemaker

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/internal/jsonpath"
	"github.com/llmtest/llmtest/internal/awstest"
)

// TestNotJSONIsInvalidJSON checks that InvokeEndpoint and its stream, in
// both styles, call a body or line that is not JSON "invalid JSON",
// whatever its first letter ("falsey" once went by unseen, "[1," was read
// as a TGI list) and wherever the fault.
func TestNotJSONIsInvalidJSON(t *testing.T) {
	bodies := []string{
		"this is not json", "nope", "falsey", "trueish", "[1,", "123abc",
		`[{"generated_text":"a"}] trailing`, `{"choices":[{"message":{"content":"a"}}],"usage":`,
	}
	lines := []string{
		"data: this is not json", "data: nope", "data: falsey", "data: [1,", "[1,", "data: 123abc",
		`data: {"token":{"text":"a"},"choices":[{"delta":{"content":"a"}}]} trailing`,
		`{"token":{"text":"a"},"choices":[{"delta":{"content":"a"}}],"details":`,
		"nope", "falsey", "123abc", // bare lines, not SSE fields
	}
	for _, style := range []Style{TGI, OpenAI} {
		payload := chat()
		if style == TGI {
			payload = tgi()
		}
		for _, b := range bodies {
			srv := awstest.New(t, func(x *awstest.Exchange) { x.Body(200, "application/json", []byte(b)) })
			e := newEndpoint(t, srv, Config{Style: style})
			err := invoke(t, e, payload, &endpointstest.Recorder{})
			assert.ErrorIs(t, err, jsonpath.ErrSyntax, "%s body %q", style, b)
			assert.ErrorContains(t, err, "invalid JSON", "%s body %q", style, b)
		}
		for _, l := range lines {
			srv := awstest.New(t, awstest.Stream(awstest.PayloadPart([]byte(l+"\n\n"))))
			e := newEndpoint(t, srv, Config{Style: style})
			err := invoke(t, e, streamed(payload), &endpointstest.Recorder{})
			assert.ErrorIs(t, err, jsonpath.ErrSyntax, "%s line %q", style, l)
			assert.ErrorContains(t, err, "invalid JSON", "%s line %q", style, l)
			assert.ErrorContains(t, err, "line 1 (event 1)", "%s line %q: one line number", style, l)
		}
		// Bare JSON that is not an object is said as such.
		for _, l := range []string{"123", `"hello"`, "true"} {
			srv := awstest.New(t, awstest.Stream(awstest.PayloadPart([]byte(l+"\n\n"))))
			e := newEndpoint(t, srv, Config{Style: style})
			err := invoke(t, e, streamed(payload), &endpointstest.Recorder{})
			assert.ErrorContains(t, err, "line 1 (event 1)", "%s line %q", style, l)
			assert.NotContains(t, err.Error(), "neither JSON", "%s line %q", style, l)
		}
	}
}
