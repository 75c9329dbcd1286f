package llmtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/llmtest/llmtest/reporters"
)

// Run runs one load test inside a test and returns its result, for the
// test's assertions.
//
// A configuration that breaks a rule, or payloads that cannot be loaded or
// prepared, fail the test at once with a message naming the field, file or
// line. The run uses t.Context(). A one-screen summary goes to t.Log, and
// the key figures go out with t.Attr (see [AttrKeys]), so `go test -json`
// consumers carry them.
//
// The run is named after the test when Config.RunName is empty: t.Name()
// made safe for a folder name ("TestChat/short_prompts" becomes
// "TestChat-short_prompts"), with "-2", "-3"… for the second and later
// runs that would take the same folder in one go test process (a test's
// second run, "TestA/b" and "TestA-b", -count), so that no run overwrites
// another and folders and JUnit classnames stay the same from one go test
// to the next. The test's name is recorded in every
// artifact (test_name) whatever the run's name.
//
// The run folder is Config.OutputPath/RunName, or, when OutputPath is
// empty, RunName under t.ArtifactDir() — which `go test -artifacts
// -outputdir DIR` keeps. run_config.json, payload.jsonl and responses.jsonl
// are written during the run; summary.json, stats.json and the reports
// (junit.xml, report.json, report.md) are written in t.Cleanup, after the
// test's assertions ran, so the reports hold their checks. When the
// environment variable GITHUB_STEP_SUMMARY names a file, the Markdown
// report is appended to it then too.
//
// When the test has a deadline (go test -timeout), Run stops sending
// before it, leaving a margin to save ([DeadlineMargin]): the requests in
// flight are cancelled, the run is marked interrupted, summary.json,
// stats.json and the reports are written at once, and the test is marked
// failed (its load shape did not complete) but goes on, so its
// assertions still run and the reports are written again with them.
//
// Run must be called from the test's goroutine: it calls t.FailNow on a
// bad configuration or a fatal run error. Failed requests do not fail the
// test; assert on the result for that.
func Run(t testing.TB, cfg Config) *Result {
	t.Helper()
	if cfg.OutputPath == "" {
		cfg.OutputPath = t.ArtifactDir()
	}
	if cfg.RunName == "" {
		cfg.RunName = testRunName(t, cfg.OutputPath)
	}
	e, err := newEngine(cfg)
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	e.testName = t.Name()
	if !cfg.Progress.Off {
		e.progress = logProgress(t, cfg.Progress.interval(), cfg.Progress.Func)
	}

	ctx := t.Context()
	var margin time.Duration
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			margin = DeadlineMargin(time.Until(deadline))
			stop := deadline.Add(-margin)
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadlineCause(ctx, stop, errTestDeadline)
			defer cancel()
		}
	}
	res, err := e.run(ctx, false)
	if res != nil && errors.Is(err, ErrInterrupted) && errors.Is(context.Cause(ctx), errTestDeadline) {
		// Stopping for the deadline is not fatal; what else went wrong is.
		err = e.failure
		if serr := res.Save(); serr != nil {
			t.Errorf("llmtest: saving run %s: %v", res.Run.Name, serr)
		}
		t.Errorf("llmtest: run %s stopped %s before the test's deadline (go test -timeout), so that its results could be saved: its load shape did not complete",
			res.Run.Name, FormatDuration(margin))
	}
	if res != nil {
		t.Cleanup(func() {
			if err := res.Save(); err != nil {
				t.Errorf("llmtest: saving run %s: %v", res.Run.Name, err)
			}
			if err := appendStepSummary(res); err != nil {
				t.Errorf("llmtest: %v", err)
			}
		})
		t.Log("\n" + res.SummaryText())
		for _, kv := range res.attrs() {
			t.Attr(kv[0], kv[1])
		}
	}
	if err != nil {
		t.Fatalf("llmtest: run %s: %s", e.cfg.RunName, e.redact(err.Error()))
	}
	return res
}

// logProgress returns a progress receiver that logs one line through t
// per interval of the run (none for a run shorter than interval, and none
// for the final snapshot: the summary follows it), and passes every
// snapshot on to f when it is set.
func logProgress(t testing.TB, interval time.Duration, f func(*ProgressSnapshot)) func(*ProgressSnapshot) {
	next := interval
	return func(s *ProgressSnapshot) {
		if !s.Final && s.Elapsed >= next {
			t.Log("llmtest: " + s.Line())
			for next <= s.Elapsed {
				next += interval
			}
		}
		if f != nil {
			f(s)
		}
	}
}

// errTestDeadline is the cause of a run that Run stopped before the test's
// deadline.
var errTestDeadline = errors.New("stopped before the test's deadline (go test -timeout)")

// DeadlineMargin returns how long before a test's deadline [Run] stops
// sending, given the time left until the deadline when the run starts: a
// tenth of it, at least 2s and at most 30s, and never more than half of
// it. The margin leaves time to cancel the requests in flight, save the
// run and finish the test before go test's timeout panics.
func DeadlineMargin(left time.Duration) time.Duration {
	m := min(max(left/10, 2*time.Second), 30*time.Second)
	if left > 0 {
		m = min(m, left/2)
	}
	return m
}

// claimed holds the run folders that default-named runs of this process
// have taken, so that two runs never write one folder: the second run of a
// test, two tests whose names make the same folder name ("TestA/b" and
// "TestA-b"), a test run again by -count with a fixed OutputPath.
var claimed = struct {
	sync.Mutex
	dirs map[string]bool
}{dirs: map[string]bool{}}

// testRunName returns the default run name of a run of test t with base
// folder out: the test's name made safe for a folder name, with "-2",
// "-3"… when an earlier run of this process has taken that folder.
func testRunName(t testing.TB, out string) string {
	base := folderName(t.Name())
	abs, err := filepath.Abs(out)
	if err != nil {
		abs = out
	}
	claimed.Lock()
	defer claimed.Unlock()
	name := base
	for n := 2; claimed.dirs[filepath.Join(abs, name)]; n++ {
		name = base + "-" + strconv.Itoa(n)
	}
	claimed.dirs[filepath.Join(abs, name)] = true
	return name
}

// maxFolderName bounds a run name made from a test's name, in bytes.
const maxFolderName = 120

// folderName makes a test name safe as one folder name on every system:
// subtest separators become "-"; every character that is not a letter, a
// digit, "-", "_" or "." becomes "_"; a leading "." becomes "_"; a name
// longer than maxFolderName bytes is cut.
func folderName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '/':
			b.WriteByte('-')
		case r == '-' || r == '_' || r == '.', unicode.IsLetter(r), unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if strings.HasPrefix(s, ".") {
		s = "_" + s[1:]
	}
	if len(s) > maxFolderName {
		cut := maxFolderName
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	if s == "" {
		s = "run"
	}
	return s
}

// AttrKeys are the stats keys that Run reports with t.Attr, each prefixed
// with "llmtest." (for example "llmtest.time_to_first_token-p99", in
// seconds), together with "llmtest.run_name". Keys without a value in the
// run are left out.
var AttrKeys = []string{
	"total_requests", "failed_requests", "cancelled_requests", "failed_requests_rate", "requests_per_minute",
	"output_tokens_per_second", "total_test_time",
	"time_to_first_token-p50", "time_to_first_token-p99",
	"time_per_output_token-p50", "time_per_output_token-p99",
	"inter_token_latency-p99", "time_to_last_token-p50", "time_to_last_token-p99",
}

func (r *Result) attrs() [][2]string {
	m := r.Run.Stats()
	out := [][2]string{{"llmtest.run_name", r.Run.Name}}
	for _, k := range AttrKeys {
		if v, ok := m[k]; ok {
			out = append(out, [2]string{"llmtest." + k, strconv.FormatFloat(v, 'g', 6, 64)})
		}
	}
	return out
}

// appendStepSummary appends the run's Markdown report to the file named by
// GITHUB_STEP_SUMMARY, when that is set.
func appendStepSummary(r *Result) error {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
	}
	werr := reporters.NewMarkdown(f).Write(r.Report())
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", werr)
	}
	return nil
}

// Benchmark runs b.N requests (one op is one request, spread over
// Config.Clients, or b.N arrivals of an open loop at Config.Rate; Requests
// and Duration are ignored; a run with Config.Stages lasts its stages
// whatever b.N) and reports the run
// with b.ReportMetric in the units of [reporters.BenchMetrics] —
// ttft-p50-ns, ttft-p99-ns, tpot-p50-ns, itl-p99-ns, e2e-p99-ns,
// out-tokens/s and req/s — so that `go test -bench . -count 10` output feeds
// benchstat unchanged. It prints nothing. The timer covers the run only:
// payload loading and preparation happen before it starts.
//
// A benchmark function runs several times with growing b.N, so Benchmark
// writes artifacts only when Config.OutputPath is set, each round to its
// own run folder: without Config.RunName, the benchmark's name made safe
// for a folder name, then with "-2", "-3"… for the later rounds, as [Run]
// names its runs. A bad configuration or a fatal run error fails the
// benchmark; failed requests are counted, not fatal — check the result.
func Benchmark(b *testing.B, cfg Config) *Result {
	b.Helper()
	clients := max(cfg.Clients, DefaultClients)
	switch {
	case len(cfg.Stages) > 0:
	case cfg.Rate > 0:
		cfg.Requests, cfg.Duration = max(1, b.N), 0
	default:
		cfg.Requests, cfg.Duration = max(1, (b.N+clients-1)/clients), 0
	}
	if cfg.RunName == "" && cfg.OutputPath != "" {
		cfg.RunName = testRunName(b, cfg.OutputPath)
	}
	e, err := newEngine(cfg)
	if err != nil {
		b.Fatalf("%v", err)
		return nil
	}
	e.testName = b.Name()
	b.ResetTimer()
	res, err := e.run(b.Context(), true)
	b.StopTimer()
	if err != nil {
		b.Fatalf("llmtest: run %s: %v", e.cfg.RunName, err)
		return nil
	}
	for _, m := range reporters.BenchMetrics(res.Report()) {
		b.ReportMetric(m.Value, m.Unit)
	}
	return res
}
