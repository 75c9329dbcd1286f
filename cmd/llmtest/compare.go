package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/llmtest"
)

// compareLong is the description of `llmtest compare`.
const compareLong = `Compares run B (the change) with run A (the baseline) and prints, as
Markdown fit for a pull-request comment, per metric (TTFT, TTLT, TPOT,
ITL, output tokens) the difference of its percentiles, and the
difference of the throughputs (requests/s, output tokens/s) and of the
error rates: each with a bootstrap confidence interval, marked
significant when the interval excludes 0. A and B are two run folders
(llmtest's of any version, a merge's or LLMeter's), two sweep folders
(compared level by level), or two files of benchmark output (the text
of go test -bench, which benchstat reads). Flags may follow the
arguments.

Percentiles resample the requests, or the histograms of a run that kept
none in memory (low-memory or merged); throughputs resample blocks of
the time series' one-second windows; error rates the requests'
outcomes. The resamples are seeded (--seed): the same runs give the
same report.

--fail-on "ttft p99 +10%" exits 1 when B regressed significantly beyond
the threshold: the statistic changed significantly (its interval
excludes 0) in the threshold's direction, and its estimated change is
beyond it. "+" thresholds latencies and the error rate, which regress
when they rise ("ttft p99 +20ms", "error_rate +1%", one percentage
point); "-" throughputs, which regress when they fall
("requests_per_second -5%"). Metric names are those of --slo.`

// compareFooter lists the exit statuses of `llmtest compare`.
const compareFooter = `Exit status:
  0    compared, and no --fail-on threshold was broken
  1    a --fail-on threshold was broken: B regressed beyond it
  2    a usage error: a missing or unreadable folder or file, a bad --fail-on`

// compareOptions are the flags of `llmtest compare`.
type compareOptions struct {
	failOn      stringList
	json        string
	md          string
	confidence  float64
	resamples   int
	seed        uint64
	percentiles []float64
}

// newCompareCommand returns `llmtest compare`.
func newCompareCommand(stdout, stderr io.Writer) *cobra.Command {
	var o compareOptions
	cmd := &cobra.Command{
		Use:         "compare [flags] A B",
		Short:       "compare two runs, sweeps or benchmark outputs, with confidence intervals (--fail-on gates)",
		Long:        compareLong,
		Annotations: map[string]string{footerAnnotation: compareFooter},
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageErrorf("want two runs to compare, A and B, got %d", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			return status(o.compare(args[0], args[1], stdout, stderr))
		},
	}
	g := newFlagGroups(cmd)
	gate := g.add("Gate")
	gate.Var(&o.failOn, "fail-on", "a regression threshold B must not break, such as 'ttft p99 +10%' (repeatable, comma-separated)")
	stats := g.add("Statistics")
	stats.Float64Var(&o.confidence, "confidence", llmtest.DefaultConfidence, "level of the confidence intervals, in (0, 1)")
	stats.IntVar(&o.resamples, "resamples", llmtest.DefaultResamples, fmt.Sprintf("bootstrap resamples (100 to %d)", llmtest.MaxResamples))
	stats.Uint64Var(&o.seed, "seed", 0, "seed of the bootstrap resamples")
	stats.Float64SliceVar(&o.percentiles, "percentiles", llmtest.DefaultComparePercentiles, "percentiles compared (those --fail-on names are added)")
	reports := g.add("Reports")
	reports.StringVar(&o.json, "json", "", "write the comparison as JSON to this file (-: standard output, and the Markdown to standard error)")
	reports.StringVar(&o.md, "md", "", "write the Markdown to this file too; appended to when it is $GITHUB_STEP_SUMMARY")
	g.install()
	return cmd // A and B complete as files and folders: benchmark output is a file
}

// regressionCheck is one evaluated --fail-on threshold.
type regressionCheck struct {
	Expression string `json:"expression"`
	// Level is the sweep level the check was evaluated on, 0 for runs.
	Level     float64 `json:"level,omitempty"`
	Regressed bool    `json:"regressed"`
	Message   string  `json:"message"`
}

// comparison is what compare compared: two runs, two sweeps or two
// benchmark outputs.
type comparison interface {
	WriteMarkdown(io.Writer) error
}

// compare compares b with a and returns the exit status.
func (o *compareOptions) compare(a, b string, stdout, stderr io.Writer) int {
	const name = "llmtest compare"
	rgs, err := o.regressions()
	if err == nil {
		err = o.checkReports()
	}
	if err != nil {
		printError(stderr, name, err)
		return exitUsage
	}
	// Zero means the default to llmtest.CompareOptions; on the command
	// line, whose defaults are not zero, it is a mistake.
	switch {
	case o.confidence == 0:
		printError(stderr, name, usageErrorf("--confidence 0, want in (0, 1)"))
		return exitUsage
	case o.resamples == 0:
		printError(stderr, name, usageErrorf("--resamples 0, want at least 100"))
		return exitUsage
	}
	opts := llmtest.CompareOptions{Confidence: o.confidence, Resamples: o.resamples, Seed: o.seed, Percentiles: slices.Clone(o.percentiles)}
	for _, rg := range rgs {
		if rg.Metric == "" {
			continue
		}
		// A threshold's metric and percentile are always compared.
		if !slices.Contains(opts.Percentiles, rg.Percentile) {
			opts.Percentiles = append(opts.Percentiles, rg.Percentile)
		}
		if opts.Metrics == nil {
			opts.Metrics = slices.Clone(llmtest.DefaultCompareMetrics)
		}
		if !slices.Contains(opts.Metrics, rg.Metric) {
			opts.Metrics = append(opts.Metrics, rg.Metric)
		}
	}
	if err := opts.Validate(); err != nil {
		printError(stderr, name, usageErrorf("%s", flagOfOption(err)))
		return exitUsage
	}
	c, checks, err := compareInputs(opts, a, b, rgs)
	if err != nil {
		printError(stderr, name, err)
		return exitUsage
	}

	var md bytes.Buffer
	if err := c.WriteMarkdown(&md); err != nil {
		printError(stderr, name, err)
		return exitUsage
	}
	writeChecksMarkdown(&md, checks)
	human := stdout
	if o.json == stdoutName {
		human = stderr
	}
	if _, err := human.Write(md.Bytes()); err != nil {
		printError(stderr, name, err)
		return exitRunFailed
	}
	var errs []error
	if o.md != "" {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if isStepSummary(o.md) {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		if err := writeFile(o.md, flags, md.Bytes()); err != nil {
			errs = append(errs, fmt.Errorf("--md: %w", err))
		}
	}
	if o.json != "" {
		j, err := json.MarshalIndent(struct {
			Comparison comparison        `json:"comparison"`
			FailOn     []regressionCheck `json:"fail_on"`
		}{c, checks}, "", "  ")
		if err != nil {
			errs = append(errs, fmt.Errorf("--json: %w", err))
		} else if o.json == stdoutName {
			_, err = stdout.Write(append(j, '\n'))
			errs = append(errs, err)
		} else if err := writeFile(o.json, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, append(j, '\n')); err != nil {
			errs = append(errs, fmt.Errorf("--json: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		printError(stderr, name, err)
		return exitRunFailed
	}
	for _, ch := range checks {
		if ch.Regressed {
			return exitSLOFailed
		}
	}
	return exitOK
}

// regressions parses the --fail-on thresholds, each flag a comma-separated
// list.
func (o *compareOptions) regressions() ([]*assertions.Regression, error) {
	var rgs []*assertions.Regression
	for _, f := range o.failOn {
		for e := range strings.SplitSeq(f, ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				return nil, usageErrorf("--fail-on %q: an empty threshold", f)
			}
			rg, err := assertions.ParseRegression(e)
			if err != nil {
				return nil, usageErrorf("--fail-on: %v", err)
			}
			rgs = append(rgs, rg)
		}
	}
	return rgs, nil
}

// checkReports checks --json and --md before anything is read.
func (o *compareOptions) checkReports() error {
	for _, r := range []struct{ flag, path string }{{"--json", o.json}, {"--md", o.md}} {
		switch {
		case r.path == "" || (r.flag == "--json" && r.path == stdoutName):
			continue
		case r.path == stdoutName:
			return usageErrorf("--md -: the Markdown goes to standard output already; give a file")
		case urlScheme.MatchString(r.path):
			return usageErrorf("%s: %s URLs are not supported; give a local file", r.flag, urlScheme.FindString(r.path))
		}
		if fi, err := os.Stat(r.path); err == nil && fi.IsDir() {
			return usageErrorf("%s %q: is a folder; give a file", r.flag, r.path)
		}
		if dir := filepath.Dir(r.path); !isDir(dir) {
			return usageErrorf("%s %q: the folder %q does not exist", r.flag, r.path, dir)
		}
	}
	if o.json != "" && o.md != "" && filepath.Clean(o.json) == filepath.Clean(o.md) {
		return usageErrorf("--json and --md name the same file %q", o.json)
	}
	return nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// input kinds of compare.
const (
	inputRun       = "a run folder"
	inputSweep     = "a sweep folder"
	inputBenchmark = "a benchmark output file"
)

// inputKind says what path is, or a usage error naming it. A bucket URL
// (s3://, gs://, azblob://, file://) is a sweep folder when it holds a
// sweep that loads, else a run folder.
func inputKind(path string) (string, error) {
	if strings.Contains(path, "://") {
		if err := llmtest.CheckRunFolder(path); err != nil {
			return "", usageErrorf("%v", err) // names the URL, redacted
		}
		if _, err := llmtest.LoadSweep(path); err == nil {
			return inputSweep, nil
		}
		return inputRun, nil
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", usageErrorf("%s: no such run folder, sweep folder or benchmark file", path)
	case err != nil:
		return "", usageErrorf("%s: %v", path, err)
	case !fi.IsDir():
		return inputBenchmark, nil
	}
	if _, err := os.Stat(filepath.Join(path, llmtest.SweepFile)); err == nil {
		return inputSweep, nil
	}
	return inputRun, nil
}

// compareInputs reads a and b, compares them and evaluates rgs.
func compareInputs(opts llmtest.CompareOptions, a, b string, rgs []*assertions.Regression) (comparison, []regressionCheck, error) {
	ka, err := inputKind(a)
	if err != nil {
		return nil, nil, err
	}
	kb, err := inputKind(b)
	if err != nil {
		return nil, nil, err
	}
	if ka != kb {
		return nil, nil, usageErrorf("%s is %s but %s is %s; compare two of a kind", a, ka, b, kb)
	}
	checks := []regressionCheck{}
	evaluate := func(c *llmtest.Comparison, level float64) {
		for _, rg := range rgs {
			regressed, msg := rg.Evaluate(c)
			checks = append(checks, regressionCheck{Expression: rg.String(), Level: level, Regressed: regressed, Message: msg})
		}
	}
	switch ka {
	case inputSweep:
		sa, err := llmtest.LoadSweep(a)
		if err != nil {
			return nil, nil, usageErrorf("%s: %v", a, err)
		}
		sb, err := llmtest.LoadSweep(b)
		if err != nil {
			return nil, nil, usageErrorf("%s: %v", b, err)
		}
		sc, err := opts.CompareSweeps(sa, sb)
		if err != nil {
			return nil, nil, usageErrorf("%v", err)
		}
		for _, l := range sc.Levels {
			evaluate(l.Comparison, l.Level)
		}
		return sc, checks, nil
	case inputBenchmark:
		bc, err := compareBenchmarkFiles(opts, a, b)
		if err != nil {
			return nil, nil, err
		}
		if len(rgs) > 0 {
			return nil, nil, usageErrorf("--fail-on applies to runs and sweeps, not to benchmark output")
		}
		return bc, checks, nil
	}
	ra, err := llmtest.LoadResult(a)
	if err != nil {
		return nil, nil, usageErrorf("%s: %v", a, err)
	}
	rb, err := llmtest.LoadResult(b)
	if err != nil {
		return nil, nil, usageErrorf("%s: %v", b, err)
	}
	c, err := opts.Compare(ra, rb)
	if err != nil {
		return nil, nil, usageErrorf("%v", err)
	}
	evaluate(c, 0)
	return c, checks, nil
}

// writeChecksMarkdown appends the --fail-on verdicts to a comparison's
// Markdown.
func writeChecksMarkdown(w *bytes.Buffer, checks []regressionCheck) {
	if len(checks) == 0 {
		return
	}
	w.WriteString("\n**--fail-on**\n\n")
	for _, c := range checks {
		mark := "PASS"
		if c.Regressed {
			mark = "FAIL"
		}
		at := ""
		if c.Level != 0 {
			at = fmt.Sprintf(" (level %g)", c.Level)
		}
		fmt.Fprintf(w, "- %s `%s`%s: %s\n", mark, c.Expression, at, c.Message)
	}
}

// flagOfOption rewrites an invalid-option error of llmtest.CompareOptions
// in the words of its flag.
func flagOfOption(err error) string {
	msg := strings.TrimPrefix(err.Error(), llmtest.ErrCompareOptions.Error()+": ")
	for _, r := range []struct{ field, flag string }{
		{"Confidence ", "--confidence "}, {"Resamples ", "--resamples "}, {"percentile ", "--percentiles: "},
	} {
		if rest, ok := strings.CutPrefix(msg, r.field); ok {
			return r.flag + rest
		}
	}
	return msg
}

// compareBenchmarkFiles compares the go test -bench output in files a and
// b.
func compareBenchmarkFiles(opts llmtest.CompareOptions, a, b string) (*llmtest.BenchmarkComparison, error) {
	fa, err := os.Open(a)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	defer fb.Close()
	bc, err := opts.CompareBenchmarks(a, fa, b, fb)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return bc, nil
}
