package llmtest

import (
	"math"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// schedLatencies is the runtime/metrics histogram of the Go scheduler's
// latency: how long goroutines were runnable before they ran.
const schedLatencies = "/sched/latencies:seconds"

// selfCheckInterval is how often a run's self-check samples the process
// while the run goes.
const selfCheckInterval = reporters.SeriesInterval

// selfCheck is a run's check of its own load generator (see
// reporters.Generator): it samples the process's CPU time and the Go
// scheduler's latency histogram at the start, once every
// selfCheckInterval while the run goes, and at the end. One goroutine
// samples; stop ends it.
type selfCheck struct {
	procs int
	start genSample

	// Owned by the sampling goroutine until stop returns.
	prev    genSample
	peak    float64 // the highest CPU share of a whole interval
	whole   int     // whole intervals seen
	samples int

	current atomic.Pointer[reporters.Generator] // the figures so far
	done    chan struct{}
	wg      sync.WaitGroup
	sample  []metrics.Sample // reused by read
}

// genSample is one sample of the process.
type genSample struct {
	wall  time.Time
	cpu   time.Duration
	cpuOK bool
	// sched holds the scheduler latency histogram's counts; buckets its
	// boundaries, shared by every sample.
	sched   []uint64
	buckets []float64
}

// startSelfCheck takes the first sample, at start, and starts sampling
// once every selfCheckInterval until stop.
func startSelfCheck(start time.Time) *selfCheck {
	c := &selfCheck{
		procs:  runtime.GOMAXPROCS(0),
		done:   make(chan struct{}),
		sample: []metrics.Sample{{Name: schedLatencies}},
	}
	c.start = c.read(start)
	c.prev, c.samples = c.start, 1
	c.current.Store(c.figures(c.start))
	c.wg.Go(func() {
		tick := time.NewTicker(selfCheckInterval)
		defer tick.Stop()
		for {
			select {
			case <-c.done:
				return
			case now := <-tick.C:
				c.step(c.read(now), true)
			}
		}
	})
	return c
}

// read samples the process at wall time now.
func (c *selfCheck) read(now time.Time) genSample {
	s := genSample{wall: now}
	s.cpu, s.cpuOK = processCPU()
	metrics.Read(c.sample)
	if c.sample[0].Value.Kind() == metrics.KindFloat64Histogram {
		h := c.sample[0].Value.Float64Histogram()
		s.sched = slices.Clone(h.Counts)
		if c.start.buckets != nil && len(c.start.buckets) == len(h.Buckets) {
			s.buckets = c.start.buckets
		} else {
			s.buckets = slices.Clone(h.Buckets)
		}
	}
	return s
}

// step folds in sample s, which ends a whole interval when whole is
// true, and publishes the figures so far.
func (c *selfCheck) step(s genSample, whole bool) {
	if whole {
		if share, ok := c.cpuShare(c.prev, s); ok {
			c.peak = max(c.peak, share)
			c.whole++
		}
	}
	c.prev = s
	c.samples++
	c.current.Store(c.figures(s))
}

// stop ends the sampling, takes the last sample, at end, and returns the
// run's figures, not yet assessed: the caller adds the schedule lag.
func (c *selfCheck) stop(end time.Time) *reporters.Generator {
	close(c.done)
	c.wg.Wait()
	c.step(c.read(end), false)
	g := *c.current.Load()
	return &g
}

// figures returns the figures from the start to sample s.
func (c *selfCheck) figures(s genSample) *reporters.Generator {
	g := &reporters.Generator{GOMAXPROCS: c.procs, Samples: c.samples}
	g.CPU, _ = c.cpuShare(c.start, s)
	g.PeakCPU = g.CPU
	if c.whole > 0 {
		g.PeakCPU = c.peak
	}
	g.SchedLatencyP99 = histogramP99(c.start.sched, s.sched, s.buckets)
	return g
}

// cpuShare returns the CPU time used from a to b over GOMAXPROCS × the
// wall time between them; ok is false without CPU times or wall time.
func (c *selfCheck) cpuShare(a, b genSample) (share float64, ok bool) {
	wall := b.wall.Sub(a.wall)
	if !a.cpuOK || !b.cpuOK || wall <= 0 || c.procs <= 0 {
		return 0, false
	}
	return float64(b.cpu-a.cpu) / (float64(wall) * float64(c.procs)), true
}

// histogramP99 returns, in seconds, the 99th percentile of the samples a
// runtime/metrics histogram gained from counts before to counts after:
// the upper boundary of the bucket that holds it (its lower one when the
// upper is infinite), never negative. It is 0 when the histogram gained
// nothing or the counts do not match the buckets.
func histogramP99(before, after []uint64, buckets []float64) float64 {
	if len(after) == 0 || len(before) != len(after) || len(buckets) != len(after)+1 {
		return 0
	}
	var total uint64
	for i := range after {
		total += after[i] - before[i]
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(0.99 * float64(total)))
	var seen uint64
	for i := range after {
		seen += after[i] - before[i]
		if seen < rank {
			continue
		}
		v := buckets[i+1]
		if math.IsInf(v, 1) {
			v = buckets[i]
		}
		if math.IsInf(v, 0) || v < 0 {
			return 0
		}
		return v
	}
	return 0
}

// scheduleLagP99 returns the p99 of run's schedule_lag metric in seconds,
// 0 when the run has none (a closed-loop run) or no sample of it.
func scheduleLagP99(run *reporters.Run) (p99 float64, n int) {
	m := run.Metric(scheduleLagMetric)
	if m == nil || m.N == 0 {
		return 0, 0
	}
	return m.P99, m.N
}

// scheduleLagMetric names the open-loop schedule lag metric.
const scheduleLagMetric = "schedule_lag"

// assessGenerator completes the figures g of a run whose model is run:
// its schedule lag, then the verdict.
func assessGenerator(g *reporters.Generator, run *reporters.Run) *reporters.Generator {
	g.ScheduleLagP99, g.ScheduleLagSamples = scheduleLagP99(run)
	if g.ScheduleLagSamples > 0 && run.TestTime > 0 {
		// The mean gap between arrivals, sent or dropped.
		gap := run.TestTime / float64(g.ScheduleLagSamples+run.Counts.Dropped)
		g.ScheduleLagLimit = max(reporters.GeneratorMaxScheduleLag.Seconds(), reporters.GeneratorScheduleLagShare*gap)
	}
	g.Assess()
	return g
}
