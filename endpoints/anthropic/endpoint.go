package anthropic

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
)

// Endpoint sends requests to Anthropic's Messages API. It implements
// [endpoints.Endpoint]; create it with New. Its methods are safe for
// concurrent use.
type Endpoint struct {
	model  string
	url    string // request URL
	shown  string // base URL without credentials, query or /v1
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
// the proxy the environment names (HTTPS_PROXY, NO_PROXY and the like), and
// follows no redirects (a 3xx status is a failed request). Nothing retries
// a request: neither the client nor the transport, which is given no way
// to send a body twice.
func New(cfg Config) (*Endpoint, error) {
	if !validHeaderValue(cfg.APIKey) {
		return nil, errors.New("anthropic: Config.APIKey: contains a line break or NUL")
	}
	if !validHeaderValue(cfg.Version) {
		return nil, errors.New("anthropic: Config.Version: contains a line break or NUL")
	}
	if cfg.MaxIdleConnsPerHost < 0 {
		return nil, fmt.Errorf("anthropic: Config.MaxIdleConnsPerHost: want a positive number or zero, got %d", cfg.MaxIdleConnsPerHost)
	}
	secrets := redactor{cfg.APIKey}
	for name, value := range cfg.Headers {
		if !validHeaderName(name) {
			return nil, fmt.Errorf("anthropic: Config.Headers: invalid header name %q", name)
		}
		if !validHeaderValue(value) {
			return nil, fmt.Errorf("anthropic: Config.Headers[%q]: value contains a line break or NUL", name)
		}
		if secretHeader(name) && value != "" {
			secrets = append(secrets, value)
		}
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	reqURL, shown, err := parseBaseURL(base, secrets)
	if err != nil {
		return nil, err
	}
	if pw, ok := reqURL.User.Password(); ok && pw != "" {
		secrets = append(secrets, pw)
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
	for name, value := range cfg.Headers {
		h.Set(name, value)
	}
	streamHeader, wholeHeader := h.Clone(), h.Clone()
	if h.Get("Accept") == "" {
		streamHeader.Set("Accept", "text/event-stream")
		wholeHeader.Set("Accept", "application/json")
	}

	client := cfg.HTTPClient
	if client == nil {
		maxIdle := cfg.MaxIdleConnsPerHost
		if maxIdle == 0 {
			maxIdle = DefaultMaxIdleConnsPerHost
		}
		client = &http.Client{
			Transport: newTransport(maxIdle),
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	return &Endpoint{
		model: cfg.Model,
		url:   reqURL.String(),
		shown: shown,
		info: endpoints.Info{
			Provider: "anthropic",
			Model:    cfg.Model,
			Name:     "messages",
			URL:      shown,
		},
		client:       client,
		streamHeader: streamHeader,
		wholeHeader:  wholeHeader,
		secrets:      secrets,
	}, nil
}

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
// is an error wrapping endpoints.ErrIncompleteStream. Invoke blocks until
// the response has ended, and returns promptly, with an error wrapping
// ctx.Err(), once ctx is done. It never retries.
func (e *Endpoint) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	if req == nil || req.Body == nil {
		return errNotPrepared
	}
	// reqCtx lets Invoke give up the connection itself, after
	// message_stop, when the server is slow to end the response.
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	hreq, err := http.NewRequestWithContext(reqCtx, http.MethodPost, e.url, bytes.NewReader(req.Body))
	if err != nil {
		return e.transportError(ctx, err, 0)
	}
	hreq.GetBody = nil // so that the transport cannot send the request again
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
	if !req.Stream {
		return e.whole(ctx, resp.Body, rec)
	}
	if isJSON(resp.Header.Get("Content-Type")) {
		return e.jsonInsteadOfStream(ctx, resp.Body)
	}
	return e.stream(ctx, resp.Body, resp.Header.Get("Content-Type"), rec, cancel)
}

// isJSON reports whether a Content-Type is JSON.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
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

// transportError describes a failure to send a request or to read its
// response: an error wrapping ctx.Err() once ctx is done, else the error
// with credentials and the request URL's query taken out of its text.
func (e *Endpoint) transportError(ctx context.Context, err error, events int) error {
	var after string
	if events > 0 {
		after = fmt.Sprintf(" after %d events", events)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("anthropic: request ended%s: %w", after, ctx.Err())
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // its text holds the URL, query included
	}
	msg := fmt.Sprintf("anthropic: POST %s%s%s: %v", e.shown, route, after, err)
	return &transportError{msg: e.secrets.redact(msg), err: err}
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
		Type:    e.secrets.short(string(ev.errType)),
		Message: e.secrets.message(msg),
		Events:  events,
	}
}

// whole reads and decodes a non-streaming response: the message's
// thinking blocks go to rec.Reasoning, one call each, then its text blocks,
// concatenated, to rec.Complete.
func (e *Endpoint) whole(ctx context.Context, body io.Reader, rec endpoints.Recorder) error {
	st := getState()
	defer putState(st)
	if err := readBody(&st.body, body, MaxResponseBody); err != nil {
		return e.transportError(ctx, err, 0)
	}
	data := st.body.Bytes()
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

// errBodyTooLarge reports a response body over MaxResponseBody.
var errBodyTooLarge = fmt.Errorf("response body larger than %d bytes", MaxResponseBody)

// readBody reads all of r into buf, which it resets first, failing beyond
// limit bytes.
func readBody(buf *bytes.Buffer, r io.Reader, limit int64) error {
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return err
	}
	if int64(buf.Len()) > limit {
		return errBodyTooLarge
	}
	return nil
}
