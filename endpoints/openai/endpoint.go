package openai

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

// Endpoint sends requests to an OpenAI-compatible HTTP API. It implements
// [endpoints.Endpoint], [endpoints.Redactor] and io.Closer; create it with
// New and Close it when done. Its methods are safe for concurrent use.
type Endpoint struct {
	model   string // Config.Model
	api     API
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
// the proxy named by the environment (HTTPS_PROXY, NO_PROXY and the like)
// as http.DefaultTransport does, and follows no redirects (a 3xx status is
// a failed request). Close releases its idle connections.
//
// A request is sent again only when it died on a reused keep-alive
// connection before any byte of its response arrived, once, on a fresh
// connection (see the package documentation, "Connection reuse"). Nothing
// else resends a request: not the client, and not the transport, which is
// given no way to send a request body twice; a request that fails is
// reported as failed.
func New(cfg Config) (*Endpoint, error) {
	route, ok := cfg.API.route()
	if !ok {
		return nil, fmt.Errorf("openai: Config.API: unknown API %q, want %q, %q or %q", cfg.API, Chat, Completions, Responses)
	}
	api := cfg.API
	if api == "" {
		api = Chat
	}
	if !httpx.ValidHeaderValue(cfg.APIKey) {
		return nil, errors.New("openai: Config.APIKey: contains a line break or NUL")
	}
	if cfg.MaxIdleConnsPerHost < 0 {
		return nil, fmt.Errorf("openai: Config.MaxIdleConnsPerHost: want a positive number or zero, got %d", cfg.MaxIdleConnsPerHost)
	}
	reqURL, shown, secrets, err := parseBaseURL(cfg, route)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if cfg.APIKey != "" {
		h.Set("Authorization", "Bearer "+cfg.APIKey)
	}
	hs, err := httpx.SetHeaders(h, cfg.Headers, "openai")
	if err != nil {
		return nil, err
	}

	e := &Endpoint{
		model: cfg.Model,
		api:   api,
		url:   reqURL.String(),
		info: endpoints.Info{
			Provider: "openai",
			Model:    cfg.Model,
			Name:     route,
			URL:      shown,
		},
		secrets: redact.New(append(append(secrets, cfg.APIKey), hs...)...),
	}
	e.http = httpx.New(httpx.Config{
		Provider:            "openai",
		URL:                 reqURL,
		Header:              h,
		Redactor:            e.secrets,
		ErrorMessage:        httpx.ErrorMessage,
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

// Info names the endpoint: provider "openai", Config.Model, the API route
// ("chat/completions", "completions" or "responses") and the base URL
// without user information or query. It never contains the API key.
func (e *Endpoint) Info() endpoints.Info { return e.info }

// Invoke sends one prepared request and reports the response to rec, as it
// arrives. It implements [endpoints.Endpoint]; see the package
// documentation for what is reported and when.
//
// It returns nil when the response completed: a stream ended by
// "data: [DONE]" (for the Responses API, by a response.completed event, or
// a response.incomplete event whose reason is "max_output_tokens"), or a
// whole response decoded. A non-2xx status is an *endpoints.StatusError;
// an error the server reports in a stream or a body is a *ResponseError; a
// Responses API response that is incomplete for another reason is an
// *IncompleteError; a stream that ends before [DONE] (or before the
// Responses API's final event) is an error wrapping
// endpoints.ErrIncompleteStream. Should ctx end while the body of an error
// status is read, the error wraps both the *endpoints.StatusError and
// ctx.Err(). Invoke blocks until the response has ended, and returns
// promptly, with an error wrapping ctx.Err(), once ctx is done. It sends a
// request twice only when the first attempt died on a reused connection
// before any byte of its response arrived (see the package documentation,
// "Connection reuse"), calling rec.Resend before the second.
func (e *Endpoint) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	if req == nil || req.Body == nil {
		return errNotPrepared
	}
	// reqCtx lets Invoke abandon the connection itself, after [DONE], when
	// the server is slow to end the response.
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	resp, err := e.http.Post(reqCtx, req.Body, req.Stream, rec)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	if req.Stream {
		if httpx.IsJSON(resp.Header.Get("Content-Type")) {
			return e.jsonInsteadOfStream(ctx, resp.Body)
		}
		if e.api == Responses {
			return e.streamResponses(ctx, resp.Body, resp.Header.Get("Content-Type"), rec, cancel)
		}
		return e.stream(ctx, resp.Body, resp.Header.Get("Content-Type"), rec, cancel)
	}
	if e.api == Responses {
		return e.wholeResponse(ctx, resp.Body, rec)
	}
	return e.whole(ctx, resp.Body, rec)
}

// jsonInsteadOfStream handles a stream request answered with a JSON body:
// the server's error if the body holds one, else a failure, since the
// request asked for a stream.
func (e *Endpoint) jsonInsteadOfStream(ctx context.Context, body io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(body, MaxErrorBody))
	if err != nil {
		return e.transportError(ctx, err, 0)
	}
	var d decoder
	d.shape = chatMessage
	if d.decode(data) == nil {
		if msg, typ, code, ok := d.c.streamError(); ok {
			return e.responseError(msg, typ, code, data, 0)
		}
	}
	return errors.New("openai: the request asked for a stream, but the response is application/json; " +
		`set "stream": false in the payload to measure this server without streaming`)
}

// transportError describes a failure to read a response: an error
// wrapping ctx.Err() once ctx is done, else the error with secrets taken
// out of its text. chunks is the number of chunks (events) read.
func (e *Endpoint) transportError(ctx context.Context, err error, chunks int) error {
	var after string
	if chunks > 0 {
		after = fmt.Sprintf(" after %d %s", chunks, e.unit())
	}
	return e.http.Error(ctx, err, after)
}

// responseError builds the error for an error the server reported inside a
// 2xx response. raw is the chunk's data, used as the message when the
// server gave none.
func (e *Endpoint) responseError(msg, typ, code, raw []byte, chunks int) *ResponseError {
	m := string(msg)
	if m == "" {
		m = string(raw)
	}
	return &ResponseError{
		Message: e.secrets.Message(m, endpoints.MaxErrorMessage),
		Type:    e.secrets.Message(string(typ), 64),
		Code:    e.secrets.Message(string(code), 64),
		Chunks:  chunks,
		events:  e.api == Responses,
	}
}

// unit names what a stream of the Endpoint's API is made of, for error
// texts: "events" for the Responses API, "chunks" for the others.
func (e *Endpoint) unit() string {
	if e.api == Responses {
		return "events"
	}
	return "chunks"
}

// whole reads and decodes a non-streaming response.
func (e *Endpoint) whole(ctx context.Context, body io.Reader, rec endpoints.Recorder) error {
	st := getState()
	defer putState(st)
	data, err := httpx.ReadBody(st.body[:0], body, MaxResponseBody)
	st.body = data
	if err != nil {
		return e.transportError(ctx, err, 0)
	}
	d := &st.dec
	d.shape = chatMessage
	if e.api == Completions {
		d.shape = textChoice
	}
	if err := d.decode(data); err != nil {
		return fmt.Errorf("openai: response: %w", err)
	}
	c := &d.c
	if msg, typ, code, ok := c.streamError(); ok {
		return e.responseError(msg, typ, code, data, 0)
	}
	if !c.hasChoice {
		return errors.New("openai: response: choices: no choice with index 0")
	}
	if c.hasID && len(c.id) > 0 {
		rec.ID(string(c.id))
	}
	if r := c.reasoningText(); len(r) > 0 {
		rec.Reasoning(string(r))
	}
	rec.Complete(string(c.text))
	if c.hasUsage {
		rec.Usage(c.usage)
	}
	return nil
}
