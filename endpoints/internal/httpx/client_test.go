package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/internal/keepalivetest"
	"github.com/llmtest/llmtest/internal/redact"
)

const testKey = "sk-httpx-test-0123456789"

// newClient returns a Client posting to base + "/v1/x", closed when t ends.
func newClient(t *testing.T, base string, hc *http.Client, header http.Header) *Client {
	t.Helper()
	u, err := url.Parse(base + "/v1/x")
	require.NoError(t, err)
	c := New(Config{
		Provider:     "test",
		URL:          u,
		Header:       header,
		Redactor:     redact.New(testKey),
		MaxErrorBody: 1 << 10,
		HTTPClient:   hc,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// post posts one streamed request and reads its body; it returns the
// body, the recorder and Post's error.
func post(t *testing.T, ctx context.Context, c *Client) (string, *endpointstest.Recorder, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var rec endpointstest.Recorder
	resp, err := c.Post(ctx, []byte(`{"stream":true}`), true, &rec)
	if err != nil {
		return "", &rec, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b), &rec, nil
}

const body = "data: hello\n\n"

func TestPostResendsWhenAReusedConnectionDied(t *testing.T) {
	srv := keepalivetest.NewServer(t, keepalivetest.OnNextRequest, "text/event-stream", body)
	c := newClient(t, srv.URL, nil, nil)
	// 1: a fresh connection, kept; 2: sent on it, which the server closes
	// unanswered, then resent afresh; 3: a fresh connection again.
	for i, resends := range []int{0, 1, 0} {
		got, rec, err := post(t, t.Context(), c)
		require.NoError(t, err, "request %d", i+1)
		assert.Equal(t, body, got)
		assert.Equal(t, resends, rec.Resends, "request %d", i+1)
	}
	assert.Equal(t, 3, srv.Answered())
	assert.Len(t, srv.Dropped(), 1, "one attempt met a closed connection")
}

func TestPostDoesNotResendOtherFailures(t *testing.T) {
	t.Run("fresh connection", func(t *testing.T) {
		srv := keepalivetest.NewServer(t, keepalivetest.Fresh, "text/event-stream", body)
		c := newClient(t, srv.URL, nil, nil)
		_, rec, err := post(t, t.Context(), c)
		require.Error(t, err)
		assert.Zero(t, rec.Resends)
		assert.Contains(t, err.Error(), "test: POST "+srv.URL+"/v1/x: ")
		assert.Len(t, srv.Dropped(), 1, "sent once")
	})
	t.Run("response cut after its first byte", func(t *testing.T) {
		srv := keepalivetest.NewServer(t, keepalivetest.CutNextResponse, "text/event-stream", body)
		c := newClient(t, srv.URL, nil, nil)
		_, _, err := post(t, t.Context(), c)
		require.NoError(t, err)
		_, rec, err := post(t, t.Context(), c)
		require.Error(t, err, "the reused connection broke inside the response")
		assert.Zero(t, rec.Resends)
		assert.Len(t, srv.Dropped(), 1)
		assert.Equal(t, 1, srv.Answered())
	})
	t.Run("another RoundTripper", func(t *testing.T) {
		srv := keepalivetest.NewServer(t, keepalivetest.OnNextRequest, "text/event-stream", body)
		tr := NewTransport(0)
		t.Cleanup(tr.CloseIdleConnections)
		// Idempotency-Key makes a POST replayable to net/http: without
		// GetBody, its transport still cannot resend the body.
		c := newClient(t, srv.URL, &http.Client{Transport: roundTripper{tr}}, http.Header{"Idempotency-Key": {"k1"}})
		_, _, err := post(t, t.Context(), c)
		require.NoError(t, err)
		_, rec, err := post(t, t.Context(), c)
		require.Error(t, err, "no resend through a RoundTripper that cannot dial afresh")
		assert.Zero(t, rec.Resends)
		assert.Len(t, srv.Dropped(), 1, "nothing resent the request")
		assert.Equal(t, 1, srv.Answered())
	})
}

// roundTripper hides the *http.Transport it wraps.
type roundTripper struct{ rt http.RoundTripper }

func (r roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	return r.rt.RoundTrip(req)
}

func TestPostResendsThroughTheCallersTransport(t *testing.T) {
	srv := keepalivetest.NewServer(t, keepalivetest.OnNextRequest, "text/event-stream", body)
	tr := NewTransport(0)
	t.Cleanup(tr.CloseIdleConnections)
	var redirects atomic.Int32
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		redirects.Add(1)
		return http.ErrUseLastResponse
	}}
	c := newClient(t, srv.URL, hc, nil)
	assert.Same(t, hc, c.HTTPClient())
	for i, resends := range []int{0, 1, 0} {
		_, rec, err := post(t, t.Context(), c)
		require.NoError(t, err, "request %d", i+1)
		assert.Equal(t, resends, rec.Resends, "request %d", i+1)
	}
	assert.Zero(t, redirects.Load())
	// Pointers are compared: the transports are in use.
	require.Len(t, c.own, 1, "Close releases the copy made for resending")
	assert.True(t, c.own[0] != tr && c.own[0] == c.fresh.Transport, "Close leaves the caller's transport alone")
}

func TestPostKeepsTheCallersTrace(t *testing.T) {
	srv := keepalivetest.NewServer(t, keepalivetest.OnNextRequest, "text/event-stream", body)
	c := newClient(t, srv.URL, nil, nil)
	var got atomic.Int32
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { got.Add(1) },
	})
	for i, resends := range []int{0, 1} {
		_, rec, err := post(t, ctx, c)
		require.NoError(t, err, "request %d", i+1)
		assert.Equal(t, resends, rec.Resends, "request %d", i+1)
	}
	assert.Equal(t, int32(3), got.Load(), "the caller's hook saw every attempt")
	// The pool holds only the Client's own hooks.
	a, pooled := newAttempt(t.Context())
	assert.True(t, pooled)
	a.trace.GotConn(httptrace.GotConnInfo{})
	assert.Equal(t, int32(3), got.Load())
}

func TestPostStatusError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"slow down, `+strings.ToUpper(testKey)+`"}}`)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, nil, nil)
	_, rec, err := post(t, t.Context(), c)
	var serr *endpoints.StatusError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, &endpoints.StatusError{StatusCode: 429, Message: "slow down, [REDACTED]", RetryAfter: 3 * time.Second}, serr)
	assert.Empty(t, rec.Events)
}

func TestPostStatusErrorBodyCutByTheContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"slow`)
		w.(http.Flusher).Flush()
		select { // the rest of the body never comes
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := newClient(t, srv.URL, nil, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, _, err := post(t, ctx, c)
	var serr *endpoints.StatusError
	require.ErrorAs(t, err, &serr, "the status survives the cut")
	assert.Equal(t, 429, serr.StatusCode)
	assert.Equal(t, "Too Many Requests", serr.Message)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.EqualError(t, err, "test: request ended while the body of its HTTP 429: Too Many Requests response was read: context deadline exceeded")
}

func TestError(t *testing.T) {
	u, err := url.Parse("http://user:" + testKey + "@127.0.0.1:1/v1/x?key=" + testKey)
	require.NoError(t, err)
	c := New(Config{Provider: "test", URL: u, Redactor: redact.New(redact.URLSecrets(u)...)})
	t.Cleanup(func() { _ = c.Close() })
	cause := errors.New("dial: refused for " + testKey)
	e := c.Error(t.Context(), &url.Error{Op: "Post", URL: u.String(), Err: cause}, " after 2 chunks")
	assert.EqualError(t, e, "test: POST http://127.0.0.1:1/v1/x after 2 chunks: dial: refused for [REDACTED]")
	assert.ErrorIs(t, e, cause)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	e = c.Error(ctx, cause, "")
	assert.EqualError(t, e, "test: request ended: context canceled")
	assert.ErrorIs(t, e, context.Canceled)
}

func TestClose(t *testing.T) {
	srv := keepalivetest.NewServer(t, keepalivetest.AfterResponse, "text/event-stream", body)
	c := newClient(t, srv.URL, nil, nil)
	require.Len(t, c.own, 2)
	assert.True(t, c.own[0] == c.first.Transport && c.own[1] == c.fresh.Transport, "Close releases both transports it made")
	_, _, err := post(t, t.Context(), c)
	require.NoError(t, err)
	assert.NoError(t, c.Close())
	assert.NoError(t, c.Close())
	_, _, err = post(t, t.Context(), c)
	assert.NoError(t, err, "a closed Client opens new connections")
}

func TestStaleConnectionErrors(t *testing.T) {
	for _, err := range []error{
		io.EOF,
		&url.Error{Op: "Post", URL: "http://x", Err: io.EOF},
		fmt.Errorf("read tcp: %w", syscall.ECONNRESET),
		fmt.Errorf("write tcp: %w", syscall.EPIPE),
		errors.New("http: server closed idle connection"),
		net.ErrClosed,
	} {
		assert.True(t, staleConnection(err), "%v", err)
	}
	for _, err := range []error{
		errors.New("tls: handshake failure"),
		fmt.Errorf("dial tcp: %w", syscall.ECONNREFUSED),
		context.DeadlineExceeded,
	} {
		assert.False(t, staleConnection(err), "%v", err)
	}
}

// TestPostTracesEachRequest checks the traces Post reports: a new
// connection's connect for the first request, the kept-alive connection
// for the second, and that only an attempt that took an idle connection
// is done with its hooks (and so may be pooled).
func TestPostTracesEachRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, nil, nil)
	var traces []endpoints.ConnTrace
	for i := range 2 {
		_, rec, err := post(t, t.Context(), c)
		require.NoError(t, err, "request %d", i+1)
		require.Len(t, rec.Traces, 1, "one trace per request")
		traces = append(traces, rec.Traces[0])
	}
	first, second := traces[0], traces[1]
	assert.False(t, first.Reused)
	assert.False(t, first.ConnectStart.IsZero())
	assert.False(t, first.ConnectDone.Before(first.ConnectStart))
	assert.False(t, first.GotConn.Before(first.ConnectDone), "dialed, then had the connection")
	assert.True(t, second.Reused)
	assert.True(t, second.ConnectStart.IsZero(), "no dial for a kept-alive connection")
	for _, tr := range traces {
		assert.False(t, tr.GotConn.IsZero())
		assert.False(t, tr.WroteRequest.Before(tr.GotConn))
		assert.False(t, tr.FirstByte.IsZero())
	}

	a := makeAttempt()
	a.trace.GotConn(httptrace.GotConnInfo{Reused: true, WasIdle: true})
	a.trace.WroteRequest(httptrace.WroteRequestInfo{})
	assert.False(t, a.done(), "no first byte yet")
	a.trace.GotFirstResponseByte()
	assert.True(t, a.done())
	b := makeAttempt()
	b.trace.GotConn(httptrace.GotConnInfo{}) // from a dial: it may go on
	b.trace.WroteRequest(httptrace.WroteRequestInfo{})
	b.trace.GotFirstResponseByte()
	assert.False(t, b.done(), "an attempt that dialed is not pooled")
}

// TestTrace checks the trace of an SDK's requests: each attempt starts it
// afresh, and a recorder that keeps no trace is left alone.
func TestTrace(t *testing.T) {
	var rec endpointstest.Recorder
	ctx, report := Trace(t.Context(), &rec)
	tr := httptrace.ContextClientTrace(ctx)
	require.NotNil(t, tr)
	tr.GetConn("x:1")
	tr.ConnectStart("tcp", "x:1")
	tr.ConnectDone("tcp", "x:1", nil)
	tr.GotConn(httptrace.GotConnInfo{})
	tr.GetConn("x:1") // a retry, on the connection kept alive
	tr.GotConn(httptrace.GotConnInfo{Reused: true})
	report()
	require.Len(t, rec.Traces, 1)
	assert.True(t, rec.Traces[0].Reused, "the last attempt's")
	assert.True(t, rec.Traces[0].ConnectStart.IsZero())

	plain := struct{ endpoints.Recorder }{&rec}
	same, report := Trace(t.Context(), plain)
	assert.Nil(t, httptrace.ContextClientTrace(same), "no ConnTracer: no trace")
	report()
	assert.Len(t, rec.Traces, 1)
}
