// Command llmtest load-tests LLM endpoints from the command line.
//
//	llmtest run [flags]             run a load test and print its summary
//	llmtest merge [flags] DIR...    merge the run folders of shards into one run
//	llmtest report [flags] DIR      render a saved run folder again, and gate it with --slo
//	llmtest compare [flags] A B     compare two runs with confidence intervals, and gate with --fail-on
//	llmtest sim [flags]             serve the simulated LLM on a loopback address
//	llmtest version                 print the version (also llmtest --version)
//	llmtest completion SHELL        write the completion script of bash, zsh, fish or powershell
//	llmtest help [command]          show a command's help (also llmtest <command> -h)
//
// The flags follow Go's conventions, through github.com/spf13/cobra and
// its pflag: --name value or --name=value (a boolean only --name=false),
// -f for --file, flags before or after the folders of merge and report,
// and "--" ending the flags. A command's help (-h, written to standard
// error, or `llmtest help <command>`, to standard output) shows its flags
// in groups, its exit statuses and, for run, the statistics --slo checks.
// `llmtest version` prints the module version, "(devel)" for a build from
// a checkout, and the commit, its time and whether the tree was modified,
// from the build information (runtime/debug.ReadBuildInfo).
//
// Shell completion is cobra's: `source <(llmtest completion bash)`; it
// completes the commands, the flags, the values of --api, --progress and
// --style, and file or folder names for the flags that take them.
//
// With no --url, `llmtest run` starts the built-in simulator on 127.0.0.1
// and tests it over HTTP, so it works offline on a fresh machine. `llmtest run -f
// plan.yaml` runs a plan file, whose keys are the run flags (see
// llmtest.LoadPlan); flags given on the command line override it.
//
// While a run goes, its progress goes to standard error: on a terminal a
// bar with live statistics, removed when the run ends; otherwise one plain
// line per --progress-interval.
//
// Every flag and input (payload files, --slo expressions, the API's flags,
// --out and the report files) is checked before the simulator starts or
// any request is sent; an error names the flag at fault. A mistake in the
// flags or arguments is one line naming the flag, then a pointer to -h.
//
// The summary goes to standard output, and the notices and errors to
// standard error. One report can go to standard output instead of a file
// (--json -, --junit - or --md -); the summary then goes to standard
// error, so that the report reaches its reader alone. A --md file that is
// $GITHUB_STEP_SUMMARY is appended to, not truncated. --out is a local
// folder or a bucket URL (s3://, gs://, azblob:// or file://); any other
// URL scheme is refused.
//
// `llmtest merge` merges the run folders of shards of one test (the same
// endpoint, payload set and tokenizer; --force merges others) into one
// run: counts summed, histograms merged, time series aligned on wall-clock
// seconds. `llmtest report` renders a saved run folder — llmtest's of any
// version, a merge's or LLMeter's — again, without sending anything. Both
// print the summary, write --json, --md and --junit as run does, and
// evaluate --slo checks on what was saved, with the same exit statuses;
// a missing or unreadable folder is a usage error naming it.
//
// `llmtest compare A B` compares run B with run A (or two sweeps, level
// by level, or two files of go test -bench output): per statistic the
// difference with a seeded bootstrap confidence interval, as Markdown on
// standard output (--json, --md for files); --fail-on "ttft p99 +10%"
// exits 1 when B regressed significantly beyond the threshold.
//
// The first SIGINT or SIGTERM stops a run: no new request starts, and the
// command writes what completed (the run folder, the reports, the summary
// marked [interrupted]) before it exits.
//
// Exit status:
//
//	0    the run completed and every --slo held; or the help was asked for (-h)
//	1    an --slo failed (compare: a --fail-on threshold was broken)
//	2    the command line or the configuration is wrong; nothing was sent
//	3    the run failed: every request failed, or it could not complete
//	130  interrupted by SIGINT (Ctrl-C), after writing the partial results,
//	     if any request had completed
//	143  interrupted by SIGTERM, the same way
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes.
const (
	exitOK          = 0
	exitSLOFailed   = 1
	exitUsage       = 2
	exitRunFailed   = 3
	exitInterrupted = 128 + 2  // SIGINT
	exitTerminated  = 128 + 15 // SIGTERM
)

func main() {
	ctx, stop := notifyContext(context.Background())
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// printError writes err to w, each of its lines prefixed with the command's
// name.
func printError(w io.Writer, command string, err error) {
	for line := range strings.SplitSeq(err.Error(), "\n") {
		fmt.Fprintf(w, "%s: %s\n", command, line)
	}
}
