package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// Shell completion is cobra's: `llmtest completion bash|zsh|fish|powershell`
// writes the script, which asks the binary (`llmtest __complete ...`) for
// the commands, the flags and their values. A flag with a fixed set of
// values completes them; a flag that names a file completes file names,
// and one that names a folder, folder names.

// completeValues makes flag name of cmd complete values, those that start
// with what is typed, and nothing else.
func completeValues(cmd *cobra.Command, name string, values ...string) {
	mustComplete(cmd, name, cmd.RegisterFlagCompletionFunc(name,
		func(_ *cobra.Command, _ []string, typed string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var out []cobra.Completion
			for _, v := range values {
				if strings.HasPrefix(v, typed) {
					out = append(out, v)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		}))
}

// completeFiles makes flag name of cmd complete file names, those with
// the extensions given (without the dot) when there are any.
func completeFiles(cmd *cobra.Command, name string, extensions ...string) {
	mustComplete(cmd, name, cmd.MarkFlagFilename(name, extensions...))
}

// completeDirs makes flag name of cmd complete folder names.
func completeDirs(cmd *cobra.Command, name string) {
	mustComplete(cmd, name, cmd.MarkFlagDirname(name))
}

// completeReportFiles makes the report flags of cmd (--junit, --json,
// --md) complete file names.
func completeReportFiles(cmd *cobra.Command) {
	completeFiles(cmd, "junit", "xml")
	completeFiles(cmd, "json", "json")
	completeFiles(cmd, "md", "md")
}

// completeRunFolders makes the arguments of cmd complete folder names.
func completeRunFolders(cmd *cobra.Command) {
	cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
}

// mustComplete panics when a completion names a flag cmd lacks: a bug of
// the command, caught by its tests.
func mustComplete(cmd *cobra.Command, name string, err error) {
	if err != nil {
		panic("llmtest " + cmd.Name() + ": completion of --" + name + ": " + err.Error())
	}
}
