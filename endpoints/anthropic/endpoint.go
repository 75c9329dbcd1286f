package anthropic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/httpx"
	"github.com/llmtest/llmtest/internal/redact"
)

// Endpoint sends requests to Anthropic's Messages API. It implements
// [endpoints.Endpoint], [endpoints.Redactor] and io.Closer; create it with
// New and Close it when done. Its methods are safe for concurrent use.
type Endpoint struct {
	model   string
	url     string // request URL
	info    endpoints.Info
	http    *httpx.Client
	secrets *redact.Redactor
}

var (
	_ endpoints.Endpoint = (*Endpoint)(nil)
	_ endpoints.Redactor = (*Endpoint)(nil)
	_ io.Closer          = (*Endpoint)(nil)
)

// New checks cfg and returns an Endpoint. An error names the Config field
// at fault and never contains the API key.
//
// Without Config.HTTPClient, the Endpoint sends with its own http.Client
// whose transport keeps Config.MaxIdleConnsPerHost idle keep-alive
// connections per host, speaks HTTP/1.1, asks for no compression (so that
// streams are not buffered for decompression), bounds dialing by
// DefaultDialTimeout and TLS handshakes by DefaultTLSHandshakeTimeout, uses
// the proxy the environment names (HTTPS_PROXY, NO_PROXY and the like), and
// follows no redirects (a 3xx status is a failed request). Close releases
// its idle connections.
//
// A request is sent again only when it died on a reused keep-alive
// connection before any byte of its response arrived, once, on a fresh
// connection (see the package documentation, "Connection reuse"). Nothing
// else resends a request: neither the client nor the transport, which is
// given no way to send a body twice.
func New(cfg Config) (*Endpoint, error) {
	if !httpx.ValidHeaderValue(cfg.APIKey) {
		return nil, errors.New("anthropic: Config.APIKey: contains a line break or NUL")
	}
	if !httpx.ValidHeaderValue(cfg.Version) {
		return nil, errors.New("anthropic: Config.Version: contains a line break or NUL")
	}
	if cfg.MaxIdleConnsPerHost < 0 {
		return nil, fmt.Errorf("anthropic: Config.MaxIdleConnsPerHost: want a positive number or zero, got %d", cfg.MaxIdleConnsPerHost)
	}
	version := cfg.Version
	if version == "" {
		version = DefaultVersion
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Anthropic-Version", version)
	if cfg.APIKey != "" {
		h.Set("X-Api-Key", cfg.APIKey)
	}
	secrets, err := httpx.SetHeaders(h, cfg.Headers, "anthropic")
	if err != nil {
		return nil, err
	}
	secrets = append(secrets, cfg.APIKey)
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	reqURL, shown, err := parseBaseURL(base, redact.New(secrets...))
	if err != nil {
		return nil, err
	}
	secrets = append(secrets, redact.URLSecrets(reqURL)...)

	e := &Endpoint{
		model: cfg.Model,
		url:   reqURL.String(),
		info: endpoints.Info{
			Provider: "anthropic",
			Model:    cfg.Model,
			Name:     "messages",
			URL:      shown,
		},
		secrets: redact.New(secrets...),
	}
	e.http = httpx.New(httpx.Config{
		Provider:            "anthropic",
		URL:                 reqURL,
		Header:              h,
		Redactor:            e.secrets,
		ErrorMessage:        httpx.TypedErrorMessage,
		MaxErrorBody:        MaxErrorBody,
		HTTPClient:          cfg.HTTPClient,
		MaxIdleConnsPerHost: cfg.MaxIdleConnsPerHost,
	})
	return e, nil
}

// Close releases the idle connections of the Endpoint's own transport,
// and returns nil. It is safe to call more than once, but not while
// requests are in flight; see the package documentation, "Connection
// reuse", for a client given in Config.HTTPClient.
func (e *Endpoint) Close() error { return e.http.Close() }

// Redact returns s with every secret the Endpoint holds replaced by
// "[REDACTED]", in any ASCII case: see the package documentation,
// "Secrets". It implements [endpoints.Redactor].
func (e *Endpoint) Redact(s string) string { return e.secrets.Redact(s) }

// Info names the endpoint: provider "anthropic", Config.Model, name
// "messages" and the base URL without user information, query or "/v1"
// (DefaultBaseURL when Config.BaseURL is empty). It never contains the API
// key.
func (e *Endpoint) Info() endpoints.Info { return e.info }

// Invoke sends one prepared request and reports the response to rec, as it
// arrives. It implements [endpoints.Endpoint]; see the package
// documentation for what is reported and when.
//
// It returns nil when the response completed: a stream ended by
// message_stop, or a whole message decoded. A non-2xx status is an
// *endpoints.StatusError; an error the API reports in a stream or in place
// of a message is a *ResponseError; a stream that ends before message_stop
// is an error wrapping endpoints.ErrIncompleteStream. Should ctx end while
// the body of an error status is read, the error wraps both the
// *endpoints.StatusError and ctx.Err(). Invoke blocks until the response
// has ended, and returns promptly, with an error wrapping ctx.Err(), once
// ctx is done. It sends a request twice only when the first attempt died
// on a reused connection before any byte of its response arrived (see the
// package documentation, "Connection reuse"), calling rec.Resend before
// the second.
func (e *Endpoint) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	if req == nil || req.Body == nil {
		return errNotPrepared
	}
	// reqCtx lets Invoke give up the connection itself, after
	// message_stop, when the server is slow to end the response.
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	resp, err := e.http.Post(reqCtx, req.Body, req.Stream, rec)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	if !req.Stream {
		return e.whole(ctx, resp.Body, rec)
	}
	if httpx.IsJSON(resp.Header.Get("Content-Type")) {
		return e.jsonInsteadOfStream(ctx, resp.Body)
	}
	return e.stream(ctx, resp.Body, resp.Header.Get("Content-Type"), rec, cancel)
}

// jsonInsteadOfStream handles a stream request answered with a JSON body:
// the API's error if the body holds one, else a failure, since the request
// asked for a stream.
func (e *Endpoint) jsonInsteadOfStream(ctx context.Context, body io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(body, MaxErrorBody))
	if err != nil {
		return e.transportError(ctx, err, 0)
	}
	var d decoder
	if d.decode(data) == nil && (d.ev.hasError || string(d.ev.typ) == "error") {
		return e.responseError(&d.ev, data, 0)
	}
	return errors.New("anthropic: the request asked for a stream, but the response is application/json; " +
		`set "stream": false in the payload to measure this server without streaming`)
}

// transportError describes a failure to read a response: an error
// wrapping ctx.Err() once ctx is done, else the error with secrets taken
// out of its text. events is the number of events read.
func (e *Endpoint) transportError(ctx context.Context, err error, events int) error {
	var after string
	if events > 0 {
		after = fmt.Sprintf(" after %d events", events)
	}
	return e.http.Error(ctx, err, after)
}

// responseError builds the error for an error event, or an error in place
// of a message. raw is the event's data, the message when the API gave
// none.
func (e *Endpoint) responseError(ev *event, raw []byte, events int) *ResponseError {
	msg := string(ev.errMessage)
	if msg == "" && len(ev.errType) == 0 {
		msg = string(raw)
	}
	return &ResponseError{
		Type:    e.secrets.Message(string(ev.errType), 64),
		Message: e.secrets.Message(msg, endpoints.MaxErrorMessage),
		Events:  events,
	}
}

// whole reads and decodes a non-streaming response: the message's
// thinking blocks go to rec.Reasoning, one call each, then its text blocks,
// concatenated, to rec.Complete.
func (e *Endpoint) whole(ctx context.Context, body io.Reader, rec endpoints.Recorder) error {
	st := getState()
	defer putState(st)
	data, err := httpx.ReadBody(st.body[:0], body, MaxResponseBody)
	st.body = data
	if err != nil {
		return e.transportError(ctx, err, 0)
	}
	d := &st.dec
	if err := d.decode(data); err != nil {
		return fmt.Errorf("anthropic: response: %w", err)
	}
	ev := &d.ev
	if ev.hasError || string(ev.typ) == "error" {
		return e.responseError(ev, data, 0)
	}
	if !ev.hasContent {
		return errors.New("anthropic: response: content: missing, want a list of content blocks")
	}
	if len(ev.id) > 0 {
		rec.ID(string(ev.id))
	}
	ev.thinkingBlocks(func(t []byte) {
		if len(t) > 0 {
			rec.Reasoning(string(t))
		}
	})
	rec.Complete(string(ev.text))
	if u := ev.usage.counts(true); u != (endpoints.Usage{}) {
		rec.Usage(u)
	}
	return nil
}
