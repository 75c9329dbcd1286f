package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// mergeLong is the description of `llmtest merge`.
const mergeLong = `Merges the run folders DIR... — shards of one test, run at once or one
after another — into one run, and prints its summary: counts and token
totals summed, histograms merged (percentiles within 0.1%), the time
series aligned on wall-clock seconds, the test time the union of the
shards' spans. With --out, the merge is written as a run folder
<out>/<run-name>, its responses.jsonl holding every shard's records.
Flags may follow the folders.

Shards must agree on the endpoint (provider, model, endpoint name, URL),
the payload set and the tokenizer; the number of clients may differ
(the merge's is their sum). Shards that disagree are refused, naming
the field and both values, unless --force.

The shards of a sharded run (llmtest run --shard i/N, or an Indexed
Job's JOB_COMPLETION_INDEX) must be all of 0..N-1, each once: a missing
shard is refused, naming it, even with --force, so that a merge is never
silently partial. Their merge is named after their run unless --run-name.`

// mergeFooter lists the exit statuses of `llmtest merge`.
const mergeFooter = `Exit status:
  0    merged, and every --slo held
  1    an --slo failed
  2    a usage error: a missing or unreadable folder, shards that disagree,
       a missing shard of a sharded run
  3    every request of the merge failed`

// mergeOptions are the flags of `llmtest merge`.
type mergeOptions struct {
	outputFlags
	runName string
	force   bool
}

// newMergeCommand returns `llmtest merge`.
func newMergeCommand(stdout, stderr io.Writer) *cobra.Command {
	var o mergeOptions
	cmd := &cobra.Command{
		Use:         "merge [flags] DIR...",
		Short:       "merge the run folders of shards into one run",
		Long:        mergeLong,
		Annotations: map[string]string{footerAnnotation: mergeFooter},
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("no run folder given")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, dirs []string) error {
			return status(o.merge(dirs, stdout, stderr))
		},
	}
	g := newFlagGroups(cmd)
	merge := g.add("Merge")
	merge.BoolVar(&o.force, "force", false, "merge shards whose endpoint, payload set or tokenizer differ")
	slo := g.add("SLO")
	reports := g.add("Reports")
	o.register(reports, slo, "the merged run", "base folder for the merged run folder <out>/<run-name>, a local folder or a bucket URL (empty: write no folder)")
	reports.StringVar(&o.runName, "run-name", "", "name of the merged run (default: the shards' run, or the current time and a random suffix)")
	g.install()
	completeDirs(cmd, "out")
	completeReportFiles(cmd)
	completeRunFolders(cmd)
	return cmd
}

// merge merges the run folders dirs and returns the exit status.
func (o *mergeOptions) merge(dirs []string, stdout, stderr io.Writer) int {
	const name = "llmtest merge"
	runName, force := o.runName, o.force
	ths, err := o.prepare(dirs)
	if err != nil {
		printError(stderr, name, err)
		return exitUsage
	}
	if err := checkNewFolder(o.out, runName); err != nil {
		printError(stderr, name, err)
		return exitUsage
	}
	res, err := llmtest.Merge(dirs, llmtest.MergeOptions{RunName: runName, Force: force})
	if err != nil {
		var me *reporters.MismatchError
		var ce *llmtest.ConfigError
		var se *reporters.ShardsError
		var ufe *llmtest.UnfinishedShardError
		switch {
		case errors.As(err, &ufe):
			err = usageErrorf("%s: the merge would be partial, so nothing was merged", strings.TrimPrefix(ufe.Error(), "llmtest: "))
		case errors.As(err, &se):
			err = usageErrorf("%s: the merge would be partial, so nothing was merged; give every shard's folder (%s) or run the missing shards again",
				strings.TrimPrefix(se.Error(), "reporters: "), shardFolders(dirs, se))
		case errors.As(err, &me):
			hint := ""
			if me.Field == "endpoint.url" && isLoopbackURL(me.AValue) && isLoopbackURL(me.BValue) {
				hint = " (the built-in simulator listens on a new port for each run: start one with `llmtest sim` and give every shard its --url)"
			}
			err = usageErrorf("%s and %s are not shards of one test: they differ in %s (%q and %q); --force merges them anyway%s",
				shardDir(dirs, me.A), shardDir(dirs, me.B), me.Field, me.AValue, me.BValue, hint)
		case errors.As(err, &ce):
			err = usageErrorf("--run-name: %s", ce.Reason)
		}
		printError(stderr, name, err)
		return exitUsage
	}
	if o.out != "" {
		res.OutputPath = llmtest.JoinOutputPath(o.out, res.Run.Name)
		if err := checkNewFolder(o.out, res.Run.Name); err != nil {
			printError(stderr, name, err)
			return exitUsage
		}
	}
	return o.present(name, res, ths, true, stdout, stderr)
}

// checkNewFolder refuses a merged run folder out/name that exists, so
// that a merge never overwrites a run; it accepts an empty out or name.
func checkNewFolder(out, name string) error {
	if out == "" || name == "" {
		return nil
	}
	dir := llmtest.JoinOutputPath(out, name)
	if err := llmtest.CheckRunFolder(dir); err == nil {
		return usageErrorf("--out: %s already exists; give another --run-name", llmtest.RedactOutputPath(dir))
	}
	return nil
}

// shardFolders names the folders of the shards of se's run:
// "<run>-shard-0 … <run>-shard-3" in the folder of the first of dirs.
func shardFolders(dirs []string, se *reporters.ShardsError) string {
	base := filepath.Join(filepath.Dir(filepath.Clean(dirs[0])), se.Run+"-shard-")
	if se.Count == 1 {
		return base + "0"
	}
	return base + "0 … " + base + strconv.Itoa(se.Count-1)
}

// isLoopbackURL reports whether s is an http URL of a loopback address.
func isLoopbackURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())
}

// shardDir returns the folder of dirs whose run is named run, or the name
// quoted when none is.
func shardDir(dirs []string, run string) string {
	for _, d := range dirs {
		if path.Base(filepath.ToSlash(llmtest.RedactOutputPath(d))) == run {
			return llmtest.RedactOutputPath(d)
		}
	}
	return fmt.Sprintf("run %q", run)
}
