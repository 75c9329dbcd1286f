package llmtest

import (
	"time"

	"github.com/llmtest/llmtest/endpoints"
)

// recorder is the engine's endpoints.Recorder: the one place where request
// timings are taken, and where the per-request metrics are derived from
// them (metrics). Each client goroutine owns one and reuses it for every
// request, so the per-chunk path appends to buffers that have already grown
// and allocates nothing.
type recorder struct {
	t0 time.Time // send time, wall and monotonic

	firstText   time.Duration // first visible text since t0; 0 = none yet
	firstOutput time.Duration // first text or reasoning since t0
	lastText    time.Duration // latest visible text since t0
	completed   time.Duration // Complete call since t0; 0 = not called
	ended       time.Duration // end of Invoke since t0; 0 = not ended

	gaps      []time.Duration // gaps between visible text deltas
	text      []byte          // visible text received
	chunks    int
	reasoning []byte // reasoning text received, to count its tokens

	usage   endpoints.Usage
	id      string
	retries int // Retries' count plus resends
	resends int // Resend calls

	conn ConnPhases // the HTTP exchange's phases, when the endpoint traced it
}

var (
	_ endpoints.Recorder   = (*recorder)(nil)
	_ endpoints.ConnTracer = (*recorder)(nil)
)

// start clears the recorder and stamps t0. The engine calls it immediately
// before Invoke.
func (r *recorder) start() {
	r.firstText, r.firstOutput, r.lastText, r.completed, r.ended = 0, 0, 0, 0, 0
	r.gaps = r.gaps[:0]
	r.text = r.text[:0]
	r.chunks = 0
	r.reasoning = r.reasoning[:0]
	r.usage = endpoints.Usage{}
	r.id = ""
	r.retries, r.resends = 0, 0
	r.conn = ConnPhases{}
	r.t0 = time.Now()
}

// end stamps the end of the request: the engine calls it when Invoke
// returns.
func (r *recorder) end() { r.ended = r.since() }

// requestMetrics are the per-request metrics of one request, as the
// package documentation defines them ("Metrics"). A zero duration is
// absent.
type requestMetrics struct {
	TTFT, TTFO, TTLT, TPOT time.Duration
	// ITL is the recorder's buffer of gaps: copy it before the next
	// request.
	ITL []time.Duration
	// End is the time from t0 to the end of the response or the failure.
	End time.Duration
}

// metrics derives the request's metrics from what was recorded, given
// whether it succeeded and its visible output tokens (output minus
// reasoning, counted after the response):
//
//   - TTFT, time to first token: the first non-empty visible text delta;
//     TTFO, time to first output, also counts reasoning. Both are absent
//     for a non-streaming response (one that called Complete).
//   - TTLT, time to last token: the last visible text delta; for a
//     non-streaming response, Complete; for a stream without visible
//     text, the end. Absent for a request that did not succeed.
//   - TPOT, time per output token: (TTLT − TTFT) / (visible tokens − 1),
//     the visible window over the visible tokens in it, for a successful
//     stream with more than one visible token; at least 1ns.
//   - ITL, inter-token latency: the gaps between consecutive visible text
//     deltas of a stream, in order, n−1 for n deltas.
func (r *recorder) metrics(succeeded bool, visibleTokens int) requestMetrics {
	m := requestMetrics{End: r.ended}
	streamed := r.completed == 0
	if streamed {
		m.TTFT, m.TTFO, m.ITL = r.firstText, r.firstOutput, r.gaps
	}
	if !succeeded {
		return m
	}
	switch {
	case !streamed:
		m.TTLT = r.completed
	case r.chunks > 0:
		m.TTLT = r.lastText
	default:
		m.TTLT = r.ended
	}
	if streamed && r.chunks > 0 && visibleTokens > 1 {
		m.TPOT = max((r.lastText-r.firstText)/time.Duration(visibleTokens-1), 1)
	}
	return m
}

// since reads the monotonic clock once and returns the time since t0,
// never zero.
func (r *recorder) since() time.Duration {
	d := time.Since(r.t0)
	if d <= 0 {
		d = 1
	}
	return d
}

func (r *recorder) textAt(now time.Duration) {
	if r.chunks == 0 {
		r.firstText = now
	} else {
		r.gaps = append(r.gaps, now-r.lastText)
	}
	if r.firstOutput == 0 {
		r.firstOutput = now
	}
	r.lastText = now
	r.chunks++
}

// Text implements endpoints.Recorder.
func (r *recorder) Text(delta string) {
	if delta == "" {
		return
	}
	r.textAt(r.since())
	r.text = append(r.text, delta...)
}

// TextBytes implements endpoints.Recorder.
func (r *recorder) TextBytes(delta []byte) {
	if len(delta) == 0 {
		return
	}
	r.textAt(r.since())
	r.text = append(r.text, delta...)
}

// Reasoning implements endpoints.Recorder. Reasoning text is kept only
// until its tokens are counted, after the request.
func (r *recorder) Reasoning(delta string) {
	if delta == "" {
		return
	}
	if r.firstOutput == 0 {
		r.firstOutput = r.since()
	}
	r.reasoning = append(r.reasoning, delta...)
}

// Complete implements endpoints.Recorder.
func (r *recorder) Complete(text string) {
	r.completed = r.since()
	r.text = append(r.text[:0], text...)
}

// Usage implements endpoints.Recorder: non-zero fields overwrite earlier
// ones.
func (r *recorder) Usage(u endpoints.Usage) {
	if u.InputTokens > 0 {
		r.usage.InputTokens = u.InputTokens
	}
	if u.OutputTokens > 0 {
		r.usage.OutputTokens = u.OutputTokens
	}
	if u.CachedInputTokens > 0 {
		r.usage.CachedInputTokens = u.CachedInputTokens
	}
	if u.ReasoningTokens > 0 {
		r.usage.ReasoningTokens = u.ReasoningTokens
	}
}

// ID implements endpoints.Recorder.
func (r *recorder) ID(id string) { r.id = id }

// Retries implements endpoints.Recorder: n transport retries, on top of
// any Resend.
func (r *recorder) Retries(n int) { r.retries = r.resends + n }

// Resend implements endpoints.Recorder: what the failed attempt delivered
// is forgotten, t0 is taken again, and the retry is counted.
func (r *recorder) Resend() {
	resends := r.resends + 1
	r.start()
	r.resends, r.retries = resends, resends
}

// ConnTrace implements endpoints.ConnTracer: the phases are kept as
// durations, each milestone's since t0 (at least 1ns), each dial phase's
// from its start to its end.
func (r *recorder) ConnTrace(t endpoints.ConnTrace) {
	since := func(at time.Time) time.Duration {
		if at.IsZero() {
			return 0
		}
		return max(at.Sub(r.t0), 1)
	}
	span := func(start, end time.Time) time.Duration {
		if start.IsZero() || end.IsZero() {
			return 0
		}
		return max(end.Sub(start), 1)
	}
	r.conn = ConnPhases{
		Traced:       true,
		Reused:       t.Reused,
		DNS:          span(t.DNSStart, t.DNSDone),
		Connect:      span(t.ConnectStart, t.ConnectDone),
		TLS:          span(t.TLSStart, t.TLSDone),
		GotConn:      since(t.GotConn),
		WroteRequest: since(t.WroteRequest),
		FirstByte:    since(t.FirstByte),
	}
}
