package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/kube"
	"github.com/llmtest/llmtest/llmtest"
)

// jobLong is the description of `llmtest job`.
const jobLong = `Writes the Kubernetes manifests of a sharded run: an Indexed Job of
--shards pods, each running one shard of "llmtest run RUN-ARGS...", and a
second Job that merges the shards and gates the merged run with the
--slo checks of RUN-ARGS. Nothing is sent to a cluster: pipe the output
to kubectl apply -f -.

Every pod starts its load at one moment, --start-delay after now, written
in the manifest as an absolute time: generate and apply at once. Shard i
writes its run folder --out/run-shard-i, which Kubernetes numbers through
JOB_COMPLETION_INDEX; JOB_COMPLETIONS holds the number of shards. The
merge Job is created suspended: once the shard Job completes, resume it
(the manifest's first lines give the commands), and it writes
--out/merged and exits 1 when an --slo fails. A failed shard leaves a
merge that names its missing folder.

Secrets reach the pods only by reference, --secret-env NAME=SECRET:KEY,
from a Kubernetes Secret; a value is refused, never written. So is a run
argument that would carry one: --otlp-header (give
OTEL_EXPORTER_OTLP_HEADERS with --secret-env), and a --url,
--otlp-endpoint or --server-metrics with a user, password or query.`

// jobFooter is the end of the help of `llmtest job`.
const jobFooter = `Example:
  llmtest job --shards 4 --image registry.example.com/llmtest:v1.0.0 \
      --out s3://bucket/runs/vllm --secret-env OPENAI_API_KEY=openai:api-key \
      -- --url http://vllm:8000/v1 --model my-model --clients 16 --duration 5m --slo 'ttft p99 < 800ms' \
    | kubectl apply -f -

Exit status:
  0    the manifests were written
  2    a usage error: a flag or a run argument is wrong; nothing was written`

// Defaults of `llmtest job`.
const (
	defaultJobName    = "llmtest"
	defaultStartDelay = 60 * time.Second
	defaultJobCPU     = "1"
	defaultJobMemory  = "1Gi"
	// imagePlaceholder is the registry of the default --image: reserved
	// (RFC 2606), so that a manifest that keeps it can pull nothing.
	imagePlaceholder = "registry.example.com/llmtest"
)

// jobOptions are the flags of `llmtest job`.
type jobOptions struct {
	name           string
	namespace      string
	image          string
	shards         int
	startDelay     time.Duration
	out            string
	volumeClaim    string
	cpu            string
	memory         string
	secretEnv      stringList
	labels         stringList
	serviceAccount string
	retries        int
	output         string
	now            func() time.Time
}

// newJobCommand returns `llmtest job`.
func newJobCommand(stdout, stderr io.Writer) *cobra.Command {
	o := jobOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:               "job [flags] -- RUN-ARGS...",
		Short:             "write the Kubernetes Jobs of a sharded run and its merge",
		Long:              jobLong,
		Annotations:       map[string]string{footerAnnotation: jobFooter},
		ValidArgsFunction: cobra.NoFileCompletions,
		Args: func(c *cobra.Command, args []string) error {
			if dash := c.ArgsLenAtDash(); len(args) > 0 && dash != 0 {
				return usageErrorf("unexpected argument %q (the arguments of llmtest run follow --)", args[0])
			}
			return nil
		},
		RunE: func(_ *cobra.Command, runArgs []string) error {
			if err := o.write(runArgs, stdout, stderr); err != nil {
				printError(stderr, "llmtest job", err)
				return exitStatus(exitUsage)
			}
			return nil
		},
	}
	g := newFlagGroups(cmd)
	job := g.add("Job")
	job.IntVar(&o.shards, "shards", 0, fmt.Sprintf("number of shard pods, 1 to %d (required)", kube.MaxShards))
	job.StringVar(&o.name, "name", defaultJobName, "name of the shard Job, a DNS label; the merge Job is <name>-merge")
	job.StringVar(&o.namespace, "namespace", "", "namespace of the Jobs (empty: kubectl's current namespace)")
	job.DurationVar(&o.startDelay, "start-delay", defaultStartDelay, "every shard starts its load this long after now (the manifest holds the absolute time), time for the pods to be scheduled and pull the image")
	job.IntVar(&o.retries, "retries", 0, "retries of a failed shard (backoffLimitPerIndex); a retried shard starts late, and a usage error is never retried")
	pods := g.add("Pods")
	pods.StringVar(&o.image, "image", "", "container image with llmtest on its PATH (default "+imagePlaceholder+":<version>, a placeholder to replace)")
	pods.StringVar(&o.cpu, "cpu", defaultJobCPU, "CPU request and limit of each pod, such as 500m or 2 (empty: none)")
	pods.StringVar(&o.memory, "memory", defaultJobMemory, "memory request and limit of each pod, such as 512Mi or 4Gi (empty: none)")
	pods.Var(&o.secretEnv, "secret-env", "an environment variable from a Kubernetes Secret, NAME=SECRET:KEY, such as OPENAI_API_KEY=openai:api-key (repeatable; never a value)")
	pods.Var(&o.labels, "label", "a label KEY=VALUE of the Jobs and their pods (repeatable)")
	pods.StringVar(&o.serviceAccount, "service-account", "", "service account of the pods, such as one with access to the bucket (empty: the namespace's default)")
	outputs := g.add("Output")
	outputs.StringVar(&o.out, "out", "", "where the run folders go: a bucket URL (s3://, gs://, azblob://), or a path in --volume-claim (required)")
	outputs.StringVar(&o.volumeClaim, "volume-claim", "", "a PersistentVolumeClaim (ReadWriteMany) mounted at the path of --out in every pod")
	outputs.StringVarP(&o.output, "output", "o", "", "write the manifests to this file (default: standard output)")
	g.install()
	completeFiles(cmd, "output", "yaml", "yml")
	return cmd
}

// configFields are the flags of the kube.Config fields.
var configFields = map[string]string{
	"Name": "--name", "Namespace": "--namespace", "Image": "--image", "Shards": "--shards",
	"StartAt": "--start-delay", "Out": "--out", "VolumeClaim": "--volume-claim",
	"CPU": "--cpu", "Memory": "--memory", "SecretEnv": "--secret-env", "Labels": "--label",
	"ServiceAccount": "--service-account", "Retries": "--retries",
}

// write writes the manifests of the options and runArgs.
func (o *jobOptions) write(runArgs []string, stdout, stderr io.Writer) error {
	if o.shards == 0 {
		return usageErrorf("--shards: give the number of shard pods, 1 to %d", kube.MaxShards)
	}
	if o.startDelay <= 0 {
		return usageErrorf("--start-delay %s: want a positive duration, time for the pods to start", o.startDelay)
	}
	ra, err := parseRunArgs(runArgs)
	if err != nil {
		return err
	}
	c := kube.Config{
		Name:           o.name,
		Namespace:      o.namespace,
		Image:          o.image,
		Shards:         o.shards,
		StartAt:        o.now().Add(o.startDelay),
		Out:            o.out,
		VolumeClaim:    o.volumeClaim,
		RunArgs:        ra.args,
		SLOs:           ra.slos,
		CPU:            o.cpu,
		Memory:         o.memory,
		ServiceAccount: o.serviceAccount,
		Retries:        o.retries,
	}
	if c.Image == "" {
		c.Image = defaultImage()
	}
	for _, s := range o.secretEnv {
		e, err := kube.ParseSecretEnv(s)
		if err != nil {
			return usageErrorf("--secret-env: %v", err)
		}
		c.SecretEnv = append(c.SecretEnv, e)
	}
	for _, l := range o.labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return usageErrorf("--label %q: want KEY=VALUE", l)
		}
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		if _, dup := c.Labels[k]; dup {
			return usageErrorf("--label %s: given twice", k)
		}
		c.Labels[k] = v
	}
	shards, merge, err := kube.Jobs(c)
	var ce *kube.ConfigError
	if errors.As(err, &ce) {
		return usageErrorf("%s: %s", configFields[ce.Field], ce.Reason)
	}
	if err != nil {
		return err
	}
	if o.image == "" {
		fmt.Fprintf(stderr, "llmtest job: no --image: the manifests name the placeholder %s; push an image of llmtest and give --image\n", c.Image)
	}
	w := stdout
	var f *os.File
	if o.output != "" {
		if f, err = os.Create(o.output); err != nil {
			return usageErrorf("-o: %v", err)
		}
		w = f
	}
	applyFrom := "-"
	if o.output != "" {
		applyFrom = "FILE"
		if plainPath.MatchString(o.output) {
			applyFrom = o.output
		}
	}
	err = writeRecipe(w, &c, applyFrom)
	if err == nil {
		err = kube.Write(w, shards, merge)
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil && o.output != "" {
		return fmt.Errorf("-o: %w", err)
	}
	return err
}

// plainPath matches a file name that the recipe can show as it is, in a
// shell command and a YAML comment.
var plainPath = regexp.MustCompile(`^[A-Za-z0-9._/+-]+$`)

// defaultImage returns the placeholder image of this build's version.
func defaultImage() string {
	tag := "dev"
	if bi := readBuildInfo(); bi != nil && strings.HasPrefix(bi.Main.Version, "v") {
		tag = bi.Main.Version
	}
	return imagePlaceholder + ":" + tag
}

// writeRecipe writes the YAML comment that starts the manifests: what they
// run, and the kubectl commands that run them in order, applying the file
// applyFrom ("-": standard input).
func writeRecipe(w io.Writer, c *kube.Config, applyFrom string) error {
	ns := ""
	if c.Namespace != "" {
		ns = " -n " + c.Namespace
	}
	_, err := fmt.Fprintf(w, `# llmtest job: %d shards of llmtest run, starting at %s, then their merge.
# The merge Job is created suspended. Apply both, wait for the shards, resume the merge:
#   kubectl apply -f %[6]s%[3]s
#   kubectl wait%[3]s --for=condition=complete --timeout=24h job/%[4]s
#   kubectl patch%[3]s job/%[4]s%[5]s --type=merge -p '{"spec":{"suspend":false}}'
#   kubectl wait%[3]s --for=condition=complete --timeout=1h job/%[4]s%[5]s
#   kubectl logs%[3]s job/%[4]s%[5]s
`, c.Shards, kube.StartAtText(c.StartAt), ns, c.Name, kube.MergeSuffix, applyFrom)
	return err
}

// runArgs are the arguments of `llmtest run` that a shard Job runs.
type runArgs struct {
	args []string // as given, less the --slo flags
	slos []string // the --slo checks, for the merge
}

// jobOwnedFlags are the run flags that `llmtest job` sets or refuses, and
// why.
var jobOwnedFlags = []struct{ name, why string }{
	{"out", "give --out to llmtest job: each shard writes <out>/run-shard-<i>"},
	{"run-name", "llmtest job names the shards' run \"run\" (folders run-shard-<i>) and the merge merged"},
	{"start-at", "llmtest job sets it, --start-delay after now"},
	{"shard", "each pod takes its shard from JOB_COMPLETION_INDEX and JOB_COMPLETIONS"},
	{"file", "a plan file is not in the container: give its flags after --"},
	{"sweep-clients", "a sweep is not sharded"},
	{"sweep-rates", "a sweep is not sharded"},
	{"heatmap-inputs", "a heatmap is not sharded"},
	{"heatmap-outputs", "a heatmap is not sharded"},
}

// parseRunArgs parses args with the flags of `llmtest run`, refuses the
// flags the Job sets, --otlp-header and a URL with credentials (--url,
// --otlp-endpoint, --server-metrics), and takes the --slo checks out for
// the merge.
func parseRunArgs(args []string) (runArgs, error) {
	cmd, ro := newRunFlags()
	fs := cmd.Flags()
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return runArgs{}, usageErrorf("after --: %s is not a flag of llmtest run here; run 'llmtest run -h' for them", helpArg(args))
		}
		return runArgs{}, usageErrorf("after --: %v", flagError(cmd, err))
	}
	if rest := fs.Args(); len(rest) > 0 {
		return runArgs{}, usageErrorf("after --: unexpected argument %q (llmtest run takes flags only)", rest[0])
	}
	for _, f := range jobOwnedFlags {
		if fs.Lookup(f.name) != nil && fs.Changed(f.name) {
			return runArgs{}, usageErrorf("after --: --%s: %s", f.name, f.why)
		}
	}
	if ro.usesSim() {
		return runArgs{}, usageErrorf("after --: give --url: without it every shard would test a built-in simulator of its own")
	}
	if fs.Changed("otlp-header") {
		// Not shown: a header's value is a secret.
		return runArgs{}, usageErrorf("after --: --otlp-header: its value is a secret, which a manifest must not hold: give the headers as OTEL_EXPORTER_OTLP_HEADERS with --secret-env")
	}
	for _, f := range []struct{ name, value, hint string }{
		{"url", ro.url, "give the key with --secret-env"},
		{"otlp-endpoint", ro.export.otlpEndpoint, "give credentials as OTEL_EXPORTER_OTLP_HEADERS with --secret-env"},
		{"server-metrics", ro.serverMetrics, "give a URL without credentials"},
	} {
		if err := checkManifestURL(f.name, f.value, f.hint); err != nil {
			return runArgs{}, err
		}
	}
	for _, s := range ro.slos {
		if _, err := assertions.Parse(s); err != nil {
			return runArgs{}, usageErrorf("after --: --slo: %v", err)
		}
	}
	// The checks of llmtest run that need no file and no network: a
	// flag every pod would refuse is refused here, before any manifest.
	ro.forPods = true
	if err := ro.complete(fs, io.Discard); err != nil { // no plan: -f is refused above
		return runArgs{}, usageErrorf("after --: %v", err)
	}
	if err := ro.validate(); err != nil {
		return runArgs{}, usageErrorf("after --: %v", err)
	}
	if ro.workload.trace == "" { // a trace's schedule is read from its file, in the pods
		if err := ro.shape(&llmtest.Config{}); err != nil {
			return runArgs{}, usageErrorf("after --: %v", err)
		}
	}
	// The prompts llmtest builds (built-in, --prompt, --input-tokens,
	// --dataset, --trace) name no model, so an HTTP API's pods would
	// refuse every one of them without --model; a --payload file may
	// name its own, and the AWS APIs check theirs above.
	if ro.model == "" && ro.payload == "" && !apis[api(ro.api)].aws {
		return runArgs{}, usageErrorf("after --: --model: missing: the prompts llmtest builds name no model, so every shard would exit 2; give --model, or a --payload file whose payloads name one")
	}
	ra := runArgs{slos: ro.slos}
	for _, item := range splitFlags(fs, args) {
		if item.name != "slo" {
			ra.args = append(ra.args, item.tokens...)
		}
	}
	return ra, nil
}

// checkManifestURL refuses the value of the run flag --name, a URL that
// would be written in a manifest, when it holds a user or password or a
// query (whose values the endpoints take for secrets, and redact),
// or does not parse. The URL itself is never shown: it holds credentials.
func checkManifestURL(name, value, hint string) error {
	u, err := url.Parse(value)
	switch {
	case err != nil:
		return usageErrorf("after --: --%s is not a valid URL (not shown: it may hold credentials)", name)
	case u.User != nil:
		return usageErrorf("after --: --%s holds a user or password, which a manifest must not: %s", name, hint)
	case (u.RawQuery != "" || u.ForceQuery) && !publicQuery(u.Query()):
		return usageErrorf("after --: --%s holds a query, whose values llmtest takes for secrets, which a manifest must not: %s", name, hint)
	}
	return nil
}

// publicQueryKeys are the URL query keys known to hold no secret, which a
// manifest may carry: Azure OpenAI's api-version, which a --url can only
// give as its query.
var publicQueryKeys = []string{"api-version"}

// publicQuery reports whether q holds only publicQueryKeys.
func publicQuery(q url.Values) bool {
	if len(q) == 0 {
		return false
	}
	for k := range q {
		if !slices.Contains(publicQueryKeys, k) {
			return false
		}
	}
	return true
}

// helpArg returns the -h or --help of args.
func helpArg(args []string) string {
	for _, a := range args {
		if a == "-h" || a == "--help" || strings.HasPrefix(a, "--help=") {
			return a
		}
	}
	return "-h"
}

// flagItem is one flag of a command line and the arguments it spans.
type flagItem struct {
	name   string   // the flag's name, "" for a group of shorthands
	tokens []string // "--slo", "ttft p99 < 1s"; or "--slo=ttft p99 < 1s"
}

// splitFlags splits args, which fs parsed without error and which hold no
// positional argument, into its flags, each with the arguments it spans,
// as pflag reads them: --name=value; --name value, unless the flag needs
// no value (a bool); shorthands -abc, the last of which takes the rest or
// the next argument as its value when it needs one.
func splitFlags(fs *pflag.FlagSet, args []string) []flagItem {
	var items []flagItem
	for i := 0; i < len(args); i++ {
		a := args[i]
		n := 1
		item := flagItem{}
		switch {
		case a == "--":
			i = len(args)
			continue
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			item.name = name
			if f := fs.Lookup(name); f != nil && !hasValue && f.NoOptDefVal == "" {
				n = 2
			}
		case strings.HasPrefix(a, "-"):
			for j := 1; j < len(a); j++ {
				f := fs.ShorthandLookup(a[j : j+1])
				if f == nil || f.NoOptDefVal != "" {
					continue
				}
				if j == len(a)-1 {
					n = 2
				}
				break
			}
		}
		item.tokens = args[i:min(i+n, len(args))]
		items = append(items, item)
		i += n - 1
	}
	return items
}
