package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is the kind of failure the model injects into one request.
type Fault int

const (
	// FaultNone: the request completes normally.
	FaultNone Fault = iota
	// FaultError: the request fails before its first token, at the moment
	// the first token would have been due.
	FaultError
	// FaultMidStream: the request delivers Plan.FaultAt tokens, then fails
	// at the moment the next token would have been due.
	FaultMidStream
	// FaultStall: the request pauses once for Config.StallDuration before
	// token Plan.FaultAt, then completes normally.
	FaultStall
)

// String returns "none", "error", "mid-stream" or "stall".
func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "none"
	case FaultError:
		return "error"
	case FaultMidStream:
		return "mid-stream"
	case FaultStall:
		return "stall"
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// ErrOverloaded is returned by [Model.Generate], at once and without
// waiting, when the request finds Config.MaxQueue requests already waiting
// for capacity. An HTTP server answers it with 429 Too Many Requests.
var ErrOverloaded = errors.New("sim: overloaded: queue full")

// InjectedError is the error of a request that the model failed on purpose
// (Plan.Fault is FaultError or FaultMidStream).
type InjectedError struct {
	// Kind is the fault injected: FaultError or FaultMidStream.
	Kind Fault
	// Seq is the failed request's Plan.Seq.
	Seq uint64
}

// Error returns a text like "sim: injected fault (mid-stream) in request 7".
func (e *InjectedError) Error() string {
	return "sim: injected fault (" + e.Kind.String() + ") in request " + strconv.FormatUint(e.Seq, 10)
}

// Plan is what one request will do, drawn by [Model.Plan] before the request
// runs: how long its output is, whether and where it fails, and (in
// unexported fields) the random state its text and jitter come from. A Plan
// is a value: copying it copies that state, so [Model.Generate] and
// [Model.Text] given the same Plan produce the same text.
type Plan struct {
	// Seq is the request's arrival sequence number at the model, counting
	// Plan calls from 1. Every random choice of the request is derived from
	// Config.Seed and Seq alone.
	Seq uint64
	// InputTokens is the prompt length in tokens; each adds
	// Config.PrefillPerToken to the time to first token.
	InputTokens int
	// OutputTokens is the number of tokens the response has if it
	// completes; always at least 1 for a Plan drawn by Model.Plan.
	OutputTokens int
	// Fault is the failure injected into this request, FaultNone for most.
	Fault Fault
	// FaultAt is the 0-based index of the token before which a FaultStall
	// stalls or a FaultMidStream fails: 1..OutputTokens-1, so a mid-stream
	// failure always delivers some but not all tokens. It is 0 for FaultNone
	// and FaultError, and for a FaultStall of a one-token response (which
	// then stalls before its only token).
	FaultAt int
	// ID is the response identifier, "chatcmpl-sim-<Seq>".
	ID string

	text   rand.PCG // the token stream
	jitter rand.PCG // the latency jitter stream
}

// Model is a simulated LLM inference server without any transport: it plans
// requests, paces their tokens by the latency model, admits them by its
// capacity and queue limits, and injects faults. See the package
// documentation for the model. A Model is safe for concurrent use.
type Model struct {
	cfg    Config
	timed  bool // some latency is configured, so Generate reads the clock
	seq    atomic.Uint64
	admits gate
}

// NewModel returns a model with cfg, after validating it ([Config.Validate])
// and applying the defaults to its zero fields.
func NewModel(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m := &Model{
		cfg:   cfg,
		timed: cfg.FirstTokenLatency > 0 || cfg.PrefillPerToken > 0 || cfg.InterTokenLatency > 0,
	}
	m.admits.capacity = cfg.Capacity
	m.admits.maxQueue = cfg.MaxQueue
	return m, nil
}

// Config returns the model's configuration with the defaults applied.
func (m *Model) Config() Config { return m.cfg }

// InFlight returns the number of requests holding capacity right now: those
// inside Generate past the admission queue. It never exceeds a positive
// Config.Capacity.
func (m *Model) InFlight() int { return int(m.admits.inFlight.Load()) }

// Queued returns the number of requests waiting for capacity right now. It
// never exceeds a positive Config.MaxQueue.
func (m *Model) Queued() int { return int(m.admits.queued.Load()) }

// Streams of randomness derived from (Config.Seed, Plan.Seq).
const (
	streamPlan uint64 = iota + 1
	streamText
	streamJitter
)

// rng returns the random stream of one request.
func (m *Model) rng(seq, stream uint64) rand.PCG {
	var r rand.PCG
	r.Seed(splitmix(uint64(m.cfg.Seed)+stream*0x9e3779b97f4a7c15), splitmix(seq))
	return r
}

// splitmix is the SplitMix64 finalizer, a bijection that spreads nearby
// seeds far apart.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Plan draws the next request's plan and gives it the next sequence number.
// inputTokens is the prompt length in tokens (negative counts as 0).
// maxTokens > 0 fixes the output length, as a benchmark's max_tokens with
// ignore_eos would; 0 (or negative) draws it uniformly from
// [Config.MinOutputTokens, Config.MaxOutputTokens].
//
// The fault is chosen by one uniform draw u per request: u < ErrorRate is
// FaultError, u < ErrorRate+MidStreamFailureRate is FaultMidStream,
// u < ErrorRate+MidStreamFailureRate+StallRate is FaultStall. A mid-stream
// failure needs two tokens; a one-token response drawn for it fails with
// FaultError instead. Plan does not block.
func (m *Model) Plan(inputTokens, maxTokens int) Plan {
	return m.plan(inputTokens, maxTokens, 0)
}

// PlanCapped is [Model.Plan] for an API whose max tokens is a limit rather
// than a length, such as Anthropic's required max_tokens: the output length
// is drawn from [Config.MinOutputTokens, Config.MaxOutputTokens] as for
// Plan(inputTokens, 0), then capped at limit when limit > 0. The draw, and
// so every other choice of the plan, is the same as Plan(inputTokens, 0)
// would make for the same sequence number; only the length (and with it
// where a fault falls) can differ. PlanCapped does not block.
func (m *Model) PlanCapped(inputTokens, limit int) Plan {
	return m.plan(inputTokens, 0, limit)
}

// plan draws a plan whose length is maxTokens when positive, else drawn and
// capped at limit when that is positive.
func (m *Model) plan(inputTokens, maxTokens, limit int) Plan {
	seq := m.seq.Add(1)
	r := m.rng(seq, streamPlan)
	c := &m.cfg
	u := uniform(&r)
	n := c.MinOutputTokens + pick(&r, c.MaxOutputTokens-c.MinOutputTokens+1)
	if maxTokens > 0 {
		n = maxTokens
	} else if limit > 0 {
		n = min(n, limit)
	}
	fault := FaultNone
	switch {
	case u < c.ErrorRate:
		fault = FaultError
	case u < c.ErrorRate+c.MidStreamFailureRate:
		fault = FaultMidStream
	case u < c.ErrorRate+c.MidStreamFailureRate+c.StallRate:
		fault = FaultStall
	}
	at := 0
	if fault == FaultMidStream || fault == FaultStall {
		if n >= 2 {
			at = 1 + pick(&r, n-1)
		} else if fault == FaultMidStream {
			fault = FaultError
		}
	}
	return Plan{
		Seq:          seq,
		InputTokens:  max(inputTokens, 0),
		OutputTokens: n,
		Fault:        fault,
		FaultAt:      at,
		ID:           "chatcmpl-sim-" + strconv.FormatUint(seq, 10),
		text:         m.rng(seq, streamText),
		jitter:       m.rng(seq, streamJitter),
	}
}

// Text returns the whole text of a completed response of p: OutputTokens
// words from the fixed vocabulary separated by single spaces, so the
// whitespace tokenizer counts exactly p.OutputTokens tokens. It is what a
// non-streaming response returns, and the concatenation of the chunks
// Generate emits for p. Text does not block and depends on p alone.
func (m *Model) Text(p Plan) string { return text(p.text, p.OutputTokens) }

// Generate runs one planned request, calling emit with each chunk of its
// text at the moment the chunk is due. It blocks until the request ends:
//
//  1. It waits for capacity, in FIFO order with the other waiting
//     requests. A request that finds Config.MaxQueue requests already
//     waiting returns ErrOverloaded at once.
//  2. Once admitted, it sleeps until the first token is due:
//     FirstTokenLatency + PrefillPerToken × InputTokens (jittered) after
//     admission. Seen from the caller, the time to first token is the queue
//     wait plus that, so it grows with load as on a real server.
//  3. It calls emit once per chunk of TokensPerChunk tokens (the last chunk
//     may hold fewer), each when its last token is due; token i is due
//     InterTokenLatency (jittered) after token i−1. Due times are offsets
//     from admission, not sums of sleeps, so nothing drifts.
//  4. It applies p's fault (see [Fault]), releases capacity and returns.
//
// It returns nil when the response completed, an *InjectedError for an
// injected failure, ErrOverloaded, an error wrapping ctx.Err() once ctx is
// done (promptly, whether queued or generating), or emit's error unchanged:
// if emit returns an error, Generate stops at once. Chunks emitted before a
// failure stay emitted.
//
// emit is called from Generate's goroutine, never concurrently; a chunk is
// an immutable string that emit may keep. A nil emit emits nothing and
// sleeps once, until the response would end, which is how a non-streaming
// response is served. With every latency zero (and no stall) Generate never
// sleeps, never reads the clock and never touches a timer; it still returns
// early once ctx is done. Emitting a chunk allocates nothing.
// [Model.GenerateWith] adds a hook called before each sleep, for transports
// that buffer their output.
func (m *Model) Generate(ctx context.Context, p Plan, emit func(chunk string) error) error {
	return m.GenerateWith(ctx, p, Hooks{Emit: emit})
}

// Hooks are the callbacks of [Model.GenerateWith]. The zero value emits
// nothing, which is how a non-streaming response is served.
type Hooks struct {
	// Emit is called with each chunk at the moment it is due, exactly as
	// [Model.Generate]'s emit is; nil emits nothing.
	Emit func(chunk string) error

	// FirstToken, when not nil, is called once, at the moment the first
	// chunk is due, just before Emit is called with it: where a server
	// stamps its time to first token. With a nil Emit it is called at that
	// moment too, so a non-streaming request then sleeps twice, until its
	// first chunk is due and until it ends. It is not called for a request
	// that fails or ends before its first token.
	FirstToken func()

	// BeforeSleep, when not nil, is called just before Generate blocks
	// until a due time that has not come yet: before the time to first
	// token, before each chunk that is not yet due, before a stall, before
	// an injected failure, and (with a nil Emit) before the sleep until
	// the response ends, and before the one until FirstToken. It is not called while the request waits for
	// capacity, and never when every latency is zero, since Generate then
	// never sleeps. A transport that buffers its output flushes it here: so
	// every chunk leaves when it is due, and a response with no sleep leaves
	// in one write. Generate measures the time left after BeforeSleep
	// returns, so a slow hook delays nothing more than itself. If it returns
	// an error (a failed write, say), Generate stops at once and returns an
	// error wrapping it, after releasing capacity.
	BeforeSleep func() error
}

// GenerateWith is [Model.Generate] with hooks: it runs p exactly as
// Generate does, calling h.Emit for each chunk, h.FirstToken before the
// first and h.BeforeSleep before each sleep. Generate(ctx, p, emit) is GenerateWith(ctx, p,
// Hooks{Emit: emit}). Like Generate, it allocates nothing per chunk.
func (m *Model) GenerateWith(ctx context.Context, p Plan, h Hooks) error {
	emit, before, first := h.Emit, h.BeforeSleep, h.FirstToken
	if err := m.admits.acquire(ctx); err != nil {
		if errors.Is(err, ErrOverloaded) {
			return err
		}
		return fmt.Errorf("sim: request %d: waiting for capacity: %w", p.Seq, err)
	}
	defer m.admits.release()
	w := waiter{ctx: ctx, done: ctx.Done(), timed: m.timed || p.Fault == FaultStall && m.cfg.StallDuration > 0}
	if w.timed {
		w.start = time.Now() // the origin of every due time: admission
	}
	defer w.stop()

	tl := m.timeline(p)
	if p.Fault == FaultError {
		if err := w.until(tl.token(), before); err != nil {
			return canceled(p.Seq, err)
		}
		return &InjectedError{Kind: FaultError, Seq: p.Seq}
	}
	limit := max(p.OutputTokens, 0)
	failing := p.Fault == FaultMidStream && p.FaultAt < p.OutputTokens
	if failing {
		limit = max(p.FaultAt, 0)
	}

	per := max(m.cfg.TokensPerChunk, 1)
	toks := tokens{rng: p.text}
	var full string // the text of the first limit tokens, for multi-token chunks
	if emit != nil && per > 1 {
		full = text(p.text, limit)
	}
	var due time.Duration
	pos := 0
	for i := 0; i < limit; {
		n := min(per, limit-i)
		var chunk string
		size := 0
		for range n {
			due = tl.token()
			if emit != nil {
				chunk = toks.next()
				size += len(chunk)
			}
		}
		i += n
		if emit == nil {
			if first != nil {
				if err := w.until(due, before); err != nil {
					return canceled(p.Seq, err)
				}
				first()
				first = nil
			}
			continue
		}
		if per > 1 {
			chunk = full[pos : pos+size]
			pos += size
		}
		if err := w.until(due, before); err != nil {
			return canceled(p.Seq, err)
		}
		if first != nil {
			first()
			first = nil
		}
		if err := emit(chunk); err != nil {
			return err
		}
	}
	if failing {
		if err := w.until(tl.token(), before); err != nil {
			return canceled(p.Seq, err)
		}
		return &InjectedError{Kind: FaultMidStream, Seq: p.Seq}
	}
	if limit == 0 {
		due = tl.token() // an empty response still takes its time to first token
	}
	if emit == nil || limit == 0 {
		if err := w.until(due, before); err != nil {
			return canceled(p.Seq, err)
		}
	}
	return nil
}

// canceled wraps the error of a request whose context ended.
func canceled(seq uint64, err error) error {
	return fmt.Errorf("sim: request %d: %w", seq, err)
}

// timeline computes when each token of one request is due, as an offset
// from the request's admission.
type timeline struct {
	cfg     *Config
	jitter  rand.PCG
	input   int
	stallAt int // token index a stall precedes, -1 for none
	next    int // index of the token token() returns next
	offset  time.Duration
}

func (m *Model) timeline(p Plan) timeline {
	t := timeline{cfg: &m.cfg, jitter: p.jitter, input: p.InputTokens, stallAt: -1}
	if p.Fault == FaultStall {
		t.stallAt = p.FaultAt
	}
	return t
}

// token returns the offset at which the next token is due: the jittered
// time to first token for token 0, the previous offset plus a jittered
// inter-token gap for later ones, plus the stall before the stalled token.
func (t *timeline) token() time.Duration {
	if t.next == 0 {
		t.offset = t.jittered(t.cfg.FirstTokenLatency + t.cfg.PrefillPerToken*time.Duration(t.input))
	} else {
		t.offset += t.jittered(t.cfg.InterTokenLatency)
	}
	if t.next == t.stallAt {
		t.offset += t.cfg.StallDuration
	}
	t.next++
	return t.offset
}

// jittered multiplies d by a factor drawn uniformly from [1−J, 1+J).
func (t *timeline) jittered(d time.Duration) time.Duration {
	if t.cfg.Jitter == 0 || d <= 0 {
		return d
	}
	return time.Duration(float64(d) * (1 + t.cfg.Jitter*(2*uniform(&t.jitter)-1)))
}

// waiter sleeps until offsets from the admission of one request, reusing
// one timer, and returns early once the context is done.
type waiter struct {
	ctx   context.Context
	done  <-chan struct{}
	timed bool // false: every offset is zero, never read the clock
	start time.Time
	timer *time.Timer
}

// until returns once offset has passed since start, or ctx.Err() when the
// context is done first (or already was). Before it blocks it calls before,
// when not nil, and returns its error, if any. (before is a parameter, not
// a field, so that it does not escape with the waiter's context.)
func (w *waiter) until(offset time.Duration, before func() error) error {
	if w.timed && offset > 0 {
		d := time.Until(w.start.Add(offset))
		if d > 0 && before != nil {
			if err := before(); err != nil {
				return err
			}
			d = time.Until(w.start.Add(offset))
		}
		if d > 0 {
			if w.timer == nil {
				w.timer = time.NewTimer(d)
			} else {
				w.timer.Reset(d)
			}
			select {
			case <-w.timer.C:
				return nil
			case <-w.done:
				return w.ctx.Err()
			}
		}
	}
	select {
	case <-w.done:
		return w.ctx.Err()
	default:
		return nil
	}
}

func (w *waiter) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// gate admits requests up to a capacity and queues the rest in FIFO order,
// up to maxQueue of them. A freed slot passes straight to the first waiter,
// so a later arrival can never overtake a waiting one.
type gate struct {
	capacity int // 0: unlimited
	maxQueue int // 0: unlimited
	inFlight atomic.Int64
	queued   atomic.Int64

	mu      sync.Mutex
	waiters []chan struct{} // FIFO; closed when granted a slot
}

// acquire blocks until the caller holds a slot, returning ErrOverloaded when
// the queue is full or ctx.Err() when ctx is done first.
func (g *gate) acquire(ctx context.Context) error {
	if g.capacity == 0 {
		g.inFlight.Add(1)
		return nil
	}
	g.mu.Lock()
	if len(g.waiters) == 0 && g.inFlight.Load() < int64(g.capacity) {
		g.inFlight.Add(1)
		g.mu.Unlock()
		return nil
	}
	if g.maxQueue > 0 && len(g.waiters) >= g.maxQueue {
		g.mu.Unlock()
		return ErrOverloaded
	}
	ready := make(chan struct{})
	g.waiters = append(g.waiters, ready)
	g.queued.Store(int64(len(g.waiters)))
	g.mu.Unlock()

	select {
	case <-ready:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	if i := slices.Index(g.waiters, ready); i >= 0 {
		g.waiters = slices.Delete(g.waiters, i, i+1)
		g.queued.Store(int64(len(g.waiters)))
		g.mu.Unlock()
		return ctx.Err()
	}
	g.mu.Unlock()
	// A slot was granted while ctx ended: pass it on.
	g.release()
	return ctx.Err()
}

// release gives up a slot: to the first waiter if there is one.
func (g *gate) release() {
	if g.capacity == 0 {
		g.inFlight.Add(-1)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.waiters) == 0 {
		g.inFlight.Add(-1)
		return
	}
	next := g.waiters[0]
	g.waiters[0] = nil
	g.waiters = g.waiters[1:]
	g.queued.Store(int64(len(g.waiters)))
	close(next)
}
