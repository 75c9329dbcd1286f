package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/llmtest"
)

// levelList is the value of --sweep-clients or --sweep-rates: load levels
// separated by commas, such as "1,2,4,8" (see llmtest.ParseLevels). Given
// twice, the lists join.
type levelList struct {
	rates  bool
	levels []llmtest.Level
	text   []string
}

func (l *levelList) String() string { return strings.Join(l.text, ",") }

// Type names the value in the help.
func (l *levelList) Type() string {
	if l.rates {
		return "rates"
	}
	return "clients"
}

// Set parses one list; an error names the token.
func (l *levelList) Set(v string) error {
	levels, err := llmtest.ParseLevels(v, l.rates)
	if err != nil {
		return err
	}
	l.levels = append(l.levels, levels...)
	for _, tok := range strings.Split(v, ",") {
		l.text = append(l.text, strings.TrimSpace(tok))
	}
	return nil
}

// sweeping reports whether the run is a sweep.
func (o *runOptions) sweeping() bool {
	return len(o.sweepClients.levels) > 0 || len(o.sweepRates.levels) > 0
}

// checkSweep checks the sweep flags against the others.
func (o *runOptions) checkSweep() error {
	switch {
	case !o.sweeping():
		return nil
	case len(o.sweepRates.levels) > 0 && len(o.sweepClients.levels) > 0:
		return usageErrorf("--sweep-clients and --sweep-rates are mutually exclusive")
	case len(o.sweepRates.levels) > 0 && o.setFlags["clients"]:
		return usageErrorf("--clients and --sweep-rates are mutually exclusive: each level is an open loop at its rate, without clients")
	case len(o.sweepRates.levels) > 0 && o.setFlags["rate"]:
		return usageErrorf("--rate and --sweep-rates are mutually exclusive: each level sets the rate")
	case len(o.sweepClients.levels) > 0 && o.openLoop():
		return usageErrorf("--sweep-clients sweeps a closed loop's clients; --rate (an open loop) goes with --sweep-rates")
	case len(o.stages) > 0:
		return usageErrorf("--stage and a sweep are mutually exclusive: each level sets its own load")
	case o.setFlags["clients"]:
		return usageErrorf("--clients and --sweep-clients are mutually exclusive: each level sets the clients")
	case o.junit != "" || o.json != "" || o.md != "":
		return usageErrorf("--junit, --json and --md write one run's reports; a sweep writes each level's reports and sweep.json and sweep.md to --out")
	case o.export.prometheus != "" || o.export.otlpEndpoint != "":
		return usageErrorf("--prometheus and --otlp-endpoint export one run; export a sweep's levels with llmtest report <out>/<run-name>/<level>")
	}
	flag, list := "--sweep-clients", &o.sweepClients
	if len(o.sweepRates.levels) > 0 {
		flag, list = "--sweep-rates", &o.sweepRates
	}
	for i := 1; i < len(list.levels); i++ {
		if list.levels[i].Clients <= list.levels[i-1].Clients && list.levels[i].Rate <= list.levels[i-1].Rate {
			return usageErrorf("%s: %s does not come after %s: give the levels in strictly ascending order",
				flag, list.text[i], list.text[i-1])
		}
	}
	return nil
}

// sweepConfig returns the sweep of the flags.
func (o *runOptions) sweepConfig() llmtest.SweepConfig {
	levels := o.sweepClients.levels
	if len(o.sweepRates.levels) > 0 {
		levels = o.sweepRates.levels
	}
	return llmtest.SweepConfig{Name: o.runName, Levels: levels}
}

// runSweep runs the sweep of cfg's load, stops the progress, evaluates the SLOs on every
// level (each level is gated on its own) and saves the levels' reports
// again with them, then prints each level's summary and the sweep's
// table to human.
func (o *runOptions) runSweep(ctx context.Context, cfg llmtest.Config, thresholds []*assertions.Threshold, stopProgress func(), human io.Writer) (*llmtest.SweepResult, []string, error) {
	sw, runErr := llmtest.NewRunner(cfg).Sweep(ctx, llmtest.Config{}, o.sweepConfig())
	stopProgress()
	if sw == nil {
		return nil, nil, o.flagError(runErr)
	}
	var errs []error
	errs = append(errs, runErr)
	for _, res := range sw.Results {
		for _, th := range thresholds {
			res.AddCheck(th.Evaluate(res))
		}
		errs = append(errs, res.Save())
		if err := writeSummary(human, res); err != nil {
			errs = append(errs, err)
		}
		fmt.Fprintln(human)
	}
	var kept []string
	if sw.OutputPath != "" {
		errs = append(errs, sw.Save())
		if _, err := os.Stat(sw.OutputPath); err == nil {
			kept = append(kept, sw.OutputPath)
		}
	}
	if _, err := io.WriteString(human, sw.Table()); err != nil {
		errs = append(errs, err)
	}
	if sw.OutputPath != "" {
		fmt.Fprintf(human, "sweep: %s\n", sw.OutputPath)
	}
	return sw, kept, errors.Join(errs...)
}

// sweepExit returns the exit status of a sweep that ran: exitRunFailed
// when every request of every level failed, exitSLOFailed when a check of
// a level failed, exitOK otherwise.
func sweepExit(sw *llmtest.SweepResult, kept []string, stderr io.Writer) int {
	allFailed, passed := len(sw.Results) > 0, true
	for _, res := range sw.Results {
		run := res.Report()
		allFailed = allFailed && run.AllFailed()
		passed = passed && run.Passed()
	}
	switch {
	case allFailed:
		fmt.Fprintf(stderr, "llmtest run: every request of every level failed; %s\n", keptText("results", kept))
		return exitRunFailed
	case !passed:
		return exitSLOFailed
	}
	return exitOK
}
