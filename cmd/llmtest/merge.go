package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

const mergeUsage = `Usage: llmtest merge [flags] DIR...

Merges the run folders DIR... — shards of one test, run at once or one
after another — into one run, and prints its summary: counts and token
totals summed, histograms merged (percentiles within 0.1%), the time
series aligned on wall-clock seconds, the test time the union of the
shards' spans. With --out, the merge is written as a run folder
<out>/<run-name>, its responses.jsonl holding every shard's records.

Shards must agree on the endpoint (provider, model, endpoint name, URL),
the payload set and the tokenizer; the number of clients may differ
(the merge's is their sum). Shards that disagree are refused, naming
the field and both values, unless --force.

Exit status: 0 merged and every --slo held; 1 an --slo failed; 2 a usage
error (a missing or unreadable folder, shards that disagree); 3 every
request of the merge failed.

Flags:
`

// mergeCommand is `llmtest merge`.
func mergeCommand(args []string, stdout, stderr io.Writer) int {
	const name = "llmtest merge"
	var o outputFlags
	var runName string
	var force bool
	fs := newFlagSet(name, mergeUsage, stderr)
	o.register(fs, "the merged run", "local base folder for the merged run folder <out>/<run-name> (empty: write no folder)")
	fs.StringVar(&runName, "run-name", "", "name of the merged run (default: the current time and a random suffix)")
	fs.BoolVar(&force, "force", false, "merge shards whose endpoint, payload set or tokenizer differ")
	dirs, code, ok := parseArgs(fs, args, stderr)
	if !ok {
		return code
	}
	if len(dirs) == 0 {
		fmt.Fprintf(stderr, "%s: no run folder given\nRun '%s -h' for the flags.\n", name, name)
		return exitUsage
	}
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
		switch {
		case errors.As(err, &me):
			err = usageErrorf("%s and %s are not shards of one test: they differ in %s (%q and %q); --force merges them anyway",
				shardDir(dirs, me.A), shardDir(dirs, me.B), me.Field, me.AValue, me.BValue)
		case errors.As(err, &ce):
			err = usageErrorf("--run-name: %s", ce.Reason)
		}
		printError(stderr, name, err)
		return exitUsage
	}
	if o.out != "" {
		res.OutputPath = filepath.Join(o.out, res.Run.Name)
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
	dir := filepath.Join(out, name)
	if _, err := os.Stat(dir); err == nil {
		return usageErrorf("--out: %s already exists; give another --run-name", dir)
	}
	return nil
}

// shardDir returns the folder of dirs whose run is named run, or the name
// quoted when none is.
func shardDir(dirs []string, run string) string {
	for _, d := range dirs {
		if filepath.Base(filepath.Clean(d)) == run {
			return d
		}
	}
	return fmt.Sprintf("run %q", run)
}
