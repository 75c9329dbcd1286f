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
	"slices"
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
	return o.addIf(r.OutputPath != "", "output_path", RedactOutputPath(r.OutputPath))
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

// SaveTo writes what Save writes to dir, creating it if needed; dir is a
// local folder or a bucket URL (see [Bucket]). When dir has no records —
// no responses.jsonl, and in a bucket no parts — it writes the records of
// Responses there: one responses.jsonl in a local folder, parts (see
// [ResponseParts], with their defaults) in a bucket.
func (r *Result) SaveTo(dir string) error {
	f, err := openFolder(dir)
	if err != nil {
		return err
	}
	return errors.Join(r.saveTo(f), f.Close())
}

func (r *Result) saveTo(f *folder) error {
	if err := f.mkdir(); err != nil {
		return fmt.Errorf("llmtest: saving result: %w", err)
	}
	if err := writeJSONFile(f, SummaryFile, r.llmeterSummary()); err != nil {
		return err
	}
	if err := writeJSONFile(f, StatsFile, r.llmeterStats()); err != nil {
		return err
	}
	report := r.Report()
	for _, rf := range []struct {
		name string
		new  func(io.Writer) reporters.Reporter
	}{
		{JUnitFile, func(w io.Writer) reporters.Reporter { return reporters.NewJUnit(w) }},
		{ReportJSONFile, func(w io.Writer) reporters.Reporter { return reporters.NewJSON(w) }},
		{ReportMarkdownFile, func(w io.Writer) reporters.Reporter { return reporters.NewMarkdown(w) }},
	} {
		var b bytes.Buffer
		if err := rf.new(&b).Write(report); err != nil {
			return fmt.Errorf("llmtest: rendering %s: %w", rf.name, err)
		}
		if err := f.writeFile(rf.name, b.Bytes()); err != nil {
			return fmt.Errorf("llmtest: writing %s: %w", f.name(rf.name), err)
		}
	}
	for _, fr := range reporters.FolderReports() {
		if fr.Run == nil {
			continue
		}
		var b bytes.Buffer
		if err := fr.Run(&b, report); err != nil {
			return fmt.Errorf("llmtest: rendering %s: %w", fr.Name, err)
		}
		if err := f.writeFile(fr.Name, b.Bytes()); err != nil {
			return fmt.Errorf("llmtest: writing %s: %w", f.name(fr.Name), err)
		}
	}
	has, err := hasResponses(f)
	if err != nil {
		return fmt.Errorf("llmtest: saving result: %w", err)
	}
	if !has {
		if err := r.copyResponses(f); err != nil {
			return fmt.Errorf("llmtest: saving result: %w", err)
		}
	}
	if len(r.shards) == 0 {
		return nil
	}
	// A merged result's folder is a run folder like any other.
	if ok, err := f.exists(RunConfigFile); err != nil {
		return fmt.Errorf("llmtest: saving result: %w", err)
	} else if !ok {
		if err := writeJSONFile(f, RunConfigFile, append(r.llmeterMeta(), member{"low_memory", r.Run.Config.LowMemory})); err != nil {
			return err
		}
	}
	if ok, err := f.exists(PayloadFile); err != nil {
		return fmt.Errorf("llmtest: saving result: %w", err)
	} else if ok {
		return nil
	}
	for _, s := range r.shards {
		if s.OutputPath == "" {
			continue
		}
		err := copyFile(f, s.OutputPath, PayloadFile)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("llmtest: saving result: %w", err)
		}
		break
	}
	return nil
}

// hasResponses reports whether the folder holds records: responses.jsonl,
// or parts of it.
func hasResponses(f *folder) (bool, error) {
	if ok, err := f.exists(ResponsesFile); ok || err != nil {
		return ok, err
	}
	names, err := f.list(ResponsesDir)
	return len(partNames(names)) > 0, err
}

// copyFile copies the file name of the folder src to dst, streamed; a
// missing source is an error wrapping fs.ErrNotExist, and leaves no copy.
func copyFile(dst *folder, src, name string) error {
	sf, err := openFolder(src)
	if err != nil {
		return err
	}
	defer sf.Close()
	in, err := sf.open(name)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := dst.create(name)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}

// copyResponses writes the records of Responses to the folder, as a new
// responses.jsonl or, in a bucket, as parts. A merged result whose shards'
// records are all in folders of this version (report.json of schema 2 or
// later) has their lines copied as they are, each checked to be JSON,
// rather than decoded and encoded again.
func (r *Result) copyResponses(f *folder) error {
	rw, err := newResponseWriter(f, ResponseParts{})
	if err != nil {
		return err
	}
	if r.rawShards() {
		for _, s := range r.shards {
			if err := copyRawResponses(s.OutputPath, rw); err != nil {
				_ = rw.close()
				return err
			}
		}
		return rw.close()
	}
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

func writeJSONFile(f *folder, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("llmtest: encoding %s: %w", name, err)
	}
	if err := f.writeFile(name, append(b, '\n')); err != nil {
		return fmt.Errorf("llmtest: writing %s: %w", f.name(name), err)
	}
	return nil
}

// startArtifacts creates the run folder of r and writes run_config.json
// and payload.jsonl, and opens the records' file: responses.jsonl in a
// local folder, parts in a bucket (see [ResponseParts]). The files a run
// writes at its end (summary.json, stats.json and the reports) are removed
// first when an earlier run of the same name left them, and so are its
// records: until this run ends, the folder must not describe another one
// (a process that dies mid-run leaves run_config.json and the records,
// which LoadResult reads as an interrupted run). The writer closes the
// folder.
func startArtifacts(r *Result, payloads []endpoints.Payload, parts ResponseParts) (*responseWriter, error) {
	f, err := openFolder(r.OutputPath)
	if err != nil {
		return nil, err
	}
	rw, err := startFolder(f, r, payloads, parts)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	rw.own = true
	return rw, nil
}

func startFolder(f *folder, r *Result, payloads []endpoints.Payload, parts ResponseParts) (*responseWriter, error) {
	if err := f.mkdir(); err != nil {
		return nil, fmt.Errorf("llmtest: creating run folder: %w", err)
	}
	stale := endOfRunFiles()
	if f.isBucket() {
		names, err := f.list(ResponsesDir)
		if err != nil {
			return nil, fmt.Errorf("llmtest: listing the earlier run's %s: %w", f.name(ResponsesDir), err)
		}
		stale = append(append(slices.Clip(stale), ResponsesFile), names...)
	}
	for _, name := range stale {
		if err := f.remove(name); err != nil {
			return nil, fmt.Errorf("llmtest: removing the earlier run's %s: %w", name, err)
		}
	}
	config := append(r.llmeterMeta(), member{"low_memory", r.Run.Config.LowMemory})
	// A shard's folder says it is one from the start, so that a merge
	// tells a shard whose process died from a run that is no shard.
	config = config.addIf(r.Run.Config.Shard != nil, "shard", r.Run.Config.Shard)
	if err := writeJSONFile(f, RunConfigFile, config); err != nil {
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
	if err := f.writeFile(PayloadFile, pb.Bytes()); err != nil {
		return nil, fmt.Errorf("llmtest: writing %s: %w", f.name(PayloadFile), err)
	}
	return newResponseWriter(f, parts)
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

// responseWriter appends invocations to the records' file: responses.jsonl
// in a local folder, parts in a bucket. The collector owns it; it encodes
// into a reused buffer, so a record costs no allocation (in a bucket, the
// part's growth aside).
type responseWriter struct {
	f     *os.File
	w     *bufio.Writer
	parts *partWriter
	dir   *folder
	own   bool // close closes dir
	buf   []byte
}

// newResponseWriter creates the records' file of the folder.
func newResponseWriter(f *folder, parts ResponseParts) (*responseWriter, error) {
	if f.isBucket() {
		return &responseWriter{parts: newPartWriter(f, parts), dir: f}, nil
	}
	path := filepath.Join(f.loc.local, ResponsesFile)
	file, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("llmtest: creating %s: %w", ResponsesFile, err)
	}
	return &responseWriter{f: file, w: bufio.NewWriterSize(file, 64<<10), dir: f}, nil
}

func (rw *responseWriter) write(inv *Invocation) error {
	rw.buf = inv.appendJSON(rw.buf[:0])
	rw.buf = append(rw.buf, '\n')
	return rw.writeLine(rw.buf)
}

// writeLine writes one record's line, its newline included.
func (rw *responseWriter) writeLine(line []byte) error {
	if rw.parts != nil {
		return rw.parts.write(line)
	}
	if _, err := rw.w.Write(line); err != nil {
		return fmt.Errorf("llmtest: writing %s: %w", ResponsesFile, err)
	}
	return nil
}

// flush hands buffered records to the operating system, so that they
// survive a crash of the process. In a bucket it does nothing: a part is
// uploaded when it is closed.
func (rw *responseWriter) flush() error {
	if rw.parts != nil {
		return nil
	}
	if err := rw.w.Flush(); err != nil {
		return fmt.Errorf("llmtest: writing %s: %w", ResponsesFile, err)
	}
	return nil
}

func (rw *responseWriter) close() error {
	var err error
	if rw.parts != nil {
		err = rw.parts.close()
	} else {
		err = rw.flush()
		if cerr := rw.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("llmtest: closing %s: %w", ResponsesFile, cerr)
		}
	}
	if rw.own {
		err = errors.Join(err, rw.dir.Close())
		rw.own = false
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
//
// dir is a local folder or a bucket URL (see [Bucket]); the records are
// read from responses.jsonl or, when the folder has none, from its parts
// (responses/part-00000.jsonl and on, in order), whichever storage holds
// them.
func LoadResult(dir string) (*Result, error) { return loadResult(dir, true) }

// OpenResult is LoadResult for a reader of the run's figures: a folder
// with a model (report.json of schema version 2 or later, whose figures
// are whole) keeps its records on disk, Result.Invocations stays empty and
// Result.Responses streams them, so that opening a run of a million
// requests costs no memory per request. An older llmtest folder and an
// LLMeter folder have their records read, as LoadResult reads them, to
// compute their exact statistics.
func OpenResult(dir string) (*Result, error) {
	f, err := openFolder(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	run, err := readModel(f)
	if err != nil {
		return nil, err
	}
	return loadFolder(f, dir, run == nil)
}

// loadResult is LoadResult; without keep, the Result holds no invocation
// (Responses reads them from dir), and a folder without a model has its
// percentiles read from the histograms.
func loadResult(dir string, keep bool) (*Result, error) {
	f, err := openFolder(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return loadFolder(f, dir, keep)
}

// loadFolder is loadResult of the opened folder f, named dir.
func loadFolder(fo *folder, dir string, keep bool) (*Result, error) {
	run, err := readModel(fo)
	if err != nil {
		return nil, err
	}
	if run != nil {
		r := &Result{Run: *run, OutputPath: dir, onDisk: !keep}
		if keep && !run.Config.LowMemory {
			r.Invocations, _, err = loadResponses(fo)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		r.Stats = statsOf(&r.Run)
		return r, nil
	}

	// An older folder: metadata from summary.json, or from run_config.json
	// after a crash, statistics from the records.
	f, err := readFields(fo, SummaryFile)
	crashed := false
	if errors.Is(err, fs.ErrNotExist) {
		f, err = readFields(fo, RunConfigFile)
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
		if rc, err := readFields(fo, RunConfigFile); err == nil {
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
	for inv, err := range folderResponses(fo, &torn) {
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
func readModel(fo *folder) (*reporters.Run, error) {
	path := fo.name(ReportJSONFile)
	f, err := fo.open(ReportJSONFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("llmtest: reading run: %s: %w", path, err)
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

func readFields(fo *folder, name string) (*fields, error) {
	path := fo.name(name)
	b, err := fo.readFile(name)
	if err != nil {
		if fo.isBucket() || !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("llmtest: reading run: %s: %w", path, err)
		}
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

// loadResponses reads every record of the folder (see folderResponses);
// torn reports a torn last line, dropped.
func loadResponses(fo *folder) (invs []Invocation, torn bool, err error) {
	for inv, err := range folderResponses(fo, &torn) {
		if err != nil {
			return nil, false, err
		}
		invs = append(invs, inv)
	}
	return invs, torn, nil
}

// readResponses returns an iterator over the records of the run folder
// dir (see folderResponses), which it opens and closes.
func readResponses(dir string, torn *bool) iter.Seq2[Invocation, error] {
	return func(yield func(Invocation, error) bool) {
		fo, err := openFolder(dir)
		if err != nil {
			yield(Invocation{}, err)
			return
		}
		defer fo.Close()
		for inv, err := range folderResponses(fo, torn) {
			if !yield(inv, err) || err != nil {
				return
			}
		}
	}
}

// folderResponses returns an iterator over the records of the folder:
// responses.jsonl, or when it has none, its parts in order (see
// ResponsesDir). A folder with neither is an error wrapping
// fs.ErrNotExist.
func folderResponses(fo *folder, torn *bool) iter.Seq2[Invocation, error] {
	return func(yield func(Invocation, error) bool) {
		files, err := responseFiles(fo)
		if err != nil {
			yield(Invocation{}, err)
			return
		}
		for _, name := range files {
			if !readRecords(fo, name, torn, yield) {
				return
			}
		}
	}
}

// responseFiles returns the files of the folder's records, in order:
// responses.jsonl, or when it has none, its parts (see ResponsesDir), or
// responses.jsonl again when it has neither, whose reading then fails
// with an error wrapping fs.ErrNotExist.
func responseFiles(fo *folder) ([]string, error) {
	ok, err := fo.exists(ResponsesFile)
	switch {
	case err != nil:
		return nil, fmt.Errorf("llmtest: reading run: %s: %w", fo.name(ResponsesFile), err)
	case ok:
		return []string{ResponsesFile}, nil
	}
	names, err := fo.list(ResponsesDir)
	if err != nil {
		return nil, fmt.Errorf("llmtest: reading run: %s: %w", fo.name(ResponsesDir), err)
	}
	if parts := partNames(names); len(parts) > 0 {
		return parts, nil
	}
	return []string{ResponsesFile}, nil
}

// readRecords yields the records of the file name of fo, read one line at
// a time into a reused buffer, so that the file is never held whole, and
// reports whether to go on. A malformed line ends the iteration with an
// error naming it, except a last line without its newline, which a crash
// can leave behind: that one is dropped, and *torn (when torn is not nil)
// set.
func readRecords(fo *folder, name string, torn *bool, yield func(Invocation, error) bool) bool {
	path := fo.name(name)
	f, err := fo.open(name)
	if err != nil {
		if fo.isBucket() || !errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%s: %w", path, err)
		}
		yield(Invocation{}, fmt.Errorf("llmtest: reading run: %w", err))
		return false
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
					return true
				}
				yield(Invocation{}, fmt.Errorf("llmtest: %s:%d: %w", path, n, err))
				return false
			}
			if !yield(inv, nil) {
				return false
			}
		}
		if rerr == io.EOF {
			return true
		}
		if rerr != nil {
			yield(Invocation{}, fmt.Errorf("llmtest: reading %s: %w", path, rerr))
			return false
		}
	}
}

// rawShards reports whether r is a merge of shards whose records are all
// on disk in this version's format, so that they can be copied line by
// line.
func (r *Result) rawShards() bool {
	if r.shards == nil {
		return false
	}
	for _, s := range r.shards {
		if s.shards != nil || s.OutputPath == "" || len(s.Invocations) > 0 || s.Run.SchemaVersion < reporters.SchemaVersion {
			return false
		}
	}
	return true
}

// copyRawResponses copies the record lines of the run folder dir to rw as
// they are. A line that is not JSON is an error naming it, except a torn
// last line, which is dropped as readRecords drops it.
func copyRawResponses(dir string, rw *responseWriter) error {
	fo, err := openFolder(dir)
	if err != nil {
		return err
	}
	defer fo.Close()
	files, err := responseFiles(fo)
	if err != nil {
		return err
	}
	for _, name := range files {
		if err := copyRawFile(fo, name, rw); err != nil {
			return err
		}
	}
	return nil
}

func copyRawFile(fo *folder, name string, rw *responseWriter) error {
	path := fo.name(name)
	f, err := fo.open(name)
	if err != nil {
		return fmt.Errorf("llmtest: reading run: %s: %w", path, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var line []byte
	for n := 1; ; n++ {
		var rerr error
		line, rerr = readLine(br, line[:0])
		if rec := bytes.TrimSpace(line); len(rec) > 0 {
			if !json.Valid(rec) {
				if rerr == io.EOF {
					return nil // an unterminated last line
				}
				return fmt.Errorf("llmtest: %s:%d: not a JSON record", path, n)
			}
			if err := rw.writeLine(append(rec, '\n')); err != nil {
				return err
			}
		}
		switch {
		case rerr == io.EOF:
			return nil
		case rerr != nil:
			return fmt.Errorf("llmtest: reading %s: %w", path, rerr)
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
