package reporters

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

var _ Reporter = (*JSON)(nil)

// JSON writes a run as one indented JSON document in the published schema
// (see the package documentation), with schema_version set to
// [SchemaVersion]. [ReadJSON] reads it back.
type JSON struct {
	w io.Writer
}

// NewJSON returns a JSON reporter writing to w.
func NewJSON(w io.Writer) *JSON { return &JSON{w: w} }

// Sentinel errors of [ReadJSON], wrapped with the details.
var (
	// ErrNoSchemaVersion reports a document without a positive
	// schema_version: not a run written by the JSON reporter, or one
	// written by hand.
	ErrNoSchemaVersion = errors.New("reporters: run JSON has no schema_version")
	// ErrNewerSchemaVersion reports a document written by a newer version
	// of the schema than this package reads.
	ErrNewerSchemaVersion = errors.New("reporters: run JSON has a newer schema_version")
)

// Write writes run as indented JSON followed by a newline. Aggregates and
// check values that are not finite numbers (NaN, ±Inf), which JSON cannot
// hold, are written as null.
func (j *JSON) Write(run *Run) error {
	if run == nil {
		return fmt.Errorf("reporters: JSON: %w", ErrNilRun)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(toJSONRun(run)); err != nil {
		return fmt.Errorf("reporters: JSON: %w", err)
	}
	_, err := j.w.Write(buf.Bytes())
	return err
}

// ReadJSON reads one run written by [JSON.Write], of this schema version
// or version 1 (whose flat stats and sample counts it turns into counts,
// token totals and metrics without histograms). It fails with an error
// wrapping [ErrNoSchemaVersion] when the document has no positive
// schema_version and with one wrapping [ErrNewerSchemaVersion] when its
// schema_version is above [SchemaVersion]; fields it does not know are
// ignored. Nulls in aggregates and checks read back as NaN.
func ReadJSON(r io.Reader) (*Run, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reporters: reading run JSON: %w", err)
	}
	// The version is checked first, so that a newer document fails with
	// the version error rather than with a field it reads differently.
	var probe struct {
		SchemaVersion *json.Number `json:"schema_version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("reporters: reading run JSON: %w", err)
	}
	if probe.SchemaVersion == nil {
		return nil, fmt.Errorf("%w (is it a llmtest run written by the JSON reporter?)", ErrNoSchemaVersion)
	}
	v, err := strconv.Atoi(probe.SchemaVersion.String())
	switch {
	case err != nil || v < 1:
		return nil, fmt.Errorf("%w: schema_version %s is not a positive integer", ErrNoSchemaVersion, probe.SchemaVersion)
	case v > SchemaVersion:
		return nil, fmt.Errorf("%w: schema_version %d, this reader supports up to %d; upgrade llmtest to read it",
			ErrNewerSchemaVersion, v, SchemaVersion)
	case v == 1:
		var doc jsonRunV1
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("reporters: reading run JSON: %w", err)
		}
		return doc.run(), nil
	}
	var doc jsonRun
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reporters: reading run JSON: %w", err)
	}
	return doc.run(), nil
}

// The JSON documents. jsonRun embeds every field of Run and overrides only
// those holding floats that may not be finite, so a field added to Run is
// written without a change here.

type (
	runFields    Run
	metricFields Metric
	checkFields  Check
)

type jsonRun struct {
	runFields
	Metrics []jsonMetric `json:"metrics"`
	Errors  []ErrorCount `json:"errors"`
	Series  []Window     `json:"series"`
	Checks  []jsonCheck  `json:"checks"`
}

// jsonMetric overrides the aggregates, and repeats the fields that follow
// them in Metric so that the document keeps Metric's field order.
type jsonMetric struct {
	metricFields
	Average   jsonFloat  `json:"average"`
	Min       jsonFloat  `json:"min"`
	Max       jsonFloat  `json:"max"`
	P50       jsonFloat  `json:"p50"`
	P90       jsonFloat  `json:"p90"`
	P95       jsonFloat  `json:"p95"`
	P99       jsonFloat  `json:"p99"`
	P999      jsonFloat  `json:"p99.9"`
	Exact     bool       `json:"exact"`
	Histogram *Histogram `json:"histogram,omitempty"`
}

// jsonCheck overrides Observed and Limit, and repeats the fields that
// follow them in Check so that the document keeps Check's field order.
type jsonCheck struct {
	checkFields
	Observed jsonFloat `json:"observed"`
	Limit    jsonFloat `json:"limit"`
	Unit     string    `json:"unit"`
	Samples  int       `json:"samples"`
	Pass     bool      `json:"pass"`
	Message  string    `json:"message"`
}

func toJSONRun(run *Run) jsonRun {
	doc := jsonRun{
		runFields: runFields(*run),
		Metrics:   make([]jsonMetric, len(run.Metrics)),
		Errors:    run.Errors,
		Series:    run.Series,
		Checks:    make([]jsonCheck, len(run.Checks)),
	}
	doc.SchemaVersion = SchemaVersion
	if doc.Errors == nil {
		doc.Errors = []ErrorCount{}
	}
	if doc.Series == nil {
		doc.Series = []Window{}
	}
	for i, m := range run.Metrics {
		doc.Metrics[i] = jsonMetric{
			metricFields: metricFields(m),
			Average:      jsonFloat(m.Average), Min: jsonFloat(m.Min), Max: jsonFloat(m.Max),
			P50: jsonFloat(m.P50), P90: jsonFloat(m.P90), P95: jsonFloat(m.P95), P99: jsonFloat(m.P99), P999: jsonFloat(m.P999),
			Exact: m.Exact, Histogram: m.Histogram,
		}
	}
	for i, c := range run.Checks {
		doc.Checks[i] = jsonCheck{
			checkFields: checkFields(c),
			Observed:    jsonFloat(c.Observed),
			Limit:       jsonFloat(c.Limit),
			Unit:        c.Unit,
			Samples:     c.Samples,
			Pass:        c.Pass,
			Message:     c.Message,
		}
	}
	return doc
}

func (doc *jsonRun) run() *Run {
	run := Run(doc.runFields)
	run.Errors, run.Series = doc.Errors, doc.Series
	if doc.Metrics != nil {
		run.Metrics = make([]Metric, len(doc.Metrics))
		for i, jm := range doc.Metrics {
			m := Metric(jm.metricFields)
			m.Average, m.Min, m.Max = float64(jm.Average), float64(jm.Min), float64(jm.Max)
			m.P50, m.P90, m.P95, m.P99, m.P999 = float64(jm.P50), float64(jm.P90), float64(jm.P95), float64(jm.P99), float64(jm.P999)
			m.Exact, m.Histogram = jm.Exact, jm.Histogram
			run.Metrics[i] = m
		}
	}
	run.Checks = readChecks(doc.Checks)
	return &run
}

func readChecks(checks []jsonCheck) []Check {
	if checks == nil {
		return nil
	}
	out := make([]Check, len(checks))
	for i, c := range checks {
		cc := Check(c.checkFields)
		cc.Observed, cc.Limit = float64(c.Observed), float64(c.Limit)
		cc.Unit, cc.Samples, cc.Pass, cc.Message = c.Unit, c.Samples, c.Pass, c.Message
		out[i] = cc
	}
	return out
}

// jsonRunV1 is a version-1 document: the fields version 2 kept, and the
// flat stats with their sample counts.
type jsonRunV1 struct {
	runFields
	Stats   map[string]jsonFloat `json:"stats"`
	Samples map[string]int       `json:"samples"`
	Checks  []jsonCheck          `json:"checks"`
}

// v1Metrics are the metrics a version-1 document could hold, in report
// order, with their units.
var v1Metrics = []struct{ name, unit string }{
	{metricTTFT, UnitSeconds}, {"time_to_first_output", UnitSeconds}, {metricTTLT, UnitSeconds},
	{metricTPOT, UnitSeconds}, {metricITL, UnitSeconds},
	{metricInputTokens, UnitTokens}, {metricOutputTokens, UnitTokens},
}

func (doc *jsonRunV1) run() *Run {
	stat := func(key string) float64 { return float64(doc.Stats[key]) }
	count := func(key string) int {
		v := stat(key)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		return int(math.Round(v))
	}
	run := Run(doc.runFields)
	run.SchemaVersion = 1
	if t := stat(keyTotalTestTime); !math.IsNaN(t) && !math.IsInf(t, 0) {
		run.TestTime = t // null (an interrupted run's) reads as 0
	}
	run.Counts = Counts{Total: count(keyTotalRequests), Failed: count(keyFailedRequests), Cancelled: count(keyCancelled)}
	run.Tokens = Tokens{Input: count(keyInputTokens), Output: count(keyOutputTokens)}
	run.Checks = readChecks(doc.Checks)
	for _, vm := range v1Metrics {
		if _, ok := doc.Stats[StatKey(vm.name, "p50")]; !ok {
			continue
		}
		n, ok := doc.Samples[vm.name]
		if !ok {
			// Version 1's sample counts were optional: without them,
			// every successful request counts as one sample (for
			// inter_token_latency, whose gaps were not counted, too),
			// so that the metric is not read as empty.
			n = max(run.Counts.Ended()-run.Counts.Failed, 1)
		}
		m := Metric{Name: vm.name, Unit: vm.unit, N: n, Exact: true}
		for i, dst := range m.aggregates() {
			*dst = stat(StatKey(vm.name, AggregateNames[i]))
		}
		m.Sum = m.Average * float64(m.N)
		run.Metrics = append(run.Metrics, m)
	}
	return &run
}

// jsonFloat is a float64 whose non-finite values are JSON null.
type jsonFloat float64

// MarshalJSON writes f as a JSON number, or null when f is NaN or ±Inf.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads a JSON number, or null as NaN.
func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*f = jsonFloat(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jsonFloat(v)
	return nil
}
