package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// runOptions are the flags of `llmtest run`.
type runOptions struct {
	url       string
	model     string
	apiKeyEnv string
	api       string
	payload   string
	prompt    string
	maxTokens int
	stream    bool
	clients   int
	requests  int
	duration  time.Duration
	rampUp    time.Duration
	timeout   time.Duration
	runName   string
	lowMemory bool
	// The load shape beyond the closed loop.
	rate        float64
	arrival     string
	maxInFlight int
	seed        uint64
	stages      stringList
	warmup      string
	turns       int
	thinkTime   time.Duration
	// serverMetrics is --server-metrics: the server's /metrics page, or
	// a path on the endpoint's host (see serverMetricsURL).
	serverMetrics string
	outputFlags
	progress progressFlags
	cost     costFlags
	workload workloadFlags
	shards   shardFlags
	sim      simFlags
	aws      awsFlags
	file     string          // the plan file, --file
	setFlags map[string]bool // the flags given on the command line or in the plan

	// sweepClients and sweepRates are the levels of a sweep; swept is its
	// result once it ran.
	sweepClients levelList
	sweepRates   levelList
	swept        *llmtest.SweepResult
	// heatmap are the flags of a latency heatmap; heated is the heatmap
	// that ran every cell.
	heatmap heatmapFlags
	heated  *reporters.Heatmap

	// planned are the flags the plan set, each with its first entry;
	// sloEntries are the plan's SLOs, when --slo came from it.
	planned    map[string]llmtest.PlanEntry
	sloEntries []llmtest.PlanEntry
}

// runLong is the description of `llmtest run`.
const runLong = `Runs a load test and prints its summary. With no --url it starts the
built-in simulator on 127.0.0.1 and tests it over HTTP. Every flag and
input is checked before anything starts.

With -f plan.yaml the flags come from a plan file: each key is a flag's
name in a section (endpoint, payloads, load, slo, reports, sim, aws), and
a flag given on the command line overrides the plan's value. Values
expand ${VAR} and ${VAR:-default} from the environment.`

// Defaults of `llmtest run`.
const (
	defaultMaxTokens = 64
	defaultClients   = 4
)

// newRunCommand returns `llmtest run` and the options its flags set.
func newRunCommand(stdout, stderr io.Writer) *cobra.Command {
	cmd, o := newRunFlags()
	cmd.RunE = func(c *cobra.Command, _ []string) error {
		if err := o.complete(c.Flags(), stderr); err != nil {
			printError(stderr, "llmtest run", err)
			return exitStatus(exitUsage)
		}
		return status(o.run(c.Context(), stdout, stderr))
	}
	return cmd
}

// newRunFlags returns `llmtest run` without its RunE, and the options its
// flags set. The flags are in groups, which the help shows in this order;
// their names are the keys of a plan file (llmtest.PlanSections).
func newRunFlags() (*cobra.Command, *runOptions) {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:               "run",
		Short:             "run a load test and print its summary",
		Long:              runLong,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		Annotations:       map[string]string{footerAnnotation: runFooter()},
	}
	g := newFlagGroups(cmd)

	endpoint := g.add("Endpoint")
	endpoint.StringVar(&o.url, "url", "", "base URL of the server, including /v1 (empty: the built-in simulator; for AWS APIs the regional endpoint)")
	endpoint.StringVar(&o.model, "model", "", "model name sent in each request; the model ID for Bedrock (default: the simulator's model without --url)")
	endpoint.StringVar(&o.api, "api", string(apiOpenAIChat), "API: "+strings.Join(apiNames(), ", "))
	endpoint.StringVar(&o.apiKeyEnv, "api-key-env", "", "name of the environment variable that holds the API key (default OPENAI_API_KEY, ANTHROPIC_API_KEY for --api anthropic; AWS APIs use the AWS credential chain)")

	payloads := g.add("Payloads")
	payloads.StringVar(&o.payload, "payload", "", "a .json or .jsonl payload file, or a directory of them")
	payloads.StringVar(&o.prompt, "prompt", "", "build one payload from this user message")
	payloads.IntVar(&o.maxTokens, "max-tokens", defaultMaxTokens, "max tokens of payloads built from --prompt, the built-in prompts or a dataset without --output-tokens (not with --payload or --input-tokens)")
	payloads.BoolVar(&o.stream, "stream", true, "stream responses (set false to test non-streaming; overrides the payloads)")
	o.workload.register(payloads)

	load := g.add("Load shape")
	load.IntVar(&o.clients, "clients", defaultClients, "concurrent clients")
	load.IntVar(&o.requests, "requests", 0, "requests per client, at least 1 (default: one per payload)")
	load.DurationVar(&o.duration, "duration", 0, "send requests for this long (positive) instead of a fixed count")
	load.DurationVar(&o.rampUp, "ramp-up", 0, "spread the clients' first requests evenly over this time, shorter than --duration")
	load.DurationVar(&o.timeout, "timeout", llmtest.DefaultTimeout, "deadline of each request")
	load.Float64Var(&o.rate, "rate", 0, "open loop: requests arrive at this many per second on their own schedule, whether or not earlier ones completed (not with --clients; --requests is then the total)")
	load.StringVar(&o.arrival, "arrival", string(llmtest.ArrivalConstant), "open loop arrivals: constant or poisson (seeded by --seed)")
	load.IntVar(&o.maxInFlight, "max-in-flight", llmtest.DefaultMaxInFlight, "open loop: most requests in flight; an arrival that finds no free slot is dropped and counted, never delayed")
	load.Uint64Var(&o.seed, "seed", 0, "open loop: seed of the Poisson arrivals (0: a fixed default, so that a run repeats)")
	load.Var(&o.stages, "stage", "a stage DURATION:TARGET of the load, repeatable or comma-separated (30s:100): a linear ramp to TARGET over DURATION, of the rate in requests/s in an open loop (--rate, or --arrival, --max-in-flight or --seed given: from 0) or of the clients otherwise (from --clients, else 0); the run lasts the stages (not with --duration or --requests)")
	load.StringVar(&o.warmup, "warmup", "", "warm-up: a duration (10s) or a number of requests (100) at the start, sent and recorded but left out of every statistic and --slo")
	load.IntVar(&o.turns, "turns", 0, "closed loop: each client holds conversations of this many turns, each turn resending the chat history with the server's replies (needs chat payloads with messages); statistics per turn in the summary")
	load.DurationVar(&o.thinkTime, "think-time", 0, "with --turns: pause between a reply and the conversation's next turn")
	o.shards.register(load)
	load.BoolVar(&o.lowMemory, "low-memory", false, "keep no request record in memory: records go only to the run folder's responses.jsonl, percentiles come from histograms (within 0.1%); needs --out")
	o.sweepRates.rates = true
	load.Var(&o.sweepClients, "sweep-clients", "run a sweep (LLMeter's LoadTest): one run per client count, such as 1,2,4,8, each in <out>/<run-name>/<level>, and a table with the saturation point")
	load.Var(&o.sweepRates, "sweep-rates", "run a sweep over arrival rates in requests/s, such as 10,20,40: each level an open loop (--arrival, --max-in-flight, --seed apply)")
	o.heatmap.register(load)

	slo := g.add("SLO")
	reports := g.add("Reports")
	o.outputFlags.register(reports, slo, "the run", "base folder for the run folder <out>/<run-name>: a local folder or a bucket URL, s3://, gs://, azblob:// or file:// (empty: no artifacts)")
	reports.StringVar(&o.runName, "run-name", "", "name of the run (default: start time and a random suffix)")
	reports.StringVar(&o.serverMetrics, "server-metrics", "", "scrape the server's Prometheus metrics at this URL (or path on the --url host, such as /metrics) before and after the run, and show the changes of vLLM's and llama.cpp's counters next to the client's; a failed scrape is a warning")
	o.cost.register(g.add("Cost"))

	o.progress.register(g.add("Progress"))
	o.sim.register(g.add("Simulator"), "sim-")
	o.aws.register(g.add("AWS"))

	plan := g.add("Plan")
	plan.StringVarP(&o.file, "file", "f", "", "run the plan in this YAML file; flags given on the command line override its values")
	g.install()

	completeValues(cmd, "api", apiNames()...)
	completeValues(cmd, "progress", progressModes...)
	completeValues(cmd, "style", awsStyles...)
	completeValues(cmd, "arrival", string(llmtest.ArrivalConstant), string(llmtest.ArrivalPoisson))
	completeFiles(cmd, "payload", "json", "jsonl")
	completeFiles(cmd, "file", "yaml", "yml")
	completeDirs(cmd, "out")
	completeReportFiles(cmd)
	return cmd, o
}

// runFooter is the end of the help of `llmtest run`: the exit statuses
// and the statistics --slo can check.
func runFooter() string {
	return exitStatusHelp + "\n\n" + sloHelp()
}

// exitStatusHelp lists the exit statuses of `llmtest run`.
const exitStatusHelp = `Exit status:
  0    passed: the run completed and every --slo held
  1    an --slo failed
  2    a usage error: a flag, an input or the configuration is wrong; nothing was sent
  3    the run failed: every request failed, or it could not complete
  130  interrupted by SIGINT, 143 by SIGTERM (partial results written, if any)`

// run runs the options of a parsed command line and returns the
// exit status.
func (o *runOptions) run(ctx context.Context, stdout, stderr io.Writer) int {
	res, kept, err := o.execute(ctx, stdout, stderr)
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		printError(stderr, "llmtest run", o.planError(err))
		return exitUsage
	case errors.Is(err, llmtest.ErrInterrupted) || (ctx.Err() != nil && errors.Is(err, context.Canceled)):
		// A run or heatmap cut short, or a workload whose building was.
		sig := interruptSignal(ctx, err)
		what := keptText("partial results", kept)
		if res == nil && len(kept) == 0 && (o.out != "" || o.junit != "" || o.json != "" || o.md != "") {
			what = "no request had completed, so no results were written"
		}
		fmt.Fprintf(stderr, "llmtest run: interrupted by %s; %s\n", signalName(sig), what)
		return interruptedExit(sig)
	case res == nil && err != nil:
		printError(stderr, "llmtest run", o.planError(err))
		var ce *llmtest.ConfigError
		var pe *llmtest.PayloadError
		if errors.As(err, &ce) || errors.As(err, &pe) {
			return exitUsage // refused before any request was sent
		}
		return exitRunFailed
	case err != nil:
		printError(stderr, "llmtest run", err)
		return exitRunFailed
	case o.swept != nil:
		return sweepExit(o.swept, kept, stderr)
	case o.heated != nil:
		return heatmapExit(o.heated, kept, stderr)
	}
	return verdict("llmtest run", res, kept, stderr)
}

// complete records the flags the command line gave (o.setFlags) and
// applies the plan file --file names, if any, whose values fill the flags
// the command line left out. An error is a *usageError.
func (o *runOptions) complete(fs *pflag.FlagSet, stderr io.Writer) error {
	o.setFlags = map[string]bool{}
	fs.Visit(func(f *pflag.Flag) { o.setFlags[f.Name] = true })
	if o.file != "" {
		return o.applyPlan(fs, stderr)
	}
	return nil
}

// runThresholds parses the --slo expressions, naming the plan's file,
// line and entry for one that came from the plan.
func (o *runOptions) runThresholds() ([]*assertions.Threshold, error) {
	for i, e := range o.sloEntries {
		if i < len(o.slos) {
			if _, err := assertions.Parse(o.slos[i]); err != nil {
				return nil, usageErrorf("%s:%d: slo[%d]: %v", o.file, e.Line, i, err)
			}
		}
	}
	return o.thresholds()
}

// keptText names the run folder and report files that hold the results
// (what: "results" or "partial results"), or says that none do.
func keptText(what string, kept []string) string {
	if len(kept) == 0 {
		return "no results kept (no --out, and no --junit, --json or --md file)"
	}
	return what + " kept in " + strings.Join(kept, ", ")
}

// execute checks every flag and input, starts the built-in simulator when
// it is the target, runs the load test and writes what was asked for. It
// returns the result whenever load was sent, and the run folder and report
// files written. Nothing starts before every check has passed: a
// *usageError means nothing was sent.
func (o *runOptions) execute(ctx context.Context, stdout, stderr io.Writer) (res *llmtest.Result, kept []string, err error) {
	if err := o.validate(); err != nil {
		return nil, nil, err
	}
	heatmap, err := o.checkHeatmap()
	if err != nil {
		return nil, nil, err
	}
	thresholds, err := o.runThresholds()
	if err != nil {
		return nil, nil, err
	}
	payloads, err := o.payloads(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		// Interrupted while the workload was built: whatever the error
		// says, the cause is the signal.
		return nil, nil, fmt.Errorf("building the payloads: %w", ctx.Err())
	case err != nil:
		return nil, nil, o.flagError(err)
	}

	// Against the built-in simulator, a stand-in endpoint that sends
	// nothing checks the endpoint flags and the payloads before it starts.
	if o.usesSim() && o.model == "" {
		o.model = sim.DefaultModel
	}
	base := o.url
	if o.usesSim() {
		base = drySimURL
	}
	ep, err := o.newEndpoint(base)
	if err != nil {
		return nil, nil, err
	}
	defer o.closeEndpoint(ep, stderr)
	if err := o.checkPayloads(ep, payloads); err != nil {
		return nil, nil, err
	}
	cfg := llmtest.Config{
		Endpoint:   ep,
		Payloads:   payloads,
		Clients:    o.clients,
		Requests:   o.requests,
		Duration:   o.duration,
		RampUp:     o.rampUp,
		Turns:      o.turns,
		ThinkTime:  o.thinkTime,
		Timeout:    o.timeout,
		OutputPath: o.out,
		RunName:    o.runName,
		LowMemory:  o.lowMemory,
	}
	if m, err := o.cost.model(o.setFlags); err != nil {
		return nil, nil, err
	} else if m != nil {
		cfg.Callbacks = append(cfg.Callbacks, m)
	}
	if o.setFlags["tokenizer"] {
		if cfg.Tokenizer, err = o.workload.newTokenizer(); err != nil {
			return nil, nil, err
		}
	}
	if err := o.shape(&cfg); err != nil {
		return nil, nil, err
	}
	if err := o.sharding(&cfg, heatmap != nil); err != nil {
		return nil, nil, err
	}
	// Check, not only Validate: a warm-up of more requests than the run
	// has is known once the payloads are.
	if err := cfg.Check(); err != nil {
		return nil, nil, o.shards.shardError(o.flagError(err))
	}
	metricsBase := o.url
	if o.usesSim() {
		srv, simEndpoint, err := o.startSim(stderr)
		if err != nil {
			return nil, nil, err
		}
		defer srv.Close()
		defer o.closeEndpoint(simEndpoint, stderr)
		cfg.Endpoint = simEndpoint
		metricsBase = srv.URL
	}
	if o.serverMetrics != "" {
		u, err := serverMetricsURL(o.serverMetrics, metricsBase)
		if err != nil {
			return nil, nil, err
		}
		cfg.Callbacks = append(cfg.Callbacks, serverMetricsCallback(u, stderr))
	}

	var stopProgress func()
	cfg.Progress, stopProgress = o.progress.start(stderr)
	if heatmap != nil {
		hm, kept, err := o.runHeatmap(ctx, heatmap, cfg, stopProgress, o.human(stdout, stderr))
		if hm != nil && len(hm.Cells) == len(heatmap.Inputs)*len(heatmap.Outputs) {
			o.heated = hm
		}
		return nil, kept, err
	}
	if o.sweeping() {
		sw, kept, err := o.runSweep(ctx, cfg, thresholds, stopProgress, o.human(stdout, stderr))
		o.swept = sw
		if sw != nil && len(sw.Results) > 0 {
			res = sw.Results[len(sw.Results)-1]
		}
		return res, kept, err
	}
	warnLate(&cfg, stderr)
	res, runErr := llmtest.NewRunner(cfg).Run(ctx, llmtest.Config{})
	stopProgress()
	if res == nil {
		return nil, nil, o.flagError(runErr)
	}
	for _, th := range thresholds {
		res.AddCheck(th.Evaluate(res))
	}
	// The run folder's reports were written when the run ended: write
	// them again with the checks.
	saveErr := res.Save()
	if res.OutputPath != "" && saveErr == nil {
		kept = append(kept, llmtest.RedactOutputPath(res.OutputPath))
	}
	written, reportErr := o.writeReports(res, stdout)
	kept = append(kept, written...)
	err = errors.Join(runErr, saveErr, reportErr)

	human := o.human(stdout, stderr)
	if errors.Is(runErr, llmtest.ErrInterrupted) && interruptSignal(ctx, runErr) == os.Interrupt && isTerminal(human) {
		// End the line where the terminal echoed ^C.
		fmt.Fprintln(human)
	}
	if werr := writeSummary(human, res); werr != nil {
		err = errors.Join(err, werr)
	}
	return res, kept, err
}

// closeEndpoint closes ep when it is an io.Closer; a failure is reported
// on stderr and changes nothing else, since the run is over.
func (o *runOptions) closeEndpoint(ep endpoints.Endpoint, stderr io.Writer) {
	if err := closeEndpoint(ep); err != nil {
		fmt.Fprintf(stderr, "llmtest run: closing the endpoint: %v\n", err)
	}
}

// checkPayloads prepares every payload with ep, as the run will, so that a
// payload the endpoint refuses is an error before anything starts.
func (o *runOptions) checkPayloads(ep endpoints.Endpoint, ps []endpoints.Payload) error {
	reason := func(err error) string {
		return fieldRefs(strings.TrimPrefix(err.Error(), "llmtest: "), tableNamer(providerFlags))
	}
	if o.payload != "" {
		// Prepared as loaded, so that an error names the file and line.
		if err := (llmtest.Config{Endpoint: ep, Payloads: o.payload}).Check(); err != nil {
			return usageErrorf("--payload: %s", reason(err))
		}
	}
	for i, p := range ps {
		if _, err := ep.Prepare(p); err != nil {
			switch {
			case o.payload != "":
				return usageErrorf("--payload: %s: payload %d of %d: %s", o.payload, i+1, len(ps), reason(err))
			case o.prompt != "":
				return usageErrorf("--prompt: %s", reason(err))
			case o.workload.active():
				return usageErrorf("--%s: payload %d of %d: %s", o.workload.flag(), i+1, len(ps), reason(err))
			}
			return usageErrorf("built-in prompt %d: %s", i+1, reason(err))
		}
	}
	return nil
}

func (o *runOptions) validate() error {
	if err := o.checkWorkload(); err != nil {
		return err
	}
	switch {
	case o.setFlags["prompt"] && strings.TrimSpace(o.prompt) == "":
		return usageErrorf("--prompt: the message is empty")
	case o.prompt != "" && o.payload != "":
		return usageErrorf("--prompt and --payload are mutually exclusive")
	case o.maxTokens <= 0:
		return usageErrorf("--max-tokens must be positive, got %d", o.maxTokens)
	case o.setFlags["max-tokens"] && o.payload != "":
		return usageErrorf("--max-tokens applies to --prompt and the built-in prompts, not to --payload: set the limit in the payloads")
	case o.clients <= 0 && !o.openLoop():
		return usageErrorf("--clients must be at least 1, got %d", o.clients)
	case o.setFlags["requests"] && o.requests <= 0:
		return usageErrorf("--requests must be at least 1, got %d (leave it out to send one request per payload)", o.requests)
	case o.setFlags["duration"] && o.duration <= 0:
		return usageErrorf("--duration must be positive, got %v", o.duration)
	case o.requests > 0 && o.duration > 0:
		return usageErrorf("--requests and --duration are mutually exclusive")
	case o.rampUp < 0:
		return usageErrorf("--ramp-up must not be negative, got %v", o.rampUp)
	case o.timeout <= 0:
		return usageErrorf("--timeout must be positive, got %v", o.timeout)
	}
	if _, ok := apis[api(o.api)]; !ok {
		return usageErrorf("--api: unknown API %q (known: %s)", o.api, strings.Join(apiNames(), ", "))
	}
	if err := o.aws.misplaced(o.setFlags, api(o.api)); err != nil {
		return err
	}
	if err := o.checkOutputs(); err != nil {
		return err
	}
	if err := o.checkSweep(); err != nil {
		return err
	}
	if o.serverMetrics != "" {
		base := o.url
		if o.usesSim() {
			base = drySimURL
		}
		if _, err := serverMetricsURL(o.serverMetrics, base); err != nil {
			return err
		}
	}
	if err := o.progress.check(o.setFlags); err != nil {
		return err
	}
	return o.checkAPI()
}

// openLoop reports whether the flags ask for an open loop: --rate,
// --trace, or --stage with an open loop's flag.
func (o *runOptions) openLoop() bool {
	return o.rate > 0 || len(o.sweepRates.levels) > 0 || o.workload.trace != "" ||
		(len(o.stages) > 0 && (o.setFlags["arrival"] || o.setFlags["max-in-flight"] || o.setFlags["seed"]))
}

// shape sets the load shape of cfg beyond the closed loop from the flags:
// the open loop, the stages and the warm-up. Its errors name the flags.
func (o *runOptions) shape(cfg *llmtest.Config) error {
	open := o.openLoop()
	switch {
	case o.setFlags["rate"] && !(o.rate > 0):
		return usageErrorf("--rate must be a positive number of requests/s, got %v", o.rate)
	case open && o.setFlags["clients"]:
		return usageErrorf("--clients is for a closed loop; an open loop (--rate) has none")
	case !open && (o.setFlags["arrival"] || o.setFlags["max-in-flight"] || o.setFlags["seed"]):
		return usageErrorf("--arrival, --max-in-flight and --seed shape an open loop: give --rate or --stage")
	}
	for _, s := range o.stages {
		stages, err := llmtest.ParseStages(s)
		if err != nil {
			return usageErrorf("--stage: %v", err)
		}
		cfg.Stages = append(cfg.Stages, stages...)
	}
	if o.warmup != "" {
		w, err := llmtest.ParseWarmup(o.warmup)
		if err != nil {
			return usageErrorf("--warmup: %v", err)
		}
		cfg.Warmup = w
	}
	if len(cfg.Stages) > 0 && !o.setFlags["clients"] {
		cfg.Clients = 0 // the stages ramp from 0
	}
	if open {
		cfg.Clients = 0
		cfg.Rate = o.rate
		if len(o.sweepRates.levels) > 0 {
			// The sweep sets each level's rate; the base is checked as
			// an open loop at the first.
			cfg.Rate = o.sweepRates.levels[0].Rate
		}
		if o.workload.trace != "" {
			times, err := o.workload.traceArrivals()
			if err != nil {
				return err
			}
			cfg.ArrivalTimes, cfg.MaxInFlight = times, o.maxInFlight
			return nil
		}
		cfg.OpenLoopStages = cfg.Rate == 0 && len(cfg.Stages) > 0
		arrival, err := llmtest.ParseArrival(o.arrival)
		if err != nil {
			return o.flagError(err)
		}
		cfg.Arrival, cfg.MaxInFlight, cfg.Seed = arrival, o.maxInFlight, o.seed
	}
	return nil
}

// payloads returns the payloads: those of the --payload file or folder,
// one built from --prompt, or the built-in prompts. With --stream given
// explicitly, every payload's "stream" field is set to it.
func (o *runOptions) payloads(ctx context.Context) ([]endpoints.Payload, error) {
	var ps []endpoints.Payload
	switch {
	case o.workload.active():
		loaded, err := o.workloadPayloads(ctx)
		if err != nil {
			return nil, err
		}
		ps = loaded
	case o.payload != "":
		loaded, err := llmtest.LoadPayloads(o.payload)
		if err != nil {
			return nil, err
		}
		ps = loaded
	case o.prompt != "":
		p, err := apis[api(o.api)].payload(o, o.prompt, o.maxTokens)
		if err != nil {
			return nil, usageErrorf("--prompt: %v", err)
		}
		ps = []endpoints.Payload{p}
	default:
		for _, prompt := range builtinPrompts {
			p, err := apis[api(o.api)].payload(o, prompt, o.maxTokens)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
	}
	if o.setFlags["stream"] {
		for _, p := range ps {
			p["stream"] = o.stream
		}
	}
	return ps, nil
}

// builtinPrompts are the payloads of a run without --payload or --prompt.
var builtinPrompts = []string{
	"Explain in two paragraphs why the sky is blue.",
	"Write a haiku about load testing.",
	"Summarise the plot of Hamlet for a ten-year-old.",
	"List five practical tips for writing clear error messages in Go programs.",
	"What is the difference between latency and throughput? Give an example from web services.",
	"Translate 'the quick brown fox jumps over the lazy dog' into French and German.",
	"Describe how a transformer language model generates text one token at a time, including the role of the key-value cache during decoding.",
	"Give a short recipe for a vegetarian chili.",
}
