package awstest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// Operation names, as Request.Operation reports them.
const (
	Converse                         = "Converse"
	ConverseStream                   = "ConverseStream"
	InvokeModel                      = "InvokeModel"
	InvokeModelWithResponseStream    = "InvokeModelWithResponseStream"
	InvokeEndpoint                   = "InvokeEndpoint"
	InvokeEndpointWithResponseStream = "InvokeEndpointWithResponseStream"
)

// EventStreamContentType is the content type of an event stream response.
const EventStreamContentType = "application/vnd.amazon.eventstream"

// Handler answers one request.
type Handler func(x *Exchange)

// Request is a request the Server received.
type Request struct {
	// N is the request's number in order of arrival, from 1.
	N int
	// Method and Path are the request's method and path (unescaped).
	Method, Path string
	// Operation is the API operation the path names, such as
	// "ConverseStream"; empty for a path of no known operation.
	Operation string
	// Target is the model ID (Bedrock) or endpoint name (SageMaker) from
	// the path, unescaped.
	Target string
	// Header holds the request's headers.
	Header http.Header
	// Body is the request body.
	Body []byte
}

// Signed reports whether the request carries a SigV4 Authorization header
// for the AccessKeyID, the Region and the given signing name ("bedrock",
// "sagemaker").
func (r *Request) Signed(service string) bool {
	auth := r.Header.Get("Authorization")
	return strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+AccessKeyID+"/") &&
		strings.Contains(auth, "/"+Region+"/"+service+"/aws4_request") &&
		strings.Contains(auth, "Signature=") &&
		r.Header.Get("X-Amz-Date") != ""
}

// Server is a fake AWS runtime endpoint on 127.0.0.1. Its methods are safe
// for concurrent use.
type Server struct {
	// URL is the server's base URL, such as "http://127.0.0.1:51234", for
	// the clients' BaseEndpoint option.
	URL string

	srv *httptest.Server

	mu       sync.Mutex
	handlers []Handler
	requests []*Request
}

// New starts a Server that answers with handlers (see the package
// documentation) and closes it when the test ends.
func New(t testing.TB, handlers ...Handler) *Server {
	t.Helper()
	s := NewServer(handlers...)
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a Server that answers with handlers; the caller closes
// it. Without handlers, every request gets a 404 error.
func NewServer(handlers ...Handler) *Server {
	s := &Server{handlers: handlers}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down, breaking the connections still open, and
// waits for the handlers to return.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Handle replaces the handlers and forgets the requests received so far:
// the next request is number 1 again, served by the first handler.
func (s *Server) Handle(handlers ...Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers = handlers
	s.requests = s.requests[:0:0]
}

// Requests returns the requests received so far, in order of arrival.
func (s *Server) Requests() []*Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Request(nil), s.requests...)
}

// Hits returns the number of requests received so far.
func (s *Server) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := &Request{
		Method: r.Method,
		Path:   r.URL.Path,
		Header: r.Header.Clone(),
		Body:   body,
	}
	req.Operation, req.Target = operation(r.URL.EscapedPath())

	s.mu.Lock()
	s.requests = append(s.requests, req)
	req.N = len(s.requests)
	var h Handler
	if len(s.handlers) > 0 {
		h = s.handlers[min(req.N, len(s.handlers))-1]
	}
	s.mu.Unlock()

	x := &Exchange{Request: req, w: w, r: r}
	w.Header().Set("X-Amzn-Requestid", "awstest-"+strconv.Itoa(req.N))
	if h == nil {
		x.Error(http.StatusNotFound, "UnknownOperationException", "awstest: no handler for "+r.Method+" "+r.URL.Path)
		return
	}
	h(x)
}

// operation reads the operation and its target from an escaped path.
func operation(escaped string) (op, target string) {
	parts := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	if len(parts) != 3 {
		return "", ""
	}
	target, err := url.PathUnescape(parts[1])
	if err != nil {
		return "", ""
	}
	switch parts[0] + " " + parts[2] {
	case "model converse":
		return Converse, target
	case "model converse-stream":
		return ConverseStream, target
	case "model invoke":
		return InvokeModel, target
	case "model invoke-with-response-stream":
		return InvokeModelWithResponseStream, target
	case "endpoints invocations":
		return InvokeEndpoint, target
	case "endpoints invocations-response-stream":
		return InvokeEndpointWithResponseStream, target
	}
	return "", ""
}

// Exchange is one request and the means to answer it. It belongs to the
// handler it is given to.
type Exchange struct {
	// Request is the request being answered.
	Request *Request

	w       http.ResponseWriter
	r       *http.Request
	enc     *eventstream.Encoder
	started bool
}

// Context is done when the client has gone away or the server is closing.
func (x *Exchange) Context() context.Context { return x.r.Context() }

// Header returns the response headers, to add to before the answer starts.
func (x *Exchange) Header() http.Header { return x.w.Header() }

// JSON answers with status and a JSON body, as given.
func (x *Exchange) JSON(status int, body string) {
	x.Body(status, "application/json", []byte(body))
}

// Body answers with status and a body of the given content type.
func (x *Exchange) Body(status int, contentType string, body []byte) {
	x.w.Header().Set("Content-Type", contentType)
	x.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	x.w.WriteHeader(status)
	_, _ = x.w.Write(body)
}

// Error answers with an AWS error: status, the X-Amzn-ErrorType header set
// to errorType (such as "ThrottlingException") and the body
// {"message": message}.
func (x *Exchange) Error(status int, errorType, message string) {
	b, _ := json.Marshal(map[string]string{"message": message})
	x.w.Header().Set("X-Amzn-Errortype", errorType+":http://internal.amazon.com/coral/com.amazonaws.awstest/")
	x.Body(status, "application/json", b)
}

// start sends the headers of a successful event stream response, once.
func (x *Exchange) start() {
	if x.started {
		return
	}
	x.started = true
	x.w.Header().Set("Content-Type", EventStreamContentType)
	x.w.WriteHeader(http.StatusOK)
	x.flush()
}

func (x *Exchange) flush() {
	if f, ok := x.w.(http.Flusher); ok {
		f.Flush()
	}
}

// Send writes events to the event stream, starting it when it has not
// started, flushing after each. It returns an error when the client has
// gone away.
func (x *Exchange) Send(events ...Event) error {
	x.start()
	if x.enc == nil {
		x.enc = eventstream.NewEncoder()
	}
	for _, ev := range events {
		if err := x.enc.Encode(x.w, ev.message()); err != nil {
			return err
		}
		x.flush()
		if err := x.r.Context().Err(); err != nil {
			return err
		}
	}
	return nil
}

// Write writes raw bytes into the event stream, starting it when it has
// not started, and flushes them: half of an encoded frame, or garbage.
func (x *Exchange) Write(b []byte) error {
	x.start()
	if _, err := x.w.Write(b); err != nil {
		return err
	}
	x.flush()
	return nil
}

// Wait pauses for d. It returns false, early, when the client has gone
// away.
func (x *Exchange) Wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-x.r.Context().Done():
		return false
	}
}

// Stall blocks until the client goes away or the server closes.
func (x *Exchange) Stall() { <-x.r.Context().Done() }

// Cut breaks the connection at once, without ending the response: the
// client sees the body end in the middle. Cut does not return.
func (x *Exchange) Cut() {
	x.flush()
	panic(http.ErrAbortHandler)
}

// Reply returns a Handler that answers with status and a JSON body.
func Reply(status int, body string) Handler {
	return func(x *Exchange) { x.JSON(status, body) }
}

// Fail returns a Handler that answers with an AWS error (see
// Exchange.Error).
func Fail(status int, errorType, message string) Handler {
	return func(x *Exchange) { x.Error(status, errorType, message) }
}

// Stream returns a Handler that answers with an event stream of events.
func Stream(events ...Event) Handler {
	return func(x *Exchange) { _ = x.Send(events...) }
}

// String describes a request for test failure messages.
func (r *Request) String() string {
	return fmt.Sprintf("#%d %s %s (%s %q)", r.N, r.Method, r.Path, r.Operation, r.Target)
}
