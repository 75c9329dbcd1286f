package llmtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/reporters"
)

var (
	// ErrInterrupted is returned, wrapped with its cause, by a run that
	// ended before its load shape completed because its context was
	// cancelled. The Result returned with it holds everything that
	// completed and is marked Interrupted.
	ErrInterrupted = errors.New("llmtest: run interrupted")

	// ErrTimeout is recorded on an invocation that exceeded Config.Timeout.
	ErrTimeout = errors.New("timeout")

	// errNoBeforeInvoke is what NopCallback.BeforeInvoke returns, so the
	// engine learns that a callback does not look at payloads.
	errNoBeforeInvoke = errors.New("llmtest: NopCallback.BeforeInvoke")
)

// engine runs one resolved configuration. The executor is an
// errgroup.Group: one goroutine per client sends requests, one collector
// goroutine owns the result, the AfterInvoke callbacks and the response
// file. Per-request failures are data on the invocation; only a fatal
// problem (a failing callback or artifact write, a panicking endpoint)
// returns an error through the group and cancels the run.
type engine struct {
	cfg      Config // validated, defaults applied
	payloads []endpoints.Payload
	origins  []payloadOrigin
	reqs     []*endpoints.Request
	// inputTokens caches the tokenizer's count of each prepared request's
	// prompt, plus one; zero means not counted yet.
	inputTokens []atomic.Int64
	// beforeInvoke tracks, per callback, whether its BeforeInvoke is
	// NopCallback's (1) or real (0); nopBefore counts the former.
	beforeInvoke []atomic.Bool
	nopBefore    atomic.Int32

	// redactor is the endpoint's, when it holds secrets.
	redactor endpoints.Redactor
	// testName is the Go test running the load, set by Run and Benchmark.
	testName string

	// progress receives the run's snapshots (nil: no one); live is what
	// it reads, set while a run with progress goes.
	progress func(*ProgressSnapshot)
	live     *liveRun
	// check is the running run's self-check of its generator.
	check *selfCheck

	// prof is the load level over time: the open loop's rate, or the
	// closed loop's clients with Stages; nil for a closed loop without.
	prof *profile
	// shard is the run's shard, when it is one; cfg holds its share.
	shard shardState
	// open is the running open loop's state; nil in a closed loop.
	open *openLoop
	// warm marks the warm-up's requests.
	warm warmupClock

	start       time.Time
	interrupted atomic.Bool
	// failure is what run returned besides the interruption: a fatal
	// error, a failed callback or write.
	failure error
}

// newEngine validates cfg, applies defaults, loads the payloads and
// prepares every one of them with the endpoint, before any load.
func newEngine(cfg Config) (*engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	payloads, origins, err := resolvePayloads(cfg.Payloads)
	if err != nil {
		return nil, err
	}
	if cfg.Requests == 0 && cfg.Duration == 0 && len(cfg.Stages) == 0 {
		cfg.Requests = len(payloads) * max(cfg.Turns, 1)
		if len(cfg.ArrivalTimes) > 0 {
			cfg.Requests = len(cfg.ArrivalTimes) // the schedule, the payloads cycling
		}
	}
	if cfg.Turns > 1 {
		for i, p := range payloads {
			if _, _, err := chatMessages(p); err != nil {
				return nil, (&engine{origins: origins}).payloadError(i, err)
			}
		}
	}
	if w := cfg.Warmup.Requests; w > 0 && cfg.Requests > 0 {
		total := cfg.Requests
		if !cfg.openLoop() {
			total *= cfg.Clients
		}
		if w >= total {
			return nil, configErrorf("Warmup.Requests", "must be fewer than the run's %d requests, got %d", total, w)
		}
	}
	e := &engine{
		cfg:          cfg,
		payloads:     payloads,
		origins:      origins,
		reqs:         make([]*endpoints.Request, len(payloads)),
		inputTokens:  make([]atomic.Int64, len(payloads)),
		beforeInvoke: make([]atomic.Bool, len(cfg.Callbacks)),
	}
	e.warm.w = cfg.Warmup
	switch {
	case cfg.openLoop():
		e.prof = newProfile(cfg.Rate, cfg.Stages)
	case len(cfg.Stages) > 0:
		e.prof = newProfile(float64(cfg.Clients), cfg.Stages)
		e.cfg.Clients = int(math.Ceil(e.prof.peak()))
	}
	if err := e.applyShard(); err != nil {
		return nil, err
	}
	e.redactor, _ = cfg.Endpoint.(endpoints.Redactor)
	if !cfg.Progress.Off {
		e.progress = cfg.Progress.Func
	}
	for i, p := range payloads {
		req, err := cfg.Endpoint.Prepare(p)
		if err == nil && req == nil {
			err = errors.New("endpoint prepared a nil request")
		}
		if err != nil {
			return nil, e.payloadError(i, err)
		}
		e.reqs[i] = req
	}
	return e, nil
}

func (e *engine) payloadError(i int, err error) error {
	pe := &PayloadError{Index: i, Err: err}
	if i < len(e.origins) {
		pe.Source, pe.Line = e.origins[i].source, e.origins[i].line
	}
	return pe
}

// newResult returns the result of the run, with its identity and resolved
// load shape.
func (e *engine) newResult() *Result {
	c := &e.cfg
	info := c.Endpoint.Info()
	res := &Result{Run: reporters.Run{
		Name:        c.RunName,
		Description: c.Description,
		TestName:    e.testName,
		Endpoint:    reporters.Endpoint{Provider: info.Provider, Model: info.Model, Name: info.Name, URL: info.URL},
		Config: reporters.Config{
			Clients:   c.Clients,
			Requests:  c.Requests,
			Duration:  c.Duration.Seconds(),
			RampUp:    c.RampUp.Seconds(),
			Timeout:   c.Timeout.Seconds(),
			Tokenizer: c.Tokenizer.Name(),
			Payloads:  len(e.payloads),
			LowMemory: c.LowMemory,
		},
	}}
	res.Run.Config.PayloadsDigest = PayloadsDigest(e.payloads)
	rc := &res.Run.Config
	if c.openLoop() {
		rc.Rate, rc.Arrival, rc.Seed, rc.MaxInFlight = c.Rate, string(c.Arrival), c.Seed, c.MaxInFlight
		if c.ArrivalTimes != nil {
			rc.Rate, rc.Seed = meanRate(c.ArrivalTimes), 0
		}
	}
	for _, st := range c.Stages {
		rc.Stages = append(rc.Stages, reporters.Stage{Duration: st.Duration.Seconds(), Target: st.Target})
	}
	if w := c.Warmup; w != (Warmup{}) {
		rc.Warmup = &reporters.Warmup{Duration: w.Duration.Seconds(), Requests: w.Requests}
	}
	if c.Turns > 1 {
		rc.Turns, rc.ThinkTime = c.Turns, c.ThinkTime.Seconds()
	}
	if !c.StartAt.IsZero() {
		rc.StartAt = c.StartAt.UTC()
	}
	e.shardModel(rc)
	if c.OutputPath != "" {
		res.OutputPath = JoinOutputPath(c.OutputPath, c.RunName)
	}
	return res
}

// run sends the load and returns the result. With save, summary.json,
// stats.json and the reports are written before it returns; otherwise the
// caller saves.
func (e *engine) run(ctx context.Context, save bool) (*Result, error) {
	res := e.newResult()
	var rw *responseWriter
	if res.OutputPath != "" {
		var err error
		if rw, err = startArtifacts(res, e.payloads, e.cfg.ResponseParts); err != nil {
			return nil, err
		}
	}
	// Callbacks outlive a cancelled run: AfterRun sees an interrupted one.
	cbCtx := context.WithoutCancel(ctx)
	for i, cb := range e.cfg.Callbacks {
		if err := cb.BeforeRun(ctx, e.cfg); err != nil {
			if rw != nil {
				_ = rw.close()
			}
			return nil, fmt.Errorf("llmtest: Callbacks[%d].BeforeRun: %w", i, err)
		}
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g, gctx := errgroup.WithContext(runCtx)
	open := e.cfg.openLoop()
	senders := e.cfg.Clients // goroutines that send into results
	if open {
		senders = 1 // the scheduler, until it starts workers
		e.open = &openLoop{work: make(chan arrival, e.cfg.MaxInFlight)}
	}
	results := make(chan Invocation, 4*max(senders, min(e.cfg.MaxInFlight, 256)))
	var live atomic.Int32
	live.Store(int32(senders))
	done := func() {
		if live.Add(-1) == 0 {
			close(results)
		}
	}
	model := newModelBuilder(&res.Run, !e.cfg.LowMemory, true)
	model.open = open
	n := e.cfg.Clients * e.cfg.Requests
	if open {
		n = e.cfg.Requests
	}
	if n > 0 && !e.cfg.LowMemory {
		// A counted run knows how many records it keeps: no slice grows.
		res.Invocations = make([]Invocation, 0, n)
	}
	if e.progress != nil {
		e.live = newLiveRun(model, max(senders, 1), e.cfg.Progress.stats())
	}
	if !e.cfg.StartAt.IsZero() && !e.waitStart(ctx) {
		e.interrupted.Store(true)
		// Now, not when ctx's cancellation reaches gctx: no client may
		// see gctx still live and send.
		cancel(context.Cause(ctx))
	}
	start := time.Now()
	if !e.cfg.StartAt.IsZero() {
		res.Run.StartLag = max(start.Sub(e.cfg.StartAt), 0).Seconds()
	}
	e.start = start
	e.check = startSelfCheck(start)
	stopProgress := e.startProgress()
	if open {
		g.Go(func() error {
			defer done()
			e.schedule(gctx, e.open, func() {
				live.Add(1)
				g.Go(func() error {
					defer done()
					return e.worker(gctx, e.open, results)
				})
			})
			return nil
		})
	}
	for c := range senders {
		if open {
			break
		}
		g.Go(func() error {
			defer done()
			return e.client(gctx, c, results)
		})
	}
	g.Go(func() error { return e.collect(cbCtx, results, res, model, rw, cancel) })
	err := g.Wait()
	end := time.Now()
	gen := e.check.stop(end)
	stopProgress(end.Sub(start))
	res.Run.StartTime, res.Run.EndTime = start.UTC(), end.UTC()
	if e.open != nil {
		res.Run.Counts.Dropped = int(e.open.dropped.Load())
	}
	testTime := end.Sub(start)
	testTime -= e.warm.measuredFrom(testTime)
	model.finish(testTime, res.Invocations)
	res.Run.Generator = assessGenerator(gen, &res.Run)

	var interruption error
	if ctx.Err() != nil && e.interrupted.Load() {
		interruption = fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
	}
	res.Run.Interrupted = err != nil || interruption != nil || e.interrupted.Load()
	res.Stats = statsOf(&res.Run)
	for i, cb := range e.cfg.Callbacks {
		if cerr := cb.AfterRun(cbCtx, res); cerr != nil {
			err = errors.Join(err, fmt.Errorf("llmtest: Callbacks[%d].AfterRun: %w", i, cerr))
		}
	}
	if rw != nil {
		err = errors.Join(err, rw.close())
	}
	if save {
		err = errors.Join(err, res.Save())
	}
	e.failure = err
	return res, errors.Join(err, interruption)
}

// startProgress starts reporting the run's progress, when it has a
// receiver, and returns the function that stops it once every request
// has ended: it waits for the reporter, then hands the receiver the final
// snapshot. Without a receiver both are no-ops.
func (e *engine) startProgress() (stop func(elapsed time.Duration)) {
	if e.live == nil {
		return func(time.Duration) {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { e.live.report(e, e.progress, done) })
	return func(elapsed time.Duration) {
		close(done)
		wg.Wait()
		s := e.live.snapshot(e, elapsed)
		s.Final, s.Draining = true, true
		e.progress(s)
	}
}

// more reports whether a client that has sent i requests sends another.
func (e *engine) more(i int) bool {
	switch {
	case e.prof != nil:
		return time.Since(e.start) < e.prof.end
	case e.cfg.Duration > 0:
		return time.Since(e.start) < e.cfg.Duration
	}
	return i < e.cfg.Requests
}

// await makes client c of a closed loop with stages wait until the stages
// have at least c+1 clients: at once when they have, until the ramp gets
// there otherwise. It returns false when they never will again before the
// run's end, or ctx is cancelled.
func (e *engine) await(ctx context.Context, c int) bool {
	now := time.Since(e.start)
	at, ok := e.prof.reach(now, float64(c+1))
	if !ok || at >= e.prof.end {
		return false
	}
	if at <= now {
		return true
	}
	t := time.NewTimer(at - now)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		e.interrupted.Store(true)
		return false
	}
}

// client is one closed-loop client: it sends a request, waits for its
// response, and sends the next. Client c starts at its own offset into the
// payload list, so clients do not send the same payload at the same moment.
func (e *engine) client(ctx context.Context, c int, out chan<- Invocation) error {
	var (
		rec   recorder
		gaps  arena
		n     = len(e.reqs)
		g     = e.shard.global(c) // the client's index in the whole run
		start = g * n / e.shard.clients
		cv    conversation // with Turns: the one in progress
		convs int          // conversations started
	)
	if e.cfg.RampUp > 0 && g > 0 {
		delay := time.Duration(int64(e.cfg.RampUp) * int64(g) / int64(e.shard.clients))
		t := time.NewTimer(delay - time.Since(e.start))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			e.interrupted.Store(true)
			return nil
		}
	}
	for i := 0; e.more(i); i++ {
		if ctx.Err() != nil {
			e.interrupted.Store(true)
			return nil
		}
		if e.prof != nil && !e.await(ctx, g) {
			return nil
		}
		idx := (start + i) % n
		var (
			req *endpoints.Request
			err error
		)
		if e.cfg.Turns > 1 {
			if cv.turn() == 1 {
				cv = conversation{id: "c" + strconv.Itoa(g) + "-" + strconv.Itoa(convs), idx: (start + convs) % n}
				convs++
			} else if !e.pause(ctx) {
				return nil
			}
			idx = cv.idx
			req, err = e.turnRequest(ctx, cv)
		} else {
			req, err = e.request(ctx, idx)
		}
		if err != nil {
			return err
		}
		if e.live != nil {
			e.live.clients[c].started.Add(1)
		}
		warm := e.warm.next(time.Since(e.start))
		inv, err := e.invoke(ctx, &rec, req, idx, &gaps)
		inv.Warmup = warm
		if e.cfg.Turns > 1 {
			inv.Conversation, inv.Turn = cv.id, cv.turn()
			switch {
			case !inv.Succeeded() || cv.turn() == e.cfg.Turns:
				cv.replies = cv.replies[:0] // the conversation ends
			default:
				cv.replies = append(cv.replies, inv.ResponseText)
			}
		}
		if e.live != nil {
			e.live.clients[c].ended.Add(1)
		}
		out <- inv
		if err != nil {
			return err
		}
	}
	return nil
}

// request returns the prepared request for payload idx, or, when a
// callback implements BeforeInvoke, prepares a changed copy of the payload.
func (e *engine) request(ctx context.Context, idx int) (*endpoints.Request, error) {
	if int(e.nopBefore.Load()) == len(e.cfg.Callbacks) {
		return e.reqs[idx], nil
	}
	return e.prepare(ctx, e.payloads[idx].Clone(), idx)
}

// turnRequest returns the request of conversation cv's next turn: its
// payload's prepared request for the first turn, else the payload with
// the history grown by the replies so far, prepared anew.
func (e *engine) turnRequest(ctx context.Context, cv conversation) (*endpoints.Request, error) {
	if len(cv.replies) == 0 {
		return e.request(ctx, cv.idx)
	}
	p, err := turnPayload(e.payloads[cv.idx], cv.replies)
	if err != nil {
		return nil, e.payloadError(cv.idx, err)
	}
	return e.prepare(ctx, p, cv.idx)
}

// pause waits Config.ThinkTime before a conversation's next turn. It
// returns false, sending nothing more, when ctx is cancelled first or the
// run's time is up when it ends.
func (e *engine) pause(ctx context.Context) bool {
	if e.cfg.ThinkTime <= 0 {
		return true
	}
	t := time.NewTimer(e.cfg.ThinkTime)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		e.interrupted.Store(true)
		return false
	}
	switch {
	case e.prof != nil:
		return time.Since(e.start) < e.prof.end
	case e.cfg.Duration > 0:
		return time.Since(e.start) < e.cfg.Duration
	}
	return true
}

// prepare runs the BeforeInvoke callbacks on p, a copy of payload idx (or
// of a conversation's turn of it), and prepares it with the endpoint.
func (e *engine) prepare(ctx context.Context, p endpoints.Payload, idx int) (*endpoints.Request, error) {
	if int(e.nopBefore.Load()) == len(e.cfg.Callbacks) {
		return e.prepared(p, idx)
	}
	for i, cb := range e.cfg.Callbacks {
		if e.beforeInvoke[i].Load() {
			continue
		}
		err := cb.BeforeInvoke(ctx, p)
		if errors.Is(err, errNoBeforeInvoke) {
			if !e.beforeInvoke[i].Swap(true) {
				e.nopBefore.Add(1)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("llmtest: Callbacks[%d].BeforeInvoke: %w", i, err)
		}
	}
	return e.prepared(p, idx)
}

func (e *engine) prepared(p endpoints.Payload, idx int) (*endpoints.Request, error) {
	req, err := e.cfg.Endpoint.Prepare(p)
	if err == nil && req == nil {
		err = errors.New("endpoint prepared a nil request")
	}
	if err != nil {
		return nil, fmt.Errorf("llmtest: payload %d as changed by BeforeInvoke or a conversation's history: %w", idx, err)
	}
	return req, nil
}

// invoke sends one request, classifies its outcome (success, failure,
// timeout, cancellation), counts its tokens and builds its record with the
// metrics the recorder derives. The returned error is fatal (the endpoint
// panicked); a failed request is only recorded.
func (e *engine) invoke(ctx context.Context, rec *recorder, req *endpoints.Request, idx int, gaps *arena) (Invocation, error) {
	rctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	rec.start()
	err, fatal := e.call(rctx, req, rec)
	rec.end()
	cancel()

	inv := Invocation{
		ID:          rec.id,
		RequestTime: rec.t0,
		InputPrompt: req.Prompt,
		Chunks:      rec.chunks,
		Retries:     rec.retries,
		Conn:        rec.conn,
	}
	if len(rec.text) > 0 {
		inv.ResponseText = string(rec.text)
	}
	if err != nil {
		switch {
		case ctx.Err() != nil:
			e.interrupted.Store(true)
			inv.Cancelled = true
			inv.Error = "cancelled: " + context.Cause(ctx).Error()
		case errors.Is(rctx.Err(), context.DeadlineExceeded):
			inv.Error = fmt.Sprintf("%v: no complete response within %v", ErrTimeout, e.cfg.Timeout)
		default:
			inv.Error = err.Error()
		}
		if inv.Error == "" {
			inv.Error = "request failed"
		}
		var se *endpoints.StatusError
		if errors.As(err, &se) {
			inv.StatusCode = se.StatusCode
		}
	}

	e.countTokens(&inv, rec, req, idx)
	m := rec.metrics(inv.Succeeded(), inv.NumTokensVisible)
	inv.TimeToFirstToken, inv.TimeToFirstOutput = m.TTFT, m.TTFO
	inv.TimeToLastToken, inv.TimePerOutputToken = m.TTLT, m.TPOT
	inv.InterTokenLatencies = gaps.copy(m.ITL)
	inv.TimeToEnd = m.End
	// A server may echo a credential back as text: take every secret of
	// the endpoint's out of what is kept, after the tokens were counted.
	inv.ResponseText = e.redact(inv.ResponseText)
	inv.Error = e.redact(inv.Error)
	inv.ID = e.redact(inv.ID)
	return inv, fatal
}

// countTokens fills the token counts of inv, after the request's timed
// window: the server's when it reported them, the tokenizer's otherwise.
//
// Output tokens include reasoning tokens, as servers count them. The
// visible count is what TPOT divides its visible window by (dividing a
// visible-only window by a count that includes reasoning understates
// TPOT): output minus the server's reasoning count when it reports one.
// When it reports output tokens but no reasoning count (Anthropic), the
// tokenizer counts the visible and the reasoning text, and the server's
// output tokens are split in that proportion, so that a tokenizer that
// counts differently from the server's (whitespace words) still divides
// the server's count correctly; with a tokenizer that matches the
// server's, this is the output minus the tokenizer's reasoning count.
func (e *engine) countTokens(inv *Invocation, rec *recorder, req *endpoints.Request, idx int) {
	u := rec.usage
	if u.InputTokens > 0 {
		inv.NumTokensInput, inv.InputTokensFrom = u.InputTokens, FromServer
	} else {
		inv.NumTokensInput, inv.InputTokensFrom = e.countInput(req, idx), FromTokenizer
	}
	inv.NumTokensInputCached = u.CachedInputTokens

	if u.OutputTokens == 0 && !inv.Succeeded() && inv.ResponseText == "" {
		return // nothing arrived to count
	}
	reasoning := 0 // the tokenizer's count of the reasoning text
	if len(rec.reasoning) > 0 && u.ReasoningTokens == 0 {
		reasoning = e.cfg.Tokenizer.Count(string(rec.reasoning))
	}
	switch {
	case u.OutputTokens > 0:
		inv.NumTokensOutput, inv.OutputTokensFrom = u.OutputTokens, FromServer
		switch {
		case u.ReasoningTokens > 0:
			inv.NumTokensReasoning, inv.ReasoningTokensFrom = min(u.ReasoningTokens, u.OutputTokens), FromServer
		case reasoning > 0:
			visible := e.cfg.Tokenizer.Count(inv.ResponseText)
			share := float64(visible) / float64(visible+reasoning)
			inv.NumTokensReasoning = u.OutputTokens - int(math.Round(float64(u.OutputTokens)*share))
			inv.ReasoningTokensFrom = FromTokenizer
		}
		inv.NumTokensVisible = inv.NumTokensOutput - inv.NumTokensReasoning
	default:
		visible := e.cfg.Tokenizer.Count(inv.ResponseText)
		if u.ReasoningTokens > 0 {
			reasoning = u.ReasoningTokens
		}
		inv.NumTokensOutput, inv.OutputTokensFrom = visible+reasoning, FromTokenizer
		inv.NumTokensVisible = visible
		switch {
		case u.ReasoningTokens > 0:
			inv.NumTokensReasoning, inv.ReasoningTokensFrom = reasoning, FromServer
		case reasoning > 0:
			inv.NumTokensReasoning, inv.ReasoningTokensFrom = reasoning, FromTokenizer
		}
	}
}

// redact takes the endpoint's secrets out of s, for text that reaches a
// record, a log or an error.
func (e *engine) redact(s string) string {
	if e.redactor == nil {
		return s
	}
	return e.redactor.Redact(s)
}

// call runs Invoke, turning a panic into a failed request and a fatal
// error for the run.
func (e *engine) call(ctx context.Context, req *endpoints.Request, rec *recorder) (err, fatal error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("endpoint panicked: %v", p)
			fatal = fmt.Errorf("llmtest: endpoint %s panicked: %v\n%s", e.cfg.Endpoint.Info().Provider, p, debug.Stack())
		}
	}()
	return e.cfg.Endpoint.Invoke(ctx, req, rec), nil
}

// countInput counts the input tokens of a request's prompt, once per
// prepared payload.
func (e *engine) countInput(req *endpoints.Request, idx int) int {
	if req != e.reqs[idx] { // a copy changed by BeforeInvoke
		return e.cfg.Tokenizer.Count(req.Prompt)
	}
	if n := e.inputTokens[idx].Load(); n > 0 {
		return int(n - 1)
	}
	n := e.cfg.Tokenizer.Count(req.Prompt)
	e.inputTokens[idx].Store(int64(n) + 1)
	return n
}

// collect owns the result: it receives every invocation, numbers those
// without an id, runs the AfterInvoke callbacks, appends to
// responses.jsonl, folds the record into the run's model and keeps it
// (unless the run is low-memory). It drains in until the clients close it,
// whatever fails, so that no completed request is lost; a failing
// callback or write cancels the run instead.
func (e *engine) collect(ctx context.Context, in <-chan Invocation, res *Result, model *modelBuilder, rw *responseWriter, cancel context.CancelCauseFunc) error {
	var cbErr, writeErr error
	n := 0
	for inv := range in {
		n++
		if inv.ID == "" {
			inv.ID = e.idPrefix() + "req-" + strconv.Itoa(n)
		}
		if cbErr == nil {
			for i, cb := range e.cfg.Callbacks {
				if err := cb.AfterInvoke(ctx, &inv); err != nil {
					cbErr = fmt.Errorf("llmtest: Callbacks[%d].AfterInvoke: %w", i, err)
					cancel(cbErr)
					break
				}
			}
		}
		if rw != nil && writeErr == nil {
			writeErr = rw.write(&inv)
			if writeErr == nil && len(in) == 0 {
				writeErr = rw.flush()
			}
			if writeErr != nil {
				cancel(writeErr)
			}
		}
		if l := e.live; l != nil {
			l.mu.Lock()
			model.add(&inv)
			l.mu.Unlock()
		} else {
			model.add(&inv)
		}
		if !e.cfg.LowMemory {
			res.Invocations = keep(res.Invocations, inv)
		}
	}
	return errors.Join(cbErr, writeErr)
}

// keep appends inv to invs, growing the array as append would (by a
// quarter once it is large), but copying what is kept into the new array
// in pieces of keepPiece records, yielding the processor after each.
//
// append copies the whole array in one step, with the GC's write barrier
// on when the new array's own allocation has just started a cycle, and
// nothing in that step can be preempted. In a 10-second run of about
// 150,000 records it held the collector's P for 30 to 220 ms at a time,
// while a GC worker, spinning to scan the collector's stack, held the
// other P of a 2-core machine: every client stalled, and the run's maximum
// latency was that stall. Copying in pieces is not enough, as runtime code
// is never preempted asynchronously; the explicit yield is what lets the
// GC scan the collector, and the clients run, between pieces.
func keep(invs []Invocation, inv Invocation) []Invocation {
	if n := len(invs); n == cap(invs) && n >= keepPiece {
		grown := make([]Invocation, n, n+n/4)
		for i := 0; i < n; i += keepPiece {
			copy(grown[i:], invs[i:min(i+keepPiece, n)])
			runtime.Gosched()
		}
		invs = grown
	}
	return append(invs, inv)
}

// keepPiece is the number of records keep copies between yields: about
// 135 KB, a fraction of a millisecond with the write barrier on.
const keepPiece = 512

// arena hands out the inter-token gap slices of one client's invocations
// from large shared blocks, so that keeping them costs no allocation per
// request.
type arena struct{ block []time.Duration }

const arenaBlock = 16 << 10

func (a *arena) copy(src []time.Duration) []time.Duration {
	if len(src) == 0 {
		return nil
	}
	if cap(a.block)-len(a.block) < len(src) {
		a.block = make([]time.Duration, 0, max(arenaBlock, len(src)))
	}
	i := len(a.block)
	a.block = append(a.block, src...)
	return a.block[i:len(a.block):len(a.block)]
}
