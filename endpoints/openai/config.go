package openai

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/llmtest/llmtest/endpoints/internal/httpx"
	"github.com/llmtest/llmtest/internal/redact"
)

// API selects the OpenAI API an Endpoint calls.
type API string

const (
	// Chat is the Chat Completions API: POST {BaseURL}/chat/completions. It
	// is the default.
	Chat API = "chat"
	// Completions is the legacy Completions API: POST {BaseURL}/completions.
	Completions API = "completions"
	// Responses is the Responses API: POST {BaseURL}/responses. See the
	// package documentation, section "Responses API", for what it reports
	// and when a response counts as failed.
	Responses API = "responses"
)

const (
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

// Config configures an Endpoint. Only BaseURL is required.
type Config struct {
	// BaseURL is the API's base URL, including the version path, such as
	// "https://api.openai.com/v1" or "http://localhost:8000/v1". The API
	// route is appended to its path; its query parameters are kept.
	// Required.
	BaseURL string

	// APIKey is sent as "Authorization: Bearer <APIKey>". Empty sends no
	// Authorization header (a BaseURL with user information then sends
	// it as Basic authorization). It never appears in Info, in an error,
	// in a recorded response or in a log line.
	APIKey string

	// Model is put into every payload that has no "model" of its own.
	Model string

	// API selects the API called; the zero value is Chat.
	API API

	// Headers are extra request headers, such as an organization or
	// project header, or "api-key" for Azure OpenAI key authentication.
	// Their values are secrets, kept out of errors and recorded responses
	// as APIKey is, when they look like credentials (a name containing
	// "key", "token", "secret", "auth", "cookie", "signature" or
	// "password").
	Headers map[string]string

	// APIVersion, when not empty, is sent as the api-version query
	// parameter, as Azure OpenAI requires.
	APIVersion string

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

// route returns the path, relative to BaseURL, of the API's endpoint.
func (a API) route() (string, bool) {
	switch a {
	case Chat, "":
		return "chat/completions", true
	case Completions:
		return "completions", true
	case Responses:
		return "responses", true
	}
	return "", false
}

// parseBaseURL checks cfg.BaseURL and returns the request URL for the API,
// the URL that Info shows and the secrets the base URL carries (its user
// information and query values; api-version, which the endpoint adds, is
// none).
func parseBaseURL(cfg Config, route string) (reqURL *url.URL, shown string, secrets []string, err error) {
	if cfg.BaseURL == "" {
		return nil, "", nil, errors.New("openai: Config.BaseURL: required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, "", nil, httpx.URLError("openai: Config.BaseURL", cfg.BaseURL, err, redact.New(cfg.APIKey))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, "", nil, fmt.Errorf("openai: Config.BaseURL: want an http or https URL, got scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, "", nil, errors.New("openai: Config.BaseURL: no host")
	}
	if u.Fragment != "" {
		return nil, "", nil, errors.New("openai: Config.BaseURL: want no fragment")
	}
	u.RawPath = ""
	u.Path = strings.TrimSuffix(u.Path, "/")

	show := *u
	show.User, show.RawQuery, show.ForceQuery = nil, "", false
	shown = show.String()
	secrets = redact.URLSecrets(u)

	u.Path += "/" + route
	if cfg.APIVersion != "" {
		q := u.Query()
		q.Set("api-version", cfg.APIVersion)
		u.RawQuery = q.Encode()
	}
	return u, shown, secrets, nil
}
