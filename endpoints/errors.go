package endpoints

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxErrorMessage is the longest server error message, in bytes, that a
// [StatusError] keeps; longer ones are truncated.
const MaxErrorMessage = 512

// ErrIncompleteStream is reported when a stream ends before the service
// signalled its end.
var ErrIncompleteStream = errors.New("incomplete stream")

// StatusError is a request the service answered with an error status.
type StatusError struct {
	// StatusCode is the HTTP status code (or the service's equivalent).
	StatusCode int
	// Message is the service's error message, truncated to
	// MaxErrorMessage bytes. It never contains a secret of the caller's.
	Message string
	// RetryAfter is the delay the service asked for, zero when none.
	RetryAfter time.Duration
}

// Error returns "HTTP <code>: <message>".
func (e *StatusError) Error() string {
	s := "HTTP " + strconv.Itoa(e.StatusCode)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %v)", e.RetryAfter)
	}
	return s
}

// Truncate shortens s to at most n bytes without splitting a UTF-8 sequence,
// marking the cut with "…".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // continuation byte
		cut--
	}
	return s[:cut] + "…"
}

// RetryAfter reads the delay an error response asks for, for
// [StatusError.RetryAfter]: the Retry-After-Ms header that OpenAI, Azure
// OpenAI and Anthropic send, in milliseconds, else Retry-After in whole
// seconds or as an HTTP date (RFC 9110, section 10.2.3). It is zero when
// there is none, it cannot be read, or it is in the past.
func RetryAfter(h http.Header) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 || s > 1<<31 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}
