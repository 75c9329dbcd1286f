package reporters

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// SweepSchemaVersion is the version of the [Sweep] JSON schema (sweep.json).
const SweepSchemaVersion = 1

// The kinds of a sweep's levels.
const (
	// SweepClients marks a sweep over client counts (closed loop).
	SweepClients = "clients"
	// SweepRate marks a sweep over arrival rates, in requests/s (open
	// loop).
	SweepRate = "rate"
)

// Defaults of the saturation point's thresholds (see [SaturationIndex]).
const (
	// DefaultSaturationGain is the relative throughput gain below which
	// more load counts as buying nothing: 5%.
	DefaultSaturationGain = 0.05
	// DefaultSaturationClimb is the relative rise of the TTLT p50 above
	// which latency counts as climbing: 10%.
	DefaultSaturationClimb = 0.10
)

// Sweep is the model of a sweep (LLMeter's LoadTest): one run per load
// level, in ascending order of load, each summed up by a [SweepLevel], and
// the saturation point found over them. Each level's run has its own
// model ([Run]) in its own folder; Sweep holds only the per-level figures
// taken from those models, so that the sweep can be read and compared
// without loading every run.
type Sweep struct {
	// SchemaVersion is SweepSchemaVersion when written by this package.
	SchemaVersion int `json:"schema_version"`
	// Name is the sweep's name, its folder name.
	Name string `json:"sweep_name"`
	// TestName is the name of the Go test that ran the sweep, empty
	// outside go test.
	TestName string `json:"test_name,omitempty"`
	// Kind is SweepClients or SweepRate: what a level's Level counts.
	Kind string `json:"kind"`
	// Levels are the levels run, in ascending order of load.
	Levels []SweepLevel `json:"levels"`
	// SaturationGain and SaturationClimb are the thresholds the saturation
	// point was found with (see [SaturationIndex]).
	SaturationGain  float64 `json:"saturation_gain"`
	SaturationClimb float64 `json:"saturation_climb"`
	// Saturation is the index in Levels of the saturation point, nil when
	// the levels did not reach it (see [SaturationIndex]).
	Saturation *int `json:"saturation_index"`
	// Checks are the checks evaluated on the sweep as a whole, such as
	// "saturation >= 8 clients", in evaluation order.
	Checks []Check `json:"checks"`
}

// SweepLevel is one level of a sweep and the figures of its run. Rates are
// over the run's total test time; latencies are in seconds, over the
// successful requests, and 0 when none had a value.
type SweepLevel struct {
	// Level is the load asked for: a client count for a SweepClients
	// sweep, requests/s for a SweepRate sweep.
	Level float64 `json:"level"`
	// RunName is the level's run name, its folder under the sweep's.
	RunName string `json:"run_name"`
	// Requests counts the requests that ended; Failed those of them that
	// failed.
	Requests int `json:"requests"`
	Failed   int `json:"failed"`
	// Interrupted reports that the level's run ended before its load
	// shape completed.
	Interrupted bool `json:"interrupted"`
	// Dropped counts an open-loop level's arrivals that found no free
	// slot and were never sent.
	Dropped int `json:"dropped,omitempty"`
	// AchievedRate is the requests that ended per second.
	AchievedRate float64 `json:"achieved_rate"`
	// Throughput is the output tokens of the successful requests per
	// second.
	Throughput float64 `json:"output_tokens_per_second"`
	// The 50th and 99th percentiles of the time to first token and of the
	// time to last token.
	TTFTP50 float64 `json:"ttft_p50"`
	TTFTP99 float64 `json:"ttft_p99"`
	TTLTP50 float64 `json:"ttlt_p50"`
	TTLTP99 float64 `json:"ttlt_p99"`
	// ErrorRate is Failed / Requests (0 when none ended).
	ErrorRate float64 `json:"error_rate"`
	// GoodShare is the share of the requests that ended that were good, and
	// Goodput the good requests per second; both nil when the sweep had
	// no goodput definition.
	GoodShare *float64 `json:"good_share,omitempty"`
	Goodput   *float64 `json:"goodput,omitempty"`
}

// NewSweepLevel returns the figures of run as a level of a sweep at load
// level. Goodput is left nil: it needs each request's record, which run
// does not keep.
func NewSweepLevel(level float64, run *Run) SweepLevel {
	l := SweepLevel{
		Level:        level,
		RunName:      run.Name,
		Requests:     run.Counts.Ended(),
		Failed:       run.Counts.Failed,
		Interrupted:  run.Interrupted,
		Dropped:      run.Counts.Dropped,
		AchievedRate: run.RequestsPerMinute() / 60,
		Throughput:   run.OutputTokensPerSecond(),
		ErrorRate:    run.FailedRequestsRate(),
	}
	l.TTFTP50, _ = aggregate(run, metricTTFT, "p50")
	l.TTFTP99, _ = aggregate(run, metricTTFT, "p99")
	l.TTLTP50, _ = aggregate(run, metricTTLT, "p50")
	l.TTLTP99, _ = aggregate(run, metricTTLT, "p99")
	return l
}

// SaturationIndex returns the index of the saturation point of levels,
// given in ascending order of load, or -1 when they do not reach it.
//
// The saturation point is the first level i, followed by a level i+1, such
// that at level i+1
//   - the throughput (output tokens/s) is below (1+gain) times level i's —
//     it rose by less than gain, or fell — and
//   - the TTLT p50 is above (1+climb) times level i's — latency climbed by
//     more than climb — or level i+1 had no successful request;
//
// that is, the highest load before more load stops buying throughput and
// starts costing latency. For open-loop levels, a level i+1 that dropped
// more than MaxDroppedShare of its arrivals (the generator's cap of
// requests in flight was full: the server fell behind the rate) after a
// level i that did not also makes level i the saturation point. A level
// with no successful request is never the saturation point itself, and
// the search ends at an interrupted level, whose figures say nothing
// about the load. Fewer than two levels have none.
func SaturationIndex(levels []SweepLevel, gain, climb float64) int {
	for i := 0; i+1 < len(levels); i++ {
		a, b := &levels[i], &levels[i+1]
		if a.Interrupted || b.Interrupted {
			return -1
		}
		if a.TTLTP50 == 0 {
			continue
		}
		if !a.behind() && b.behind() {
			return i
		}
		flat := b.Throughput < (1+gain)*a.Throughput
		climbs := b.TTLTP50 == 0 || b.TTLTP50 > (1+climb)*a.TTLTP50
		if flat && climbs {
			return i
		}
	}
	return -1
}

// MaxDroppedShare is the share of an open-loop level's arrivals it may
// drop and still count as keeping up with its rate.
const MaxDroppedShare = 0.01

// behind reports whether the level dropped more than MaxDroppedShare of
// its arrivals.
func (l *SweepLevel) behind() bool {
	return float64(l.Dropped) > MaxDroppedShare*float64(l.Requests+l.Dropped)
}

// Locate sets s.Saturation from s.Levels with s's thresholds, first setting
// each zero threshold to its default.
func (s *Sweep) Locate() {
	if s.SaturationGain == 0 {
		s.SaturationGain = DefaultSaturationGain
	}
	if s.SaturationClimb == 0 {
		s.SaturationClimb = DefaultSaturationClimb
	}
	s.Saturation = nil
	if i := SaturationIndex(s.Levels, s.SaturationGain, s.SaturationClimb); i >= 0 {
		s.Saturation = &i
	}
}

// SaturationLevel returns the load level of the saturation point, and
// false when the sweep did not reach it.
func (s *Sweep) SaturationLevel() (float64, bool) {
	if s.Saturation == nil || *s.Saturation < 0 || *s.Saturation >= len(s.Levels) {
		return 0, false
	}
	return s.Levels[*s.Saturation].Level, true
}

// Passed reports whether every check of the sweep passed.
func (s *Sweep) Passed() bool {
	for _, c := range s.Checks {
		if !c.Pass {
			return false
		}
	}
	return true
}

// LevelText renders a load level with its unit: "8 clients", "1 client",
// "12.5 requests/s".
func (s *Sweep) LevelText(level float64) string {
	v := formatPlain(level)
	if s.Kind == SweepRate {
		return v + " requests/s"
	}
	if level == 1 {
		return v + " client"
	}
	return v + " clients"
}

// ErrNilSweep is returned by a sweep reporter asked to write a nil *Sweep.
var ErrNilSweep = errors.New("reporters: nil sweep")

// SweepJSON writes a sweep as one indented JSON document (sweep.json),
// with schema_version set to [SweepSchemaVersion]. [ReadSweepJSON] reads
// it back.
type SweepJSON struct {
	w io.Writer
}

// NewSweepJSON returns a SweepJSON reporter writing to w.
func NewSweepJSON(w io.Writer) *SweepJSON { return &SweepJSON{w: w} }

// Write writes s as indented JSON followed by a newline. Figures that are
// not finite numbers are written as null.
func (j *SweepJSON) Write(s *Sweep) error {
	if s == nil {
		return fmt.Errorf("reporters: SweepJSON: %w", ErrNilSweep)
	}
	doc := jsonSweep{sweepFields: sweepFields(*s), Checks: make([]jsonCheck, len(s.Checks))}
	doc.SchemaVersion = SweepSchemaVersion
	doc.Levels = make([]jsonSweepLevel, len(s.Levels))
	for i, l := range s.Levels {
		doc.Levels[i] = jsonSweepLevel{
			levelFields:  levelFields(l),
			Level:        jsonFloat(l.Level),
			AchievedRate: jsonFloat(l.AchievedRate), Throughput: jsonFloat(l.Throughput),
			TTFTP50: jsonFloat(l.TTFTP50), TTFTP99: jsonFloat(l.TTFTP99),
			TTLTP50: jsonFloat(l.TTLTP50), TTLTP99: jsonFloat(l.TTLTP99),
			ErrorRate: jsonFloat(l.ErrorRate), GoodShare: l.GoodShare, Goodput: l.Goodput,
		}
	}
	for i, c := range s.Checks {
		doc.Checks[i] = jsonCheck{checkFields: checkFields(c), Observed: jsonFloat(c.Observed), Limit: jsonFloat(c.Limit),
			Unit: c.Unit, Samples: c.Samples, Pass: c.Pass, Message: c.Message}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("reporters: SweepJSON: %w", err)
	}
	_, err := j.w.Write(buf.Bytes())
	return err
}

// ReadSweepJSON reads one sweep written by [SweepJSON.Write]. It fails
// with an error wrapping [ErrNoSchemaVersion] when the document has no
// positive schema_version and with one wrapping [ErrNewerSchemaVersion]
// when it is above [SweepSchemaVersion].
func ReadSweepJSON(r io.Reader) (*Sweep, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reporters: reading sweep JSON: %w", err)
	}
	var doc jsonSweep
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reporters: reading sweep JSON: %w", err)
	}
	switch v := doc.SchemaVersion; {
	case v < 1:
		return nil, fmt.Errorf("%w (is it a sweep.json written by llmtest?)", ErrNoSchemaVersion)
	case v > SweepSchemaVersion:
		return nil, fmt.Errorf("%w: sweep schema_version %d, this reader supports up to %d; upgrade llmtest to read it",
			ErrNewerSchemaVersion, v, SweepSchemaVersion)
	}
	s := Sweep(doc.sweepFields)
	s.Levels = make([]SweepLevel, len(doc.Levels))
	for i, jl := range doc.Levels {
		l := SweepLevel(jl.levelFields)
		l.Level, l.AchievedRate, l.Throughput = float64(jl.Level), float64(jl.AchievedRate), float64(jl.Throughput)
		l.TTFTP50, l.TTFTP99 = float64(jl.TTFTP50), float64(jl.TTFTP99)
		l.TTLTP50, l.TTLTP99 = float64(jl.TTLTP50), float64(jl.TTLTP99)
		l.ErrorRate, l.GoodShare, l.Goodput = float64(jl.ErrorRate), jl.GoodShare, jl.Goodput
		s.Levels[i] = l
	}
	s.Checks = readChecks(doc.Checks)
	return &s, nil
}

type (
	sweepFields Sweep
	levelFields SweepLevel
)

type jsonSweep struct {
	sweepFields
	Levels []jsonSweepLevel `json:"levels"`
	Checks []jsonCheck      `json:"checks"`
}

// jsonSweepLevel overrides the float figures, in SweepLevel's field order.
type jsonSweepLevel struct {
	levelFields
	Level        jsonFloat `json:"level"`
	AchievedRate jsonFloat `json:"achieved_rate"`
	Throughput   jsonFloat `json:"output_tokens_per_second"`
	TTFTP50      jsonFloat `json:"ttft_p50"`
	TTFTP99      jsonFloat `json:"ttft_p99"`
	TTLTP50      jsonFloat `json:"ttlt_p50"`
	TTLTP99      jsonFloat `json:"ttlt_p99"`
	ErrorRate    jsonFloat `json:"error_rate"`
	GoodShare    *float64  `json:"good_share,omitempty"`
	Goodput      *float64  `json:"goodput,omitempty"`
}

// SweepMarkdown writes a sweep as GitHub-flavoured Markdown (sweep.md): a
// heading with the sweep's name and a pass/fail mark, a table with one row
// per level — the level, requests, achieved rate, throughput, TTFT and TTLT
// p50 and p99, error rate and, when measured, goodput — with the
// saturation point marked, a line naming the saturation point, and the
// sweep's checks. The table reads well as plain text too.
type SweepMarkdown struct {
	w io.Writer
}

// NewSweepMarkdown returns a SweepMarkdown reporter writing to w.
func NewSweepMarkdown(w io.Writer) *SweepMarkdown { return &SweepMarkdown{w: w} }

// Write writes the table of s, ending with a blank line.
func (m *SweepMarkdown) Write(s *Sweep) error {
	if s == nil {
		return fmt.Errorf("reporters: SweepMarkdown: %w", ErrNilSweep)
	}
	var b strings.Builder
	mark := "✅"
	failed := !s.Passed()
	for _, l := range s.Levels {
		failed = failed || l.Interrupted
	}
	if failed {
		mark = "❌"
	}
	name := oneLine(s.Name)
	if name == "" {
		name = "unnamed sweep"
	}
	fmt.Fprintf(&b, "### %s Sweep %s\n\n", mark, mdText(name))
	goodput, dropped := false, false
	for _, l := range s.Levels {
		goodput = goodput || l.Goodput != nil
		dropped = dropped || l.Dropped > 0
	}
	kind := s.Kind
	if kind == "" {
		kind = SweepClients
	}
	head := []string{kind, "requests", "req/s", "output tok/s", "ttft p50", "ttft p99", "ttlt p50", "ttlt p99", "errors"}
	if dropped {
		head = append(head, "dropped")
	}
	if goodput {
		head = append(head, "goodput", "good req/s")
	}
	writeRow(&b, head)
	align := make([]string, len(head))
	for i := range align {
		align[i] = "--:"
	}
	writeRow(&b, align)
	latency := func(v float64) string {
		if v == 0 {
			return "–"
		}
		return formatSeconds(v)
	}
	for i, l := range s.Levels {
		level := formatPlain(l.Level)
		if s.Saturation != nil && *s.Saturation == i {
			level += " ◀ saturation"
		}
		if l.Interrupted {
			level += " (interrupted)"
		}
		row := []string{level, strconv.Itoa(l.Requests), formatFixed1(l.AchievedRate), formatFixed1(l.Throughput),
			latency(l.TTFTP50), latency(l.TTFTP99), latency(l.TTLTP50), latency(l.TTLTP99), formatPercent(l.ErrorRate)}
		if dropped {
			row = append(row, strconv.Itoa(l.Dropped))
		}
		if goodput {
			share, rate := "–", "–"
			if l.GoodShare != nil {
				share = formatPercent(*l.GoodShare)
			}
			if l.Goodput != nil {
				rate = formatFixed1(*l.Goodput)
			}
			row = append(row, share, rate)
		}
		writeRow(&b, row)
	}
	b.WriteString("\n")
	b.WriteString(s.saturationLine())
	b.WriteString("\n\n")
	for _, c := range s.Checks {
		m := "✅"
		if !c.Pass {
			m = "❌"
		}
		fmt.Fprintf(&b, "- %s %s\n", m, mdText(checkLine(c)))
	}
	if len(s.Checks) > 0 {
		b.WriteString("\n")
	}
	_, err := io.WriteString(m.w, b.String())
	return err
}

// saturationLine says where the saturation point is, and why.
func (s *Sweep) saturationLine() string {
	lv, ok := s.SaturationLevel()
	if !ok {
		if len(s.Levels) == 0 {
			return "Saturation: no level ran."
		}
		return fmt.Sprintf("Saturation: not reached up to %s (throughput gain ≥ %s or TTLT p50 rise ≤ %s at every step).",
			s.LevelText(s.Levels[len(s.Levels)-1].Level), formatPercent(s.SaturationGain), formatPercent(s.SaturationClimb))
	}
	a, b := s.Levels[*s.Saturation], s.Levels[*s.Saturation+1]
	if !a.behind() && b.behind() {
		return fmt.Sprintf("Saturation: %s (at %s, %d of %d arrivals dropped: the requests in flight reached the cap).",
			s.LevelText(lv), s.LevelText(b.Level), b.Dropped, b.Requests+b.Dropped)
	}
	climb := "no successful request"
	if b.TTLTP50 != 0 {
		climb = "TTLT p50 " + signedPercent(b.TTLTP50/a.TTLTP50-1)
	}
	return fmt.Sprintf("Saturation: %s (at %s, throughput %s while %s).",
		s.LevelText(lv), s.LevelText(b.Level), signedPercent(ratioChange(b.Throughput, a.Throughput)), climb)
}

// ratioChange returns b/a − 1, or 0 when a is 0.
func ratioChange(b, a float64) float64 {
	if a == 0 {
		return 0
	}
	return b/a - 1
}

// signedPercent renders a relative change with its sign: "+2.1%", "-3%".
func signedPercent(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return formatPlain(r)
	}
	s := trimDecimals(strconv.FormatFloat(r*100, 'f', 1, 64)) + "%"
	if r >= 0 {
		s = "+" + s
	}
	return s
}
