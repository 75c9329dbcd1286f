// Command llmtest load-tests LLM endpoints from the command line.
//
//	llmtest run [flags]   run a load test and print its summary
//	llmtest sim [flags]   serve the simulated LLM on a loopback address
//
// With no --url, `llmtest run` starts the built-in simulator on 127.0.0.1
// and tests it over HTTP, so it works offline on a fresh machine. Run
// `llmtest <command> -h` for the flags of each command.
//
// Exit status: 0 when the run completed and every --slo held; 1 when an
// --slo failed; 2 when the command line or the configuration is wrong and
// nothing was sent; 3 when the run failed; 130 when it was interrupted
// (Ctrl-C), after writing the partial results.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK          = 0
	exitSLOFailed   = 1
	exitUsage       = 2
	exitRunFailed   = 3
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `llmtest load-tests LLM endpoints.

Usage:
  llmtest run [flags]   run a load test and print its summary
  llmtest sim [flags]   serve the simulated LLM on a loopback address

With no --url, "llmtest run" tests the built-in simulator over HTTP.
Run "llmtest <command> -h" for a command's flags.
`

// run dispatches to a subcommand and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return runCommand(ctx, args[1:], stdout, stderr)
	case "sim":
		return simCommand(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "llmtest: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}
