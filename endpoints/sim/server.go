package sim

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/internal/redact"
)

// DefaultRetryAfter is the delay a 429 response asks for when
// ServerConfig.RetryAfter is zero.
const DefaultRetryAfter = time.Second

// ErrNotLoopback is wrapped by the error [Listen] returns for an address
// that is not a loopback address.
var ErrNotLoopback = errors.New("sim: not a loopback address")

// ServerConfig configures the HTTP simulator. The zero value is valid: the
// zero [Config] (an unlimited, fault-free model answering at once), no API
// key and DefaultRetryAfter.
type ServerConfig struct {
	// Config is the model's configuration; see [Config].
	Config

	// APIKey, when set, is the key every request must carry: as
	// "Authorization: Bearer <key>" on the OpenAI routes, as the x-api-key
	// header on /v1/messages. A request without it, or with another key,
	// gets 401 with the provider's error body, which never holds a key.
	// Empty means no authentication. It must be printable ASCII without
	// spaces.
	APIKey string

	// RetryAfter is the delay a 429 response (the model's queue is full)
	// asks for, sent as Retry-After in whole seconds, rounded up, and as
	// retry-after-ms in milliseconds, which OpenAI's SDKs read. Zero means
	// DefaultRetryAfter.
	RetryAfter time.Duration
}

// Validate reports every invalid field of c, as [Config.Validate] does,
// with errors like
//
//	sim: ServerConfig.RetryAfter: must not be negative, got -1s
func (c ServerConfig) Validate() error {
	errs := []error{c.Config.Validate()}
	if c.RetryAfter < 0 {
		errs = append(errs, fmt.Errorf("sim: ServerConfig.RetryAfter: must not be negative, got %v", c.RetryAfter))
	}
	for i := 0; i < len(c.APIKey); i++ {
		if b := c.APIKey[i]; b <= ' ' || b > '~' {
			// Never print the key: say where, not what.
			errs = append(errs, fmt.Errorf("sim: ServerConfig.APIKey: must be printable ASCII without spaces, byte %d is not", i))
			break
		}
	}
	return errors.Join(errs...)
}

// Server is the simulator served over HTTP on a loopback address, for load
// generators that speak the OpenAI or Anthropic API: a real listener, real
// connections, the [Model]'s latency, capacity and faults. See the package
// documentation for its routes and what each fault looks like on the wire.
// Close it when done; in a test, [Start] starts one that t.Cleanup closes.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:port" (or
	// "http://[::1]:port"), without "/v1" and without a trailing slash.
	URL string

	model   *Model
	handler http.Handler
	srv     *http.Server
	cancel  context.CancelFunc // ends every request's context
	conns   sync.WaitGroup     // connections not yet closed
	served  chan struct{}      // closed when Serve has returned
	once    sync.Once
}

// NewServer starts a server for cfg on 127.0.0.1 at a free port, at once,
// as httptest.NewServer does, and returns it serving. It fails, with an
// error naming the field, when cfg is invalid (see
// [ServerConfig.Validate]).
func NewServer(cfg ServerConfig) (*Server, error) {
	return Listen("127.0.0.1:0", cfg)
}

// Start starts a server for cfg on 127.0.0.1 at a free port, as
// [NewServer] does, for a test or benchmark: the server is closed with
// t.Cleanup when t and its subtests end, so none of its goroutines
// outlives the test. An invalid cfg fails t at once (t.Fatal), with the
// error naming the field. Like t.Fatal, Start must be called from the
// test's goroutine.
func Start(t testing.TB, cfg ServerConfig) *Server {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("%v", err)
		return nil // a t whose Fatalf returns
	}
	t.Cleanup(s.Close)
	return s
}

// Listen starts a server for cfg on addr, which must be a loopback address
// with a port: "127.0.0.1:8080" (any 127.0.0.0/8 address), "[::1]:8080" or
// "localhost:8080" (which listens on 127.0.0.1); port 0 picks a free one.
// Anything else, such as ":8080" or "0.0.0.0:8080", is an error wrapping
// [ErrNotLoopback]: the simulator is a test fixture, not a service. It
// returns once the listener is open, serving in the background until
// [Server.Close]. An invalid cfg is an error naming the field.
func Listen(addr string, cfg ServerConfig) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	hostPort, err := loopback(addr)
	if err != nil {
		return nil, err
	}
	m, err := NewModel(cfg.Config)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", hostPort)
	if err != nil {
		return nil, fmt.Errorf("sim: Listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		URL:     "http://" + ln.Addr().String(),
		model:   m,
		handler: NewHandler(m, cfg),
		cancel:  cancel,
		served:  make(chan struct{}),
	}
	s.srv = &http.Server{
		Handler:           s.handler,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout: time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, state http.ConnState) {
			switch state {
			case http.StateNew: // on Serve's goroutine, before Close can return
				s.conns.Add(1)
			case http.StateClosed, http.StateHijacked:
				s.conns.Done()
			}
		},
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln) // returns ErrServerClosed once Close is called
	}()
	return s, nil
}

// loopback checks that addr is a loopback host with a valid port and
// returns it with localhost replaced by 127.0.0.1.
func loopback(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("sim: Listen: address %q: %w", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("sim: Listen: address %q: port must be a number in [0, 65535]", addr)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() || ip.Zone() != "" {
		return "", fmt.Errorf("%w: %q; use 127.0.0.1:port, [::1]:port or localhost:port", ErrNotLoopback, addr)
	}
	return net.JoinHostPort(host, port), nil
}

// Model returns the model the server serves, to read [Model.InFlight] and
// [Model.Queued] or to predict its plans.
func (s *Server) Model() *Model { return s.model }

// Handler returns the server's handler, which serves the same model; see
// [NewHandler].
func (s *Server) Handler() http.Handler { return s.handler }

// Close shuts the server down: it stops accepting connections, cancels
// every request in flight (queued requests leave the queue, generating ones
// stop and free their capacity, and their clients see the connection cut),
// closes every connection, and waits until every handler and connection
// goroutine of the server has finished. No goroutine of the server
// outlives it. Close may be called more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		s.cancel()
		_ = s.srv.Close() // closes the listener, waits for Serve, closes the connections
		<-s.served
		s.conns.Wait()
	})
}

// handler serves a Model over HTTP; see NewHandler.
type handler struct {
	m            *Model
	key          []byte // empty: no authentication
	retryAfter   []string
	retryAfterMs []string
	models       []byte   // the /v1/models body
	stats        *metrics // what /metrics shows
}

// NewHandler returns a handler that serves m with the routes, formats and
// fault mapping of [Server] (see the package documentation), for mounting
// in a server of one's own. cfg's APIKey and RetryAfter apply; its Config
// is ignored, as m has its own. A RetryAfter of zero or less means
// DefaultRetryAfter. To cut a stream the handler panics with
// http.ErrAbortHandler, which net/http recovers silently; a middleware that
// recovers panics must let it through. Several handlers (and endpoints)
// may share m, and with it its capacity and its sequence of plans; each
// handler keeps its own /metrics counters (see the package documentation).
func NewHandler(m *Model, cfg ServerConfig) http.Handler {
	ra := cfg.RetryAfter
	if ra <= 0 {
		ra = DefaultRetryAfter
	}
	secs := int64(math.Ceil(ra.Seconds()))
	ms := (ra + time.Millisecond - 1) / time.Millisecond
	return &handler{
		m:            m,
		key:          []byte(cfg.APIKey),
		retryAfter:   []string{strconv.FormatInt(secs, 10)},
		retryAfterMs: []string{strconv.FormatInt(int64(ms), 10)},
		models:       appendOpenAIModels(nil, m.cfg.Model, time.Now().Unix()),
		stats:        newMetrics(m.cfg.Model, m.InFlight, m.Queued),
	}
}

// dialect is the error body shape of a route.
type dialect bool

const (
	openaiErrors    dialect = false
	anthropicErrors dialect = true
)

// ServeHTTP routes a request: see the package documentation.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/chat/completions":
		h.openai(w, r, true)
	case "/v1/completions":
		h.openai(w, r, false)
	case "/v1/responses":
		h.responses(w, r)
	case "/v1/messages":
		h.messages(w, r)
	case "/health":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.methodNotAllowed(w, r, openaiErrors, "GET, HEAD")
			return
		}
		w.Header()["Content-Length"] = []string{"0"}
		w.WriteHeader(http.StatusOK)
	case "/metrics":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.methodNotAllowed(w, r, openaiErrors, "GET, HEAD")
			return
		}
		h.stats.handler.ServeHTTP(w, r)
	case "/v1/models":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.methodNotAllowed(w, r, openaiErrors, "GET, HEAD")
			return
		}
		if !h.authorized(w, r, openaiErrors) {
			return
		}
		hdr := w.Header()
		hdr["Content-Type"] = hdrJSON
		hdr["Content-Length"] = []string{strconv.Itoa(len(h.models))}
		_, _ = w.Write(h.models)
	default:
		writeError(w, openaiErrors, http.StatusNotFound,
			"sim: unknown URL: "+r.Method+" "+redact.Truncate(r.URL.Path, 256)+
				"; the simulator serves POST /v1/chat/completions, POST /v1/completions, POST /v1/responses, GET /v1/models, POST /v1/messages, GET /health and GET /metrics")
	}
}

// methodNotAllowed answers 405 with an Allow header.
func (h *handler) methodNotAllowed(w http.ResponseWriter, r *http.Request, d dialect, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, d, http.StatusMethodNotAllowed,
		"sim: method "+r.Method+" is not allowed on "+r.URL.Path+"; use "+allow)
}

// authorized checks the request's API key when the handler has one, and
// answers 401 when it is missing or wrong. The messages never hold a key.
func (h *handler) authorized(w http.ResponseWriter, r *http.Request, d dialect) bool {
	if len(h.key) == 0 {
		return true
	}
	var got string
	var have bool
	if d == anthropicErrors {
		got = r.Header.Get("X-Api-Key")
		have = got != ""
	} else if auth := r.Header.Get("Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
		got, have = auth[7:], true
	}
	if have && subtle.ConstantTimeCompare([]byte(got), h.key) == 1 {
		return true
	}
	msg := "sim: incorrect API key provided"
	switch {
	case !have && d == anthropicErrors:
		msg = "sim: missing API key: send it in the x-api-key header"
	case !have:
		msg = `sim: missing API key: send it in the Authorization header as "Bearer <key>"`
	}
	writeError(w, d, http.StatusUnauthorized, msg)
	return false
}

// payload reads and decodes the request body as a JSON object, answering
// 413 or 400 when it cannot.
func (h *handler) payload(w http.ResponseWriter, r *http.Request, x *exchange, d dialect) (endpoints.Payload, bool) {
	if err := x.readBody(r); err != nil {
		if errors.Is(err, errBodyTooLarge) {
			writeError(w, d, http.StatusRequestEntityTooLarge, err.Error())
		} else {
			writeError(w, d, http.StatusBadRequest, "sim: request body: "+err.Error())
		}
		return nil, false
	}
	var p endpoints.Payload
	err := json.Unmarshal(x.body, &p)
	if err != nil || p == nil {
		writeError(w, d, http.StatusBadRequest, bodyError(x.body, err))
		return nil, false
	}
	return p, true
}

// bodyError describes why a body is not a JSON object: err is
// json.Unmarshal's error, nil when the body was null.
func bodyError(body []byte, err error) string {
	var typeErr *json.UnmarshalTypeError
	switch {
	case len(body) == 0:
		return "sim: request body: want a JSON object, got an empty body"
	case err == nil:
		return "sim: request body: want a JSON object, got null"
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return "sim: request body: want a JSON object, got " + typeErr.Value
	}
	return "sim: request body: invalid JSON: " + err.Error()
}

// openai serves POST /v1/chat/completions (chat) and /v1/completions.
func (h *handler) openai(w http.ResponseWriter, r *http.Request, chat bool) {
	if r.Method != http.MethodPost {
		h.methodNotAllowed(w, r, openaiErrors, http.MethodPost)
		return
	}
	if !h.authorized(w, r, openaiErrors) {
		return
	}
	x := getExchange(w)
	defer putExchange(x)
	p, ok := h.payload(w, r, x, openaiErrors)
	if !ok {
		return
	}
	c, err := parseOpenAI(p, chat)
	if err != nil {
		writeError(w, openaiErrors, http.StatusBadRequest, err.Error())
		return
	}
	plan := h.m.Plan(c.inputTokens, c.maxTokens)
	x.arrive(h.stats, &plan, h.m.cfg.TokensPerChunk)
	created := time.Now().Unix()
	model := h.m.cfg.Model
	ctx := r.Context()
	reason := finishStop
	if openaiFinish(&c) == "length" {
		reason = finishLength
	}
	if !c.stream {
		if err := h.m.GenerateWith(ctx, plan, Hooks{FirstToken: x.firstToken}); err != nil {
			h.fail(x, openaiErrors, err)
			return
		}
		x.completed(reason)
		x.buf = appendOpenAIBody(x.buf, &c, &plan, h.m.Text(plan), created, model)
		x.finish()
		return
	}
	x.beginOpenAIStream(&c, &plan, created, model)
	if err := h.m.GenerateWith(ctx, plan, Hooks{Emit: x.emitOpenAI, BeforeSleep: x.flush, FirstToken: x.firstToken}); err != nil {
		h.fail(x, openaiErrors, err)
		return
	}
	x.completed(reason)
	x.endOpenAIStream(&c, &plan, created, model)
	x.finish()
}

// responses serves OpenAI's POST /v1/responses, with the latency, capacity
// and faults of the other routes.
func (h *handler) responses(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		h.methodNotAllowed(w, r, openaiErrors, http.MethodPost)
		return
	}
	if !h.authorized(w, r, openaiErrors) {
		return
	}
	x := getExchange(w)
	defer putExchange(x)
	p, ok := h.payload(w, r, x, openaiErrors)
	if !ok {
		return
	}
	c, err := parseResponses(p)
	if err != nil {
		writeError(w, openaiErrors, http.StatusBadRequest, err.Error())
		return
	}
	plan := h.m.Plan(c.inputTokens, c.maxTokens)
	x.arrive(h.stats, &plan, h.m.cfg.TokensPerChunk)
	meta := newResponseMeta(&c, &plan, time.Now().Unix(), h.m.cfg.Model)
	ctx := r.Context()
	reason := finishStop
	if meta.incomplete() {
		reason = finishLength
	}
	if !c.stream {
		if err := h.m.GenerateWith(ctx, plan, Hooks{FirstToken: x.firstToken}); err != nil {
			h.fail(x, openaiErrors, err)
			return
		}
		x.completed(reason)
		x.buf = appendResponse(x.buf, &meta, h.m.Text(plan), true)
		x.finish()
		return
	}
	x.beginResponsesStream(&meta)
	if err := h.m.GenerateWith(ctx, plan, Hooks{Emit: x.emitResponses, BeforeSleep: x.flush, FirstToken: x.firstToken}); err != nil {
		h.fail(x, openaiErrors, err)
		return
	}
	x.completed(reason)
	x.endResponsesStream()
	x.finish()
}

// messages serves Anthropic's POST /v1/messages.
func (h *handler) messages(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		h.methodNotAllowed(w, r, anthropicErrors, http.MethodPost)
		return
	}
	if !h.authorized(w, r, anthropicErrors) {
		return
	}
	x := getExchange(w)
	defer putExchange(x)
	p, ok := h.payload(w, r, x, anthropicErrors)
	if !ok {
		return
	}
	c, err := parseAnthropic(p)
	if err != nil {
		writeError(w, anthropicErrors, http.StatusBadRequest, err.Error())
		return
	}
	plan := h.m.PlanCapped(c.inputTokens, c.maxTokens)
	x.arrive(h.stats, &plan, h.m.cfg.TokensPerChunk)
	model := h.m.cfg.Model
	ctx := r.Context()
	reason := finishStop
	if anthropicStop(&c, &plan) == "max_tokens" {
		reason = finishLength
	}
	if !c.stream {
		if err := h.m.GenerateWith(ctx, plan, Hooks{FirstToken: x.firstToken}); err != nil {
			h.fail(x, anthropicErrors, err)
			return
		}
		x.completed(reason)
		x.buf = appendMessageBody(x.buf, &c, &plan, h.m.Text(plan), model)
		x.finish()
		return
	}
	x.beginAnthropicStream(thinkingTokens(&c, &plan))
	x.setAnthropicHead(&plan, model)
	if err := h.m.GenerateWith(ctx, plan, Hooks{Emit: x.emitAnthropic, BeforeSleep: x.flush, FirstToken: x.firstToken}); err != nil {
		h.fail(x, anthropicErrors, err)
		return
	}
	x.completed(reason)
	x.endAnthropicStream(&c, &plan)
	x.finish()
}

// fail answers a request the model failed. Before anything was written: a
// full queue is 429 with Retry-After, an injected error 500. Anything else
// (an injected mid-stream failure, a cancelled request, a client gone, a
// closing server) cuts the connection after what was already due.
func (h *handler) fail(x *exchange, d dialect, err error) {
	if !errors.Is(err, ErrOverloaded) {
		x.aborted(err) // a request turned away at a full queue never reached the model
	}
	var injected *InjectedError
	switch {
	case x.started || len(x.buf) > 0:
		x.abort()
	case errors.Is(err, ErrOverloaded):
		hdr := x.w.Header()
		hdr["Retry-After"] = h.retryAfter
		hdr["Retry-After-Ms"] = h.retryAfterMs
		writeError(x.w, d, http.StatusTooManyRequests, "sim: overloaded: the request queue is full; retry after "+h.retryAfter[0]+"s")
	case errors.As(err, &injected) && injected.Kind == FaultError:
		writeError(x.w, d, http.StatusInternalServerError, err.Error())
	default:
		x.abort()
	}
}

// writeError answers status with the dialect's error body.
func writeError(w http.ResponseWriter, d dialect, status int, message string) {
	var body []byte
	if d == anthropicErrors {
		body = appendAnthropicError(make([]byte, 0, 128+len(message)), status, message)
	} else {
		body = appendOpenAIError(make([]byte, 0, 128+len(message)), status, message)
	}
	hdr := w.Header()
	hdr["Content-Type"] = hdrJSON
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
