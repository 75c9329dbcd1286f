package main

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/assertions"
)

// subcommand returns the command name of the command tree.
func subcommand(t *testing.T, name string) *cobra.Command {
	t.Helper()
	root := newRootCommand(io.Discard, io.Discard)
	cmd, _, err := root.Find([]string{name})
	require.NoError(t, err)
	require.Equal(t, name, cmd.Name())
	return cmd
}

// TestEveryFlagHasAGroup checks that the help of each command shows every
// flag in a group, and the groups of `llmtest run` in their order.
func TestEveryFlagHasAGroup(t *testing.T) {
	for _, name := range []string{"run", "merge", "job", "report", "compare", "sim"} {
		cmd := subcommand(t, name)
		n := 0
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			n++
			assert.NotEmpty(t, flagGroup(f), "llmtest %s --%s is in no help group", name, f.Name)
		})
		assert.Positive(t, n, name)
	}
	var groups []string
	subcommand(t, "run").Flags().VisitAll(func(f *pflag.Flag) {
		if g := flagGroup(f); len(groups) == 0 || groups[len(groups)-1] != g {
			groups = append(groups, g)
		}
	})
	assert.Equal(t, []string{"Endpoint", "Payloads", "Load shape", "SLO", "Reports", "Progress", "Simulator", "AWS", "Plan"}, groups,
		"each group's flags together, the groups in order")
}

func TestFlagGroupsRefuseAFlagDefinedTwice(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	g := newFlagGroups(cmd)
	g.add("A").Int("n", 0, "")
	g.add("B").Int("n", 0, "")
	assert.PanicsWithValue(t, "x: flag --n defined twice", g.install)
}

// helpSections returns the titles of the sections of a help text: the
// lines that end with a colon and start at the margin.
func helpSections(help string) []string {
	return regexp.MustCompile(`(?m)^([A-Z][A-Za-z ]*):$`).FindAllString(help, -1)
}

func TestRunHelp(t *testing.T) {
	code, stdout, stderr := runCLI(t, "run", "-h")
	require.Equal(t, exitOK, code)
	assert.Empty(t, stdout, "-h writes to standard error, as the flag package does")
	assert.True(t, strings.HasPrefix(stderr, "Usage: llmtest run [flags]\n\nRuns a load test"), stderr)
	assert.Equal(t, []string{"Endpoint:", "Payloads:", "Load shape:", "SLO:", "Reports:", "Progress:", "Simulator:", "AWS:", "Plan:", "Exit status:"},
		helpSections(stderr))
	assert.Contains(t, stderr, "\nLoad shape:\n  --clients int\n    \tconcurrent clients (default 4)\n")
	assert.Contains(t, stderr, "\n  --api string\n")
	assert.Contains(t, stderr, `(default "openai-chat")`)
	assert.Contains(t, stderr, "\n  --stream\n")
	assert.Contains(t, stderr, "\n  -f, --file string\n")
	assert.NotContains(t, stderr, "--help", "-h is not listed among the flags")

	// Every flag is shown once.
	subcommand(t, "run").Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			line := regexp.MustCompile(`(?m)^  (-[a-z], )?--` + f.Name + `( [a-z]+)?$`)
			assert.Len(t, line.FindAllString(stderr, -1), 1, "--%s", f.Name)
		}
	})

	// The exit statuses, then the statistics of --slo, each spelling
	// from package assertions.
	exit := strings.Index(stderr, "\nExit status:\n")
	slo := strings.Index(stderr, "\nSLO statistics")
	require.Positive(t, exit)
	require.Greater(t, slo, exit)
	for _, c := range []string{"0", "1", "2", "3", "130", "143"} {
		assert.Regexp(t, `(?m)^  (\d+  .*, )?`+c+`\b`, stderr[exit:slo], "exit status %s", c)
	}
	for _, n := range assertions.StatisticNames() {
		for _, name := range append([]string{n.Name}, n.Aliases...) {
			assert.Regexp(t, `[ (]`+name+`[,)\n ]`, stderr[slo:], "statistic %s", name)
		}
	}
	assert.Contains(t, stderr[slo:], "goodput(")

	// `llmtest help run` writes the same to standard output.
	code, helpOut, helpErr := runCLI(t, "help", "run")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, stderr, helpOut)
	assert.Empty(t, helpErr)
	code, _, helpErr = runCLI(t, "run", "--help")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, stderr, helpErr)
}

func TestHelpOfTheOtherCommands(t *testing.T) {
	for _, c := range []struct {
		name     string
		sections []string
	}{
		{"merge", []string{"Merge:", "SLO:", "Reports:", "Exit status:"}},
		{"report", []string{"Reports:", "SLO:", "Exit status:"}},
		{"compare", []string{"Gate:", "Statistics:", "Reports:", "Exit status:"}},
		{"sim", []string{"Server:", "Simulator:"}},
		{"version", nil},
	} {
		code, stdout, stderr := runCLI(t, "help", c.name)
		assert.Equal(t, exitOK, code, c.name)
		assert.Empty(t, stderr, c.name)
		assert.True(t, strings.HasPrefix(stdout, "Usage: llmtest "+c.name), stdout)
		assert.Equal(t, c.sections, helpSections(stdout), c.name)
	}
	_, stdout, _ := runCLI(t, "help", "merge")
	assert.Contains(t, stdout, "Flags may follow the folders.")

	// The root's help lists the commands, in the order of use.
	code, stdout, stderr := runCLI(t, "help")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	assert.Equal(t, []string{"Commands:", "Flags:"}, helpSections(stdout))
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  llmtest (\S+)`).FindAllStringSubmatch(stdout, -1) {
		names = append(names, m[1])
	}
	assert.Equal(t, []string{"run", "merge", "job", "report", "compare", "sim", "version", "completion", "help"}, names)
	code, _, stderr = runCLI(t, "-h")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, stdout, stderr, "-h writes the same to standard error")

	code, _, stderr = runCLI(t, "help", "fly")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `llmtest help: unknown command "fly"`)
	code, _, stderr = runCLI(t, "rn")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "llmtest: unknown command \"rn\" (did you mean \"run\"?)\nRun 'llmtest help' for the commands.\n", stderr)
}
