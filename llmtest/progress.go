package llmtest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// Defaults of [Progress].
const (
	// DefaultProgressInterval is how often a run inside go test logs a
	// progress line, and how often the command line prints one when its
	// output is not a terminal.
	DefaultProgressInterval = 10 * time.Second
	// ProgressRefresh is how often [Progress.Func] receives a snapshot:
	// twice a second, as LLMeter refreshes its live statistics.
	ProgressRefresh = 500 * time.Millisecond
)

// Progress configures what a run reports while it goes: its live
// statistics (LLMeter's progress_bar_stats) and who receives them. The
// zero value is the default: inside go test ([Run]), a run longer than
// DefaultProgressInterval logs one line per interval through the test's
// log, and a shorter one logs nothing extra; [Runner.Run] reports to no
// one unless Func is set.
//
// Live figures come from the run's model as the collector builds it:
// counts and token totals are exact, and percentiles are read from its
// histograms (within reporters.RelativeError), never by sorting samples.
type Progress struct {
	// Off turns progress off: Run logs no progress line and Func is not
	// called.
	Off bool

	// Stats are the live statistics, in display order. Nil means
	// DefaultProgressStats; an empty, non-nil slice shows none (LLMeter's
	// {}). Every key is checked before any load: an unknown one is a
	// *ConfigError naming it and listing the valid keys.
	Stats []ProgressStat

	// Interval is how often Run logs a progress line inside go test. Zero
	// means DefaultProgressInterval; negative is an error.
	Interval time.Duration

	// Func, when set, receives a snapshot of the run every
	// ProgressRefresh while it goes, and a last one, marked Final, once
	// every request has ended, before the run's result is complete. It is
	// called from one goroutine at a time, never after the run returns,
	// and must return quickly: the next snapshot waits for it. The
	// snapshot is Func's to keep.
	Func func(*ProgressSnapshot)
}

// ProgressStat is one live statistic: a label and the stats key whose
// value it shows (a key of [Result.Stats]'s model, such as
// "requests_per_minute" or "time_to_first_token-p50"). With Inverse the
// value shown is 1/value: LLMeter shows tokens per second per stream as
// the inverse of time_per_output_token-p50.
type ProgressStat struct {
	Label   string
	Key     string
	Inverse bool
}

// DefaultProgressStats are LLMeter's DEFAULT_DISPLAY_STATS, its labels and
// what they show: requests per minute, output tokens per second, TTFT and
// TTLT p50 and p90, tokens per second per stream (the inverse of TPOT
// p50), the input and output token totals, and the failures.
var DefaultProgressStats = []ProgressStat{
	{Label: "rpm", Key: "requests_per_minute"},
	{Label: "output_tps", Key: "output_tokens_per_second"},
	{Label: "p50_ttft", Key: "time_to_first_token-p50"},
	{Label: "p90_ttft", Key: "time_to_first_token-p90"},
	{Label: "p50_ttlt", Key: "time_to_last_token-p50"},
	{Label: "p90_ttlt", Key: "time_to_last_token-p90"},
	{Label: "p50_tps", Key: "time_per_output_token-p50", Inverse: true},
	{Label: "input_tokens", Key: "total_input_tokens"},
	{Label: "output_tokens", Key: "total_output_tokens"},
	{Label: "fail", Key: "failed_requests"},
}

// runStatKeys are the run-level stats keys, in report order.
var runStatKeys = (&reporters.Run{}).StatKeys()

// CheckStatKey returns nil when key is a stats key a run has: one of the
// run-level keys ("requests_per_minute", "failed_requests", …) or
// "<metric>-<aggregate>" with a metric of [Metrics] and an aggregate of
// reporters.AggregateNames or any other "p<percentile>". Otherwise the
// error names the key and lists the valid ones.
func CheckStatKey(key string) error {
	if slices.Contains(runStatKeys, key) {
		return nil
	}
	if _, _, err := ParseStatKey(key); err == nil {
		return nil
	}
	names := make([]string, len(Metrics))
	for i, m := range Metrics {
		names[i] = string(m)
	}
	return fmt.Errorf("unknown stat key %q; valid keys: %s, and <metric>-<aggregate> with a metric of %s and an aggregate of %s or p<percentile>",
		key, strings.Join(runStatKeys, ", "), strings.Join(names, ", "), strings.Join(reporters.AggregateNames, ", "))
}

// ParseProgressStats parses live statistics written as the command line's
// --progress-stats takes them: comma-separated label=key entries, a key
// written 1/key for its inverse, such as
// "rpm=requests_per_minute,p50_tps=1/time_per_output_token-p50". A label
// alone stands for itself as the key ("failed_requests"). The empty string
// is no statistics (an empty, non-nil slice). Every key is checked with
// [CheckStatKey].
func ParseProgressStats(s string) ([]ProgressStat, error) {
	out := []ProgressStat{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		label, key, ok := strings.Cut(entry, "=")
		if !ok {
			key = label
		}
		label, key = strings.TrimSpace(label), strings.TrimSpace(key)
		st := ProgressStat{Label: label, Key: key}
		if k, ok := strings.CutPrefix(key, "1/"); ok {
			st.Key, st.Inverse = strings.TrimSpace(k), true
		}
		if st.Label == "" {
			return nil, fmt.Errorf("entry %q: empty label; want label=key", entry)
		}
		if err := CheckStatKey(st.Key); err != nil {
			return nil, fmt.Errorf("entry %q: %w", entry, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// stats returns the configured statistics, DefaultProgressStats for nil.
func (p *Progress) stats() []ProgressStat {
	if p.Stats == nil {
		return DefaultProgressStats
	}
	return p.Stats
}

// interval returns Interval, or its default.
func (p *Progress) interval() time.Duration {
	if p.Interval > 0 {
		return p.Interval
	}
	return DefaultProgressInterval
}

// validate returns a *ConfigError for a negative interval, a statistic
// without a label or an unknown key.
func (p *Progress) validate() error {
	if p.Interval < 0 {
		return configErrorf("Progress.Interval", "must not be negative, got %v", p.Interval)
	}
	for i, st := range p.Stats {
		if st.Label == "" {
			return configErrorf(fmt.Sprintf("Progress.Stats[%d].Label", i), "is empty")
		}
		if err := CheckStatKey(st.Key); err != nil {
			return configErrorf(fmt.Sprintf("Progress.Stats[%d].Key", i), "%v", err)
		}
	}
	return nil
}

// ProgressSnapshot is the state of a running run, as [Progress.Func]
// receives it.
type ProgressSnapshot struct {
	// Elapsed is the time since the run started.
	Elapsed time.Duration
	// Duration is a timed run's Config.Duration; zero for a counted run.
	Duration time.Duration
	// Total is the number of requests a counted run sends (Clients ×
	// Requests); zero for a timed run.
	Total int
	// Started counts the requests sent so far, Ended those that ended
	// (successfully, with an error or cancelled), and InFlight the
	// difference: the requests waiting for their response.
	Started, Ended, InFlight int
	// Failed counts the requests that ended with an error, as far as the
	// run's model has them.
	Failed int
	// Rate is, in an open loop, the arrival rate the load shape asks for
	// at Elapsed, in requests/s (Config.Rate, or the stages' ramp); zero
	// in a closed loop.
	Rate float64
	// Dropped counts, in an open loop, the arrivals dropped so far for
	// want of a free slot (Config.MaxInFlight).
	Dropped int
	// Clients holds, per client, the requests it has ended.
	Clients []int
	// Draining reports that no new request will start: the duration has
	// elapsed, every request of a counted run was sent, or the run was
	// interrupted. The requests in flight are completing.
	Draining bool
	// Final marks the last snapshot: every request has ended.
	Final bool
	// Stats are the live statistics, in the order Progress.Stats gives.
	Stats []ProgressValue
}

// ProgressValue is the value of one live statistic.
type ProgressValue struct {
	ProgressStat
	// Value is the statistic's value in its key's unit (seconds for
	// durations), inverted with Inverse; OK is false while it has no
	// value (no sample yet, or an inverse of zero).
	Value float64
	OK    bool
}

// String formats the value as LLMeter does: an inverse or a key about
// tokens per second as "12.3 tok/s", a duration in milliseconds or
// seconds, a count as an integer, anything else with one decimal; "—"
// without a value.
func (v ProgressValue) String() string {
	if !v.OK {
		return "—"
	}
	key := v.Key
	switch {
	case v.Inverse || strings.Contains(key, "tokens_per_second"):
		return strconv.FormatFloat(v.Value, 'f', 1, 64) + " tok/s"
	case isDurationKey(key):
		return FormatDuration(secondsToDuration(v.Value))
	case v.Value == math.Trunc(v.Value) && math.Abs(v.Value) < 1e15:
		return strconv.FormatFloat(v.Value, 'f', 0, 64)
	}
	return strconv.FormatFloat(v.Value, 'f', 1, 64)
}

// isDurationKey reports whether key holds seconds: total_test_time, or an
// aggregate of a duration metric other than its count.
func isDurationKey(key string) bool {
	if key == "total_test_time" {
		return true
	}
	m, _, err := ParseStatKey(key)
	return err == nil && m.IsDuration()
}

// Line returns the snapshot as one plain line, as a log or a pipe shows
// it: the elapsed time (of the duration), the requests (of the total), the
// requests in flight and the failures, then each statistic as
// label=value.
func (s *ProgressSnapshot) Line() string {
	var b strings.Builder
	b.WriteString(FormatDuration(s.Elapsed.Round(100 * time.Millisecond)))
	if s.Duration > 0 {
		b.WriteString(" of " + s.Duration.String())
	}
	fmt.Fprintf(&b, ": %d", s.Ended)
	if s.Total > 0 {
		fmt.Fprintf(&b, "/%d", s.Total)
	}
	fmt.Fprintf(&b, " done, %d in flight, %d failed", s.InFlight, s.Failed)
	if s.Rate > 0 || s.Dropped > 0 {
		fmt.Fprintf(&b, ", %d dropped at %s req/s", s.Dropped, strconv.FormatFloat(s.Rate, 'f', -1, 64))
	}
	if s.Draining && !s.Final {
		b.WriteString(", draining")
	}
	for i, v := range s.Stats {
		if i == 0 {
			b.WriteString(" |")
		}
		fmt.Fprintf(&b, " %s=%s", v.Label, v.String())
	}
	return b.String()
}

// clientCounter counts one client's requests, alone on its cache line so
// that clients do not contend.
type clientCounter struct {
	started, ended atomic.Int64
	_              [48]byte
}

// liveRun is what the progress reporter reads of a running run: the
// clients' counters, and the model under mu, which the collector holds
// while it folds an invocation in.
type liveRun struct {
	mu      sync.Mutex
	model   *modelBuilder
	clients []clientCounter
	stats   []ProgressStat
	// metrics are the indexes (metricIndex) of the metrics the stats read.
	metrics []int
}

func newLiveRun(model *modelBuilder, clients int, stats []ProgressStat) *liveRun {
	l := &liveRun{model: model, clients: make([]clientCounter, clients), stats: stats}
	for _, st := range stats {
		m, _, err := ParseStatKey(st.Key)
		if err != nil {
			continue // a run-level key
		}
		if i := slices.Index(metricIndex[:], m); i >= 0 && !slices.Contains(l.metrics, i) {
			l.metrics = append(l.metrics, i)
		}
	}
	return l
}

// snapshot returns the run's state after elapsed. It holds mu only to
// copy the counts and the histograms the statistics need.
func (l *liveRun) snapshot(e *engine, elapsed time.Duration) *ProgressSnapshot {
	s := &ProgressSnapshot{Elapsed: elapsed, Duration: e.cfg.Duration, Clients: make([]int, len(l.clients))}
	if e.prof != nil && e.prof.end > 0 {
		s.Duration = e.prof.end
	}
	if s.Duration == 0 {
		s.Total = e.cfg.Clients * e.cfg.Requests
	}
	ol := e.open
	if ol != nil {
		// An open loop's workers share one counter, and its total is the
		// arrivals', of which some may be dropped.
		s.Clients = nil
		if s.Duration == 0 {
			s.Total = e.cfg.Requests
		}
		s.Rate = e.prof.level(elapsed)
		s.Dropped = int(ol.dropped.Load())
	}
	for i := range l.clients {
		c := &l.clients[i]
		ended := int(c.ended.Load())
		s.Started += int(c.started.Load())
		s.Ended += ended
		if s.Clients != nil {
			s.Clients[i] = ended
		}
	}
	s.InFlight = s.Started - s.Ended
	s.Draining = e.interrupted.Load() || (s.Total > 0 && s.Started >= s.Total) ||
		(s.Duration > 0 && elapsed >= s.Duration)
	if ol != nil {
		s.Draining = s.Draining || ol.scheduled.Load() || (s.Total > 0 && int(ol.arrived.Load()) >= s.Total)
	}

	run := reporters.Run{TestTime: elapsed.Seconds(), Metrics: make([]reporters.Metric, 0, len(l.metrics))}
	l.mu.Lock()
	run.Counts, run.Tokens = l.model.run.Counts, l.model.run.Tokens
	for _, i := range l.metrics {
		mb := &l.model.metrics[i]
		run.Metrics = append(run.Metrics, mb.live(metricIndex[i]))
	}
	l.mu.Unlock()
	s.Failed = run.Counts.Failed
	for i := range run.Metrics {
		fillPercentiles(&run.Metrics[i])
	}
	stats := run.Stats()
	s.Stats = make([]ProgressValue, len(l.stats))
	for i, st := range l.stats {
		v, ok := stats[st.Key]
		if !ok {
			// Another percentile than the reported ones.
			if m, agg, err := ParseStatKey(st.Key); err == nil {
				v, ok = run.Metric(string(m)).Aggregate(agg)
			}
		}
		if ok && st.Inverse {
			ok = v != 0
			if ok {
				v = 1 / v
			}
		}
		s.Stats[i] = ProgressValue{ProgressStat: st, Value: v, OK: ok}
	}
	return s
}

// live returns the metric's count, exact average, min and max, and a copy
// of its histogram, in the metric's unit; the percentiles are left to
// fillPercentiles, outside the collector's lock.
func (m *metricBuilder) live(name Metric) reporters.Metric {
	out := reporters.Metric{Name: string(name), Unit: reporters.UnitTokens, N: m.n}
	conv := func(v float64) float64 { return v }
	if name.IsDuration() {
		out.Unit = reporters.UnitSeconds
		conv = func(ns float64) float64 { return ns / 1e9 }
	}
	if m.n > 0 {
		out.Average = conv(float64(m.sum) / float64(m.n))
		out.Min, out.Max = conv(float64(m.min)), conv(float64(m.max))
		out.Histogram = m.hist.Clone()
	}
	return out
}

// fillPercentiles sets the reported percentiles of m from its histogram,
// in one pass over it, as reporters.Metric.Percentile reads each.
func fillPercentiles(m *reporters.Metric) {
	if m.N == 0 {
		return
	}
	ps := m.Histogram.Quantiles(reportedPercentiles...)
	for i, dst := range []*float64{&m.P50, &m.P90, &m.P95, &m.P99, &m.P999} {
		v := ps[i]
		if m.Unit == reporters.UnitSeconds {
			v = math.Round(v) / 1e9
		}
		*dst = min(max(v, m.Min), m.Max)
	}
}

// report calls f with a snapshot every ProgressRefresh until done is
// closed.
func (l *liveRun) report(e *engine, f func(*ProgressSnapshot), done <-chan struct{}) {
	tick := time.NewTicker(ProgressRefresh)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			f(l.snapshot(e, time.Since(e.start)))
		}
	}
}
