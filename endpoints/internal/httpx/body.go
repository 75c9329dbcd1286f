package httpx

import (
	"context"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/llmtest/llmtest/internal/redact"
)

const (
	// DrainTimeout bounds how long Drain waits for the server to end a
	// response whose last event has arrived. A server that takes longer
	// costs the connection, not the request.
	DrainTimeout = 250 * time.Millisecond

	// MaxDrain is the most Drain reads.
	MaxDrain = 64 << 10
)

// ReadBody appends all of r to buf and returns it, with an error once more
// than limit bytes have arrived (what was read is returned with it).
// Reading into a buffer kept from request to request allocates nothing
// once it has grown.
func ReadBody(buf []byte, r io.Reader, limit int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return buf, fmt.Errorf("response body larger than %d bytes", limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// Drain reads what follows a stream's final event until the body ends, so
// that the transport can put the connection back for the next request. It
// gives up after DrainTimeout or MaxDrain bytes by calling cancel, which
// must cancel the request's context and so closes the connection. readErr
// is the error the body's reader has already met, if any: then the body
// has ended and there is nothing to drain.
func Drain(body io.Reader, readErr error, cancel context.CancelFunc) {
	if readErr != nil {
		return
	}
	t := time.AfterFunc(DrainTimeout, cancel)
	defer t.Stop()
	_, _ = io.CopyN(io.Discard, body, MaxDrain)
}

// IsJSON reports whether a Content-Type is JSON: application/json or a
// +json type.
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// ContentTypeHint returns " (the response's Content-Type is "...")" for
// the error of a stream that ended before any of its events arrived when
// the response is not text/event-stream, so no event stream at all; else
// "".
func ContentTypeHint(contentType string, events int) string {
	if mt, _, _ := mime.ParseMediaType(contentType); events == 0 && mt != "text/event-stream" {
		return fmt.Sprintf(" (the response's Content-Type is %q)", redact.Truncate(contentType, 64))
	}
	return ""
}
