package anthropic

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	// DefaultBaseURL is the Anthropic API's base URL, used when
	// Config.BaseURL is empty.
	DefaultBaseURL = "https://api.anthropic.com"

	// DefaultVersion is the anthropic-version header sent when
	// Config.Version is empty.
	DefaultVersion = "2023-06-01"

	// DefaultMaxIdleConnsPerHost is the number of idle keep-alive
	// connections the default transport keeps per host when
	// Config.MaxIdleConnsPerHost is zero.
	DefaultMaxIdleConnsPerHost = 1024

	// DefaultDialTimeout bounds how long the default transport waits for a
	// TCP connection.
	DefaultDialTimeout = 30 * time.Second

	// DefaultTLSHandshakeTimeout bounds how long the default transport
	// waits for a TLS handshake.
	DefaultTLSHandshakeTimeout = 10 * time.Second

	// DefaultIdleConnTimeout is how long the default transport keeps an
	// idle connection open.
	DefaultIdleConnTimeout = 90 * time.Second

	// MaxErrorBody is the most of an error response's body, in bytes, that
	// Invoke reads to find the server's message.
	MaxErrorBody = 64 << 10

	// MaxResponseBody is the largest non-streaming response body, in bytes,
	// that Invoke reads; a larger one fails the request.
	MaxResponseBody = 64 << 20
)

// route is the Messages API's path below the base URL.
const route = "/v1/messages"

// Config configures an Endpoint. The zero value sends to the Anthropic API
// without a key; set at least APIKey and Model for it.
type Config struct {
	// BaseURL is the root of the API, without the "/v1" version path, as
	// Anthropic's SDKs take it: requests go to BaseURL + "/v1/messages".
	// A BaseURL whose path ends in "/v1" means the same root, so both
	// "https://api.anthropic.com" and "https://api.anthropic.com/v1" (or a
	// simulator's "http://127.0.0.1:8080/v1", the form the openai endpoint
	// takes) send to ".../v1/messages"; so does the whole route,
	// ".../v1/messages". Query parameters are kept on requests but never
	// shown. Empty means DefaultBaseURL.
	BaseURL string

	// APIKey is sent as the x-api-key header. Empty sends none (a gateway
	// may authenticate otherwise; put its header in Headers). It never
	// appears in Info, in an error or in a log line.
	APIKey string

	// Version is sent as the anthropic-version header. Empty means
	// DefaultVersion.
	Version string

	// Model is put into every payload that has no "model" of its own.
	Model string

	// Headers are extra request headers, such as "anthropic-beta" for beta
	// features. They are set after the endpoint's own headers, so they
	// can replace them. Their values are kept out of errors when they look
	// like credentials (a name containing "key", "token", "secret",
	// "auth", "cookie", "signature" or "password").
	Headers map[string]string

	// HTTPClient sends the requests; nil means a client with a transport
	// tuned for load (see New). A client given here is used as it is:
	// MaxIdleConnsPerHost does not apply to it, and its transport should
	// keep at least as many idle connections per host as there are
	// clients, so that connections are reused.
	HTTPClient *http.Client

	// MaxIdleConnsPerHost is the number of idle keep-alive connections the
	// default transport keeps per host; zero means
	// DefaultMaxIdleConnsPerHost. It must be at least the number of
	// concurrent clients, or connections are closed and opened again
	// between requests.
	MaxIdleConnsPerHost int
}

// parseBaseURL checks the base URL and returns the request URL and the
// root URL that Info shows (without user information, query or "/v1").
func parseBaseURL(base string, secrets redactor) (reqURL *url.URL, shown string, err error) {
	u, err := url.Parse(base)
	if err != nil {
		// A url.Error quotes the whole URL, which may hold credentials:
		// only its cause is shown.
		msg := "anthropic: Config.BaseURL: not a valid URL"
		var uerr *url.Error
		if errors.As(err, &uerr) {
			msg += ": " + secrets.redact(uerr.Err.Error())
		}
		return nil, "", errors.New(msg)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, "", fmt.Errorf("anthropic: Config.BaseURL: want an http or https URL, got scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, "", errors.New("anthropic: Config.BaseURL: no host")
	}
	if u.Fragment != "" {
		return nil, "", errors.New("anthropic: Config.BaseURL: want no fragment")
	}
	u.RawPath = ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.Path = strings.TrimSuffix(u.Path, route) // the whole route, given by mistake
	u.Path = strings.TrimSuffix(u.Path, "/v1")

	show := *u
	show.User, show.RawQuery, show.ForceQuery = nil, "", false
	shown = show.String()

	u.Path += route
	return u, shown, nil
}

// newTransport returns the default transport: keep-alive connections,
// HTTP/1.1, no compression (so that no layer buffers a stream to inflate
// it), bounded dial and TLS handshake times, and no response timeout of its
// own: Invoke's context bounds each request.
func newTransport(maxIdle int) *http.Transport {
	dialer := &net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dialer.DialContext,
		MaxIdleConnsPerHost: maxIdle,
		IdleConnTimeout:     DefaultIdleConnTimeout,
		TLSHandshakeTimeout: DefaultTLSHandshakeTimeout,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		WriteBufferSize:     16 << 10,
		ReadBufferSize:      16 << 10,
	}
}

// validHeaderName reports whether name is an HTTP field name (a token,
// RFC 9110).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v can be sent as a header value without
// changing the request's framing.
func validHeaderValue(v string) bool {
	return !strings.ContainsAny(v, "\r\n\x00")
}

// secretHeader reports whether a header's value should be kept out of
// error messages.
func secretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range [...]string{"key", "token", "secret", "auth", "cookie", "signature", "password"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
