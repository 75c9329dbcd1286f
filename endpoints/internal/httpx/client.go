package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/internal/redact"
)

// Config configures a Client.
type Config struct {
	// Provider names the provider at the start of every error text, such
	// as "openai".
	Provider string

	// URL is where requests are posted. Error texts show it without user
	// information and query.
	URL *url.URL

	// Header holds the headers of every request. When it has no Accept,
	// a streamed request asks for text/event-stream and another for
	// application/json.
	Header http.Header

	// Redactor takes the endpoint's secrets out of every error text.
	Redactor *redact.Redactor

	// ErrorMessage finds the server's message in the body of an error
	// response; nil means ErrorMessage.
	ErrorMessage func(body []byte) string

	// MaxErrorBody is the most of an error response's body, in bytes, that
	// is read to find the server's message.
	MaxErrorBody int

	// HTTPClient sends the requests; nil means a client made here, over
	// NewTransport(MaxIdleConnsPerHost), that follows no redirects.
	HTTPClient *http.Client

	// MaxIdleConnsPerHost is NewTransport's maxIdle, when HTTPClient is nil.
	MaxIdleConnsPerHost int
}

// Client posts the requests of one provider's endpoint and turns what goes
// wrong into the request's error. Its methods are safe for concurrent use.
//
// # Resending
//
// A server may close a kept-alive connection after a response while
// announcing Keep-Alive (llama.cpp's llama-server does, after each
// streamed response), or close an idle one just as a request is sent on
// it. The next request on that connection then fails before any byte of a
// response arrives ("EOF", "http: server closed idle connection",
// "connection reset by peer"), although the server never saw it. Post
// watches each attempt with net/http/httptrace, and when an attempt fails
// on a reused connection before the first byte of its response, with one
// of those errors and the request's context still live, it calls the
// Recorder's Resend and sends
// the request once more, on a connection that is certainly fresh: a copy
// of the transport with keep-alives off, which dials for every request
// and closes the connection after it. That second attempt is the
// request's last: whatever it returns is the result. Every other failure
// (a fresh connection that fails, a response that breaks after its first
// byte, an error status, the context ending) is returned as it is, never
// retried; and the transport itself never resends a body, as requests
// carry no GetBody.
//
// With Config.HTTPClient, the resend goes through a copy of that client
// whose transport is a copy of its *http.Transport (http.DefaultTransport
// for a nil Transport) with keep-alives off; a client with another kind
// of RoundTripper cannot be made to dial afresh, so it gets no resend and
// no tracing: a failed request is failed.
type Client struct {
	provider     string
	url          string
	post         string // "POST <URL without user information or query>"
	stream       http.Header
	whole        http.Header
	secrets      *redact.Redactor
	message      func([]byte) string
	maxErrorBody int

	first *http.Client      // sends every request
	fresh *http.Client      // resends; nil when it cannot dial afresh
	own   []*http.Transport // transports made here, which Close releases
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	shown := *cfg.URL
	shown.User, shown.RawQuery, shown.ForceQuery = nil, "", false
	c := &Client{
		provider:     cfg.Provider,
		url:          cfg.URL.String(),
		post:         "POST " + shown.String(),
		stream:       cfg.Header.Clone(),
		whole:        cfg.Header.Clone(),
		secrets:      cfg.Redactor,
		message:      cfg.ErrorMessage,
		maxErrorBody: cfg.MaxErrorBody,
	}
	if c.stream == nil {
		c.stream, c.whole = http.Header{}, http.Header{}
	}
	if c.stream.Get("Accept") == "" {
		c.stream.Set("Accept", "text/event-stream")
		c.whole.Set("Accept", "application/json")
	}
	if c.message == nil {
		c.message = ErrorMessage
	}

	if cfg.HTTPClient == nil {
		t := NewTransport(cfg.MaxIdleConnsPerHost)
		f := freshTransport(t)
		c.first = &http.Client{Transport: t, CheckRedirect: noRedirect}
		c.fresh = &http.Client{Transport: f, CheckRedirect: noRedirect}
		c.own = []*http.Transport{t, f}
		return c
	}
	c.first = cfg.HTTPClient
	if t := transportOf(cfg.HTTPClient); t != nil {
		f := freshTransport(t)
		fresh := *cfg.HTTPClient
		fresh.Transport = f
		c.fresh = &fresh
		c.own = []*http.Transport{f}
	}
	return c
}

// HTTPClient returns the client that sends first attempts: Config's, or
// the one New made.
func (c *Client) HTTPClient() *http.Client { return c.first }

// Close releases the idle connections of the transports New made. A
// client given in Config.HTTPClient is left as it is: its owner closes its
// connections. Close is safe to call more than once; a Client used after
// it opens new connections, which another Close releases.
func (c *Client) Close() error {
	for _, t := range c.own {
		t.CloseIdleConnections()
	}
	return nil
}

// Post sends body to the Client's URL and returns the response, whose
// status is a success (2xx); the caller reads and closes its body. stream
// selects the Accept header, when Config.Header sets none. A request whose
// first attempt died on a reused connection before any byte of its
// response is sent again (see Resending), after rec.Resend.
//
// A non-2xx status is an *endpoints.StatusError: the status code, the
// server's message (Config.ErrorMessage of at most Config.MaxErrorBody
// bytes of the body, redacted, on one line and truncated to
// endpoints.MaxErrorMessage bytes; the status text when the body holds
// none or could not be read) and the delay of a Retry-After. Should ctx
// end while that body is read, the error wraps both the *StatusError and
// ctx.Err(), so that the request keeps its status code and still reads as
// ended by its context. Another failure is Error's.
func (c *Client) Post(ctx context.Context, body []byte, stream bool, rec endpoints.Recorder) (*http.Response, error) {
	resp, err := c.send(ctx, body, stream, rec)
	if err != nil {
		return nil, c.Error(ctx, err, "")
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, c.statusError(ctx, resp)
	}
	return resp, nil
}

// send sends the request, and once more on a fresh connection when the
// first attempt died on a reused one before the response began. Each
// attempt is traced (see attempt) and its trace reported to rec, when rec
// is an endpoints.ConnTracer.
func (c *Client) send(ctx context.Context, body []byte, stream bool, rec endpoints.Recorder) (*http.Response, error) {
	if c.fresh == nil {
		return c.do(ctx, c.first, body, stream)
	}
	tracer, _ := rec.(endpoints.ConnTracer)
	a, pooled := newAttempt(ctx)
	resp, err := c.do(httptrace.WithClientTrace(ctx, &a.trace), c.first, body, stream)
	if tracer != nil {
		tracer.ConnTrace(a.connTrace())
	}
	if err == nil {
		if pooled && a.done() {
			attempts.Put(a)
		}
		return resp, nil
	}
	// a is not pooled again: the transport may still be reading for it.
	if !a.reused.Load() || a.firstByte.Load() != 0 || ctx.Err() != nil || !staleConnection(err) {
		return nil, err
	}
	rec.Resend()
	if tracer == nil {
		return c.do(ctx, c.fresh, body, stream)
	}
	b := makeAttempt()
	resp, err = c.do(httptrace.WithClientTrace(ctx, &b.trace), c.fresh, body, stream)
	tracer.ConnTrace(b.connTrace())
	return resp, err
}

// staleConnection reports whether err is how a request fails on a
// connection the server has closed: the connection's end (EOF), a reset,
// a broken pipe, or net/http's "server closed idle connection".
func staleConnection(err error) bool {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed):
		return true
	}
	return strings.Contains(err.Error(), "server closed idle connection")
}

// do sends one attempt with hc.
func (c *Client) do(ctx context.Context, hc *http.Client, body []byte, stream bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.GetBody = nil // so that the transport cannot send the body again
	if stream {
		req.Header = c.stream.Clone()
	} else {
		req.Header = c.whole.Clone()
	}
	return hc.Do(req)
}

// attempt is what the trace of one attempt saw. The hooks run on the
// transport's goroutines (a dial's on its own), so every field is atomic;
// a time is nanoseconds of the monotonic clock since clockBase, 0 when
// not seen.
type attempt struct {
	trace   httptrace.ClientTrace
	reused  atomic.Bool // the attempt got a connection that had served a request
	wasIdle atomic.Bool // it got one from the idle pool at once: no dial was started for it

	gotConn, wrote, firstByte atomic.Int64
	dnsStart, dnsDone         atomic.Int64
	connectStart, connectDone atomic.Int64
	tlsStart, tlsDone         atomic.Int64
}

// clockBase is the origin of an attempt's times.
var clockBase = time.Now()

// now returns the monotonic time since clockBase in nanoseconds, at least 1.
func now() int64 { return max(int64(time.Since(clockBase)), 1) }

// attempts pools the attempts of requests that succeeded on a connection
// from the idle pool. Once Do has returned such a response, the transport
// calls none of the attempt's hooks again, so it can serve another
// request; an attempt that started a dial is never pooled, as the dial
// goes on (and calls its hooks) after another connection served the
// request.
var attempts = sync.Pool{New: func() any { return makeAttempt() }}

func makeAttempt() *attempt {
	a := new(attempt)
	first := func(v *atomic.Int64) { v.CompareAndSwap(0, now()) }
	a.trace.GotConn = func(info httptrace.GotConnInfo) {
		a.reused.Store(info.Reused)
		a.wasIdle.Store(info.WasIdle)
		first(&a.gotConn)
	}
	a.trace.DNSStart = func(httptrace.DNSStartInfo) { first(&a.dnsStart) }
	a.trace.DNSDone = func(httptrace.DNSDoneInfo) { first(&a.dnsDone) }
	// A dial may try several addresses: the first start and the first
	// end bound the connect.
	a.trace.ConnectStart = func(string, string) { first(&a.connectStart) }
	a.trace.ConnectDone = func(_, _ string, err error) {
		if err == nil {
			first(&a.connectDone)
		}
	}
	a.trace.TLSHandshakeStart = func() { first(&a.tlsStart) }
	a.trace.TLSHandshakeDone = func(tls.ConnectionState, error) { first(&a.tlsDone) }
	a.trace.WroteRequest = func(httptrace.WroteRequestInfo) { first(&a.wrote) }
	a.trace.GotFirstResponseByte = func() { first(&a.firstByte) }
	return a
}

// newAttempt returns an attempt for a request with ctx, from the pool
// unless ctx carries a trace already: httptrace would then compose that
// trace's hooks into the attempt's, which must stay the attempt's own to
// be pooled.
func newAttempt(ctx context.Context) (a *attempt, pooled bool) {
	if httptrace.ContextClientTrace(ctx) != nil {
		return makeAttempt(), false
	}
	a = attempts.Get().(*attempt)
	a.reset()
	return a, true
}

func (a *attempt) reset() {
	a.reused.Store(false)
	a.wasIdle.Store(false)
	for _, v := range []*atomic.Int64{&a.gotConn, &a.wrote, &a.firstByte, &a.dnsStart, &a.dnsDone,
		&a.connectStart, &a.connectDone, &a.tlsStart, &a.tlsDone} {
		v.Store(0)
	}
}

// done reports whether the transport is done with the attempt's hooks: it
// took an idle connection (no dial), wrote the request and read the
// response's first byte.
func (a *attempt) done() bool {
	return a.wasIdle.Load() && a.wrote.Load() != 0 && a.firstByte.Load() != 0
}

// connTrace returns what the attempt saw so far. The phases of a dial
// are there only when the attempt had a new connection and the phase ended
// before it did.
func (a *attempt) connTrace() endpoints.ConnTrace {
	at := func(ns int64) time.Time {
		if ns == 0 {
			return time.Time{}
		}
		return clockBase.Add(time.Duration(ns))
	}
	got := a.gotConn.Load()
	t := endpoints.ConnTrace{
		Reused:       a.reused.Load(),
		GotConn:      at(got),
		WroteRequest: at(a.wrote.Load()),
		FirstByte:    at(a.firstByte.Load()),
	}
	if got == 0 || t.Reused {
		return t
	}
	phase := func(start, done *atomic.Int64, dstStart, dstDone *time.Time) {
		s, d := start.Load(), done.Load()
		if s != 0 && d != 0 && d <= got {
			*dstStart, *dstDone = at(s), at(d)
		}
	}
	phase(&a.dnsStart, &a.dnsDone, &t.DNSStart, &t.DNSDone)
	phase(&a.connectStart, &a.connectDone, &t.ConnectStart, &t.ConnectDone)
	phase(&a.tlsStart, &a.tlsDone, &t.TLSStart, &t.TLSDone)
	return t
}

// statusError builds the error for resp, whose status is not a success.
func (c *Client) statusError(ctx context.Context, resp *http.Response) error {
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, int64(c.maxErrorBody)))
	msg := ""
	if rerr == nil {
		msg = c.message(body)
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	serr := &endpoints.StatusError{
		StatusCode: resp.StatusCode,
		Message:    c.secrets.Message(msg, endpoints.MaxErrorMessage),
		RetryAfter: RetryAfter(resp.Header),
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: request ended while the body of its %w response was read: %w", c.provider, serr, ctx.Err())
	}
	return serr
}

// Error describes a failure to send a request or to read its response.
// Once ctx is done it is "<provider>: request ended<after>: <ctx.Err()>",
// wrapping ctx.Err(). Otherwise it is "<provider>: POST <URL><after>:
// <err>", with the URL shown without user information or query, err's
// text without the URL a *url.Error quotes (query included), and every
// secret of the Redactor taken out; it unwraps to err (or to the
// *url.Error's cause), so that errors.Is and errors.As find what broke.
// after goes after the URL, such as " after 3 chunks".
func (c *Client) Error(ctx context.Context, err error, after string) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: request ended%s: %w", c.provider, after, ctx.Err())
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	msg := c.provider + ": " + c.post + after + ": " + err.Error()
	return &redactedError{msg: c.secrets.Redact(msg), err: err}
}

// redactedError is an error whose text has had secrets taken out. It
// unwraps to the original error.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
