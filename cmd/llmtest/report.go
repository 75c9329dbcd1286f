package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/llmtest"
)

// reportLong is the description of `llmtest report`.
const reportLong = `Renders the run folder DIR again — one written by llmtest run, llmtest
merge, an older llmtest or LLMeter — and prints its summary; with flags,
its JSON, Markdown and JUnit reports, and (--csv) its requests as CSV.
The --price flags price the run again from its requests, replacing the
cost saved with it. --slo re-evaluates the run against SLOs without
re-running it: the checks given replace the ones saved with the run,
which count otherwise. The folder is not changed. Flags may follow the
folder.`

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
	reports.StringVar(&csvPath, "csv", "", "write the run's requests to this CSV file, one row per request of responses.jsonl (read one at a time)")
	cost.register(g.add("Cost"))
	g.install()
	completeReportFiles(cmd)
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
	if cost != nil {
		if err := cost.Price(ctx, res); err != nil {
			printError(stderr, name, usageErrorf("%s: %v", dir, err))
			return exitUsage
		}
	}
	if csvPath != "" {
		if err := writeCSVFile(csvPath, res); err != nil {
			printError(stderr, name, fmt.Errorf("--csv: %w", err))
			return exitRunFailed
		}
	}
	return o.present(name, res, ths, false, stdout, stderr)
}
