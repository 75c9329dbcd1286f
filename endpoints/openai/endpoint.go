package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/redact"
)

// Endpoint sends requests to an OpenAI-compatible HTTP API. It implements
// [endpoints.Endpoint]; create it with New. Its methods are safe for
// concurrent use.
type Endpoint struct {
	cfg    Config
	api    API
	route  string // "chat/completions", "completions" or "responses"
	url    string // request URL
	shown  string // base URL without credentials or query
	info   endpoints.Info
	client *http.Client

	// Request headers, built once and copied for each request.
	streamHeader, wholeHeader http.Header

	secrets redactor
}

var _ endpoints.Endpoint = (*Endpoint)(nil)

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
// a failed request). Nothing retries a request: not the client, and not the
// transport, which is given no way to send a request body twice; a request
// that fails is reported as failed.
func New(cfg Config) (*Endpoint, error) {
	route, ok := cfg.API.route()
	if !ok {
		return nil, fmt.Errorf("openai: Config.API: unknown API %q, want %q, %q or %q", cfg.API, Chat, Completions, Responses)
	}
	api := cfg.API
	if api == "" {
		api = Chat
	}
	if strings.ContainsAny(cfg.APIKey, "\r\n\x00") {
		return nil, errors.New("openai: Config.APIKey: contains a line break or NUL")
	}
	if cfg.MaxIdleConnsPerHost < 0 {
		return nil, fmt.Errorf("openai: Config.MaxIdleConnsPerHost: want a positive number or zero, got %d", cfg.MaxIdleConnsPerHost)
	}
	reqURL, shown, err := parseBaseURL(cfg, route)
	if err != nil {
		return nil, err
	}

	e := &Endpoint{
		api:   api,
		route: route,
		url:   reqURL.String(),
		shown: shown,
		info: endpoints.Info{
			Provider: "openai",
			Model:    cfg.Model,
			Name:     route,
			URL:      shown,
		},
		secrets: redactor{cfg.APIKey},
	}
	if pw, ok := reqURL.User.Password(); ok && pw != "" {
		e.secrets = append(e.secrets, pw)
	}

	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if cfg.APIKey != "" {
		h.Set("Authorization", "Bearer "+cfg.APIKey)
	}
	headers := make(map[string]string, len(cfg.Headers))
	for name, value := range cfg.Headers {
		if !validHeaderName(name) {
			return nil, fmt.Errorf("openai: Config.Headers: invalid header name %q", name)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return nil, fmt.Errorf("openai: Config.Headers[%q]: value contains a line break or NUL", name)
		}
		h.Set(name, value)
		headers[name] = value
		if secretHeader(name) && value != "" {
			e.secrets = append(e.secrets, value)
		}
	}
	cfg.Headers = headers
	e.cfg = cfg

	e.streamHeader = h.Clone()
	e.wholeHeader = h.Clone()
	if e.streamHeader.Get("Accept") == "" {
		e.streamHeader.Set("Accept", "text/event-stream")
		e.wholeHeader.Set("Accept", "application/json")
	}

	e.client = cfg.HTTPClient
	if e.client == nil {
		maxIdle := cfg.MaxIdleConnsPerHost
		if maxIdle == 0 {
			maxIdle = DefaultMaxIdleConnsPerHost
		}
		e.client = &http.Client{
			Transport: newTransport(maxIdle),
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	return e, nil
}

// validHeaderName reports whether name is an HTTP token (RFC 9110).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

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
// endpoints.ErrIncompleteStream. Invoke blocks until the response has
// ended, and returns promptly, with an error wrapping ctx.Err(), once ctx
// is done. It never retries.
func (e *Endpoint) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	if req == nil || req.Body == nil {
		return errNotPrepared
	}
	// reqCtx lets Invoke abandon the connection itself, after [DONE], when
	// the server is slow to end the response.
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	hreq, err := http.NewRequestWithContext(reqCtx, http.MethodPost, e.url, bytes.NewReader(req.Body))
	if err != nil {
		return e.transportError(ctx, err, 0)
	}
	hreq.GetBody = nil // so that the transport cannot resend the request
	if req.Stream {
		hreq.Header = e.streamHeader.Clone()
	} else {
		hreq.Header = e.wholeHeader.Clone()
	}

	resp, err := e.client.Do(hreq)
	if err != nil {
		return e.transportError(ctx, err, 0)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		serr := e.secrets.statusError(resp)
		if ctx.Err() != nil {
			return e.transportError(ctx, ctx.Err(), 0)
		}
		return serr
	}
	if req.Stream {
		if isJSON(resp.Header.Get("Content-Type")) {
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

// isJSON reports whether a Content-Type is JSON.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
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

// transportError describes a failure to send a request or to read its
// response: an error wrapping ctx.Err() once ctx is done, else the error
// with credentials and the request URL's query taken out of its text.
func (e *Endpoint) transportError(ctx context.Context, err error, chunks int) error {
	var after string
	if chunks > 0 {
		after = fmt.Sprintf(" after %d %s", chunks, e.unit())
	}
	if ctx.Err() != nil {
		return fmt.Errorf("openai: request ended%s: %w", after, ctx.Err())
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // its text holds the URL
	}
	msg := fmt.Sprintf("openai: POST %s/%s%s: %v", e.shown, e.route, after, err)
	return &transportError{msg: e.secrets.redact(msg), err: err}
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
		Message: e.secrets.message(m),
		Type:    redact.Truncate(e.secrets.redact(string(typ)), 64),
		Code:    redact.Truncate(e.secrets.redact(string(code)), 64),
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
	data, err := readBody(st.body[:0], body, MaxResponseBody)
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

// errBodyTooLarge reports a response body over MaxResponseBody.
var errBodyTooLarge = fmt.Errorf("response body larger than %d bytes", MaxResponseBody)

// readBody appends all of r to buf, failing beyond limit bytes.
func readBody(buf []byte, r io.Reader, limit int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return buf, errBodyTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
