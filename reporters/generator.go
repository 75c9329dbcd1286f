package reporters

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The limits of a healthy load generator: a [Generator] that passes one of
// them is Saturated, with one reason per limit passed.
const (
	// GeneratorMaxScheduleLag bounds the p99 of an open-loop run's
	// schedule lag (actual send − intended): above it, the generator sent
	// late often enough to distort the arrival rate and every latency
	// measured from the send. It is the bound at 1,000 requests/s and
	// above; at a lower rate the bound is a tenth of the mean gap between
	// arrivals (GeneratorScheduleLagShare), so that a lag that cannot
	// bunch or reorder arrivals — 1.5ms at 50 requests/s, the wake-up of
	// a scheduler sharing two cores with an in-process server — does not
	// flag a quiet run.
	GeneratorMaxScheduleLag = time.Millisecond
	// GeneratorScheduleLagShare is the share of the mean gap between
	// arrivals that bounds the schedule lag p99 at low rates.
	GeneratorScheduleLagShare = 0.1
	// GeneratorMinScheduleLagSamples is the fewest arrivals whose lag
	// p99 can flag a run: over fewer, the p99 is one of the few largest
	// lags, and a single late wake-up of a loaded machine would flag a
	// quiet run.
	GeneratorMinScheduleLagSamples = 100
	// GeneratorMaxCPU bounds the process's CPU use, as a share of
	// GOMAXPROCS × wall time, over the run and over any one-second
	// interval of it: at or above it the generator had no CPU to spare,
	// and its goroutines waited to run.
	GeneratorMaxCPU = 0.9
	// GeneratorMaxSchedLatency bounds the p99 of the Go scheduler's
	// latency over the run (how long a runnable goroutine waited for a
	// thread): a goroutine woken by a response's bytes reads the clock
	// that much late, so every latency figure carries the wait. Measured
	// on the reference 2-core machine, shared, with
	//
	//	go test -run '^$' -bench BenchmarkGeneratorSelfCheck -benchtime 3x ./llmtest
	//
	// a quiet run (50ms between chunks) shows 10µs–1.2ms, a run at full
	// speed against a zero-latency in-process endpoint 1.8–4.7ms, and a
	// starved generator (GOMAXPROCS=1 with four busy goroutines) 84–201ms
	// (TestStarvedGeneratorIsFlagged in package llmtest sees the same):
	// 20ms sits four times above the busy run and four times below the
	// starved one.
	GeneratorMaxSchedLatency = 20 * time.Millisecond
)

// Generator is the load generator's self-check: whether the process that
// sent the load kept up with it, so that a run whose generator was
// saturated is flagged rather than trusted. The llmtest package samples
// the process's CPU time and the Go scheduler's latency histogram at the
// start of a run, once a second while it goes and at its end, and reads
// the schedule lag from the run's schedule_lag metric.
//
// CPU is process-wide: an in-process server, and whatever else the
// process runs at the same time (other tests), count as the generator's.
type Generator struct {
	// CPU is the process's CPU time over the run divided by GOMAXPROCS ×
	// the run's wall time: 0 idle, 1 every P busy throughout. It can
	// exceed 1 slightly, as threads outside the Ps (system calls, the
	// runtime's) count too. It is an estimate from the Go runtime's CPU
	// classes on a platform without getrusage or GetProcessTimes.
	CPU float64 `json:"cpu"`
	// PeakCPU is the highest CPU share over one whole second of the run
	// (the self-check's sampling intervals), so that a pegged stretch of
	// a long run shows; it is CPU for a run shorter than a second.
	PeakCPU float64 `json:"peak_cpu"`
	// GOMAXPROCS is runtime.GOMAXPROCS at the start of the run.
	GOMAXPROCS int `json:"gomaxprocs"`
	// SchedLatencyP99 is the 99th percentile, in seconds, of the Go
	// scheduler's latency over the run (runtime/metrics'
	// /sched/latencies:seconds, its histogram's change from the start to
	// the end of the run): the upper bound of the runtime's bucket that
	// holds it, within about 12.5%. Zero when no goroutine was scheduled.
	SchedLatencyP99 float64 `json:"sched_latency_p99"`
	// ScheduleLagP99 is the p99 of the run's schedule_lag metric, in
	// seconds: open loop only, 0 otherwise.
	ScheduleLagP99 float64 `json:"schedule_lag_p99"`
	// ScheduleLagSamples is the number of arrivals ScheduleLagP99 is
	// over; the lag flags the run only with at least
	// GeneratorMinScheduleLagSamples of them (or when the number is not
	// known, 0, as in a document that predates it).
	ScheduleLagSamples int `json:"schedule_lag_samples,omitempty"`
	// ScheduleLagLimit is the bound ScheduleLagP99 was held to, in
	// seconds: GeneratorMaxScheduleLag, or GeneratorScheduleLagShare of
	// the mean gap between the run's arrivals when that is longer; 0 (a
	// document that predates it) means GeneratorMaxScheduleLag.
	ScheduleLagLimit float64 `json:"schedule_lag_limit,omitempty"`
	// Samples counts the samples taken: the start, one per second, and
	// the end. A self-check without samples checked nothing.
	Samples int `json:"samples"`
	// Saturated reports that a figure passed its limit
	// (GeneratorMaxScheduleLag, GeneratorMaxCPU, GeneratorMaxSchedLatency);
	// Reasons gives one stable line per limit passed, such as
	// "schedule lag p99 3.2ms > 1ms".
	Saturated bool     `json:"saturated"`
	Reasons   []string `json:"reasons,omitempty"`
}

// Healthy reports whether the generator kept up: true for a nil Generator
// (a run without a self-check) and for one that is not Saturated.
func (g *Generator) Healthy() bool { return g == nil || !g.Saturated }

// Assess sets Saturated and Reasons from the figures and the limits, in
// this order: schedule lag, scheduler latency, CPU over the run, else CPU
// over its busiest second. It does nothing on a nil Generator.
func (g *Generator) Assess() {
	if g == nil {
		return
	}
	var reasons []string
	enough := g.ScheduleLagSamples == 0 || g.ScheduleLagSamples >= GeneratorMinScheduleLagSamples
	lim := GeneratorMaxScheduleLag.Seconds()
	if g.ScheduleLagLimit > lim {
		lim = g.ScheduleLagLimit
	}
	if g.ScheduleLagP99 > lim && enough {
		reasons = append(reasons, fmt.Sprintf("schedule lag p99 %s > %s", formatSeconds(g.ScheduleLagP99), formatSeconds(lim)))
	}
	if lim := GeneratorMaxSchedLatency.Seconds(); g.SchedLatencyP99 > lim {
		reasons = append(reasons, fmt.Sprintf("scheduler latency p99 %s > %s", formatSeconds(g.SchedLatencyP99), formatSeconds(lim)))
	}
	switch {
	case g.CPU >= GeneratorMaxCPU:
		reasons = append(reasons, fmt.Sprintf("cpu %s of GOMAXPROCS=%d >= %s", formatPercent(g.CPU), g.GOMAXPROCS, formatPercent(GeneratorMaxCPU)))
	case g.PeakCPU >= GeneratorMaxCPU:
		reasons = append(reasons, fmt.Sprintf("cpu %s of GOMAXPROCS=%d over its busiest second >= %s", formatPercent(g.PeakCPU), g.GOMAXPROCS, formatPercent(GeneratorMaxCPU)))
	}
	g.Saturated, g.Reasons = len(reasons) > 0, reasons
}

// String returns the verdict on one line: "healthy (cpu 12.5% of
// GOMAXPROCS=2, peak 30%, scheduler latency p99 72µs)", with "schedule
// lag p99 …" after it for an open-loop run, or "saturated: " and the
// reasons joined by "; ". A nil Generator is "no self-check".
func (g *Generator) String() string {
	if g == nil {
		return "no self-check"
	}
	if g.Saturated {
		return "saturated: " + strings.Join(g.Reasons, "; ")
	}
	var b strings.Builder
	b.WriteString("healthy (cpu " + formatPercent(g.CPU) + " of GOMAXPROCS=" + strconv.Itoa(g.GOMAXPROCS))
	b.WriteString(", peak " + formatPercent(g.PeakCPU))
	b.WriteString(", scheduler latency p99 " + formatSeconds(g.SchedLatencyP99))
	if g.ScheduleLagP99 > 0 {
		b.WriteString(", schedule lag p99 " + formatSeconds(g.ScheduleLagP99))
	}
	b.WriteString(")")
	return b.String()
}

// mergeGenerators returns the self-check of a merge of runs: nil unless
// every run has one, since a merge is only as trustworthy as its least
// checked shard. Its figures are the worst of the runs' (the largest CPU,
// peak CPU, scheduler latency p99 and schedule lag p99 — the p99 of the
// merged samples is at most the largest p99 — and the smallest
// GOMAXPROCS), Samples their sum, and it is Saturated when any run was,
// with each saturated run's reasons prefixed by its name ("shard-2:
// scheduler latency p99 84ms > 20ms").
func mergeGenerators(runs []*Run) *Generator {
	var out *Generator
	for _, r := range runs {
		g := r.Generator
		if g == nil {
			return nil
		}
		if out == nil {
			out = &Generator{GOMAXPROCS: g.GOMAXPROCS}
		}
		out.CPU = max(out.CPU, g.CPU)
		out.PeakCPU = max(out.PeakCPU, g.PeakCPU)
		out.GOMAXPROCS = min(out.GOMAXPROCS, g.GOMAXPROCS)
		out.SchedLatencyP99 = max(out.SchedLatencyP99, g.SchedLatencyP99)
		out.ScheduleLagP99 = max(out.ScheduleLagP99, g.ScheduleLagP99)
		out.ScheduleLagSamples += g.ScheduleLagSamples
		out.Samples += g.Samples
		if g.Saturated {
			out.Saturated = true
			reasons := g.Reasons
			if len(reasons) == 0 {
				reasons = []string{"saturated"}
			}
			for _, reason := range reasons {
				out.Reasons = append(out.Reasons, oneLine(r.Name)+": "+reason)
			}
		}
	}
	return out
}
