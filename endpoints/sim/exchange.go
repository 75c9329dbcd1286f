package sim

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/llmtest/llmtest/internal/jsonscan"
)

const (
	// maxBody is the largest request body the server reads, in bytes; a
	// larger one is answered with 413.
	maxBody = 32 << 20
	// maxKeep is the largest buffer a pooled exchange keeps for reuse.
	maxKeep = 1 << 20
)

// errBodyTooLarge reports a request body over maxBody.
var errBodyTooLarge = errors.New("sim: request body: larger than 32 MiB")

// Header values, shared by every response. net/http only reads them, and a
// handler that adds to a header replaces the slice rather than writing to
// it, so sharing them saves an allocation per header per response.
var (
	hdrSSE     = []string{"text/event-stream"}
	hdrJSON    = []string{"application/json"}
	hdrNoCache = []string{"no-cache"}
)

// exchange is the working memory of one request: its body and the output
// it buffers. It is pooled, so that once the pool is warm a request
// allocates none of it, and a chunk allocates nothing.
//
// Output is appended to buf and written to the ResponseWriter only by flush
// (just before the model sleeps, see [Hooks.BeforeSleep]), finish (at the
// end) or abort. So a response whose model never sleeps leaves in one
// write, with a Content-Length, and a timed one leaves chunk by chunk, each
// when it is due. Until the first write nothing, not even the status, has
// been sent, so an error found before it still gets its own status code.
type exchange struct {
	w       http.ResponseWriter
	body    []byte // the request body
	buf     []byte // output not yet written
	sse     bool   // the response is an event stream, not one JSON body
	started bool   // the status and headers have been written
	failed  bool   // a write failed: the client is gone

	// What the wire encoders need, set per request (see openai_wire.go,
	// anthropic_wire.go and responses_wire.go).
	head    []byte       // the constant start of every chunk event of the request
	tail    string       // the constant end of every OpenAI chunk event
	begun   bool         // the events before the first chunk are in buf
	chat    bool         // OpenAI chat completions, not completions
	usage   bool         // OpenAI stream_options.include_usage
	think   int          // Anthropic, Responses: thinking (reasoning) tokens still to come
	textOn  bool         // Anthropic, Responses: the text block (message) has started
	textIdx byte         // Anthropic, Responses: the text block's (message's) index, '0' or '1'
	seq     int          // Responses: the next event's sequence_number
	resp    responseMeta // Responses: the request's ids, counts and model
	text    string       // Responses: the model's whole text, once computed

	// What the handler's metrics need (see metrics.go), set by arrive.
	stats      *metrics  // nil: record nothing
	arrived    time.Time // when the request reached the model
	input      int       // Plan.InputTokens
	output     int       // Plan.OutputTokens
	streamable int       // the tokens a stream of the plan can hold: FaultAt for a mid-stream fault
	perChunk   int       // Config.TokensPerChunk
	chunks     int       // chunks emitted so far
}

var exchanges = sync.Pool{New: func() any { return new(exchange) }}

func getExchange(w http.ResponseWriter) *exchange {
	x := exchanges.Get().(*exchange)
	x.w = w
	return x
}

func putExchange(x *exchange) {
	body, buf, head := x.body, x.buf, x.head
	if cap(body) > maxKeep {
		body = nil
	}
	if cap(buf) > maxKeep {
		buf = nil
	}
	*x = exchange{body: body[:0], buf: buf[:0], head: head[:0]}
	exchanges.Put(x)
}

// readBody reads the request body into x.body, failing with
// errBodyTooLarge beyond maxBody.
func (x *exchange) readBody(r *http.Request) error {
	if r.ContentLength > maxBody {
		return errBodyTooLarge
	}
	b := x.body[:0]
	if n := int(r.ContentLength); n > 0 && cap(b) < n+1 {
		b = make([]byte, 0, n+1) // +1: room to see EOF without growing
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > maxBody {
			x.body = b
			return errBodyTooLarge
		}
		if err == io.EOF {
			x.body = b
			return nil
		}
		if err != nil {
			x.body = b
			return err
		}
	}
}

// start writes the status line and headers of a successful response.
// contentLength < 0 leaves the length out, so that net/http streams the
// body in chunks.
func (x *exchange) start(contentLength int) {
	h := x.w.Header()
	if x.sse {
		h["Content-Type"] = hdrSSE
		h["Cache-Control"] = hdrNoCache
	} else {
		h["Content-Type"] = hdrJSON
	}
	if contentLength >= 0 {
		h["Content-Length"] = []string{strconv.Itoa(contentLength)}
	}
	x.w.WriteHeader(http.StatusOK)
	x.started = true
}

// flush writes what buf holds and flushes it to the client; it is the
// model's BeforeSleep hook. It returns the write's error, which stops the
// generation: the client is gone.
func (x *exchange) flush() error {
	if len(x.buf) == 0 || x.failed {
		return nil
	}
	if !x.started {
		x.start(-1)
	}
	_, err := x.w.Write(x.buf)
	x.buf = x.buf[:0]
	if err == nil {
		err = flushWriter(x.w)
	}
	if err != nil {
		x.failed = true
	}
	return err
}

// finish writes the rest of a successful response. When nothing was
// written before, the whole response goes in one write with its
// Content-Length.
func (x *exchange) finish() {
	if x.failed {
		return
	}
	if !x.started {
		x.start(len(x.buf))
	}
	_, _ = x.w.Write(x.buf) // a failed write means the client left: nothing to do
	x.buf = x.buf[:0]
}

// abort writes and flushes what buf holds, then cuts the connection, so
// the client sees the stream end without its final events: an injected
// mid-stream failure, a cancelled request or a closing server. net/http
// recovers http.ErrAbortHandler without logging it.
func (x *exchange) abort() {
	_ = x.flush()
	panic(http.ErrAbortHandler)
}

// flushWriter flushes w, unwrapping it if it has to. A writer that cannot
// flush is not an error: its output then leaves when the handler returns.
func flushWriter(w http.ResponseWriter) error {
	switch f := w.(type) {
	case interface{ FlushError() error }:
		return f.FlushError()
	case http.Flusher:
		f.Flush()
		return nil
	}
	if err := http.NewResponseController(w).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// appendString appends s to dst as a JSON string, escaped as encoding/json
// escapes it (HTML characters aside): quotes, backslashes, control
// characters, U+2028 and U+2029; invalid UTF-8 becomes U+FFFD. The
// simulator's own words need no escaping and are copied as they are.
func appendString(dst []byte, s string) []byte { return jsonscan.AppendQuote(dst, s, false) }
