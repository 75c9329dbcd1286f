package sim

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// This file holds what the HTTP server tells monitoring tools: vLLM's
// Prometheus metrics on GET /metrics, and GET /health.

// metricsContentType is the media type of the Prometheus text exposition
// format 0.0.4, which vLLM's /metrics serves.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// Histogram buckets of vLLM's v1 engine, in seconds (upper bounds; +Inf is
// implied).
var (
	ttftBuckets = []float64{
		0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5,
		0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
	}
	e2eBuckets = []float64{
		0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0,
		40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
	}
)

// finishReason is the finished_reason label of vllm:request_success_total.
type finishReason int

const (
	finishStop   finishReason = iota // completed on its own
	finishLength                     // completed at its max tokens
	finishAbort                      // cancelled: the client left, or the server closed
	finishError                      // an injected fault failed it
	numFinishReasons
)

// finishReasons are the label values, vLLM's names.
var finishReasons = [numFinishReasons]string{"stop", "length", "abort", "error"}

// metrics is what one handler counts of the requests it serves, exposed
// in vLLM's names. Every field is updated with atomics, once or twice per
// request and never per chunk, so recording takes no lock and allocates
// nothing.
type metrics struct {
	labels     string // `model_name="…"}`, escaped: the labels after engine and the others
	prompt     atomic.Uint64
	generation atomic.Uint64
	finished   [numFinishReasons]atomic.Uint64
	ttft       histogram
	e2e        histogram
}

func newMetrics(model string) *metrics {
	var b strings.Builder
	b.WriteString(`model_name="`)
	for _, r := range model {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(`"}`)
	return &metrics{
		labels: b.String(),
		ttft:   newHistogram(ttftBuckets),
		e2e:    newHistogram(e2eBuckets),
	}
}

// histogram counts durations into fixed buckets, as a Prometheus
// histogram does.
type histogram struct {
	bounds []float64       // upper bounds in seconds, ascending
	counts []atomic.Uint64 // per bucket, not cumulative; the last is +Inf
	sum    atomic.Int64    // nanoseconds
}

func newHistogram(bounds []float64) histogram {
	return histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

// observe counts d in the first bucket whose bound is at least d.
func (h *histogram) observe(d time.Duration) {
	i, _ := slices.BinarySearch(h.bounds, d.Seconds())
	h.counts[i].Add(1)
	h.sum.Add(int64(d))
}

// arrive starts tracking the request of plan p for m: it arrived at the
// model now. An exchange without arrive records nothing.
func (x *exchange) arrive(m *metrics, p *Plan, tokensPerChunk int) {
	x.stats = m
	x.arrived = time.Now()
	x.input, x.output, x.perChunk = p.InputTokens, p.OutputTokens, tokensPerChunk
	x.streamable = p.OutputTokens
	if p.Fault == FaultMidStream && p.FaultAt < p.OutputTokens {
		x.streamable = p.FaultAt
	}
}

// firstToken is the model's FirstToken hook: the request's prefill is done,
// so its prompt tokens count, and its time to first token is observed.
func (x *exchange) firstToken() {
	x.stats.ttft.observe(time.Since(x.arrived))
	x.stats.prompt.Add(uint64(x.input))
}

// completed records a request that completed, with finish reason r: all of
// its output tokens count.
func (x *exchange) completed(r finishReason) {
	x.end(r, x.output)
}

// aborted records a request that failed with err after it was admitted: an
// injected fault is finish reason "error", anything else (the client left,
// the request was cancelled, the server closed) "abort". The tokens the
// client was sent count: those streamed before the stream was cut.
func (x *exchange) aborted(err error) {
	r := finishAbort
	if injected := (*InjectedError)(nil); errors.As(err, &injected) {
		r = finishError
	}
	x.end(r, min(x.chunks*x.perChunk, x.streamable))
}

func (x *exchange) end(r finishReason, tokens int) {
	m := x.stats
	if m == nil {
		return
	}
	m.generation.Add(uint64(tokens))
	m.finished[r].Add(1)
	m.e2e.observe(time.Since(x.arrived))
}

// appendMetrics appends the metrics in the Prometheus text format 0.0.4,
// with running and waiting the model's gauges, in the names, types, help
// texts, labels and buckets vLLM's v1 engine exposes (labels model_name and
// engine "0", sorted as vLLM's client sorts them).
func (m *metrics) appendMetrics(dst []byte, running, waiting int) []byte {
	dst = m.appendFamily(dst, "vllm:num_requests_running", "gauge", "Number of requests in model execution batches.", "", float64(running))
	dst = m.appendFamily(dst, "vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.", "", float64(waiting))
	dst = m.appendFamily(dst, "vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.", "", float64(m.prompt.Load()))
	dst = m.appendFamily(dst, "vllm:generation_tokens_total", "counter", "Number of generation tokens processed.", "", float64(m.generation.Load()))
	dst = appendHeader(dst, "vllm:request_success_total", "counter", "Count of successfully processed requests.")
	for r, name := range finishReasons {
		dst = m.appendSample(dst, "vllm:request_success_total", `finished_reason="`+name+`",`, float64(m.finished[r].Load()))
	}
	dst = m.appendHistogram(dst, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", &m.ttft)
	dst = m.appendHistogram(dst, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", &m.e2e)
	return dst
}

func appendHeader(dst []byte, name, typ, help string) []byte {
	dst = append(dst, "# HELP "...)
	dst = append(dst, name...)
	dst = append(dst, ' ')
	dst = append(dst, help...)
	dst = append(dst, "\n# TYPE "...)
	dst = append(dst, name...)
	dst = append(dst, ' ')
	dst = append(dst, typ...)
	return append(dst, '\n')
}

// appendFamily appends a metric family of one sample.
func (m *metrics) appendFamily(dst []byte, name, typ, help, labels string, v float64) []byte {
	dst = appendHeader(dst, name, typ, help)
	return m.appendSample(dst, name, labels, v)
}

// appendSample appends one sample line; labels are the ones that sort
// between engine and model_name, each followed by a comma.
func (m *metrics) appendSample(dst []byte, name, labels string, v float64) []byte {
	dst = append(dst, name...)
	dst = append(dst, `{engine="0",`...)
	dst = append(dst, labels...)
	dst = append(dst, m.labels...)
	dst = append(dst, ' ')
	dst = appendValue(dst, v)
	return append(dst, '\n')
}

// appendHistogram appends a histogram family: its cumulative buckets, its
// count (the +Inf bucket, so the two always agree) and its sum in seconds.
func (m *metrics) appendHistogram(dst []byte, name, help string, h *histogram) []byte {
	dst = appendHeader(dst, name, "histogram", help)
	var cum uint64
	for i := range h.counts {
		cum += h.counts[i].Load()
		le := "+Inf"
		if i < len(h.bounds) {
			le = string(appendValue(nil, h.bounds[i]))
		}
		dst = m.appendSample(dst, name+"_bucket", `le="`+le+`",`, float64(cum))
	}
	dst = m.appendSample(dst, name+"_count", "", float64(cum))
	return m.appendSample(dst, name+"_sum", "", time.Duration(h.sum.Load()).Seconds())
}

// appendValue appends v as Python's Prometheus client prints it: whole
// numbers with ".0" ("3.0", "2560.0"), others in the shortest form that
// reads back exactly.
func appendValue(dst []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		dst = strconv.AppendFloat(dst, v, 'f', -1, 64)
		return append(dst, ".0"...)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}
