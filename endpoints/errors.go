package endpoints

import (
	"errors"
	"fmt"
	"strconv"
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
