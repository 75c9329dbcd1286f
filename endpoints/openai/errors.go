package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/httpx"
	"github.com/llmtest/llmtest/endpoints/internal/redact"
)

// ResponseError is an error the server reported in the body of a response
// whose HTTP status was a success: an error object in place of a chunk of a
// stream, an "event: error" in a stream, or an error object in place of a
// completion; for the Responses API, also a response.failed event, or a
// response whose status is "failed".
type ResponseError struct {
	// Message is the server's message, truncated to
	// endpoints.MaxErrorMessage bytes, with the API key and credential
	// header values replaced by "[REDACTED]".
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

// redactor removes credentials from text that came from a server or from
// the transport, before it reaches an error.
type redactor []string

const redacted = "[REDACTED]"

func (r redactor) redact(s string) string {
	for _, secret := range r {
		if secret != "" && strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

// message prepares a server's message for an error: one line, without
// credentials, at most endpoints.MaxErrorMessage bytes.
func (r redactor) message(s string) string {
	s = r.redact(s)
	s = strings.Join(strings.Fields(s), " ")
	return redact.Truncate(s, endpoints.MaxErrorMessage)
}

// transportError is an error from sending a request or reading its
// response, with credentials taken out of its text. It unwraps to the
// original error, so that errors.Is finds context.Canceled and the like.
type transportError struct {
	msg string
	err error
}

func (e *transportError) Error() string { return e.msg }
func (e *transportError) Unwrap() error { return e.err }

// statusError builds the error for a response with a non-2xx status: it
// reads at most MaxErrorBody bytes of the body and takes the server's
// message out of them.
func (r redactor) statusError(resp *http.Response) *endpoints.StatusError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	msg := errorBodyMessage(body)
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &endpoints.StatusError{
		StatusCode: resp.StatusCode,
		Message:    r.message(msg),
		RetryAfter: httpx.RetryAfter(resp.Header),
	}
}

// errorBodyMessage finds the message in an error response body: OpenAI's
// {"error":{"message":...}}, {"error":"..."}, {"message":...} (vLLM and
// others), {"detail":...} (FastAPI servers); else the body's text.
func errorBodyMessage(body []byte) string {
	body = bytes.TrimSpace(body)
	var v map[string]any
	if json.Unmarshal(body, &v) == nil {
		if e, ok := v["error"].(map[string]any); ok {
			if m := jsonText(e["message"]); m != "" {
				return m
			}
		}
		for _, key := range []string{"error", "message", "detail"} {
			if m := jsonText(v[key]); m != "" {
				return m
			}
		}
	}
	return string(body)
}

// jsonText returns a decoded JSON value as message text: a string as it is,
// an object or an array (such as FastAPI's list of validation errors) as
// compact JSON.
func jsonText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
	return ""
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
