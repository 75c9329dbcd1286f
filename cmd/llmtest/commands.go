package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The command tree, with github.com/spf13/cobra: the root `llmtest`, its
// commands run, merge, job, report, sim, version, help and cobra's
// completion.
// Cobra prints nothing of its own: a command's RunE returns its exit
// status (exitStatus), and run prints the mistakes cobra finds in flags
// and arguments as one line naming the flag, with a pointer to -h.

// exitStatus is a nonzero exit status returned as an error by a command's
// RunE, once the command has said on stderr what went wrong, if anything.
type exitStatus int

func (e exitStatus) Error() string { return "exit status " + strconv.Itoa(int(e)) }

// status returns code as RunE's error: nil for exitOK.
func status(code int) error {
	if code == exitOK {
		return nil
	}
	return exitStatus(code)
}

// rootLong is the description of `llmtest`.
const rootLong = `llmtest load-tests LLM endpoints.

With no --url, "llmtest run" tests the built-in simulator over HTTP.
Run "llmtest help <command>" or "llmtest <command> -h" for a command's flags.`

func init() {
	cobra.EnableCommandSorting = false // the help lists the commands as added
}

// newRootCommand returns the command tree, writing to stdout and stderr.
func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "llmtest",
		Short:         "load-test LLM endpoints",
		Long:          rootLong,
		Version:       versionText(readBuildInfo()),
		SilenceErrors: true,
		SilenceUsage:  true,
		// An argument that names no command is a mistake; none at all
		// shows the help on stderr, with the usage status.
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q", args[0])
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %q?)", s[0])
			}
			return usageErrorf("%s", msg)
		},
		RunE: func(c *cobra.Command, _ []string) error {
			writeHelp(stderr, c)
			return exitStatus(exitUsage)
		},
		SuggestionsMinimumDistance: 2,
	}
	root.Flags().BoolP("version", "v", false, "print the version and exit")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { writeHelp(stderr, c) })
	root.SetHelpCommand(newHelpCommand(stdout))
	root.AddCommand(
		newRunCommand(stdout, stderr),
		newMergeCommand(stdout, stderr),
		newJobCommand(stdout, stderr),
		newReportCommand(stdout, stderr),
		newCompareCommand(stdout, stderr),
		newSimCommand(stdout, stderr),
		newVersionCommand(stdout),
	)
	// Cobra's completion command, added now rather than when the command
	// line runs, so that the help lists it before help.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Short = "write the shell completion script for bash, zsh, fish or powershell"
			// An unknown shell is a mistake, and no shell one too, as
			// for the root.
			c.Args = func(_ *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usageErrorf("unknown shell %q (known: bash, zsh, fish, powershell)", args[0])
				}
				return nil
			}
			c.RunE = func(c *cobra.Command, _ []string) error {
				writeHelp(stderr, c)
				return exitStatus(exitUsage)
			}
		}
	}
	return root
}

// run runs the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand(stdout, stderr)
	if args == nil {
		args = []string{} // cobra reads os.Args for nil
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	var st exitStatus
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &st):
		return int(st)
	}
	// A mistake in the flags or arguments that cobra found.
	if cmd == nil {
		cmd = root
	}
	name := cmd.CommandPath()
	hint := fmt.Sprintf("Run '%s -h' for the flags.", name)
	if !cmd.HasParent() {
		hint = fmt.Sprintf("Run '%s help' for the commands.", name)
	}
	printError(stderr, name, err)
	fmt.Fprintln(stderr, hint)
	return exitUsage
}

// flagError rewrites pflag's parse errors in the flag package's words,
// the flag named with two dashes: "flag provided but not defined:
// --bogus", "flag needs an argument: --out", `invalid value "x" for flag
// --clients: parse error`. A long flag written with one dash, as the flag
// package allows ("-clients"), is named with the fix.
func flagError(c *cobra.Command, err error) error {
	var notExist *pflag.NotExistError
	var noValue *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	switch {
	case errors.As(err, &notExist):
		msg := "flag provided but not defined: --" + notExist.GetSpecifiedName()
		if group := notExist.GetSpecifiedShortnames(); group != "" {
			msg = "flag provided but not defined: -" + notExist.GetSpecifiedName()
			if long, _, _ := strings.Cut(group, "="); len(long) > 1 && c.Flags().Lookup(long) != nil {
				msg = fmt.Sprintf("flag provided but not defined: -%s (a long flag takes two dashes: --%s)", long, long)
			}
		}
		return &usageError{msg: msg, err: err}
	case errors.As(err, &noValue):
		name := "--" + noValue.GetSpecifiedName()
		if noValue.GetSpecifiedShortnames() != "" {
			name = "-" + noValue.GetSpecifiedName()
		}
		return &usageError{msg: "flag needs an argument: " + name, err: err}
	case errors.As(err, &invalid):
		reason := "parse error" // strconv's and time's errors repeat the value
		if !builtinType[invalid.GetFlag().Value.Type()] {
			reason = errors.Unwrap(err).Error()
		}
		return &usageError{msg: fmt.Sprintf("invalid value %q for flag --%s: %s", invalid.GetValue(), invalid.GetFlag().Name, reason), err: err}
	}
	return &usageError{msg: err.Error(), err: err}
}

// builtinType are the types of pflag's values whose parse errors are
// strconv's or time's.
var builtinType = map[string]bool{"bool": true, "int": true, "int64": true, "float64": true, "duration": true}

// noArgs is the Args of a command that takes no arguments.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("unexpected argument %q", args[0])
	}
	return nil
}

// newHelpCommand returns `llmtest help [command]`, which writes the
// command's help to stdout.
func newHelpCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:                   "help [command]",
		Short:                 "show a command's help",
		DisableFlagsInUseLine: true,
		Args:                  cobra.ArbitraryArgs,
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, sub := range c.Root().Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					names = append(names, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return usageErrorf("unknown command %q", strings.Join(args, " "))
			}
			writeHelp(stdout, target)
			return nil
		},
	}
}
