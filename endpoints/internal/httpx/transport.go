package httpx

import (
	"net"
	"net/http"
	"time"
)

// Settings of the transport that NewTransport builds. The providers export
// them under their own names (openai.DefaultDialTimeout and so on).
const (
	// DefaultMaxIdleConnsPerHost is the number of idle keep-alive
	// connections kept per host when a provider's MaxIdleConnsPerHost is
	// zero.
	DefaultMaxIdleConnsPerHost = 1024

	// DefaultDialTimeout bounds how long the transport waits for a TCP
	// connection.
	DefaultDialTimeout = 30 * time.Second

	// DefaultTLSHandshakeTimeout bounds how long the transport waits for a
	// TLS handshake.
	DefaultTLSHandshakeTimeout = 10 * time.Second

	// DefaultIdleConnTimeout is how long the transport keeps an idle
	// connection open.
	DefaultIdleConnTimeout = 90 * time.Second
)

// NewTransport returns the transport a provider sends with when it is given
// no http.Client: keep-alive connections, maxIdle of them idle per host
// (DefaultMaxIdleConnsPerHost when maxIdle is zero) and no limit across
// hosts; HTTP/1.1, one request per connection at a time; no compression,
// so that no layer buffers a stream to inflate it; dialing bounded by
// DefaultDialTimeout and TLS handshakes by DefaultTLSHandshakeTimeout; the
// proxy the environment names (HTTPS_PROXY, NO_PROXY and the like), as
// http.DefaultTransport uses; and no response timeout of its own: the
// request's context bounds it.
func NewTransport(maxIdle int) *http.Transport {
	if maxIdle == 0 {
		maxIdle = DefaultMaxIdleConnsPerHost
	}
	dialer := &net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dialer.DialContext,
		MaxIdleConns:        0, // no limit across hosts
		MaxIdleConnsPerHost: maxIdle,
		IdleConnTimeout:     DefaultIdleConnTimeout,
		TLSHandshakeTimeout: DefaultTLSHandshakeTimeout,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		WriteBufferSize:     16 << 10,
		ReadBufferSize:      16 << 10,
	}
}

// noRedirect makes a client return a 3xx response as it is: a provider
// counts it as a failed request.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// freshTransport returns a copy of t that opens a new connection for every
// request and closes it after the response, for resending a request on a
// connection that is certainly fresh.
func freshTransport(t *http.Transport) *http.Transport {
	f := t.Clone()
	f.DisableKeepAlives = true
	return f
}

// transportOf returns the *http.Transport a client sends with
// (http.DefaultTransport for a nil Transport), or nil when it sends with
// another RoundTripper.
func transportOf(c *http.Client) *http.Transport {
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, _ := rt.(*http.Transport)
	return t
}
