package llmtest

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkGeneratorSelfCheck measures what the self-check sees in the
// three situations reporters.GeneratorMaxSchedLatency is chosen between:
// a quiet run (a 50ms time to first token), a run at full speed against
// a zero-latency in-process endpoint, and a starved generator
// (GOMAXPROCS=1 and starvedBusy goroutines that spin). Each iteration is one run of
// about a second; the figures are the self-check's, averaged over the
// iterations:
//
//	go test -run '^$' -bench BenchmarkGeneratorSelfCheck -benchtime 3x ./llmtest
func BenchmarkGeneratorSelfCheck(b *testing.B) {
	b.Run("quiet", func(b *testing.B) {
		benchSelfCheck(b, Config{
			Endpoint: &fakeEndpoint{Chunks: []string{"a", "b", "c", "d"}, Gap: 50 * time.Millisecond},
			Payloads: prompts(4), Clients: 8, Duration: time.Second,
		}, 0)
	})
	b.Run("fullspeed", func(b *testing.B) {
		benchSelfCheck(b, Config{
			Endpoint: &fakeEndpoint{Chunks: []string{"a", "b", "c", "d"}},
			Payloads: prompts(4), Clients: 8, Duration: time.Second,
		}, 0)
	})
	b.Run("starved", func(b *testing.B) {
		benchSelfCheck(b, Config{
			Endpoint: &fakeEndpoint{Chunks: []string{"a", "b", "c", "d"}, Gap: time.Millisecond},
			Payloads: prompts(4), Clients: 8, Duration: time.Second,
		}, starvedBusy)
	})
}

// starvedBusy is the number of busy goroutines of a starved generator.
const starvedBusy = 4

// benchSelfCheck runs cfg b.N times, with GOMAXPROCS=1 and busy spinning
// goroutines when busy > 0, and reports the self-check's figures.
func benchSelfCheck(b *testing.B, cfg Config, busy int) {
	var sched, cpu, peak, saturated float64
	for b.Loop() {
		stop := starve(busy)
		res, err := (&Runner{}).Run(context.Background(), cfg)
		stop()
		if err != nil {
			b.Fatal(err)
		}
		g := res.Run.Generator
		sched += g.SchedLatencyP99
		cpu += g.CPU
		peak += g.PeakCPU
		if g.Saturated {
			saturated++
		}
	}
	n := float64(b.N)
	b.ReportMetric(sched/n*1e9, "sched-p99-ns")
	b.ReportMetric(100*cpu/n, "cpu-%")
	b.ReportMetric(100*peak/n, "peak-cpu-%")
	b.ReportMetric(saturated/n, "saturated/op")
}

// starve sets GOMAXPROCS to 1 and starts busy goroutines that spin until
// the returned function is called, which stops them and restores
// GOMAXPROCS. With busy 0 it does nothing.
func starve(busy int) (stop func()) {
	if busy == 0 {
		return func() {}
	}
	prev := runtime.GOMAXPROCS(1)
	var done atomic.Bool
	var wg sync.WaitGroup
	for range busy {
		wg.Go(func() {
			for !done.Load() {
			}
		})
	}
	return func() {
		done.Store(true)
		wg.Wait()
		runtime.GOMAXPROCS(prev)
	}
}
