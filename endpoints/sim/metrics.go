package sim

import (
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// This file holds what the HTTP server tells monitoring tools: vLLM's
// Prometheus metrics on GET /metrics, and GET /health.

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

// metrics is what one handler counts of the requests it serves, in vLLM's
// names, types, help texts, labels (model_name, and engine "0") and
// buckets, on a Prometheus registry of its own, which GET /metrics serves
// in the text exposition format (OpenMetrics when the scraper asks for it).
// Recording is a few atomic adds per request, never per chunk: no lock, no
// allocation.
type metrics struct {
	prompt     prometheus.Counter
	generation prometheus.Counter
	finished   [numFinishReasons]prometheus.Counter
	ttft       prometheus.Histogram
	e2e        prometheus.Histogram
	handler    http.Handler // serves the registry
}

// newMetrics returns the metrics of a handler serving model, whose gauges
// read running and waiting at each scrape.
func newMetrics(model string, running, waiting func() int) *metrics {
	labels := prometheus.Labels{"engine": "0", "model_name": model}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels})
	}
	histogram := func(name, help string, buckets []float64) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, ConstLabels: labels, Buckets: buckets})
	}
	gauge := func(name, help string, f func() int) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(f()) })
	}
	m := &metrics{
		prompt:     counter("vllm:prompt_tokens_total", "Number of prefill tokens processed."),
		generation: counter("vllm:generation_tokens_total", "Number of generation tokens processed."),
		ttft:       histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", ttftBuckets),
		e2e:        histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", e2eBuckets),
	}
	success := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vllm:request_success_total", Help: "Count of successfully processed requests.", ConstLabels: labels,
	}, []string{"finished_reason"})
	for r, name := range finishReasons {
		m.finished[r] = success.WithLabelValues(name) // every reason shows, from 0
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		gauge("vllm:num_requests_running", "Number of requests in model execution batches.", running),
		gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", waiting),
		m.prompt, m.generation, success, m.ttft, m.e2e,
	)
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
	return m
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
	x.stats.ttft.Observe(time.Since(x.arrived).Seconds())
	x.stats.prompt.Add(float64(x.input))
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
	m.generation.Add(float64(tokens))
	m.finished[r].Inc()
	m.e2e.Observe(time.Since(x.arrived).Seconds())
}
