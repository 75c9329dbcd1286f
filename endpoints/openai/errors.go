package openai

import (
	"errors"
	"strconv"
	"strings"
)

// ResponseError is an error the server reported in the body of a response
// whose HTTP status was a success: an error object in place of a chunk of a
// stream, an "event: error" in a stream, or an error object in place of a
// completion; for the Responses API, also a response.failed event, or a
// response whose status is "failed".
type ResponseError struct {
	// Message is the server's message, on one line, truncated to
	// endpoints.MaxErrorMessage bytes, with every secret of the Endpoint
	// (see Endpoint.Redact) replaced by "[REDACTED]".
	Message string
	// Type is the error's type as the server sent it, such as
	// "server_error"; empty when it sent none.
	Type string
	// Code is the error's code as the server sent it (a string, or a
	// number as written); empty when it sent none.
	Code string
	// Chunks is the number of stream chunks that arrived before the error;
	// for the Responses API, the number of stream events, which the error
	// text calls events.
	Chunks int

	events bool // Chunks counts Responses API events
}

// Error returns "openai: server error: <message> (type <type>, code
// <code>)", leaving out what is empty.
func (e *ResponseError) Error() string {
	var b strings.Builder
	b.WriteString("openai: server error")
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	var details []string
	if e.Type != "" {
		details = append(details, "type "+e.Type)
	}
	if e.Code != "" {
		details = append(details, "code "+e.Code)
	}
	if e.Chunks > 0 {
		unit := " chunks"
		if e.events {
			unit = " events"
		}
		details = append(details, "after "+strconv.Itoa(e.Chunks)+unit)
	}
	if len(details) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(details, ", "))
		b.WriteString(")")
	}
	return b.String()
}

// errNotPrepared is returned by Invoke for a Request that Prepare did not
// build.
var errNotPrepared = errors.New("openai: Invoke: the request has no body; build it with Prepare")

// IncompleteError is a Responses API response that ended with status
// "incomplete" (a response.incomplete event in a stream) for a reason
// other than "max_output_tokens", such as "content_filter". A response cut
// short by max_output_tokens is a success, as a chat completion that ends
// with finish_reason "length" is.
type IncompleteError struct {
	// Reason is the response's incomplete_details.reason, truncated to 64
	// bytes; empty when the server gave none.
	Reason string
	// Events is the number of stream events that arrived before the one
	// that ended the response; zero for a response that was not streamed.
	Events int
}

// Error returns "openai: response incomplete: <reason> (after <n>
// events)", leaving out what is empty.
func (e *IncompleteError) Error() string {
	s := "openai: response incomplete: "
	if e.Reason != "" {
		s += e.Reason
	} else {
		s += "no reason given"
	}
	if e.Events > 0 {
		s += " (after " + strconv.Itoa(e.Events) + " events)"
	}
	return s
}
