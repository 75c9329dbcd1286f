package llmtest

import (
	"math"
	"slices"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// modelBuilder builds a run's model, a reporters.Run, as invocations
// arrive: add folds one invocation into the counts, token totals,
// per-metric histograms and running aggregates, and the time series, in
// O(1) time and memory per invocation (streaming aggregation), so that
// nothing is recomputed at the end of a run. With exact, finish computes
// exact percentiles from the invocations, which the caller keeps (a run
// that keeps its invocations in memory), in one pass over them guided by
// the histograms (see exactPercentiles); without, the percentiles come
// from the histograms.
//
// The collector owns the builder of a running run; NewResult and
// LoadResult build one from records.
type modelBuilder struct {
	run     *reporters.Run
	exact   bool
	metrics [len(metricIndex)]metricBuilder
	series  seriesBuilder
	errors  map[string]int // index in run.Errors by message
	turns   []turnBuilder  // by turn number − 1
	// open makes the model an open loop's, with the open-loop metrics
	// (Metric.OpenLoopOnly); an invocation with an intended time sets it.
	open bool
}

// metricIndex numbers Metrics, for the builder's arrays.
var metricIndex = [...]Metric{
	TimeToFirstToken, TimeToFirstOutput, TimeToLastToken, TimePerOutputToken,
	InterTokenLatency, NumTokensInput, NumTokensOutput,
	ScheduleLag, TimeToFirstTokenFromIntended, TimeToLastTokenFromIntended,
}

const (
	iTTFT = iota
	iTTFO
	iTTLT
	iTPOT
	iITL
	iInputTokens
	iOutputTokens
	iLag
	iTTFTIntended
	iTTLTIntended
)

// metricBuilder accumulates one metric: values are nanoseconds for
// durations and tokens for counts, integers both.
type metricBuilder struct {
	n        int
	sum      int64
	min, max int64
	hist     reporters.Histogram
}

func (m *metricBuilder) add(v int64) {
	if m.n == 0 || v < m.min {
		m.min = v
	}
	if m.n == 0 || v > m.max {
		m.max = v
	}
	m.n++
	m.sum += v
	m.hist.Record(v)
}

// turnBuilder accumulates the figures of one turn number, its metrics by
// turnMetrics.
type turnBuilder struct {
	requests, failed int
	metrics          [len(turnMetrics)]metricBuilder
}

// turnMetrics are the metrics of a reporters.Turn, in
// reporters.TurnMetrics order.
var turnMetrics = [...]Metric{NumTokensInput, TimeToFirstToken, TimeToLastToken}

// newModelBuilder returns a builder of run, which holds the run's identity
// and load shape. With live, the invocations arrive in order of completion
// (the collector's), so the time series closes each second's window as
// soon as later ones fill; otherwise every window stays open until finish.
func newModelBuilder(run *reporters.Run, exact, live bool) *modelBuilder {
	run.SchemaVersion = reporters.SchemaVersion
	run.RelativeError = reporters.RelativeError
	return &modelBuilder{run: run, exact: exact, series: seriesBuilder{live: live}}
}

// add folds one invocation into the model.
//
// A warm-up invocation is only counted, in Counts.Warmup. In an open loop,
// every request sent has a schedule lag; the latencies from the intended
// time are a successful request's.
func (b *modelBuilder) add(inv *Invocation) {
	c := &b.run.Counts
	if inv.Warmup {
		c.Warmup++
		return
	}
	c.Total++
	if lag := inv.lag(); lag != 0 {
		b.open = true
		b.metrics[iLag].add(int64(lag))
	}
	switch {
	case inv.Cancelled:
		c.Cancelled++
	case inv.Failed():
		c.Failed++
		b.countError(inv.Error)
	}
	b.series.add(inv)
	b.addTurn(inv)
	if !inv.Succeeded() {
		return
	}
	duration := func(i int, d time.Duration) {
		if d != 0 {
			b.metrics[i].add(int64(d))
		}
	}
	duration(iTTFT, inv.TimeToFirstToken)
	duration(iTTFO, inv.TimeToFirstOutput)
	duration(iTTLT, inv.TimeToLastToken)
	duration(iTPOT, inv.TimePerOutputToken)
	duration(iTTFTIntended, inv.fromIntended(inv.TimeToFirstToken))
	duration(iTTLTIntended, inv.fromIntended(inv.TimeToLastToken))
	for _, g := range inv.InterTokenLatencies {
		b.metrics[iITL].add(int64(g))
	}
	if inv.InputTokensFrom != "" {
		b.run.Tokens.Input += inv.NumTokensInput
		b.metrics[iInputTokens].add(int64(inv.NumTokensInput))
	}
	if inv.OutputTokensFrom != "" {
		b.run.Tokens.Output += inv.NumTokensOutput
		b.metrics[iOutputTokens].add(int64(inv.NumTokensOutput))
	}
}

// addTurn folds a conversation's invocation into its turn's figures.
func (b *modelBuilder) addTurn(inv *Invocation) {
	if inv.Turn <= 0 {
		return
	}
	for len(b.turns) < inv.Turn {
		b.turns = append(b.turns, turnBuilder{})
	}
	t := &b.turns[inv.Turn-1]
	t.requests++
	if inv.Failed() && !inv.Cancelled {
		t.failed++
	}
	if !inv.Succeeded() {
		return
	}
	if inv.InputTokensFrom != "" {
		t.metrics[0].add(int64(inv.NumTokensInput))
	}
	if inv.TimeToFirstToken != 0 {
		t.metrics[1].add(int64(inv.TimeToFirstToken))
	}
	if inv.TimeToLastToken != 0 {
		t.metrics[2].add(int64(inv.TimeToLastToken))
	}
}

// countError counts one failure with message msg, under "" once
// MaxErrorMessages others have been seen.
func (b *modelBuilder) countError(msg string) {
	if b.errors == nil {
		b.errors = map[string]int{}
	}
	i, ok := b.errors[msg]
	if !ok && len(b.errors) >= reporters.MaxErrorMessages {
		msg = ""
		i, ok = b.errors[msg]
	}
	if !ok {
		i = len(b.run.Errors)
		b.errors[msg] = i
		b.run.Errors = append(b.run.Errors, reporters.ErrorCount{Message: msg})
	}
	b.run.Errors[i].Count++
}

// finish completes the model of a run that lasted testTime: the
// aggregates of every metric, with exact percentiles from invs, the
// invocations added, when the builder is exact, and the time series. The
// builder must not be used afterwards.
func (b *modelBuilder) finish(testTime time.Duration, invs []Invocation) {
	b.run.TestTime = testTime.Seconds()
	var exact [len(metricIndex)][]float64
	if b.exact {
		var hists [len(metricIndex)]*reporters.Histogram
		var ns [len(metricIndex)]int
		var mins [len(metricIndex)]int64
		for i := range b.metrics {
			hists[i], ns[i], mins[i] = &b.metrics[i].hist, b.metrics[i].n, b.metrics[i].min
		}
		exact = exactPercentiles(&hists, &ns, &mins, invs)
	}
	b.run.Metrics = make([]reporters.Metric, 0, len(metricIndex))
	for i, name := range metricIndex {
		if name.OpenLoopOnly() && !b.open {
			continue
		}
		b.run.Metrics = append(b.run.Metrics, b.metrics[i].metric(name, b.exact, exact[i]))
	}
	// Most frequent first; equal counts keep their first-seen order.
	slices.SortStableFunc(b.run.Errors, func(x, y reporters.ErrorCount) int { return y.Count - x.Count })
	b.run.Series = b.series.finish()
	for i := range b.turns {
		tb := &b.turns[i]
		t := reporters.Turn{Turn: i + 1, Requests: tb.requests, Failed: tb.failed}
		for j, name := range turnMetrics {
			t.Metrics = append(t.Metrics, tb.metrics[j].metric(name, false, nil))
		}
		b.run.Turns = append(b.run.Turns, t)
	}
}

// metric returns the model's Metric of name from what m accumulated. Its
// percentiles are exact, the values of ps (in the builder's units, in
// reportedPercentiles order), when exact is set and ps is not nil, and
// read from the histogram otherwise.
func (m *metricBuilder) metric(name Metric, exact bool, ps []float64) reporters.Metric {
	out := reporters.Metric{Name: string(name), Unit: reporters.UnitTokens, N: m.n, Exact: exact, Histogram: &m.hist}
	conv := func(v float64) float64 { return v }
	if name.IsDuration() {
		out.Unit = reporters.UnitSeconds
		conv = func(ns float64) float64 { return time.Duration(math.Round(ns)).Seconds() }
	}
	if m.n == 0 {
		return out
	}
	out.Sum = conv(float64(m.sum))
	out.Average = conv(float64(m.sum) / float64(m.n))
	out.Min, out.Max = conv(float64(m.min)), conv(float64(m.max))
	if ps == nil || !exact {
		ps = m.hist.Quantiles(reportedPercentiles...)
		out.Exact = false
	}
	for j, dst := range []*float64{&out.P50, &out.P90, &out.P95, &out.P99, &out.P999} {
		*dst = min(max(conv(ps[j]), out.Min), out.Max)
	}
	return out
}

// reportedPercentiles are the percentiles every Metric holds, in field
// order.
var reportedPercentiles = []float64{50, 90, 95, 99, 99.9}

// samples are the sorted values of every metric, by metricIndex, in
// nanoseconds for durations.
type samples [len(metricIndex)][]float64

// of returns the samples of metric, nil for an unknown one.
func (s *samples) of(metric Metric) []float64 {
	if i := slices.Index(metricIndex[:], metric); i >= 0 {
		return s[i]
	}
	return nil
}

// seriesBuilder builds the per-second time series. A request counts as
// started in the window of its send time and as ended in the window of its
// end; the TTFT and TTLT percentiles of a window are exact, over the
// samples of the requests completed in it, kept until the window closes.
// When a window closes, its samples are also kept in a compact histogram
// (the window's TTFT and TTLT, a few bytes per distinct bucket), so that
// windows merge.
type seriesBuilder struct {
	live    bool
	first   int64 // Unix second of windows[0]
	windows []reporters.Window
	open    map[int64]*windowSamples // by Unix second
	latest  int64                    // the latest end second seen
	free    []*windowSamples
	ints    []int64 // reused by encode
}

type windowSamples struct{ ttft, ttlt []float64 }

// closeLag is how many seconds a live window stays open behind the latest
// end, for invocations that reach the collector a little out of order.
const closeLag = 2

func (s *seriesBuilder) add(inv *Invocation) {
	if inv.RequestTime.IsZero() || inv.Warmup {
		return // a record without a send time has no place in time
	}
	s.window(inv.RequestTime.Unix()).Started++
	endSec := inv.endTime().Unix()
	w := s.window(endSec)
	switch {
	case inv.Cancelled:
		w.Cancelled++
		return
	case inv.Failed():
		w.Failed++
		return
	}
	w.Completed++
	if inv.OutputTokensFrom != "" {
		w.OutputTokens += inv.NumTokensOutput
	}
	if inv.TimeToFirstToken != 0 || inv.TimeToLastToken != 0 {
		if s.live && endSec < s.latest-closeLag {
			return // its window has closed
		}
		ws := s.samplesOf(endSec)
		if inv.TimeToFirstToken != 0 {
			ws.ttft = append(ws.ttft, float64(inv.TimeToFirstToken))
		}
		if inv.TimeToLastToken != 0 {
			ws.ttlt = append(ws.ttlt, float64(inv.TimeToLastToken))
		}
	}
	if s.live && endSec > s.latest {
		s.latest = endSec
		for sec, ws := range s.open {
			if sec < s.latest-closeLag {
				s.close(sec, ws)
			}
		}
	}
}

// window returns the window of Unix second sec, adding windows as needed.
// The pointer is valid until the next call.
func (s *seriesBuilder) window(sec int64) *reporters.Window {
	if len(s.windows) == 0 {
		s.first = sec
	}
	if sec < s.first {
		s.windows = append(make([]reporters.Window, s.first-sec), s.windows...)
		s.first = sec
	}
	for i := int64(len(s.windows)); s.first+i <= sec; i++ {
		s.windows = append(s.windows, reporters.Window{})
	}
	w := &s.windows[sec-s.first]
	if w.Start.IsZero() {
		w.Start = time.Unix(sec, 0).UTC()
	}
	return w
}

func (s *seriesBuilder) samplesOf(sec int64) *windowSamples {
	if ws, ok := s.open[sec]; ok {
		return ws
	}
	if s.open == nil {
		s.open = map[int64]*windowSamples{}
	}
	ws := &windowSamples{}
	if n := len(s.free); n > 0 {
		ws, s.free = s.free[n-1], s.free[:n-1]
	}
	s.open[sec] = ws
	return ws
}

// close computes the percentiles of the window of second sec and frees
// its samples for reuse.
func (s *seriesBuilder) close(sec int64, ws *windowSamples) {
	w := s.window(sec)
	w.TTFTP50, w.TTFTP99 = windowPercentiles(ws.ttft)
	w.TTLTP50, w.TTLTP99 = windowPercentiles(ws.ttlt)
	w.TTFT = s.encode(ws.ttft)
	w.TTLT = s.encode(ws.ttlt)
	delete(s.open, sec)
	ws.ttft, ws.ttlt = ws.ttft[:0], ws.ttlt[:0]
	s.free = append(s.free, ws)
}

// encode returns the compact histogram of ns.
func (s *seriesBuilder) encode(ns []float64) reporters.EncodedHistogram {
	s.ints = s.ints[:0]
	for _, v := range ns {
		s.ints = append(s.ints, int64(v))
	}
	return reporters.EncodeValues(s.ints)
}

// windowPercentiles returns the exact p50 and p99 of ns in seconds, and
// zeros for no samples. It reorders ns.
func windowPercentiles(ns []float64) (p50, p99 float64) {
	if len(ns) == 0 {
		return 0, 0
	}
	ps := selectedPercentiles(ns, 50, 99) // as Percentile over ns sorted
	sec := func(v float64) float64 { return time.Duration(math.Round(v)).Seconds() }
	return sec(ps[0]), sec(ps[1])
}

// finish closes every window and fills in the requests in flight at each
// window's end.
func (s *seriesBuilder) finish() []reporters.Window {
	for sec, ws := range s.open {
		s.close(sec, ws)
	}
	inFlight := 0
	for i := range s.windows {
		w := &s.windows[i]
		if w.Start.IsZero() {
			w.Start = time.Unix(s.first+int64(i), 0).UTC()
		}
		inFlight += w.Started - w.Completed - w.Failed - w.Cancelled
		w.InFlight = inFlight
	}
	return s.windows
}
