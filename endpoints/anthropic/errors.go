package anthropic

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

// ResponseError is an error the API reported inside a response whose HTTP
// status was a success: an "error" event in a stream, such as
// {"type": "error", "error": {"type": "overloaded_error", "message":
// "Overloaded"}}, or an error object in place of a message.
type ResponseError struct {
	// Type is the error's type as the API sent it, such as
	// "overloaded_error" or "api_error"; empty when it sent none.
	Type string
	// Message is the API's message, truncated to endpoints.MaxErrorMessage
	// bytes, with the API key and credential header values replaced by
	// "[REDACTED]".
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

// message prepares a server's text for an error: without credentials, on
// one line, at most endpoints.MaxErrorMessage bytes.
func (r redactor) message(s string) string {
	s = strings.Join(strings.Fields(r.redact(s)), " ")
	return redact.Truncate(s, endpoints.MaxErrorMessage)
}

// short prepares an error type or a similar short word for an error.
func (r redactor) short(s string) string {
	return redact.Truncate(strings.Join(strings.Fields(r.redact(s)), " "), 64)
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
// reads at most MaxErrorBody bytes of the body and takes the API's message
// out of them.
func (r redactor) statusError(resp *http.Response) *endpoints.StatusError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	typ, msg := errorBody(body)
	switch {
	case msg == "" && typ == "":
		msg = http.StatusText(resp.StatusCode)
	case msg == "":
		msg = typ
	case typ != "":
		msg = typ + ": " + msg
	}
	return &endpoints.StatusError{
		StatusCode: resp.StatusCode,
		Message:    r.message(msg),
		RetryAfter: httpx.RetryAfter(resp.Header),
	}
}

// errorBody finds the error type and message in an error response body:
// Anthropic's {"type": "error", "error": {"type": ..., "message": ...}};
// else {"error": "..."}, {"message": ...} or {"detail": ...}, as gateways
// send them; else the body's text as the message.
func errorBody(body []byte) (typ, msg string) {
	body = bytes.TrimSpace(body)
	var v map[string]any
	if json.Unmarshal(body, &v) != nil {
		return "", string(body)
	}
	if e, ok := v["error"].(map[string]any); ok {
		typ, _ = e["type"].(string)
		msg, _ = e["message"].(string)
		if typ != "" || msg != "" {
			return typ, msg
		}
	}
	for _, key := range [...]string{"error", "message", "detail"} {
		switch m := v[key].(type) {
		case string:
			if m != "" {
				return "", m
			}
		case map[string]any, []any:
			b, _ := json.Marshal(m)
			return "", string(b)
		}
	}
	return "", string(body)
}

// errNotPrepared is returned by Invoke for a Request that Prepare did not
// build.
var errNotPrepared = errors.New("anthropic: Invoke: the request has no body; build it with Prepare")
