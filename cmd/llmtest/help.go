package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/assertions"
)

// A command's help (-h, or `llmtest help <command>`) is its usage line,
// its description, its subcommands, its flags in groups and a footer, such
// as the exit statuses. The help that -h asks for goes to standard error,
// as the flag package's does; `llmtest help` writes it to standard output.

// groupAnnotation is the flag annotation that holds a flag's help group.
const groupAnnotation = "llmtest_group"

// footerAnnotation is the command annotation that holds the text the help
// ends with.
const footerAnnotation = "llmtest_footer"

// flagGroups defines a command's flags in named groups, shown in the help
// in the order the groups were added, each flag in the order defined:
//
//	g := newFlagGroups(cmd)
//	load := g.add("Load shape")
//	load.IntVar(&o.clients, "clients", 4, "concurrent clients")
//	g.install()
type flagGroups struct {
	cmd    *cobra.Command
	titles []string
	sets   []*pflag.FlagSet
}

func newFlagGroups(cmd *cobra.Command) *flagGroups {
	return &flagGroups{cmd: cmd}
}

// add returns the flag set of a new group: every flag defined on it is a
// flag of the command, in that group, once install has run.
func (g *flagGroups) add(title string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(title, pflag.ContinueOnError)
	fs.SortFlags = false
	g.titles = append(g.titles, title)
	g.sets = append(g.sets, fs)
	return fs
}

// install adds the flags of every group to the command, each annotated
// with its group. A flag defined twice panics, as pflag does.
func (g *flagGroups) install() {
	fs := g.cmd.Flags()
	fs.SortFlags = false
	for i, set := range g.sets {
		set.VisitAll(func(f *pflag.Flag) {
			if fs.Lookup(f.Name) != nil {
				panic(fmt.Sprintf("%s: flag --%s defined twice", g.cmd.Name(), f.Name))
			}
			fs.AddFlag(f)
			_ = fs.SetAnnotation(f.Name, groupAnnotation, []string{g.titles[i]})
		})
	}
}

// flagGroup returns the help group of f, "" when it has none.
func flagGroup(f *pflag.Flag) string {
	if g := f.Annotations[groupAnnotation]; len(g) > 0 {
		return g[0]
	}
	return ""
}

// writeHelp writes the help of c to w.
func writeHelp(w io.Writer, c *cobra.Command) {
	var b strings.Builder
	line := useLine(c)
	if !c.HasParent() {
		line = c.Name() + " <command> [flags]"
	}
	fmt.Fprintf(&b, "Usage: %s\n", line)
	switch {
	case c.Long != "":
		b.WriteString("\n" + strings.TrimSpace(c.Long) + "\n")
	case c.Short != "":
		b.WriteString("\n" + c.Short + ".\n")
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\nCommands:\n")
		width := 0
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				width = max(width, len(useLine(sub)))
			}
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(&b, "  %-*s  %s\n", width, useLine(sub), sub.Short)
			}
		}
	}
	writeFlags(&b, c.Flags())
	if footer := c.Annotations[footerAnnotation]; footer != "" {
		b.WriteString("\n" + strings.TrimSpace(footer) + "\n")
	}
	io.WriteString(w, b.String())
}

// useLine returns the usage line of c, "[flags]" in it only when c has
// flags other than -h.
func useLine(c *cobra.Command) string {
	line := c.UseLine()
	flags := false
	c.Flags().VisitAll(func(f *pflag.Flag) { flags = flags || !f.Hidden && f.Name != "help" })
	if !flags {
		line = strings.Replace(line, " [flags]", "", 1)
	}
	return line
}

// writeFlags writes the flags of fs, but -h, group by group ("Flags" for
// those in no group), as flag.PrintDefaults does, but named with two
// dashes as the command's messages name them.
func writeFlags(b *strings.Builder, fs *pflag.FlagSet) {
	var titles []string
	byGroup := map[string][]*pflag.Flag{}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		g := flagGroup(f)
		if g == "" {
			g = "Flags"
		}
		if _, ok := byGroup[g]; !ok {
			titles = append(titles, g)
		}
		byGroup[g] = append(byGroup[g], f)
	})
	for _, title := range titles {
		fmt.Fprintf(b, "\n%s:\n", title)
		for _, f := range byGroup[title] {
			writeFlag(b, f)
		}
	}
}

// writeFlag writes one flag's help: "  -f, --file string", then its usage
// on the next line, and its default unless it is the zero value.
func writeFlag(b *strings.Builder, f *pflag.Flag) {
	b.WriteString("  ")
	if f.Shorthand != "" {
		b.WriteString("-" + f.Shorthand + ", ")
	}
	b.WriteString("--" + f.Name)
	name, usage := pflag.UnquoteUsage(f)
	if name == "stringArray" {
		name = "string"
	}
	if name != "" {
		b.WriteString(" " + name)
	}
	b.WriteString("\n    \t")
	b.WriteString(strings.ReplaceAll(usage, "\n", "\n    \t"))
	switch def := f.DefValue; {
	case def == "" || def == "0" || def == "false" || def == "0s" || def == "[]":
	case f.Value.Type() == "string":
		fmt.Fprintf(b, " (default %q)", def)
	default:
		fmt.Fprintf(b, " (default %s)", def)
	}
	b.WriteString("\n")
}

// sloHelp describes the statistics --slo can check, from package
// assertions.
func sloHelp() string {
	var metrics, runStats []string
	for _, n := range assertions.StatisticNames() {
		name := n.Name
		if len(n.Aliases) > 0 {
			name += " (" + strings.Join(n.Aliases, ", ") + ")"
		}
		if n.Metric {
			metrics = append(metrics, name)
		} else {
			runStats = append(runStats, name)
		}
	}
	var b strings.Builder
	b.WriteString("SLO statistics (--slo 'STATISTIC OP LIMIT', OP one of < <= > >=):\n")
	b.WriteString("  per request, with an aggregate avg, mean, min, max, median or pN ('ttft p99 < 800ms'):\n")
	b.WriteString(wrapList(metrics, "    ", 76))
	b.WriteString("  of the run ('error_rate < 1%'):\n")
	b.WriteString(wrapList(runStats, "    ", 76))
	b.WriteString("  goodput(CONDITION, ...), the share of requests meeting every condition\n")
	b.WriteString("  on a per-request latency ('goodput(ttft < 1s, tpot < 50ms) >= 95%')\n")
	return b.String()
}

// wrapList joins items with commas into lines of at most width bytes,
// each starting with indent.
func wrapList(items []string, indent string, width int) string {
	var b strings.Builder
	line := indent
	for i, it := range items {
		if i < len(items)-1 {
			it += ","
		}
		if line != indent && len(line)+1+len(it) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += it
	}
	b.WriteString(line + "\n")
	return b.String()
}
