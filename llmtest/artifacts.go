package llmtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
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
	// report.json is the run's model, which LoadResult reads back.
	JUnitFile          = "junit.xml"
	ReportJSONFile     = "report.json"
	ReportMarkdownFile = "report.md"
)

// LLMeter's documents — run_config.json, summary.json and stats.json — are
// renderings of the model with LLMeter's field names, in a fixed order:
// the run's identity and load shape (run_config.json adds low_memory);
// summary.json adds the outcome; stats.json adds the flat stats keys of
// reporters.Run.Stats. None holds a secret: the endpoint appears only
// through its Info.

// llmeterMeta returns the run's identity and load shape.
func (r *Result) llmeterMeta() object {
	run, c := &r.Run, &r.Run.Config
	o := object{{"run_name", run.Name}, {"run_description", run.Description}}
	o = o.addIf(run.TestName != "", "test_name", run.TestName)
	o = append(o, member{"provider", run.Endpoint.Provider}, member{"model_id", run.Endpoint.Model},
		member{"endpoint_name", run.Endpoint.Name})
	o = o.addIf(run.Endpoint.URL != "", "url", run.Endpoint.URL)
	o = append(o, member{"clients", c.Clients}, member{"n_requests", c.Requests})
	o = o.addIf(c.Duration != 0, "run_duration", c.Duration)
	o = o.addIf(c.RampUp != 0, "ramp_up", c.RampUp)
	o = append(o, member{"timeout", c.Timeout}, member{"tokenizer", c.Tokenizer}, member{"payloads", c.Payloads})
	return o.addIf(r.OutputPath != "", "output_path", r.OutputPath)
}

// llmeterSummary returns summary.json: the identity, load shape and
// outcome.
func (r *Result) llmeterSummary() object {
	run := &r.Run
	return append(r.llmeterMeta(),
		member{"total_requests", run.Counts.Total},
		member{"total_test_time", run.TestTime},
		member{"start_time", utcOrNull(run.StartTime)},
		member{"end_time", utcOrNull(run.EndTime)},
		member{"interrupted", run.Interrupted})
}

// llmeterStats returns stats.json: summary.json's fields and the flat stats
// keys, in report order. The keys LLMeter does not have, dropped_requests
// and warmup_requests, are there only when not zero, so that a closed-loop
// run's stats.json is LLMeter's.
func (r *Result) llmeterStats() object {
	o := r.llmeterSummary()
	stats := r.Run.Stats()
	for _, k := range r.Run.StatKeys() {
		if (k == "dropped_requests" || k == "warmup_requests") && stats[k] == 0 {
			continue
		}
		o = append(o, member{k, stats[k]})
	}
	return o
}

func utcOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// object is a JSON object whose members keep their order (and may repeat
// a key, as stats.json does for total_requests and total_test_time).
type object []member

type member struct {
	key   string
	value any
}

func (o object) addIf(cond bool, key string, value any) object {
	if cond {
		return append(o, member{key, value})
	}
	return o
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, m.key)
		b = append(b, ':')
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.key, err)
		}
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// Save writes summary.json, stats.json and the reports — junit.xml,
// report.json (the run's model), report.md and the registered folder
// reports (reporters.RegisterFolderReport: report.html when the program
// imports package reporters/html) — to the run folder
// r.OutputPath, and responses.jsonl too when the folder has none (a Result
// built in memory); a merged Result (see Merge) also writes
// run_config.json and payload.jsonl when the folder has none. The reports
// hold the checks recorded so far: call Save again after adding checks. It
// is a no-op when r.OutputPath is empty.
func (r *Result) Save() error {
	if r.OutputPath == "" {
		return nil
	}
	return r.SaveTo(r.OutputPath)
}

// SaveTo writes what Save writes to dir, creating it if needed. When dir
// has no responses.jsonl, it writes the records of Responses there.
func (r *Result) SaveTo(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("llmtest: saving result: %w", err)
	}
	if err := writeJSONFile(filepath.Join(dir, SummaryFile), r.llmeterSummary()); err != nil {
		return err
	}
	if err := writeJSONFile(filepath.Join(dir, StatsFile), r.llmeterStats()); err != nil {
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
	for _, f := range reporters.FolderReports() {
		if f.Run == nil {
			continue
		}
		var b bytes.Buffer
		if err := f.Run(&b, report); err != nil {
			return fmt.Errorf("llmtest: rendering %s: %w", f.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("llmtest: writing %s: %w", f.Name, err)
		}
	}
	resp := filepath.Join(dir, ResponsesFile)
	if _, err := os.Stat(resp); errors.Is(err, fs.ErrNotExist) {
		if err := r.copyResponses(resp); err != nil {
			return fmt.Errorf("llmtest: saving result: %w", err)
		}
	}
	if len(r.shards) == 0 {
		return nil
	}
	// A merged result's folder is a run folder like any other.
	config := filepath.Join(dir, RunConfigFile)
	if _, err := os.Stat(config); errors.Is(err, fs.ErrNotExist) {
		if err := writeJSONFile(config, append(r.llmeterMeta(), member{"low_memory", r.Run.Config.LowMemory})); err != nil {
			return err
		}
	}
	payloads := filepath.Join(dir, PayloadFile)
	if _, err := os.Stat(payloads); errors.Is(err, fs.ErrNotExist) {
		for _, s := range r.shards {
			if s.OutputPath == "" {
				continue
			}
			err := copyFile(payloads, filepath.Join(s.OutputPath, PayloadFile))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("llmtest: saving result: %w", err)
			}
			break
		}
	}
	return nil
}

// copyFile copies the file src to a new file dst, streamed; a missing src
// is an error wrapping fs.ErrNotExist, and leaves no dst.
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}

// copyResponses writes the records of Responses to a new responses.jsonl
// at path.
func (r *Result) copyResponses(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	rw := &responseWriter{f: f, w: bufio.NewWriterSize(f, 64<<10)}
	for inv, err := range r.Responses() {
		if err != nil {
			_ = rw.close()
			return err
		}
		if err := rw.write(&inv); err != nil {
			_ = rw.close()
			return err
		}
	}
	return rw.close()
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

// startArtifacts creates the run folder of r and writes run_config.json
// and payload.jsonl, and opens responses.jsonl for appending. The files a
// run writes at its end (summary.json, stats.json and the reports) are
// removed first when an earlier run of the same name left them: until this
// run ends, the folder must not describe another one (a process that dies
// mid-run leaves run_config.json and responses.jsonl, which LoadResult
// reads as an interrupted run).
func startArtifacts(r *Result, payloads []endpoints.Payload) (*responseWriter, error) {
	dir := r.OutputPath
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("llmtest: creating run folder: %w", err)
	}
	for _, name := range endOfRunFiles() {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("llmtest: removing the earlier run's %s: %w", name, err)
		}
	}
	config := append(r.llmeterMeta(), member{"low_memory", r.Run.Config.LowMemory})
	// A shard's folder says it is one from the start, so that a merge
	// tells a shard whose process died from a run that is no shard.
	config = config.addIf(r.Run.Config.Shard != nil, "shard", r.Run.Config.Shard)
	if err := writeJSONFile(filepath.Join(dir, RunConfigFile), config); err != nil {
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

// endOfRunFiles returns the files of a run folder written when the run
// ends: the reports of package reporters and the registered folder
// reports (reporters.FolderReports).
func endOfRunFiles() []string {
	names := []string{SummaryFile, StatsFile, ReportJSONFile, JUnitFile, ReportMarkdownFile}
	for _, f := range reporters.FolderReports() {
		if f.Run != nil {
			names = append(names, f.Name)
		}
	}
	return names
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

// LoadResult reads a run folder back into a Result.
//
// A folder written by this version holds the run's model in report.json:
// the Result is that model, checks included, with the invocations of
// responses.jsonl unless the run was low-memory (Responses streams them
// then). An older llmtest folder, and one written by LLMeter
// (summary.json, stats.json and responses.jsonl), has its metadata read
// from summary.json and its statistics recomputed, exactly, from
// responses.jsonl. A folder whose run was interrupted loads too: without
// summary.json (the process died) the metadata comes from run_config.json,
// LLMeter's included, the time span from the records, a torn last line of
// responses.jsonl is dropped, and the Result is marked Interrupted.
func LoadResult(dir string) (*Result, error) { return loadResult(dir, true) }

// OpenResult is LoadResult for a reader of the run's figures: a folder
// with a model (report.json of schema version 2 or later, whose figures
// are whole) keeps its records on disk, Result.Invocations stays empty and
// Result.Responses streams them, so that opening a run of a million
// requests costs no memory per request. An older llmtest folder and an
// LLMeter folder have their records read, as LoadResult reads them, to
// compute their exact statistics.
func OpenResult(dir string) (*Result, error) {
	run, err := readModel(filepath.Join(dir, ReportJSONFile))
	if err != nil {
		return nil, err
	}
	return loadResult(dir, run == nil)
}

// loadResult is LoadResult; without keep, the Result holds no invocation
// (Responses reads them from dir), and a folder without a model has its
// percentiles read from the histograms.
func loadResult(dir string, keep bool) (*Result, error) {
	run, err := readModel(filepath.Join(dir, ReportJSONFile))
	if err != nil {
		return nil, err
	}
	if run != nil {
		r := &Result{Run: *run, OutputPath: dir, onDisk: !keep}
		if keep && !run.Config.LowMemory {
			r.Invocations, _, err = loadResponses(filepath.Join(dir, ResponsesFile))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		r.Stats = statsOf(&r.Run)
		return r, nil
	}

	// An older folder: metadata from summary.json, or from run_config.json
	// after a crash, statistics from the records.
	f, err := readFields(filepath.Join(dir, SummaryFile))
	crashed := false
	if errors.Is(err, fs.ErrNotExist) {
		f, err = readFields(filepath.Join(dir, RunConfigFile))
		crashed = true
	}
	if err != nil {
		return nil, err
	}
	r := &Result{OutputPath: dir, Run: f.model()}
	f.get("shard", &r.Run.Config.Shard)
	total := secondsToDurationOrZero(f.number("total_test_time"))
	if f.err != nil {
		return nil, f.err
	}
	if _, ok := f.m["low_memory"]; !ok && !crashed {
		// LLMeter's summary.json does not say whether the run was
		// low-memory; its run_config.json does.
		if rc, err := readFields(filepath.Join(dir, RunConfigFile)); err == nil {
			rc.get("low_memory", &r.Run.Config.LowMemory)
		}
	}
	// The model is built as a run builds it, keeping the records (and
	// exact percentiles) unless the run was low-memory. Every window of
	// the series stays open until the end: responses.jsonl is in order of
	// completion as the collector wrote it, but LLMeter's records carry
	// send times truncated to the second, and a late record must still
	// reach its window's percentiles.
	keep = keep && !r.Run.Config.LowMemory
	r.onDisk = !keep
	b := newModelBuilder(&r.Run, keep, false)
	var start, end time.Time
	torn := false
	for inv, err := range readResponses(filepath.Join(dir, ResponsesFile), &torn) {
		if err != nil {
			return nil, err
		}
		if start.IsZero() || inv.RequestTime.Before(start) {
			start = inv.RequestTime
		}
		if e := inv.endTime(); e.After(end) {
			end = e
		}
		b.add(&inv)
		if keep {
			r.Invocations = append(r.Invocations, inv)
		}
	}
	if total == 0 && r.Run.Counts.Total > 0 {
		// No summary: the run spans from the first send to the latest end.
		r.Run.StartTime, r.Run.EndTime = start, end
		total = end.Sub(start)
	}
	r.Run.Interrupted = r.Run.Interrupted || crashed || torn
	b.finish(total, r.Invocations)
	r.Stats = statsOf(&r.Run)
	return r, nil
}

// readModel reads report.json, the model, when the folder has one of
// schema version 2 or later; it returns nil and no error when the folder
// has none or an older one (whose figures were not kept whole).
func readModel(path string) (*reporters.Run, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("llmtest: reading run: %w", err)
	}
	defer f.Close()
	run, err := reporters.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("llmtest: %s: %w", path, err)
	}
	if run.SchemaVersion < 2 {
		return nil, nil
	}
	return run, nil
}

// fields are the members of an older summary.json or run_config.json, read
// by name; err keeps the first member of a wrong type, naming the file and
// the member.
type fields struct {
	path string
	m    map[string]json.RawMessage
	err  error
}

func readFields(path string) (*fields, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("llmtest: reading run: %w", err)
	}
	f := &fields{path: path}
	if err := json.Unmarshal(b, &f.m); err != nil {
		return nil, fmt.Errorf("llmtest: %s: line %d: %w", path, lineOf(b, err), err)
	}
	return f, nil
}

// get decodes member key into v; an absent or null member leaves v as is.
func (f *fields) get(key string, v any) {
	raw, ok := f.m[key]
	if !ok || f.err != nil || bytes.Equal(raw, []byte("null")) {
		return
	}
	if err := json.Unmarshal(raw, v); err != nil {
		f.err = fmt.Errorf("llmtest: %s: %s: %w", f.path, key, err)
	}
}

func (f *fields) str(key string) (s string) { f.get(key, &s); return s }

func (f *fields) number(key string) (v float64) { f.get(key, &v); return v }

func (f *fields) integer(key string) int { return int(f.number(key)) }

// model returns the run's identity, load shape, times and interruption.
// LLMeter's run_config.json nests the endpoint in an object and writes the
// tokenizer as one ({"tokenizer_module": …, "name": …}).
func (f *fields) model() reporters.Run {
	run := reporters.Run{
		Name:        f.str("run_name"),
		Description: f.str("run_description"),
		TestName:    f.str("test_name"),
		Endpoint: reporters.Endpoint{
			Provider: f.str("provider"), Model: f.str("model_id"), Name: f.str("endpoint_name"), URL: f.str("url"),
		},
		Config: reporters.Config{
			Clients:  f.integer("clients"),
			Requests: f.integer("n_requests"),
			Duration: f.number("run_duration"),
			RampUp:   f.number("ramp_up"),
			Timeout:  f.number("timeout"),
			Payloads: f.integer("payloads"),
		},
	}
	if raw := f.m["endpoint"]; len(raw) > 0 && raw[0] == '{' {
		var ep struct {
			Provider string `json:"provider"`
			Model    string `json:"model_id"`
			Name     string `json:"endpoint_name"`
		}
		f.get("endpoint", &ep)
		run.Endpoint = reporters.Endpoint{Provider: ep.Provider, Model: ep.Model, Name: ep.Name}
	}
	if raw := f.m["tokenizer"]; len(raw) > 0 && raw[0] == '{' {
		var tok struct {
			Module string `json:"tokenizer_module"`
			Name   string `json:"name"`
		}
		f.get("tokenizer", &tok)
		run.Config.Tokenizer = tok.Module
		if tok.Name != "" {
			run.Config.Tokenizer += "/" + tok.Name
		}
	} else {
		run.Config.Tokenizer = f.str("tokenizer")
	}
	f.get("low_memory", &run.Config.LowMemory)
	f.get("start_time", &run.StartTime)
	f.get("end_time", &run.EndTime)
	f.get("interrupted", &run.Interrupted)
	return run
}

func secondsToDurationOrZero(s float64) time.Duration {
	if s <= 0 || s > maxSeconds {
		return 0
	}
	return secondsToDuration(s)
}

// loadResponses reads every record of responses.jsonl at path; torn
// reports a torn last line, dropped.
func loadResponses(path string) (invs []Invocation, torn bool, err error) {
	for inv, err := range readResponses(path, &torn) {
		if err != nil {
			return nil, false, err
		}
		invs = append(invs, inv)
	}
	return invs, torn, nil
}

// readResponses returns an iterator over the records of responses.jsonl at
// path, read one line at a time into a reused buffer, so that the file is
// never held whole. A malformed line ends the iteration with an error
// naming it, except a last line without its newline, which a crash can
// leave behind: that one is dropped, and *torn (when torn is not nil) set.
func readResponses(path string, torn *bool) iter.Seq2[Invocation, error] {
	return func(yield func(Invocation, error) bool) {
		f, err := os.Open(path)
		if err != nil {
			yield(Invocation{}, fmt.Errorf("llmtest: reading run: %w", err))
			return
		}
		defer f.Close()
		br := bufio.NewReaderSize(f, 64<<10)
		var line []byte
		for n := 1; ; n++ {
			var rerr error
			line, rerr = readLine(br, line[:0])
			if len(bytes.TrimSpace(line)) > 0 {
				var inv Invocation
				if err := json.Unmarshal(line, &inv); err != nil {
					if rerr == io.EOF { // an unterminated last line
						if torn != nil {
							*torn = true
						}
						return
					}
					yield(Invocation{}, fmt.Errorf("llmtest: %s:%d: %w", path, n, err))
					return
				}
				if !yield(inv, nil) {
					return
				}
			}
			if rerr == io.EOF {
				return
			}
			if rerr != nil {
				yield(Invocation{}, fmt.Errorf("llmtest: reading %s: %w", path, rerr))
				return
			}
		}
	}
}

// readLine appends the next line of br, with its newline, to buf.
func readLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if err != bufio.ErrBufferFull {
			return buf, err
		}
	}
}
