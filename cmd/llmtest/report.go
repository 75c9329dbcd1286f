package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
	htmlreport "github.com/llmtest/llmtest/reporters/html"
)

// reportLong is the description of `llmtest report`.
const reportLong = `Renders the run folder DIR again — one written by llmtest run, llmtest
merge, an older llmtest or LLMeter — and prints its summary; with flags,
its JSON, Markdown and JUnit reports, and (--csv) its requests as CSV.
The --price flags price the run again from its requests, replacing the
cost saved with it. --slo re-evaluates the run against SLOs without
re-running it: the checks given replace the ones saved with the run,
which count otherwise. --html writes the HTML report (charts, offline)
of the run, or of a sweep or heatmap folder. The folder is not changed.
Flags may follow the folder.`

// reportFooter lists the exit statuses of `llmtest report`.
const reportFooter = `Exit status:
  0    every check held
  1    a check failed
  2    a usage error: a missing or unreadable folder
  3    every request of the run failed`

// newReportCommand returns `llmtest report`.
func newReportCommand(stdout, stderr io.Writer) *cobra.Command {
	var o outputFlags
	var csvPath string
	var cost costFlags
	cmd := &cobra.Command{
		Use:         "report [flags] DIR",
		Short:       "render a saved run folder again (--slo gates it)",
		Long:        reportLong,
		Annotations: map[string]string{footerAnnotation: reportFooter},
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("want one run folder, got %d", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, dirs []string) error {
			set := map[string]bool{}
			c.Flags().Visit(func(f *pflag.Flag) { set[f.Name] = true })
			m, err := cost.model(set)
			if err != nil {
				printError(stderr, "llmtest report", err)
				return exitStatus(exitUsage)
			}
			return status(o.report(c.Context(), dirs[0], csvPath, m, stdout, stderr))
		},
	}
	g := newFlagGroups(cmd)
	reports := g.add("Reports")
	o.register(reports, g.add("SLO"), "the saved run", "")
	reports.StringVar(&o.html, "html", "", "write the HTML report, one self-contained page with charts, to this file (-: standard output, and the summary to standard error); DIR may be a sweep or heatmap folder")
	reports.StringVar(&csvPath, "csv", "", "write the run's requests to this CSV file (-: standard output, and the summary to standard error), one row per request of responses.jsonl (read one at a time)")
	cost.register(g.add("Cost"))
	g.install()
	completeReportFiles(cmd)
	completeFiles(cmd, "html", "html")
	completeRunFolders(cmd)
	return cmd
}

// report renders the run folder dir, priced again by cost unless it is
// nil, writes its requests to the CSV file csvPath unless it is empty, and
// returns the exit status.
func (o *outputFlags) report(ctx context.Context, dir, csvPath string, cost *llmtest.CostModel, stdout, stderr io.Writer) int {
	const name = "llmtest report"
	dirs := []string{dir}
	ths, err := o.prepare(dirs)
	if err == nil && csvPath != "" {
		err = checkCSVPath(csvPath)
	}
	if err == nil && csvPath == stdoutName && (o.reportToStdout() || o.html == stdoutName) {
		err = usageErrorf("--csv - and another report both name standard output (-)")
	}
	if err != nil {
		printError(stderr, name, err)
		return exitUsage
	}
	if done, status := o.reportModel(name, dir, stdout, stderr); done {
		return status
	}
	res, err := llmtest.OpenResult(dir) // the records stay on disk
	if err != nil {
		printError(stderr, name, usageErrorf("%s: %v", llmtest.RedactOutputPath(dir), err))
		return exitUsage
	}
	if len(ths) > 0 {
		res.Run.Checks = nil // replaced by the checks given
	}
	if cost != nil {
		if err := cost.Price(ctx, res); err != nil {
			printError(stderr, name, usageErrorf("%s: %v", llmtest.RedactOutputPath(dir), err))
			return exitUsage
		}
	}
	if csvPath == stdoutName {
		// The CSV is standard output; the summary goes to standard error.
		w := bufio.NewWriter(stdout)
		if err := errors.Join(res.WriteCSV(w), w.Flush()); err != nil {
			printError(stderr, name, fmt.Errorf("--csv: %w", err))
			return exitRunFailed
		}
		return o.present(name, res, ths, false, stderr, stderr)
	}
	if csvPath != "" {
		if err := writeCSVFile(csvPath, res); err != nil {
			printError(stderr, name, fmt.Errorf("--csv: %w", err))
			return exitRunFailed
		}
	}
	return o.present(name, res, ths, false, stdout, stderr)
}

// reportModel renders a sweep folder (sweep.json) or a heatmap folder
// (heatmap.json) with --html; done is false for any other folder, a run
// folder. A sweep or heatmap folder has no run of its own: with another
// report flag or --slo, or without --html, it is a usage error.
func (o *outputFlags) reportModel(name, dir string, stdout, stderr io.Writer) (done bool, status int) {
	var (
		kind, file string
		data       []byte
	)
	for _, f := range []struct{ kind, file string }{{"sweep", llmtest.SweepFile}, {"heatmap", heatmapFile}} {
		// A local folder or a bucket URL, as --out wrote it.
		b, err := llmtest.ReadOutputFile(dir, f.file)
		if err == nil {
			kind, file, data = f.kind, f.file, b
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			// It names the folder or the file already.
			printError(stderr, name, usageErrorf("%s", strings.TrimPrefix(err.Error(), "llmtest: ")))
			return true, exitUsage
		}
	}
	if kind == "" {
		return false, 0
	}
	shown := llmtest.RedactOutputPath(dir)
	if o.html == "" || o.junit != "" || o.json != "" || o.md != "" || len(o.slos) > 0 {
		printError(stderr, name, usageErrorf("%s is a %s folder (%s): only --html renders it; give a level's or a cell's run folder for the other reports", shown, kind, file))
		return true, exitUsage
	}
	f := bytes.NewReader(data)
	var (
		b   bytes.Buffer
		err error
	)
	if kind == "sweep" {
		s, rerr := reporters.ReadSweepJSON(f)
		if err = rerr; err == nil {
			err = htmlreport.WriteSweep(&b, s)
		}
	} else {
		h, rerr := reporters.ReadHeatmapJSON(f)
		if err = rerr; err == nil {
			err = htmlreport.WriteHeatmap(&b, h)
		}
	}
	if err != nil {
		printError(stderr, name, usageErrorf("%s: %v", llmtest.JoinOutputPath(shown, file), err))
		return true, exitUsage
	}
	if o.html == stdoutName {
		_, err = stdout.Write(b.Bytes())
	} else {
		err = writeFile(o.html, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, b.Bytes())
	}
	if err != nil {
		printError(stderr, name, fmt.Errorf("--html: %w", err))
		return true, exitRunFailed
	}
	if o.html != stdoutName {
		fmt.Fprintf(stdout, "wrote %s\n", o.html)
	}
	return true, exitOK
}
