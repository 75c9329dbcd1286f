package llmtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/reporters"
)

// The files of a run folder.
const (
	RunConfigFile = "run_config.json"
	PayloadFile   = "payload.jsonl"
	ResponsesFile = "responses.jsonl"
	SummaryFile   = "summary.json"
	StatsFile     = "stats.json"
	// JUnitFile, ReportJSONFile and ReportMarkdownFile hold the reports of
	// the run and the checks recorded on it (package reporters).
	JUnitFile          = "junit.xml"
	ReportJSONFile     = "report.json"
	ReportMarkdownFile = "report.md"
)

// runMeta is the JSON form of a run's identity and load shape, shared by
// run_config.json, summary.json and stats.json. Field names follow LLMeter.
// It holds no secret: the endpoint appears only through its Info.
type runMeta struct {
	RunName      string  `json:"run_name"`
	Description  string  `json:"run_description"`
	TestName     string  `json:"test_name,omitempty"`
	Provider     string  `json:"provider"`
	ModelID      string  `json:"model_id"`
	EndpointName string  `json:"endpoint_name"`
	URL          string  `json:"url,omitempty"`
	Clients      int     `json:"clients"`
	Requests     int     `json:"n_requests"`
	Duration     float64 `json:"run_duration,omitempty"`
	RampUp       float64 `json:"ramp_up,omitempty"`
	Timeout      float64 `json:"timeout"`
	Tokenizer    string  `json:"tokenizer"`
	Payloads     int     `json:"payloads"`
	OutputPath   string  `json:"output_path,omitempty"`
}

// summaryJSON is summary.json: the run's metadata and outcome.
type summaryJSON struct {
	runMeta
	TotalRequests int        `json:"total_requests"`
	TotalTestTime float64    `json:"total_test_time"`
	StartTime     *time.Time `json:"start_time"`
	EndTime       *time.Time `json:"end_time"`
	Interrupted   bool       `json:"interrupted"`
}

func (r *Result) meta() runMeta {
	return runMeta{
		RunName:      r.RunName,
		Description:  r.Description,
		TestName:     r.TestName,
		Provider:     r.Endpoint.Provider,
		ModelID:      r.Endpoint.Model,
		EndpointName: r.Endpoint.Name,
		URL:          r.Endpoint.URL,
		Clients:      r.Clients,
		Requests:     r.Requests,
		Duration:     r.Duration.Seconds(),
		RampUp:       r.RampUp.Seconds(),
		Timeout:      r.Timeout.Seconds(),
		Tokenizer:    r.Tokenizer,
		Payloads:     r.Payloads,
		OutputPath:   r.OutputPath,
	}
}

func (r *Result) summary() summaryJSON {
	s := summaryJSON{
		runMeta:       r.meta(),
		TotalRequests: len(r.Invocations),
		TotalTestTime: r.Stats.TotalTestTime.Seconds(),
		Interrupted:   r.Interrupted,
	}
	if !r.StartTime.IsZero() {
		t := r.StartTime.UTC()
		s.StartTime = &t
	}
	if !r.EndTime.IsZero() {
		t := r.EndTime.UTC()
		s.EndTime = &t
	}
	return s
}

// Save writes summary.json, stats.json and the reports — junit.xml,
// report.json (the versioned summary of package reporters) and report.md —
// to the run folder r.OutputPath, and responses.jsonl too when the folder
// has none (a Result built in memory). The reports hold the checks recorded
// so far: call Save again after adding checks. It is a no-op when
// r.OutputPath is empty.
func (r *Result) Save() error {
	if r.OutputPath == "" {
		return nil
	}
	return r.SaveTo(r.OutputPath)
}

// SaveTo writes what Save writes to dir, creating it if needed.
func (r *Result) SaveTo(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("llmtest: saving result: %w", err)
	}
	if err := writeJSONFile(filepath.Join(dir, SummaryFile), r.summary()); err != nil {
		return err
	}
	if err := writeJSONFile(filepath.Join(dir, StatsFile), r.statsDocument()); err != nil {
		return err
	}
	report := r.Report()
	for _, f := range []struct {
		name string
		new  func(io.Writer) reporters.Reporter
	}{
		{JUnitFile, func(w io.Writer) reporters.Reporter { return reporters.NewJUnit(w) }},
		{ReportJSONFile, func(w io.Writer) reporters.Reporter { return reporters.NewJSON(w) }},
		{ReportMarkdownFile, func(w io.Writer) reporters.Reporter { return reporters.NewMarkdown(w) }},
	} {
		var b bytes.Buffer
		if err := f.new(&b).Write(report); err != nil {
			return fmt.Errorf("llmtest: rendering %s: %w", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("llmtest: writing %s: %w", f.name, err)
		}
	}
	resp := filepath.Join(dir, ResponsesFile)
	if _, err := os.Stat(resp); errors.Is(err, fs.ErrNotExist) {
		var buf []byte
		for i := range r.Invocations {
			buf = r.Invocations[i].appendJSON(buf)
			buf = append(buf, '\n')
		}
		if err := os.WriteFile(resp, buf, 0o644); err != nil {
			return fmt.Errorf("llmtest: saving result: %w", err)
		}
	}
	return nil
}

// statsDocument is stats.json: LLMeter's layout, the summary fields and the
// flat stats keys in one object, keys in a stable order. Metrics without
// samples have no keys.
func (r *Result) statsDocument() json.Marshaler {
	return orderedStats{summary: r.summary(), stats: r.Stats.Map()}
}

type orderedStats struct {
	summary summaryJSON
	stats   map[string]float64
}

func (o orderedStats) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(o.summary)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(head[:len(head)-1]) // drop the closing brace
	for _, k := range sortedKeys(o.stats) {
		b.WriteByte(',')
		b.Write(appendString(nil, k))
		b.WriteByte(':')
		v, err := json.Marshal(o.stats[k])
		if err != nil {
			return nil, fmt.Errorf("stats key %q: %w", k, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("llmtest: encoding %s: %w", filepath.Base(path), err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("llmtest: writing %s: %w", filepath.Base(path), err)
	}
	return nil
}

// startArtifacts creates the run folder and writes run_config.json and
// payload.jsonl, and opens responses.jsonl for appending.
func startArtifacts(dir string, meta runMeta, payloads []endpoints.Payload) (*responseWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("llmtest: creating run folder: %w", err)
	}
	if err := writeJSONFile(filepath.Join(dir, RunConfigFile), meta); err != nil {
		return nil, err
	}
	var pb bytes.Buffer
	enc := json.NewEncoder(&pb)
	enc.SetEscapeHTML(false)
	for i, p := range payloads {
		if err := enc.Encode(p); err != nil {
			return nil, &PayloadError{Index: i, Err: fmt.Errorf("cannot encode as JSON: %w", err)}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, PayloadFile), pb.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("llmtest: writing %s: %w", PayloadFile, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, ResponsesFile), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("llmtest: creating %s: %w", ResponsesFile, err)
	}
	return &responseWriter{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// responseWriter appends invocations to responses.jsonl. The collector owns
// it; it encodes into a reused buffer, so a record costs no allocation.
type responseWriter struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
}

func (rw *responseWriter) write(inv *Invocation) error {
	rw.buf = inv.appendJSON(rw.buf[:0])
	rw.buf = append(rw.buf, '\n')
	if _, err := rw.w.Write(rw.buf); err != nil {
		return fmt.Errorf("llmtest: writing %s: %w", ResponsesFile, err)
	}
	return nil
}

// flush hands buffered records to the operating system, so that they
// survive a crash of the process.
func (rw *responseWriter) flush() error {
	if err := rw.w.Flush(); err != nil {
		return fmt.Errorf("llmtest: writing %s: %w", ResponsesFile, err)
	}
	return nil
}

func (rw *responseWriter) close() error {
	err := rw.flush()
	if cerr := rw.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("llmtest: closing %s: %w", ResponsesFile, cerr)
	}
	return err
}

// LoadResult reads a run folder back into a Result and recomputes its
// statistics from responses.jsonl. A folder whose run was interrupted
// loads too: without summary.json (the process died) the metadata comes
// from run_config.json, a torn last line of responses.jsonl is dropped, and
// the Result is marked Interrupted.
func LoadResult(dir string) (*Result, error) {
	var s summaryJSON
	interrupted := false
	if err := readJSONFile(filepath.Join(dir, SummaryFile), &s); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err := readJSONFile(filepath.Join(dir, RunConfigFile), &s.runMeta); err != nil {
			return nil, err
		}
		interrupted = true
	}
	invs, torn, err := readResponses(filepath.Join(dir, ResponsesFile))
	if err != nil {
		return nil, err
	}
	r := &Result{
		RunName:     s.RunName,
		Description: s.Description,
		TestName:    s.TestName,
		Endpoint: endpoints.Info{
			Provider: s.Provider, Model: s.ModelID, Name: s.EndpointName, URL: s.URL,
		},
		Clients:     s.Clients,
		Requests:    s.Requests,
		Duration:    secondsToDurationOrZero(s.Duration),
		RampUp:      secondsToDurationOrZero(s.RampUp),
		Timeout:     secondsToDurationOrZero(s.Timeout),
		Tokenizer:   s.Tokenizer,
		Payloads:    s.Payloads,
		Interrupted: s.Interrupted || interrupted || torn,
		OutputPath:  dir,
		Invocations: invs,
	}
	if s.StartTime != nil {
		r.StartTime = *s.StartTime
	}
	if s.EndTime != nil {
		r.EndTime = *s.EndTime
	}
	total := secondsToDurationOrZero(s.TotalTestTime)
	if total == 0 && len(invs) > 0 {
		// No summary: the run spans from the first send to the latest end.
		r.StartTime, r.EndTime = spanOf(invs)
		total = r.EndTime.Sub(r.StartTime)
	}
	r.computeStats(total)
	return r, nil
}

func secondsToDurationOrZero(s float64) time.Duration {
	if s <= 0 || s > maxSeconds {
		return 0
	}
	return secondsToDuration(s)
}

// spanOf returns the earliest send time and the latest end time of invs.
func spanOf(invs []Invocation) (start, end time.Time) {
	for i := range invs {
		inv := &invs[i]
		if start.IsZero() || inv.RequestTime.Before(start) {
			start = inv.RequestTime
		}
		e := inv.RequestTime.Add(max(inv.TimeToLastToken, inv.TimeToFirstToken))
		if e.After(end) {
			end = e
		}
	}
	return start, end
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("llmtest: reading run: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("llmtest: %s: line %d: %w", path, lineOf(b, err), err)
	}
	return nil
}

// readResponses reads responses.jsonl. A malformed line is an error naming
// it, except a last line without its newline, which a crash can leave
// behind: that one is dropped and torn is true.
func readResponses(path string) (invs []Invocation, torn bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("llmtest: reading run: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	for line := 1; ; line++ {
		b, rerr := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var inv Invocation
			if err := json.Unmarshal(b, &inv); err != nil {
				if rerr == io.EOF { // unterminated last line
					return invs, true, nil
				}
				return nil, false, fmt.Errorf("llmtest: %s:%d: %w", path, line, err)
			}
			invs = append(invs, inv)
		}
		if rerr == io.EOF {
			return invs, false, nil
		}
		if rerr != nil {
			return nil, false, fmt.Errorf("llmtest: reading %s: %w", path, rerr)
		}
	}
}
