package reporters

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func jsonBytes(t *testing.T, run *Run) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := NewJSON(&buf).Write(run); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestJSONGolden(t *testing.T) {
	golden(t, "run.json", jsonBytes(t, sampleRun()))
}

func TestJSONRoundTrip(t *testing.T) {
	for name, run := range map[string]*Run{
		"sample": sampleRun(), "interrupted": interruptedRun(), "zero-checks": emptyRun(), "escaping": nastyRun(),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadJSON(bytes.NewReader(jsonBytes(t, run)))
			if err != nil {
				t.Fatalf("ReadJSON: %v", err)
			}
			want := *run
			// JSON carries strings as they are, control characters
			// included, except that each byte of invalid UTF-8 becomes
			// U+FFFD.
			validUTF8 := func(s string) string { return strings.Map(func(r rune) rune { return r }, s) }
			want.Checks = slices.Clone(run.Checks)
			for i := range want.Checks {
				want.Checks[i].Message = validUTF8(want.Checks[i].Message)
			}
			want.Name = validUTF8(want.Name)
			if want.Metrics == nil {
				want.Metrics = []Metric{}
			}
			if want.Series == nil {
				want.Series = []Window{}
			}
			if want.Errors == nil {
				want.Errors = []ErrorCount{}
			}
			if !reflect.DeepEqual(got, &want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(&want)
				t.Errorf("round trip differs:\n got %s\nwant %s", g, w)
			}
		})
	}
}

// TestReadJSONVersion1 pins that a version-1 document, with flat stats and
// sample counts, reads as the model: counts, token totals and exact
// metrics without histograms.
func TestReadJSONVersion1(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "run_v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	want := sampleRun()
	want.SchemaVersion = 1
	want.RelativeError = 0
	want.Errors, want.Series = nil, nil
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("version 1 read as\n %s\nwant %s", g, w)
	}
	if got.Stats()["time_to_first_token-p99"] != 0.412 || got.RequestsPerMinute() == 0 {
		t.Errorf("stats of a version-1 run: %v", got.Stats())
	}
}

// TestJSONHistogramsRoundTrip pins that histograms come back whole, so
// that a run read back merges and answers any percentile as it did.
func TestJSONHistogramsRoundTrip(t *testing.T) {
	run := sampleRun()
	h := NewHistogram()
	for v := int64(1e6); v < 1e9; v += 1e6 {
		h.Record(v)
	}
	run.Metrics[0].Histogram = h
	got, err := ReadJSON(bytes.NewReader(jsonBytes(t, run)))
	if err != nil {
		t.Fatal(err)
	}
	back := got.Metrics[0].Histogram
	if back.Count() != h.Count() || back.Quantile(99.9) != h.Quantile(99.9) {
		t.Errorf("histogram read back with %d values, p99.9 %v; want %d, %v", back.Count(), back.Quantile(99.9), h.Count(), h.Quantile(99.9))
	}
	if got.Metrics[1].Histogram != nil {
		t.Error("a metric without a histogram read back with one")
	}
}

func TestJSONWritesSchemaVersion(t *testing.T) {
	run := sampleRun()
	run.SchemaVersion = 0 // a Run built by hand
	got, err := ReadJSON(bytes.NewReader(jsonBytes(t, run)))
	if err != nil {
		t.Fatal(err)
	}
	if got.SchemaVersion != SchemaVersion {
		t.Errorf("schema_version read back %d, want %d", got.SchemaVersion, SchemaVersion)
	}
	if run.SchemaVersion != 0 {
		t.Error("Write modified its run")
	}
}

func TestJSONEmptyCollections(t *testing.T) {
	out := string(jsonBytes(t, &Run{Name: "bare"}))
	for _, want := range []string{`"metrics": []`, `"errors": []`, `"series": []`, `"checks": []`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"generator"`) {
		t.Errorf("output has a generator self-check without one:\n%s", out)
	}
}

func TestJSONNonFinite(t *testing.T) {
	run := sampleRun()
	run.Metrics[0].P99 = math.NaN()
	run.Metrics[0].Max = math.Inf(1)
	run.Checks[0].Observed = math.NaN()
	out := jsonBytes(t, run)
	for _, want := range []string{`"p99": null`, `"max": null`, `"observed": null`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %s", want)
		}
	}
	got, err := ReadJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(got.Metrics[0].P99) || !math.IsNaN(got.Checks[0].Observed) {
		t.Errorf("nulls read back as %v and %v, want NaN", got.Metrics[0].P99, got.Checks[0].Observed)
	}
	if got.Checks[0].Limit != 0.8 {
		t.Errorf("limit read back as %v", got.Checks[0].Limit)
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		sentinel  error
		contains  string
	}{
		{"missing", `{"run_name": "x", "stats": {}}`, ErrNoSchemaVersion, "no schema_version"},
		{"null", `{"schema_version": null}`, ErrNoSchemaVersion, "no schema_version"},
		{"zero", `{"schema_version": 0}`, ErrNoSchemaVersion, "schema_version 0 is not a positive integer"},
		{"fraction", `{"schema_version": 1.5}`, ErrNoSchemaVersion, "schema_version 1.5 is not a positive integer"},
		{"newer", `{"schema_version": 3, "counts": "changed meaning"}`, ErrNewerSchemaVersion, "schema_version 3, this reader supports up to 2"},
		{"not json", `schema_version: 1`, nil, "reading run JSON"},
		{"not an object", `[1]`, nil, "reading run JSON"},
		{"wrong type", `{"schema_version": 1, "stats": []}`, nil, "reading run JSON"},
		{"wrong type v2", `{"schema_version": 2, "metrics": {}}`, nil, "reading run JSON"},
		{"bad histogram", `{"schema_version": 2, "metrics": [{"histogram": "HISTF!"}]}`, nil, "histogram"},
		{"trailing data", `{"schema_version": 1} {}`, nil, "reading run JSON"},
		{"empty", ``, nil, "reading run JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := ReadJSON(strings.NewReader(tt.doc))
			if err == nil {
				t.Fatalf("ReadJSON(%q) = %+v, want an error", tt.doc, run)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("error %q does not wrap %v", err, tt.sentinel)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not contain %q", err, tt.contains)
			}
		})
	}
}

func TestReadJSONIgnoresUnknownFields(t *testing.T) {
	run, err := ReadJSON(strings.NewReader(`{"schema_version": 1, "run_name": "x", "added_later": {"a": 1},
		"checks": [{"expression": "e", "pass": true, "new_field": 3}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if run.Name != "x" || len(run.Checks) != 1 || run.Checks[0].Expression != "e" || !run.Checks[0].Pass {
		t.Errorf("read %+v", run)
	}
}

func TestJSONNilRun(t *testing.T) {
	if err := NewJSON(&bytes.Buffer{}).Write(nil); !errors.Is(err, ErrNilRun) {
		t.Errorf("Write(nil) = %v, want ErrNilRun", err)
	}
}

// TestReadJSONVersion1WithoutSamples reads a version-1 document without
// its optional sample counts, and one of an interrupted run, whose
// total_test_time is null: every metric keeps its figures (each successful
// request counted as a sample), and the test time reads as 0, so that the
// run writes again.
func TestReadJSONVersion1WithoutSamples(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "run_v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "samples")
	doc["stats"].(map[string]any)["total_test_time"] = nil
	b, _ = json.Marshal(doc)
	got, err := ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Metrics) != 7 {
		t.Fatalf("got %d metrics, want 7", len(got.Metrics))
	}
	for _, m := range got.Metrics {
		if m.N != 397 {
			t.Errorf("%s: n = %d, want the 397 successful requests", m.Name, m.N)
		}
	}
	if v, ok := got.Stats()["time_to_first_token-p99"]; !ok || v != 0.412 {
		t.Errorf("time_to_first_token-p99 = %v, %v; want 0.412", v, ok)
	}
	if got.TestTime != 0 {
		t.Errorf("TestTime = %v, want 0 for null", got.TestTime)
	}
	var out bytes.Buffer
	if err := NewJSON(&out).Write(got); err != nil {
		t.Errorf("writing it again: %v", err)
	}
}
