package anthropic

import (
	"errors"
	"strconv"
	"strings"
)

// ResponseError is an error the API reported inside a response whose HTTP
// status was a success: an "error" event in a stream, such as
// {"type": "error", "error": {"type": "overloaded_error", "message":
// "Overloaded"}}, or an error object in place of a message.
type ResponseError struct {
	// Type is the error's type as the API sent it, such as
	// "overloaded_error" or "api_error"; empty when it sent none.
	Type string
	// Message is the API's message, on one line, truncated to
	// endpoints.MaxErrorMessage bytes, with every secret of the Endpoint
	// (see Endpoint.Redact) replaced by "[REDACTED]".
	Message string
	// Events is the number of stream events that arrived before the error.
	Events int
}

// Error returns "anthropic: <type>: <message> (after <n> events)", leaving
// out what is empty or zero.
func (e *ResponseError) Error() string {
	var b strings.Builder
	b.WriteString("anthropic: ")
	switch {
	case e.Type != "" && e.Message != "":
		b.WriteString(e.Type + ": " + e.Message)
	case e.Type != "":
		b.WriteString(e.Type)
	case e.Message != "":
		b.WriteString("error: " + e.Message)
	default:
		b.WriteString("error")
	}
	if e.Events > 0 {
		b.WriteString(" (after " + strconv.Itoa(e.Events) + " events)")
	}
	return b.String()
}

// errNotPrepared is returned by Invoke for a Request that Prepare did not
// build.
var errNotPrepared = errors.New("anthropic: Invoke: the request has no body; build it with Prepare")
