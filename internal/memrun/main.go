// Command memrun runs one counted load against the in-process simulator
// (sim.Endpoint, no HTTP, 32 output tokens streamed one per chunk, so 31
// inter-token gaps per request) and prints what the run cost in memory and
// how long it took to return its Result once the last response had
// arrived. It is run by tools/memrun.sh, one fresh process per
// measurement; it is not part of any test.
//
//	go run ./internal/memrun -n 1000000 [-low] [-latency zero] [-clients 4] [-every 100000]
//
// -latency sets the simulator's latencies (see latencyProfiles):
//
//	zero    every latency zero: the simulator answers at once, and the
//	        latencies are the engine's own (hundreds of nanoseconds)
//	narrow  1ms to the first token, 40µs between tokens, jitter ±0.05%:
//	        a steady server, whose gaps crowd few histogram buckets (the
//	        real clock still spreads them over a few hundred 32ns buckets;
//	        itl_crowd says how crowded the median's is)
//	wide    the same means with jitter ±90%: latencies spread over many
//	        buckets
//
// A run with latencies sleeps; -clients sets how many requests are in
// flight (tools/memrun.sh runs the narrow profile with 64).
//
// It prints one line of space-separated key=value fields:
//
//	mode          default (invocations kept in memory) or low-memory
//	latency       the -latency profile
//	requests      requests completed
//	peak_rss_mib  the process's peak resident set (VmHWM), in MiB
//	rss_mib       the resident set (VmRSS), in MiB, after every -every
//	              completed requests, comma-separated
//	heap_mib      live heap after the run (after runtime.GC, the Result
//	              still referenced) minus live heap before it, in MiB
//	text_mib      the response text the Result keeps (the summed
//	              len(ResponseText) of Result.Invocations), in MiB
//	bytes_per_req (heap − text) / requests: what a request costs beyond
//	              its response text
//	end_ms        from the last AfterInvoke callback (the collector has the
//	              last invocation) to Run's return, in milliseconds
//	run_s         the wall time of Run, in seconds
//	itl_crowd     the share of the inter-token gaps in the histogram bucket
//	              of their median: near 0 when the gaps spread over many
//	              buckets, 1 when they all crowd one
//
// A low-memory run writes its folder in a temporary directory, which is
// removed at exit.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

func main() {
	n := flag.Int("n", 1_000_000, "requests to send, in total")
	low := flag.Bool("low", false, "a low-memory run (Config.LowMemory), in a temporary folder")
	clients := flag.Int("clients", 4, "closed-loop clients")
	every := flag.Int("every", 100_000, "sample the resident set after every this many requests")
	latency := flag.String("latency", "zero", "the simulator's latencies: zero, narrow or wide")
	flag.Parse()
	r, err := run(*n, *clients, *every, *low, *latency)
	if err != nil {
		fmt.Fprintln(os.Stderr, "memrun:", err)
		os.Exit(1)
	}
	fmt.Println(r)
}

// report is what one run measured; String formats it as the line
// documented above.
type report struct {
	mode        string
	latency     string
	requests    int
	peakRSS     float64   // MiB
	rss         []float64 // MiB, after every so many requests
	heap, text  float64   // bytes
	bytesPerReq float64
	end, run    time.Duration
	crowd       float64 // share of the gaps in their median's bucket
}

func (r *report) String() string {
	rss := make([]string, len(r.rss))
	for i, v := range r.rss {
		rss[i] = strconv.FormatFloat(v, 'f', 0, 64)
	}
	const mib = 1 << 20
	return fmt.Sprintf("mode=%s latency=%s requests=%d peak_rss_mib=%.0f rss_mib=%s heap_mib=%.1f text_mib=%.1f bytes_per_req=%.0f end_ms=%.1f run_s=%.2f itl_crowd=%.3f",
		r.mode, r.latency, r.requests, r.peakRSS, strings.Join(rss, ","), r.heap/mib, r.text/mib,
		r.bytesPerReq, float64(r.end.Microseconds())/1e3, r.run.Seconds(), r.crowd)
}

// probe is the callback that watches the run from the collector: it
// counts invocations, samples the resident set every so many, and notes
// when it saw the last one.
type probe struct {
	llmtest.NopCallback
	every int
	seen  int
	last  time.Time
	rss   []float64 // MiB
}

func (p *probe) AfterInvoke(context.Context, *llmtest.Invocation) error {
	p.seen++
	if p.seen%p.every == 0 {
		p.rss = append(p.rss, procStatus("VmRSS"))
	}
	p.last = time.Now()
	return nil
}

// latencyProfiles are the simulator's latencies of each -latency.
var latencyProfiles = map[string]sim.Config{
	"zero":   {},
	"narrow": {FirstTokenLatency: time.Millisecond, InterTokenLatency: 40 * time.Microsecond, Jitter: 0.0005},
	"wide":   {FirstTokenLatency: time.Millisecond, InterTokenLatency: 40 * time.Microsecond, Jitter: 0.9},
}

func run(n, clients, every int, low bool, latency string) (*report, error) {
	if n <= 0 || clients <= 0 || every <= 0 || n%clients != 0 {
		return nil, fmt.Errorf("-n (%d) must be a positive multiple of -clients (%d), -every (%d) positive", n, clients, every)
	}
	cfg, ok := latencyProfiles[latency]
	if !ok {
		return nil, fmt.Errorf("-latency: unknown profile %q (want zero, narrow or wide)", latency)
	}
	cfg.Seed = 1
	ep, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	payload := endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "Tell me about load testing in one paragraph."}}}
	p := &probe{every: every, rss: make([]float64, 0, n/every+1)}
	rc := llmtest.Config{
		Endpoint:  ep,
		Payloads:  []endpoints.Payload{payload},
		Clients:   clients,
		Requests:  n / clients,
		Callbacks: []llmtest.Callback{p},
	}
	mode := "default"
	if low {
		mode = "low-memory"
		dir, err := os.MkdirTemp("", "memrun")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		rc.OutputPath, rc.LowMemory = dir, true
	}

	before := liveHeap()
	start := time.Now()
	res, err := (&llmtest.Runner{}).Run(context.Background(), rc)
	returned := time.Now()
	if err != nil {
		return nil, err
	}
	after := liveHeap()
	text := 0
	for i := range res.Invocations {
		text += len(res.Invocations[i].ResponseText)
	}
	if got := res.Stats.TotalRequests - res.Stats.FailedRequests; got != n {
		return nil, fmt.Errorf("%d requests completed, want %d", got, n)
	}
	heap := float64(after) - float64(before)
	r := &report{
		mode: mode, latency: latency, requests: n, peakRSS: procStatus("VmHWM"), rss: p.rss,
		heap: heap, text: float64(text), bytesPerReq: (heap - float64(text)) / float64(n),
		end: returned.Sub(p.last), run: returned.Sub(start), crowd: medianCrowd(res.Run.Metric(string(llmtest.InterTokenLatency))),
	}
	runtime.KeepAlive(res)
	return r, nil
}

// medianCrowd returns the share of m's samples in the histogram bucket of
// its median, 0 for no samples.
func medianCrowd(m *reporters.Metric) float64 {
	if m == nil || m.Histogram == nil || m.Histogram.Count() == 0 {
		return 0
	}
	n := m.Histogram.Count()
	bs, ok := m.Histogram.Buckets((n - 1) / 2)
	if !ok {
		return 0
	}
	return float64(bs[0].Count) / float64(n)
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// procStatus returns the field key of /proc/self/status, a size in kB, in
// MiB; 0 when it cannot be read.
func procStatus(key string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}
