package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/export/prom"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
	htmlreport "github.com/llmtest/llmtest/reporters/html"
)

// Where the run's results go: the run folder under --out, and the
// --junit, --json and --md reports (and llmtest report's --html), each a
// file or "-" for standard output. Every run, sweep and heatmap folder
// also gets report.html: importing package reporters/html registers it
// (reporters.RegisterFolderReport), and the registered reports are written
// into every folder. When a report goes to standard output, the
// human-readable summary goes to standard error, so that the report
// reaches its consumer alone. A --md file that is $GITHUB_STEP_SUMMARY is appended to, as
// GitHub Actions expects, never truncated.

// stdoutName is the report file name that means standard output.
const stdoutName = "-"

// urlScheme matches a path that starts with a URL scheme, such as
// "s3://bucket/x" or "file:///tmp/x".
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// report is one report flag.
type report struct {
	flag string // "--junit"
	path string
	new  func(io.Writer) reporters.Reporter
}

// outputFlags are the flags that say where results go, shared by `llmtest
// run`, `llmtest merge` and `llmtest report`: the --slo checks to
// evaluate, the --junit, --json and --md reports, and (for run and merge)
// --out, the base folder of the run folder.
type outputFlags struct {
	// forPods is set when `llmtest job` checks the flags for its shards'
	// pods: the files they write and the environment variables they read
	// are the pods', not this machine's.
	forPods bool
	out     string
	slos    stringList
	junit   string
	strict  bool
	json    string
	md      string
	export  exportFlags
	html    string // --html, a flag of llmtest report only
}

// register defines --slo on slo and the other flags on reports; --out
// only with out (its help text). The --slo help says what the checks gate
// (what: "the run").
func (o *outputFlags) register(reports, slo *pflag.FlagSet, what, out string) {
	if out != "" {
		reports.StringVar(&o.out, "out", "", out)
	}
	slo.Var(&o.slos, "slo", "an SLO "+what+" must meet, such as 'ttft p99 < 800ms' (repeatable)")
	reports.StringVar(&o.junit, "junit", "", "write a JUnit XML report to this file (-: standard output, and the summary to standard error)")
	reports.BoolVar(&o.strict, "junit-strict", false, "write --junit in the strict profile, valid against the Ant and Jenkins JUnit schemas")
	reports.StringVar(&o.json, "json", "", "write the JSON report to this file (-: standard output, and the summary to standard error)")
	reports.StringVar(&o.md, "md", "", "write a Markdown report to this file (-: standard output, and the summary to standard error); appended to when it is $GITHUB_STEP_SUMMARY")
	o.export.register(reports)
}

func (o *outputFlags) reports() []report {
	return []report{
		{"--junit", o.junit, func(w io.Writer) reporters.Reporter {
			j := reporters.NewJUnit(w)
			j.Strict = o.strict
			return j
		}},
		{"--json", o.json, func(w io.Writer) reporters.Reporter { return reporters.NewJSON(w) }},
		{"--md", o.md, func(w io.Writer) reporters.Reporter { return reporters.NewMarkdown(w) }},
		{"--prometheus", o.export.prometheus, promReport},
		{"--html", o.html, func(w io.Writer) reporters.Reporter { return htmlreport.New(w) }},
	}
}

// reportToStdout reports whether a report goes to standard output.
func (o *outputFlags) reportToStdout() bool {
	for _, r := range o.reports() {
		if r.path == stdoutName {
			return true
		}
	}
	return false
}

// thresholds parses the --slo checks.
func (o *outputFlags) thresholds() ([]*assertions.Threshold, error) {
	ths := make([]*assertions.Threshold, len(o.slos))
	for i, s := range o.slos {
		th, err := assertions.Parse(s)
		if err != nil {
			return nil, usageErrorf("--slo: %v", err)
		}
		ths[i] = th
	}
	return ths, nil
}

// checkOutputs checks --out and the report flags before anything starts:
// a folder or a bucket URL of a registered scheme for --out,
// an existing folder for each report file, at most one report on standard
// output, and no two reports in one file.
func (o *outputFlags) checkOutputs() error {
	if o.out != "" && !o.forPods {
		// A bucket URL is checked, not opened; an error shows it without
		// its user information and query, which may hold credentials.
		if err := llmtest.CheckOutputPath(o.out); err != nil {
			return usageErrorf("--out: %v", err)
		}
		if fi, err := os.Stat(o.out); err == nil && !fi.IsDir() {
			return usageErrorf("--out %q: not a folder", o.out)
		}
	}
	if o.strict && o.junit == "" {
		return usageErrorf("--junit-strict applies to --junit, which is not given")
	}
	if err := o.export.check(); err != nil {
		return err
	}
	seen := map[string]string{} // cleaned path → flag
	for _, r := range o.reports() {
		switch {
		case r.path == "":
			continue
		case r.path == stdoutName:
			if prev, ok := seen[stdoutName]; ok {
				return usageErrorf("%s and %s both write to standard output (-); at most one report can", prev, r.flag)
			}
			seen[stdoutName] = r.flag
			continue
		case urlScheme.MatchString(r.path):
			return usageErrorf("%s: %s URLs are not supported; give a local file or - for standard output", r.flag, urlScheme.FindString(r.path))
		}
		clean := filepath.Clean(r.path)
		if prev, ok := seen[clean]; ok {
			return usageErrorf("%s and %s name the same file %q", prev, r.flag, r.path)
		}
		seen[clean] = r.flag
		if o.forPods {
			continue // the file is the pods', not this machine's
		}
		if fi, err := os.Stat(r.path); err == nil && fi.IsDir() {
			return usageErrorf("%s %q: is a folder; give a file", r.flag, r.path)
		}
		dir := filepath.Dir(r.path)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return usageErrorf("%s %q: the folder %q does not exist", r.flag, r.path, dir)
		}
	}
	return nil
}

// writeReports writes the --junit, --json, --md and --prometheus reports,
// sends the run to --otlp-endpoint, and returns the files written. A
// report named "-" goes to stdout; the --md file that $GITHUB_STEP_SUMMARY
// names is appended to; the --prometheus file is replaced whole.
func (o *outputFlags) writeReports(res *llmtest.Result, stdout io.Writer) (written []string, err error) {
	run := res.Report()
	var errs []error
	for _, r := range o.reports() {
		if r.path == "" {
			continue
		}
		var b bytes.Buffer
		if err := r.new(&b).Write(run); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.flag, err))
			continue
		}
		if r.path == stdoutName {
			if _, err := stdout.Write(b.Bytes()); err != nil {
				errs = append(errs, fmt.Errorf("%s -: %w", r.flag, err))
			}
			continue
		}
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if r.flag == "--md" && isStepSummary(r.path) {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		write := func() error { return writeFile(r.path, flags, b.Bytes()) }
		if r.flag == "--prometheus" {
			write = func() error { return prom.WriteFile(r.path, run) }
		}
		if err := write(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.flag, err))
			continue
		}
		written = append(written, r.path)
	}
	if err := o.export.exportOTLP(run); err != nil {
		errs = append(errs, err)
	}
	return written, errors.Join(errs...)
}

// human returns where the human-readable summary goes: stdout, or stderr
// when a report goes to stdout.
func (o *outputFlags) human(stdout, stderr io.Writer) io.Writer {
	if o.reportToStdout() {
		return stderr
	}
	return stdout
}

// writeSummary writes the result's summary, its checks (PASS or FAIL and
// the check's line) and its folder to w.
func writeSummary(w io.Writer, res *llmtest.Result) error {
	if err := res.WriteSummary(w); err != nil {
		return err
	}
	for _, c := range res.Checks() {
		mark := "PASS"
		if !c.Pass {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s  %s\n", mark, c.Message)
	}
	if res.OutputPath != "" {
		fmt.Fprintf(w, "results: %s\n", llmtest.RedactOutputPath(res.OutputPath))
	}
	return nil
}

// verdict returns the exit status of a result that was written: exitRunFailed
// (with a line on stderr) when every request failed, exitSLOFailed when a
// check failed, exitOK otherwise.
func verdict(command string, res *llmtest.Result, kept []string, stderr io.Writer) int {
	run := res.Report()
	switch {
	case run.AllFailed():
		fmt.Fprintf(stderr, "%s: every request failed (%d of %d); %s\n",
			command, run.Counts.Failed, run.Counts.Ended(), keptText("results", kept))
		return exitRunFailed
	case !run.Passed():
		return exitSLOFailed
	}
	return exitOK
}

func writeFile(path string, flags int, b []byte) error {
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return errors.Join(err, f.Close())
}

// isStepSummary reports whether path is the file that the environment
// variable GITHUB_STEP_SUMMARY names.
func isStepSummary(path string) bool {
	env := os.Getenv("GITHUB_STEP_SUMMARY")
	if env == "" {
		return false
	}
	if filepath.Clean(env) == filepath.Clean(path) {
		return true
	}
	a, errA := os.Stat(env)
	b, errB := os.Stat(path)
	return errA == nil && errB == nil && os.SameFile(a, b)
}

// prepare checks the output flags, the --slo checks and that every one of
// dirs is a readable folder, before anything is read.
func (o *outputFlags) prepare(dirs []string) ([]*assertions.Threshold, error) {
	if err := o.checkOutputs(); err != nil {
		return nil, err
	}
	ths, err := o.thresholds()
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if urlScheme.MatchString(d) {
			if err := llmtest.CheckRunFolder(d); err != nil {
				return nil, usageErrorf("%s", strings.TrimPrefix(err.Error(), "llmtest: "))
			}
			continue
		}
		fi, err := os.Stat(d)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, usageErrorf("%s: no such run folder", d)
		case err != nil:
			return nil, usageErrorf("%s: %v", d, err)
		case !fi.IsDir():
			return nil, usageErrorf("%s: not a folder", d)
		}
	}
	return ths, nil
}

// present evaluates ths on res, saves it to its folder when save is set
// and it has one, writes the reports and the summary, and returns the
// exit status.
func (o *outputFlags) present(name string, res *llmtest.Result, ths []*assertions.Threshold, save bool, stdout, stderr io.Writer) int {
	for _, th := range ths {
		res.AddCheck(th.Evaluate(res))
	}
	var kept []string
	var errs []error
	if save && res.OutputPath != "" {
		if err := res.Save(); err != nil {
			errs = append(errs, err)
		} else {
			kept = append(kept, res.OutputPath)
		}
	}
	written, err := o.writeReports(res, stdout)
	kept = append(kept, written...)
	errs = append(errs, err, writeSummary(o.human(stdout, stderr), res))
	if err := errors.Join(errs...); err != nil {
		printError(stderr, name, err)
		return exitRunFailed
	}
	return verdict(name, res, kept, stderr)
}
