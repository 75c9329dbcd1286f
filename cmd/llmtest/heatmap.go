package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
	"github.com/llmtest/llmtest/workloads"
)

// heatmapFile holds a heatmap's model, reporters.Heatmap, in its folder.
const heatmapFile = "heatmap.json"

// heatmapFlags are the flags of a latency heatmap.
type heatmapFlags struct {
	inputs   string
	outputs  string
	requests int
}

func (h *heatmapFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&h.inputs, "heatmap-inputs", "", "run a latency heatmap (LLMeter's LatencyHeatmap): synthetic prompts of each of these token counts, such as 10,50,200, the rows (needs --heatmap-outputs)")
	fs.StringVar(&h.outputs, "heatmap-outputs", "", "the heatmap's output limits in tokens, such as 128,256, the columns: one run per input × output cell, each in <out>/<run-name>/<run-name>-in<I>-out<O>")
	fs.IntVar(&h.requests, "heatmap-requests", 1, "requests of each heatmap cell, spread over --clients")
}

// heatmapping reports whether the run is a heatmap.
func (o *runOptions) heatmapping() bool {
	return o.setFlags["heatmap-inputs"] || o.setFlags["heatmap-outputs"]
}

// parseTokenList parses a flag's comma-separated list of positive token
// counts, each at most workloads.MaxLength.
func parseTokenList(flag, s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, usageErrorf("--%s: empty: give token counts such as 10,50,200", flag)
	}
	var ns []int
	for i, tok := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(tok))
		switch {
		case err != nil || n <= 0:
			return nil, usageErrorf("--%s: length %d: want a positive token count, got %q", flag, i+1, strings.TrimSpace(tok))
		case n > workloads.MaxLength:
			return nil, usageErrorf("--%s: length %d: want at most %d tokens, got %d", flag, i+1, workloads.MaxLength, n)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// heatmapConflicts are the flags a heatmap sets itself or cannot honour.
var heatmapConflicts = []string{"payload", "prompt", "input-tokens", "output-tokens", "dataset", "prompts", "trace", "trace-speed", "turns", "think-time",
	"max-tokens", "requests", "duration", "rate", "stage", "sweep-clients", "sweep-rates", "slo",
	"junit", "json", "md", "prometheus", "otlp-endpoint", "otlp-header", "low-memory", "warmup", "ramp-up"}

// checkHeatmap checks the heatmap flags against the others and returns
// the heatmap they ask for (its Prompts.Payload unset), or nil.
func (o *runOptions) checkHeatmap() (*workloads.Heatmap, error) {
	if !o.heatmapping() {
		if o.setFlags["heatmap-requests"] {
			return nil, usageErrorf("--heatmap-requests applies to --heatmap-inputs and --heatmap-outputs")
		}
		return nil, nil
	}
	switch {
	case !o.setFlags["heatmap-inputs"]:
		return nil, usageErrorf("--heatmap-outputs needs --heatmap-inputs")
	case !o.setFlags["heatmap-outputs"]:
		return nil, usageErrorf("--heatmap-inputs needs --heatmap-outputs")
	case o.heatmap.requests < 1:
		return nil, usageErrorf("--heatmap-requests must be at least 1, got %d", o.heatmap.requests)
	}
	for _, f := range heatmapConflicts {
		if o.setFlags[f] {
			return nil, usageErrorf("--%s and a heatmap (--heatmap-inputs) are mutually exclusive: each cell sets its own prompts and load", f)
		}
	}
	inputs, err := parseTokenList("heatmap-inputs", o.heatmap.inputs)
	if err != nil {
		return nil, err
	}
	outputs, err := parseTokenList("heatmap-outputs", o.heatmap.outputs)
	if err != nil {
		return nil, err
	}
	h := &workloads.Heatmap{Inputs: inputs, Outputs: outputs, PerCell: o.heatmap.requests, Clients: o.clients,
		Prompts: workloads.Synthetic{Payload: func(string, int) (endpoints.Payload, error) { return nil, nil }}}
	if err := h.Validate(); err != nil {
		msg := strings.NewReplacer("workloads: Heatmap.Inputs", "--heatmap-inputs",
			"workloads: Heatmap.Outputs", "--heatmap-outputs", "workloads: Heatmap.Clients", "--clients").Replace(err.Error())
		return nil, usageErrorf("%s", msg)
	}
	return h, nil
}

// runHeatmap runs the heatmap h with cfg as the base of every cell, stops
// the progress, prints the heatmap's tables to human and, with --out,
// writes heatmap.json, heatmap.md and the registered folder reports
// (report.html) to <out>/<run-name>: those of the cells that ran, when
// the heatmap was interrupted. It returns the heatmap (nil if no cell
// ran) and the files kept.
func (o *runOptions) runHeatmap(ctx context.Context, h *workloads.Heatmap, cfg llmtest.Config, stopProgress func(), human io.Writer) (*reporters.Heatmap, []string, error) {
	tok, err := o.workload.newTokenizer()
	if err != nil {
		stopProgress()
		return nil, nil, err
	}
	h.Prompts = workloads.Synthetic{
		Tokenizer: tok, Seed: o.workload.seed, ForceOutput: o.workload.ignoreEOS,
		Payload: func(prompt string, maxTokens int) (endpoints.Payload, error) {
			return apis[api(o.api)].payload(o, prompt, maxTokens)
		},
	}
	h.Name = o.runName
	if h.Name == "" {
		h.Name = "heatmap-" + time.Now().UTC().Format("20060102-150405")
	}
	var dir string
	if o.out != "" {
		dir = llmtest.JoinOutputPath(o.out, h.Name)
		cfg.OutputPath = dir
	}
	cfg.RunName = ""
	hm, runErr := h.Run(ctx, llmtest.NewRunner(cfg))
	stopProgress()
	if hm == nil || !slices.ContainsFunc(hm.Cells, func(c reporters.HeatmapCell) bool { return c.Requests > 0 }) {
		return hm, nil, runErr // no cell sent a request
	}
	var kept []string
	if dir != "" {
		type file struct {
			name  string
			write func(io.Writer, *reporters.Heatmap) error
		}
		files := []file{{heatmapFile, reporters.WriteHeatmapJSON}, {"heatmap.md", reporters.WriteHeatmapMarkdown}}
		for _, f := range reporters.FolderReports() { // report.html
			if f.Heatmap != nil {
				files = append(files, file{f.Name, f.Heatmap})
			}
		}
		for _, f := range files {
			var b bytes.Buffer
			err := f.write(&b, hm)
			if err == nil {
				err = llmtest.WriteOutputFile(dir, f.name, b.Bytes())
			}
			if err != nil {
				return hm, kept, errors.Join(runErr, err)
			}
		}
		kept = append(kept, llmtest.RedactOutputPath(dir))
	}
	fmt.Fprintln(human)
	return hm, kept, errors.Join(runErr, reporters.WriteHeatmapMarkdown(human, hm))
}

// heatmapExit returns the exit status of a heatmap that ran every cell:
// exitRunFailed when a cell had no successful request, else exitOK.
func heatmapExit(hm *reporters.Heatmap, kept []string, stderr io.Writer) int {
	for _, c := range hm.Cells {
		if c.Succeeded == 0 {
			fmt.Fprintf(stderr, "llmtest run: heatmap cell %d×%d: every request failed (%d); %s\n",
				c.Input, c.Output, c.Requests, keptText("results", kept))
			return exitRunFailed
		}
	}
	return exitOK
}
