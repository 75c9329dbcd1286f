package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/llmtest/llmtest/llmtest"
)

// reportLong is the description of `llmtest report`.
const reportLong = `Renders the run folder DIR again — one written by llmtest run, llmtest
merge, an older llmtest or LLMeter — and prints its summary; with flags,
its JSON, Markdown and JUnit reports, and (--csv) its requests as CSV.
--slo re-evaluates the run against SLOs without re-running it: the
checks given replace the ones saved with the run, which count
otherwise. The folder is not changed. Flags may follow the folder.`

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
		RunE: func(_ *cobra.Command, dirs []string) error {
			return status(o.report(dirs[0], csvPath, stdout, stderr))
		},
	}
	g := newFlagGroups(cmd)
	reports := g.add("Reports")
	o.register(reports, g.add("SLO"), "the saved run", "")
	reports.StringVar(&csvPath, "csv", "", "write the run's requests to this CSV file, one row per request of responses.jsonl (read one at a time)")
	g.install()
	completeReportFiles(cmd)
	completeRunFolders(cmd)
	return cmd
}

// report renders the run folder dir, writes its requests to the CSV
// file csvPath unless it is empty, and returns the exit status.
func (o *outputFlags) report(dir, csvPath string, stdout, stderr io.Writer) int {
	const name = "llmtest report"
	dirs := []string{dir}
	ths, err := o.prepare(dirs)
	if err == nil && csvPath != "" {
		err = checkCSVPath(csvPath)
	}
	if err != nil {
		printError(stderr, name, err)
		return exitUsage
	}
	res, err := llmtest.OpenResult(dir) // the records stay on disk
	if err != nil {
		printError(stderr, name, usageErrorf("%s: %v", dir, err))
		return exitUsage
	}
	if len(ths) > 0 {
		res.Run.Checks = nil // replaced by the checks given
	}
	if csvPath != "" {
		if err := writeCSVFile(csvPath, res); err != nil {
			printError(stderr, name, fmt.Errorf("--csv: %w", err))
			return exitRunFailed
		}
	}
	return o.present(name, res, ths, false, stdout, stderr)
}
