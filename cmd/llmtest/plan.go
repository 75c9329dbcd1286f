package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/llmtest"
)

// A plan file (llmtest run -f plan.yaml) sets the flags of `llmtest run`:
// each key of the plan is a flag's name, in a section (llmtest.LoadPlan
// documents the file). A flag given on the command line overrides the
// plan's value; --slo given on the command line replaces the plan's whole
// slo list, and the flags that are one setting replace each other (see
// replacedBy). The plan's values go through the flags themselves, so that a
// plan and a command line mean the same thing.

// planFlag returns the flag of `llmtest run` that plan entry e sets: its
// key, with the prefix "sim-" in the sim section, and "slo" for the items
// of the slo list.
func planFlag(e llmtest.PlanEntry) string {
	switch e.Section {
	case "slo":
		return "slo"
	case "sim":
		return "sim-" + e.Key
	}
	return e.Key
}

// applyPlan loads the plan file o.file and sets, with fs, every flag it
// names that the command line did not give; each of them is then counted
// as given (o.setFlags). An error is a *usageError naming the file, line
// and key.
//
// The plan's sim section is dropped, with a notice on stderr, when the
// command line points the run elsewhere (--url, or an AWS --api): the
// plan's simulator then has nothing to apply to, and the same plan runs
// offline and against a real server.
func (o *runOptions) applyPlan(fs *pflag.FlagSet, stderr io.Writer) error {
	p, err := llmtest.LoadPlan(o.file)
	if err != nil {
		if errors.As(err, new(*llmtest.PlanError)) {
			return &usageError{msg: err.Error(), err: err}
		}
		// The file cannot be read; the error names it.
		return &usageError{msg: "--file: " + strings.TrimPrefix(err.Error(), "llmtest: plan: "), err: err}
	}
	o.planned = map[string]llmtest.PlanEntry{}
	set := map[string]bool{}
	elsewhere := ""
	switch {
	case o.setFlags["url"] && o.url != "":
		elsewhere = "--url"
	case o.setFlags["api"] && apis[api(o.api)].aws:
		elsewhere = "--api " + o.api
	}
	dropped := 0
	for _, e := range p.Entries {
		name := planFlag(e)
		if e.Section == "sim" && elsewhere != "" {
			dropped++
			continue
		}
		if o.setFlags[name] || slices.ContainsFunc(replacedBy[name], func(f string) bool { return o.setFlags[f] }) ||
			o.replacesSourceOf(name) {
			continue // the command line overrides the plan
		}
		if fs.Lookup(name) == nil {
			// LoadPlan and the flags disagree: a bug, caught by the tests.
			return usageErrorf("%s:%d: %s: no flag --%s sets it", o.file, e.Line, e.Name(), name)
		}
		if err := fs.Set(name, e.Value); err != nil {
			// LoadPlan checked the value's type; the flag refused it anyway.
			return usageErrorf("%s:%d: %s: invalid value", o.file, e.Line, e.Name())
		}
		if name == "slo" {
			o.sloEntries = append(o.sloEntries, e)
		}
		if _, ok := o.planned[name]; !ok {
			o.planned[name] = e
		}
		set[name] = true
	}
	for name := range set {
		o.setFlags[name] = true
	}
	if dropped > 0 {
		fmt.Fprintf(stderr, "llmtest run: %s: not using the plan's sim section: %s names the endpoint\n", o.file, elsewhere)
	}
	return nil
}

// replacedBy pairs the flags that are one setting: given on the command
// line, either replaces both of the plan's values, so that --requests
// overrides a plan's duration, and --prompt a plan's payload, input-tokens,
// dataset or trace, with the keys of that source (sourceKeys).
var replacedBy = map[string][]string{
	"requests":     {"duration"},
	"duration":     {"requests"},
	"payload":      {"prompt", "input-tokens", "dataset", "trace"},
	"prompt":       {"payload", "input-tokens", "dataset", "trace"},
	"input-tokens": {"payload", "prompt", "dataset", "trace"},
	"dataset":      {"payload", "prompt", "input-tokens", "trace"},
	"trace":        {"payload", "prompt", "input-tokens", "dataset"},
}

// sourceKeys are the plan keys that apply only to some payload sources: a
// source given on the command line (replacedBy) drops those that do not
// apply to it with the plan's source, such as a dataset's filters when
// --prompt replaces the dataset, or max-tokens when --payload does.
var sourceKeys = map[string][]string{
	"max-tokens":         {"prompt", "dataset"},
	"output-tokens":      {"input-tokens", "dataset"},
	"prompts":            {"input-tokens", "dataset"},
	"ignore-eos":         {"input-tokens", "dataset", "trace"},
	"shared-prefix":      {"input-tokens"},
	"cache-bust":         {"input-tokens"},
	"dataset-min-tokens": {"dataset"},
	"dataset-max-tokens": {"dataset"},
	"trace-speed":        {"trace"},
}

// replacesSourceOf reports whether the command line gives a payload source
// that plan key name does not apply to.
func (o *runOptions) replacesSourceOf(name string) bool {
	sources, ok := sourceKeys[name]
	if !ok {
		return false
	}
	for _, src := range []string{"payload", "prompt", "input-tokens", "dataset", "trace"} {
		if o.setFlags[src] && !slices.Contains(sources, src) {
			return true
		}
	}
	return false
}

// flagRef matches a flag's name in a message.
var flagRef = regexp.MustCompile(`--([a-z][a-z0-9-]*)`)

// planError returns err with the flags it names that the plan set named as
// the plan's keys: a message that starts with such a flag starts with the
// file, line and key instead ("plan.yaml:9: load.clients must be at least
// 1, got 0"), and the other flags become keys ("load.duration"). Without a
// plan, or for a message that names no flag of the plan, err is returned
// as it is.
func (o *runOptions) planError(err error) error {
	var ue *usageError
	if len(o.planned) == 0 || !errors.As(err, &ue) {
		return err
	}
	msg := ue.Error()
	changed := false
	msg = flagRef.ReplaceAllStringFunc(msg, func(ref string) string {
		e, ok := o.planned[strings.TrimPrefix(ref, "--")]
		if !ok {
			return ref
		}
		changed = true
		return e.Name()
	})
	if !changed {
		return err
	}
	if m := flagRef.FindStringSubmatchIndex(ue.Error()); m != nil && m[0] == 0 {
		if e, ok := o.planned[ue.Error()[m[2]:m[3]]]; ok {
			msg = fmt.Sprintf("%s:%d: %s", o.file, e.Line, msg)
		}
	}
	return &usageError{msg: msg, err: err}
}
