package main

import (
	"fmt"
	"io"

	"github.com/llmtest/llmtest/llmtest"
)

const reportUsage = `Usage: llmtest report [flags] DIR

Renders the run folder DIR again — one written by llmtest run, llmtest
merge, an older llmtest or LLMeter — and prints its summary; with flags,
its JSON, Markdown and JUnit reports. --slo re-evaluates the run against
SLOs without re-running it: the checks given replace the ones saved
with the run, which count otherwise. The folder is not changed.

Exit status: 0 every check held; 1 a check failed; 2 a usage error
(a missing or unreadable folder); 3 every request of the run failed.

Flags:
`

// reportCommand is `llmtest report`.
func reportCommand(args []string, stdout, stderr io.Writer) int {
	const name = "llmtest report"
	var o outputFlags
	fs := newFlagSet(name, reportUsage, stderr)
	o.register(fs, "the saved run", "")
	dirs, code, ok := parseArgs(fs, args, stderr)
	if !ok {
		return code
	}
	if len(dirs) != 1 {
		fmt.Fprintf(stderr, "%s: want one run folder, got %d\nRun '%s -h' for the flags.\n", name, len(dirs), name)
		return exitUsage
	}
	ths, err := o.prepare(dirs)
	if err != nil {
		printError(stderr, name, err)
		return exitUsage
	}
	res, err := llmtest.LoadResult(dirs[0])
	if err != nil {
		printError(stderr, name, usageErrorf("%s: %v", dirs[0], err))
		return exitUsage
	}
	if len(ths) > 0 {
		res.Run.Checks = nil // replaced by the checks given
	}
	return o.present(name, res, ths, false, stdout, stderr)
}
