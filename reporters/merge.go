package reporters

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// MergeOptions controls [Merge].
type MergeOptions struct {
	// Force merges runs whose configurations disagree (see Merge) instead
	// of failing with a *MismatchError.
	Force bool
}

// ErrNoHistograms reports a run that cannot be merged because it has no
// histograms: a version-1 document.
var ErrNoHistograms = errors.New("reporters: run has no histograms (schema version 1): it cannot be merged")

// MismatchError reports two runs whose configurations disagree, so that
// they are not shards of one test.
type MismatchError struct {
	// Field names the field that differs, as the JSON schema spells it,
	// such as "endpoint.model_id" or "config.payloads_digest".
	Field string
	// A and B name the two runs; AValue and BValue are their values.
	A, B           string
	AValue, BValue string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("reporters: runs %q and %q differ in %s: %q and %q (force to merge them anyway)",
		e.A, e.B, e.Field, e.AValue, e.BValue)
}

// Merge merges runs of one test — shards run at once, or one after
// another — into one run, as if one run had sent all their requests. The
// runs are not changed; the merged run shares nothing with them.
//
// The first run's identity (name, description, test name, endpoint) is
// the merged run's. ServerMetrics is left out: each shard scraped the same
// server over overlapping times, so their deltas do not add up; scrape the
// server once around the whole sharded run instead. Counts, token totals and error counts are summed
// exactly (errors by message, at most MaxErrorMessages of them, the rest
// under ""). Per metric, N, Sum, Min and Max are exact and Average is
// Sum / N; the histograms are merged, and the percentiles are read from
// the merged histogram (Exact is false, within RelativeError). StartTime
// is the earliest start, EndTime the latest end, and TestTime the
// measure of the union of the runs' [StartTime, EndTime] intervals in
// seconds (a run without times adds its own TestTime). Interrupted is
// true if any run was. The series are aligned on wall-clock seconds and
// their counts, in-flight counts and output tokens summed; a window's
// percentiles are read from its merged histograms (a window only one run
// has keeps its own; one that several runs have, some without samples,
// as documents written before window histograms are, has none). The
// generator's self-check is the worst of the runs' (see [Generator]; none
// unless every run has one), saturated when any run's was, with that
// run's name before each of its reasons. The cost's request dimensions
// are summed and their distributions merged, and its run dimensions
// billed again for the merged TestTime (shards share the endpoint's
// time); runs priced differently are a *MismatchError (field "cost…").
// The checks are dropped: they held for the runs, not for their merge.
//
// Config is the merged load shape: Clients is the sum of the runs'
// clients, Requests, Duration, RampUp and Timeout the largest, LowMemory
// true when every run was low-memory. StartLag is the largest.
//
// Shards of a sharded run (Config.Shard set) must be exactly shards
// 0..N-1 of one run, each once, even with opts.Force: anything else is
// the error [CheckShards] returns, naming a missing shard, so that a
// merge is never silently partial. Their merge has no Shard; an open
// loop's Requests (each shard's share of the arrivals) are summed, and
// each stage's Target is the sum of the shards' shares.
//
// Runs are shards of one test when their endpoint (provider, model_id,
// endpoint_name and url), payload set (config.payloads_digest, or, when
// neither run has one, config.payloads) and tokenizer agree; the other
// fields, the number of clients included, may differ. Runs that disagree
// are a *MismatchError naming the first field that differs and both
// values, unless opts.Force is set. A run without histograms (read from a
// version-1 document) is an error wrapping ErrNoHistograms that names it.
// Merge needs at least one run.
func Merge(runs []*Run, opts MergeOptions) (*Run, error) {
	if len(runs) == 0 {
		return nil, errors.New("reporters: merge: no runs")
	}
	for i, r := range runs {
		if r == nil {
			return nil, fmt.Errorf("reporters: merge: run %d: %w", i+1, ErrNilRun)
		}
		if !hasHistograms(r) {
			return nil, fmt.Errorf("run %q: %w", r.Name, ErrNoHistograms)
		}
	}
	if err := CheckShards(runs); err != nil {
		return nil, err
	}
	if !opts.Force {
		for _, r := range runs[1:] {
			if err := compareConfigs(runs[0], r); err != nil {
				return nil, err
			}
			if err := compareCosts(runs[0], r); err != nil {
				return nil, err
			}
		}
	}
	first := runs[0]
	out := &Run{
		SchemaVersion: SchemaVersion,
		Name:          first.Name,
		Description:   first.Description,
		TestName:      first.TestName,
		Endpoint:      first.Endpoint,
		Config:        first.Config,
		RelativeError: RelativeError,
		Checks:        []Check{},
	}
	out.Config.Clients, out.Config.Shards, out.Config.Rate, out.Config.MaxInFlight = 0, 0, 0, 0
	out.Config.LowMemory = true
	sharded := first.Config.Shard != nil
	if sharded {
		out.Config.Shard, out.Config.Requests = nil, 0
		out.Config.Stages = mergeStages(runs)
	}
	for _, r := range runs {
		c := &out.Config
		c.Shards += max(r.Config.Shards, 1) // a merge counts its own shards
		c.Clients += r.Config.Clients
		// Shards of an open loop each take a share of the rate.
		c.Rate += r.Config.Rate
		c.MaxInFlight += r.Config.MaxInFlight
		if sharded && r.Config.Arrival != "" {
			c.Requests += r.Config.Requests // each shard's share of the arrivals
		} else {
			c.Requests = max(c.Requests, r.Config.Requests)
		}
		c.Duration = max(c.Duration, r.Config.Duration)
		c.RampUp = max(c.RampUp, r.Config.RampUp)
		c.Timeout = max(c.Timeout, r.Config.Timeout)
		c.LowMemory = c.LowMemory && r.Config.LowMemory
		if c.PayloadsDigest == "" {
			c.PayloadsDigest = r.Config.PayloadsDigest
		}

		out.Counts.Total += r.Counts.Total
		out.Counts.Failed += r.Counts.Failed
		out.Counts.Cancelled += r.Counts.Cancelled
		out.Counts.Dropped += r.Counts.Dropped
		out.Counts.Warmup += r.Counts.Warmup
		out.Tokens.Input += r.Tokens.Input
		out.Tokens.Output += r.Tokens.Output
		out.Tokens.Cached += r.Tokens.Cached
		if c := r.Connections; c != nil {
			if out.Connections == nil {
				out.Connections = &Connections{}
			}
			out.Connections.Traced += c.Traced
			out.Connections.Reused += c.Reused
		}
		out.Interrupted = out.Interrupted || r.Interrupted
		out.StartLag = max(out.StartLag, r.StartLag)
		if !r.StartTime.IsZero() && (out.StartTime.IsZero() || r.StartTime.Before(out.StartTime)) {
			out.StartTime = r.StartTime
		}
		if r.EndTime.After(out.EndTime) {
			out.EndTime = r.EndTime
		}
	}
	out.TestTime = unionSeconds(runs)
	out.Errors = mergeErrors(runs)
	out.Generator = mergeGenerators(runs)
	var err error
	if out.Metrics, err = mergeMetrics(runs); err != nil {
		return nil, err
	}
	if out.Series, err = mergeSeries(runs); err != nil {
		return nil, err
	}
	if out.Turns, err = mergeTurns(runs); err != nil {
		return nil, err
	}
	if out.Cost, err = mergeCost(runs, out.TestTime); err != nil {
		return nil, err
	}
	return out, nil
}

// hasHistograms reports whether every metric with samples of r has a
// histogram.
func hasHistograms(r *Run) bool {
	if r.SchemaVersion == 1 {
		return false
	}
	for i := range r.Metrics {
		if r.Metrics[i].N > 0 && r.Metrics[i].Histogram.Count() == 0 {
			return false
		}
	}
	return true
}

// compareConfigs returns a *MismatchError for the first field of a and b
// that tells them apart as runs of different tests.
func compareConfigs(a, b *Run) error {
	fields := []struct{ name, a, b string }{
		{"endpoint.provider", a.Endpoint.Provider, b.Endpoint.Provider},
		{"endpoint.model_id", a.Endpoint.Model, b.Endpoint.Model},
		{"endpoint.endpoint_name", a.Endpoint.Name, b.Endpoint.Name},
		{"endpoint.url", a.Endpoint.URL, b.Endpoint.URL},
	}
	// A run read from an older or LLMeter folder has no digest: the
	// payload counts are compared then.
	if a.Config.PayloadsDigest != "" && b.Config.PayloadsDigest != "" {
		fields = append(fields, struct{ name, a, b string }{"config.payloads_digest", a.Config.PayloadsDigest, b.Config.PayloadsDigest})
	} else {
		fields = append(fields, struct{ name, a, b string }{"config.payloads", strconv.Itoa(a.Config.Payloads), strconv.Itoa(b.Config.Payloads)})
	}
	fields = append(fields, struct{ name, a, b string }{"config.tokenizer", a.Config.Tokenizer, b.Config.Tokenizer})
	for _, f := range fields {
		if f.a != f.b {
			return &MismatchError{Field: f.name, A: a.Name, B: b.Name, AValue: f.a, BValue: f.b}
		}
	}
	return nil
}

// unionSeconds returns the measure of the union of the runs' [StartTime,
// EndTime] intervals in seconds, plus the TestTime of the runs without
// times.
func unionSeconds(runs []*Run) float64 {
	type span struct{ start, end time.Time }
	var spans []span
	var extra float64
	for _, r := range runs {
		if r.StartTime.IsZero() || r.EndTime.Before(r.StartTime) {
			extra += r.TestTime
			continue
		}
		spans = append(spans, span{r.StartTime, r.EndTime})
	}
	slices.SortFunc(spans, func(x, y span) int { return x.start.Compare(y.start) })
	var total time.Duration
	var cur span
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case !s.start.After(cur.end):
			if s.end.After(cur.end) {
				cur.end = s.end
			}
		default:
			total += cur.end.Sub(cur.start)
			cur = s
		}
	}
	if len(spans) > 0 {
		total += cur.end.Sub(cur.start)
	}
	return total.Seconds() + extra
}

// mergeErrors sums the runs' error counts by message, most frequent first
// (equal counts in first-seen order), at most MaxErrorMessages distinct
// messages, the rest under "".
func mergeErrors(runs []*Run) []ErrorCount {
	out := []ErrorCount{}
	index := map[string]int{}
	for _, r := range runs {
		for _, e := range r.Errors {
			msg := e.Message
			i, ok := index[msg]
			if !ok && len(index) >= MaxErrorMessages {
				msg = ""
				i, ok = index[msg]
			}
			if !ok {
				i = len(out)
				index[msg] = i
				out = append(out, ErrorCount{Message: msg})
			}
			out[i].Count += e.Count
		}
	}
	slices.SortStableFunc(out, func(x, y ErrorCount) int { return y.Count - x.Count })
	return out
}

// mergedPercentiles are the percentiles of a Metric, in field order.
var mergedPercentiles = []float64{50, 90, 95, 99, 99.9}

// mergeMetrics merges the runs' metrics by name, in the order they first
// appear.
func mergeMetrics(runs []*Run) ([]Metric, error) {
	lists := make([][]Metric, len(runs))
	for i, r := range runs {
		lists[i] = r.Metrics
	}
	return mergeMetricLists(lists, func(i int) string { return runs[i].Name })
}

// mergeMetricLists merges lists of metrics by name, in the order they
// first appear; run names list i's run, for errors.
func mergeMetricLists(lists [][]Metric, run func(i int) string) ([]Metric, error) {
	var out []Metric
	index := map[string]int{}
	for li, ms := range lists {
		for _, m := range ms {
			i, ok := index[m.Name]
			if !ok {
				i = len(out)
				index[m.Name] = i
				out = append(out, Metric{Name: m.Name, Unit: m.Unit, Histogram: NewHistogram()})
			}
			o := &out[i]
			if o.Unit != m.Unit {
				return nil, fmt.Errorf("reporters: merge: run %q: metric %s in %q, want %q", run(li), m.Name, m.Unit, o.Unit)
			}
			if m.N == 0 {
				continue
			}
			if o.N == 0 || m.Min < o.Min {
				o.Min = m.Min
			}
			if o.N == 0 || m.Max > o.Max {
				o.Max = m.Max
			}
			o.N += m.N
			sum := m.Sum
			if sum == 0 {
				sum = m.Average * float64(m.N) // written before Sum existed
			}
			o.Sum += sum
			if err := o.Histogram.Merge(m.Histogram); err != nil {
				return nil, fmt.Errorf("run %q: metric %s: %w", run(li), m.Name, err)
			}
		}
	}
	for i := range out {
		m := &out[i]
		if m.N == 0 {
			continue
		}
		m.Average = m.Sum / float64(m.N)
		if m.Unit == UnitSeconds {
			m.Average = math.Round(m.Average*1e9) / 1e9 // whole nanoseconds, as a run's
		}
		ps := m.Histogram.Quantiles(mergedPercentiles...)
		for j, dst := range []*float64{&m.P50, &m.P90, &m.P95, &m.P99, &m.P999} {
			v := ps[j]
			if m.Unit == UnitSeconds {
				v = math.Round(v) / 1e9
			}
			*dst = min(max(v, m.Min), m.Max)
		}
	}
	return out, nil
}

// mergeSeries aligns the runs' windows on their wall-clock seconds and
// sums them; a window's percentiles are read from its merged histograms.
func mergeSeries(runs []*Run) ([]Window, error) {
	var first, last int64
	seen := false
	for _, r := range runs {
		for _, w := range r.Series {
			sec := w.Start.Unix()
			if !seen || sec < first {
				first = sec
			}
			if !seen || sec > last {
				last = sec
			}
			seen = true
		}
	}
	if !seen {
		return []Window{}, nil
	}
	out := make([]Window, last-first+1)
	ttft := make([][]EncodedHistogram, len(out))
	ttlt := make([][]EncodedHistogram, len(out))
	// bare counts, per window, the runs whose window has percentiles but
	// no histogram (a document written before window histograms), and
	// with counts the runs whose window has percentiles at all.
	var bareTTFT, bareTTLT, withTTFT, withTTLT = make([]int, len(out)), make([]int, len(out)), make([]int, len(out)), make([]int, len(out))
	for i := range out {
		out[i].Start = time.Unix(first+int64(i), 0).UTC()
	}
	for _, r := range runs {
		for _, w := range r.Series {
			i := w.Start.Unix() - first
			o := &out[i]
			o.Started += w.Started
			o.Completed += w.Completed
			o.Failed += w.Failed
			o.Cancelled += w.Cancelled
			o.InFlight += w.InFlight
			o.OutputTokens += w.OutputTokens
			if w.TTFT != "" || w.TTFTP50 != 0 || w.TTFTP99 != 0 {
				withTTFT[i]++
				o.TTFT, o.TTFTP50, o.TTFTP99 = w.TTFT, w.TTFTP50, w.TTFTP99 // kept if alone
				if w.TTFT != "" {
					ttft[i] = append(ttft[i], w.TTFT)
				} else {
					bareTTFT[i]++
				}
			}
			if w.TTLT != "" || w.TTLTP50 != 0 || w.TTLTP99 != 0 {
				withTTLT[i]++
				o.TTLT, o.TTLTP50, o.TTLTP99 = w.TTLT, w.TTLTP50, w.TTLTP99
				if w.TTLT != "" {
					ttlt[i] = append(ttlt[i], w.TTLT)
				} else {
					bareTTLT[i]++
				}
			}
		}
	}
	// The in-flight count of a run between its windows' ends is the one
	// at its last window: sum what each run holds at every second.
	for _, r := range runs {
		if len(r.Series) == 0 {
			continue
		}
		ws := r.Series
		for k := 1; k < len(ws); k++ {
			for sec := ws[k-1].Start.Unix() + 1; sec < ws[k].Start.Unix(); sec++ {
				out[sec-first].InFlight += ws[k-1].InFlight
			}
		}
	}
	for i := range out {
		w := &out[i]
		switch {
		case withTTFT[i] > 1 && bareTTFT[i] > 0:
			// Percentiles without their samples do not merge: none.
			w.TTFT, w.TTFTP50, w.TTFTP99 = "", 0, 0
		case len(ttft[i]) > 1:
			if err := mergeWindow(ttft[i], &w.TTFT, &w.TTFTP50, &w.TTFTP99); err != nil {
				return nil, fmt.Errorf("reporters: merge: window %s: ttft: %w", w.Start.Format(time.RFC3339), err)
			}
		}
		switch {
		case withTTLT[i] > 1 && bareTTLT[i] > 0:
			w.TTLT, w.TTLTP50, w.TTLTP99 = "", 0, 0
		case len(ttlt[i]) > 1:
			if err := mergeWindow(ttlt[i], &w.TTLT, &w.TTLTP50, &w.TTLTP99); err != nil {
				return nil, fmt.Errorf("reporters: merge: window %s: ttlt: %w", w.Start.Format(time.RFC3339), err)
			}
		}
	}
	return out, nil
}

// mergeWindow sets *enc to the merge of the encoded histograms hs, and
// *p50 and *p99 to its percentiles in seconds, rounded to whole
// nanoseconds.
func mergeWindow(hs []EncodedHistogram, enc *EncodedHistogram, p50, p99 *float64) error {
	m, err := MergeEncoded(hs...)
	if err != nil {
		return err
	}
	ps, err := m.Quantiles(50, 99)
	if err != nil {
		return err
	}
	*enc = m
	*p50, *p99 = math.Round(ps[0])/1e9, math.Round(ps[1])/1e9
	return nil
}
