package anthropic

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/llmtest/llmtest/endpoints/internal/httpx"
	"github.com/llmtest/llmtest/internal/redact"
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
	DefaultMaxIdleConnsPerHost = httpx.DefaultMaxIdleConnsPerHost

	// DefaultDialTimeout bounds how long the default transport waits for a
	// TCP connection.
	DefaultDialTimeout = httpx.DefaultDialTimeout

	// DefaultTLSHandshakeTimeout bounds how long the default transport
	// waits for a TLS handshake.
	DefaultTLSHandshakeTimeout = httpx.DefaultTLSHandshakeTimeout

	// DefaultIdleConnTimeout is how long the default transport keeps an
	// idle connection open.
	DefaultIdleConnTimeout = httpx.DefaultIdleConnTimeout

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
	// appears in Info, in an error, in a recorded response or in a log
	// line.
	APIKey string

	// Version is sent as the anthropic-version header. Empty means
	// DefaultVersion.
	Version string

	// Model is put into every payload that has no "model" of its own.
	Model string

	// Headers are extra request headers, such as "anthropic-beta" for beta
	// features. They are set after the endpoint's own headers, so they
	// can replace them. Their values are secrets, kept out of errors and
	// recorded responses as APIKey is, when they look like credentials (a
	// name containing "key", "token", "secret", "auth", "cookie",
	// "signature" or "password").
	Headers map[string]string

	// HTTPClient sends the requests; nil means a client with a transport
	// tuned for load (see New). A client given here is used as it is:
	// MaxIdleConnsPerHost does not apply to it, and its transport should
	// keep at least as many idle connections per host as there are
	// clients, so that connections are reused. A request that dies on a
	// reused connection is resent through a copy of it only when its
	// Transport is an *http.Transport or nil (see the package
	// documentation, "Connection reuse"), and Endpoint.Close leaves its
	// connections to its owner.
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
// secrets redacts the error of a URL that cannot be parsed.
func parseBaseURL(base string, secrets *redact.Redactor) (reqURL *url.URL, shown string, err error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, "", httpx.URLError("anthropic: Config.BaseURL", base, err, secrets)
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
