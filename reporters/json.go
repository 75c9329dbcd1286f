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
	// schema_version: not a run summary, or one written by hand.
	ErrNoSchemaVersion = errors.New("reporters: run JSON has no schema_version")
	// ErrNewerSchemaVersion reports a document written by a newer version
	// of the schema than this package reads.
	ErrNewerSchemaVersion = errors.New("reporters: run JSON has a newer schema_version")
)

// Write writes run as indented JSON followed by a newline. Stats values and
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

// ReadJSON reads one run written by [JSON.Write]. It fails with an error
// wrapping [ErrNoSchemaVersion] when the document has no positive
// schema_version and with one wrapping [ErrNewerSchemaVersion] when its
// schema_version is above [SchemaVersion]; fields it does not know are
// ignored. Nulls in stats and checks read back as NaN.
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
		return nil, fmt.Errorf("%w (is it a llmtest run summary written by the JSON reporter?)", ErrNoSchemaVersion)
	}
	v, err := strconv.Atoi(probe.SchemaVersion.String())
	switch {
	case err != nil || v < 1:
		return nil, fmt.Errorf("%w: schema_version %s is not a positive integer", ErrNoSchemaVersion, probe.SchemaVersion)
	case v > SchemaVersion:
		return nil, fmt.Errorf("%w: schema_version %d, this reader supports up to %d; upgrade llmtest to read it",
			ErrNewerSchemaVersion, v, SchemaVersion)
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
	runFields   Run
	checkFields Check
)

type jsonRun struct {
	runFields
	Stats   map[string]jsonFloat `json:"stats"`
	Samples map[string]int       `json:"samples,omitempty"`
	Checks  []jsonCheck          `json:"checks"`
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
		Stats:     make(map[string]jsonFloat, len(run.Stats)),
		Samples:   run.Samples,
		Checks:    make([]jsonCheck, len(run.Checks)),
	}
	doc.SchemaVersion = SchemaVersion
	for k, v := range run.Stats {
		doc.Stats[k] = jsonFloat(v)
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
	run.Samples = doc.Samples
	if doc.Stats != nil {
		run.Stats = make(map[string]float64, len(doc.Stats))
		for k, v := range doc.Stats {
			run.Stats[k] = float64(v)
		}
	}
	if doc.Checks != nil {
		run.Checks = make([]Check, len(doc.Checks))
		for i, c := range doc.Checks {
			cc := Check(c.checkFields)
			cc.Observed, cc.Limit = float64(c.Observed), float64(c.Limit)
			cc.Unit, cc.Samples, cc.Pass, cc.Message = c.Unit, c.Samples, c.Pass, c.Message
			run.Checks[i] = cc
		}
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
