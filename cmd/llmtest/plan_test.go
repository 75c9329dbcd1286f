package main

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
)

// parseRunFlags parses the arguments of `llmtest run` as the command does,
// and applies the plan. It returns the options, or false with the exit
// status after reporting a mistake on stderr.
func parseRunFlags(args []string, stderr io.Writer) (o *runOptions, code int, ok bool) {
	cmd, o := newRunFlags()
	if err := cmd.ParseFlags(args); err != nil {
		printError(stderr, "llmtest run", flagError(cmd, err))
		return nil, exitUsage, false
	}
	if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
		printError(stderr, "llmtest run", err)
		return nil, exitUsage, false
	}
	if err := o.complete(cmd.Flags(), stderr); err != nil {
		printError(stderr, "llmtest run", err)
		return nil, exitUsage, false
	}
	return o, exitOK, true
}

// writePlan writes text to plan.yaml in a new folder and returns its path.
func writePlan(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// parsedRun returns the options `llmtest run args` parses, the plan
// applied, without what records where they came from.
func parsedRun(t *testing.T, args ...string) *runOptions {
	t.Helper()
	var stderr strings.Builder
	o, code, ok := parseRunFlags(args, &stderr)
	require.True(t, ok, "exit %d: %s", code, stderr.String())
	o.file, o.planned, o.sloEntries = "", nil, nil
	delete(o.setFlags, "f")
	delete(o.setFlags, "file")
	return o
}

// planKey returns the section and key of the plan that set flag name.
func planKey(t *testing.T, name string) (section, key string) {
	t.Helper()
	if name == "slo" {
		return "slo", ""
	}
	for _, s := range llmtest.PlanSections() {
		for _, k := range s.Keys {
			if planFlag(llmtest.PlanEntry{Section: s.Name, Key: k}) == name {
				return s.Name, k
			}
		}
	}
	t.Fatalf("no plan key sets --%s", name)
	return "", ""
}

// otherValue returns a value of flag f other than its default, written as
// on the command line.
func otherValue(t *testing.T, f *pflag.Flag) string {
	t.Helper()
	def := f.DefValue
	switch f.Value.Type() {
	case "bool":
		v, err := strconv.ParseBool(def)
		require.NoError(t, err)
		return strconv.FormatBool(!v)
	case "int", "int64":
		v, err := strconv.ParseInt(def, 10, 64)
		require.NoError(t, err)
		return strconv.FormatInt(v+3, 10)
	case "float64":
		v, err := strconv.ParseFloat(def, 64)
		require.NoError(t, err)
		return strconv.FormatFloat(v+0.25, 'g', -1, 64)
	case "uint64":
		v, err := strconv.ParseUint(def, 10, 64)
		require.NoError(t, err)
		return strconv.FormatUint(v+3, 10)
	case "stringArray":
		switch f.Name {
		case "stage":
			return "30s:100"
		case "otlp-header":
			return "Authorization=Bearer VALUE_X"
		}
	case "duration":
		v, err := time.ParseDuration(def)
		require.NoError(t, err)
		return (v + 1500*time.Millisecond).String()
	case "string":
		switch f.Name {
		case "payload", "trace":
			return "/abs/PAYLOAD_FILE" // relative paths are the plan folder's
		case "warmup":
			return "10s"
		case "shard":
			return "1/4"
		case "start-at":
			return "2026-12-04T05:00:00Z"
		}
		return "VALUE_X"
	}
	if f.Name == "sweep-clients" || f.Name == "sweep-rates" {
		return "1,2"
	}
	t.Fatalf("--%s: no value for a %s", f.Name, f.Value.Type())
	return ""
}

// TestEveryRunFlagIsAPlanKey sets each flag of `llmtest run` once on the
// command line and once in a plan, and checks that both give the same
// options, and options other than the defaults.
func TestEveryRunFlagIsAPlanKey(t *testing.T) {
	cmd, _ := newRunFlags()
	defaults := parsedRun(t)
	n := 0
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "file" {
			return
		}
		n++
		t.Run(f.Name, func(t *testing.T) {
			section, key := planKey(t, f.Name)
			var value string
			var text string
			if f.Name == "slo" {
				value = "ttft p99 < 1s"
				text = "slo:\n  - " + value + "\n"
			} else {
				value = otherValue(t, f)
				text = section + ":\n  " + key + ": '" + value + "'\n"
			}
			fromFlag := parsedRun(t, "--"+f.Name+"="+value) // = for the booleans
			fromPlan := parsedRun(t, "-f", writePlan(t, text))
			assert.Equal(t, fromFlag, fromPlan, "plan:\n%s", text)
			assert.Equal(t, map[string]bool{f.Name: true}, fromPlan.setFlags, "the plan's flag counts as given")
			fromPlan.setFlags = defaults.setFlags
			assert.NotEqual(t, defaults, fromPlan, "the value changed nothing")

			// LoadPlan knows the flag's type: a value the flag refuses is
			// refused at its line, before any flag is set.
			if f.Value.Type() == "string" || f.Name == "slo" {
				return
			}
			bad := writePlan(t, section+":\n  "+key+": not-a-value\n")
			var stderr strings.Builder
			_, code, ok := parseRunFlags([]string{"-f", bad}, &stderr)
			assert.False(t, ok)
			assert.Equal(t, exitUsage, code)
			assert.Regexp(t, `^llmtest run: .*plan\.yaml:2: `+section+`\.`+key+`: want .*, got "not-a-value"\n$`, stderr.String())
		})
	})
	assert.Equal(t, 88, n, "the flags of llmtest run, less --file")
}

// TestEveryPlanKeyIsARunFlag checks the other way: LoadPlan accepts no key
// that no flag sets.
func TestEveryPlanKeyIsARunFlag(t *testing.T) {
	cmd, _ := newRunFlags()
	fs := cmd.Flags()
	assert.NotNil(t, fs.Lookup(planFlag(llmtest.PlanEntry{Section: "slo"})))
	for _, s := range llmtest.PlanSections() {
		for _, k := range s.Keys {
			name := planFlag(llmtest.PlanEntry{Section: s.Name, Key: k})
			assert.NotNil(t, fs.Lookup(name), "%s.%s: no flag --%s", s.Name, k, name)
		}
	}
}

func TestFlagsOverrideThePlan(t *testing.T) {
	path := writePlan(t, `
payloads:
  prompt: hello
  max-tokens: 12
load:
  clients: 3
  duration: 10s
  timeout: 5s
slo:
  - ttft p99 < 1s
  - error_rate < 1%
`)
	o := parsedRun(t, "-f", path)
	assert.Equal(t, 3, o.clients)
	assert.Equal(t, 10*time.Second, o.duration)
	assert.Equal(t, stringList{"ttft p99 < 1s", "error_rate < 1%"}, o.slos)

	o = parsedRun(t, "-f", path, "--clients", "7", "--slo", "ttft p50 < 2s")
	assert.Equal(t, 7, o.clients, "the flag wins")
	assert.Equal(t, 5*time.Second, o.timeout, "the plan's other values stay")
	assert.Equal(t, stringList{"ttft p50 < 2s"}, o.slos, "--slo replaces the plan's list")

	// --requests replaces the plan's duration: they are one setting.
	o = parsedRun(t, "--file", path, "--requests", "2")
	assert.Equal(t, 2, o.requests)
	assert.Zero(t, o.duration)
	assert.False(t, o.setFlags["duration"])

	// --payload replaces the plan's prompt and its max-tokens.
	o = parsedRun(t, "-f", path, "--payload", "p.jsonl")
	assert.Equal(t, "p.jsonl", o.payload)
	assert.Empty(t, o.prompt)
	assert.Equal(t, defaultMaxTokens, o.maxTokens)
	assert.False(t, o.setFlags["max-tokens"])
}

// TestASourceFlagDropsThePlansKeysOfItsSource checks that a payload source
// given on the command line replaces the plan's source with the keys that
// apply only to it, as the README says: a plan's dataset filters do not
// refuse a --prompt, nor its synthetic prefix a --dataset.
func TestASourceFlagDropsThePlansKeysOfItsSource(t *testing.T) {
	path := writePlan(t, `
payloads:
  dataset: sharegpt:sg.json
  dataset-max-tokens: 1024
  prompts: 3
  output-tokens: 16
  ignore-eos: true
`)
	o := parsedRun(t, "-f", path, "--prompt", "hi")
	assert.Equal(t, "hi", o.prompt)
	assert.Empty(t, o.workload.dataset)
	for _, k := range []string{"dataset-max-tokens", "prompts", "output-tokens", "ignore-eos"} {
		assert.False(t, o.setFlags[k], "%s applies only to the plan's dataset", k)
	}
	require.NoError(t, o.validate())

	o = parsedRun(t, "-f", path, "--input-tokens", "10")
	assert.False(t, o.setFlags["dataset-max-tokens"], "a dataset filter")
	assert.Equal(t, 3, o.workload.prompts, "--prompts applies to synthetic prompts too")
	assert.Equal(t, "16", o.workload.outputTokens)
	require.NoError(t, o.validate())

	path = writePlan(t, `
payloads:
  input-tokens: 100
  shared-prefix: 20
  cache-bust: true
`)
	o = parsedRun(t, "-f", path, "--dataset", "text:prompts.txt")
	assert.False(t, o.setFlags["shared-prefix"])
	assert.False(t, o.setFlags["cache-bust"])
	require.NoError(t, o.validate())
}

func TestRunPlanErrorsNameTheFileTheLineAndTheKey(t *testing.T) {
	t.Setenv("LLMTEST_PLAN_UNSET", "")
	cases := []struct{ name, text, want string }{
		{"unknown key", "load:\n  clinets: 3\n", `:2: unknown key "clinets" in load (did you mean "clients"?)`},
		{"wrong type", "load:\n  clients: three\n", `:2: load.clients: want an integer, got "three"`},
		{"bad duration", "load:\n  timeout: 5\n", `:2: load.timeout: want a duration such as 30s, 1m30s or 500ms, got "5"`},
		{"unset variable", "endpoint:\n  model: ${LLMTEST_PLAN_UNSET}\n", `:2: endpoint.model: the environment variable LLMTEST_PLAN_UNSET is not set or empty (write ${LLMTEST_PLAN_UNSET:-default} for a default)`},
		{"bad SLO", "slo:\n  - error_rate < 1%\n  - ttfx p99 < 1s\n", `:3: slo[1]: assertions: "ttfx p99 < 1s": `},
		{"bad value", "load:\n  clients: 0\n", `:2: load.clients must be at least 1, got 0`},
		{"values that exclude each other", "load:\n  requests: 2\n  duration: 5s\n", `:2: load.requests and load.duration are mutually exclusive`},
		{"engine rule", "load:\n  duration: 1s\n  ramp-up: 2s\n", `:3: load.ramp-up: must be shorter than load.duration (got 2s and 1s)`},
		{"simulator rule", "sim:\n  jitter: 1.5\n", `:2: sim.jitter: `},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writePlan(t, c.text)
			code, stdout, stderr := runCLI(t, "run", "-f", path)
			assert.Equal(t, exitUsage, code, "%s%s", stdout, stderr)
			assert.Empty(t, stdout)
			assert.True(t, strings.HasPrefix(stderr, "llmtest run: "+path+c.want), "stderr:\n%s", stderr)
			assert.NotContains(t, stderr, "testing the built-in simulator", "nothing started")
		})
	}
	code, _, stderr := runCLI(t, "run", "-f", filepath.Join(t.TempDir(), "none.yaml"))
	assert.Equal(t, exitUsage, code)
	assert.Regexp(t, `^llmtest run: --file: open .*none\.yaml: no such file or directory\n$`, stderr)
}

func TestRunPlanHelpLoadsNoPlan(t *testing.T) {
	code, stdout, stderr := runCLI(t, "run", "-f", filepath.Join(t.TempDir(), "none.yaml"), "-h")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "Usage: llmtest run [flags]")
	assert.Contains(t, stderr, "\n  -f, --file string\n")
	assert.NotContains(t, stderr, "none.yaml")
}

// TestExamplePlanRuns runs examples/plan.yaml through the command as a CI
// job would, in a fresh working directory.
func TestExamplePlanRuns(t *testing.T) {
	plan, err := filepath.Abs("../../examples/plan.yaml")
	require.NoError(t, err)
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	t.Setenv("LLMTEST_CLIENTS", "2")
	t.Chdir(t.TempDir())
	code, stdout, stderr := runCLI(t, "run", "-f", plan, "--run-name", "example", "--sim-ttft", "2ms", "--sim-itl", "200us")
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "2 clients × 2 requests: 4 requests, 0 failed")
	assert.Contains(t, stdout, "PASS  error_rate = 0.00%, want < 1% (n=4)")
	assert.Contains(t, stdout, "results: "+filepath.Join("runs", "example"))
	res, err := llmtest.LoadResult(filepath.Join("runs", "example"))
	require.NoError(t, err)
	assert.Equal(t, 4, res.Stats.TotalRequests)
	require.Len(t, res.Checks(), 2, "the plan's SLOs")
	for _, c := range res.Checks() {
		assert.True(t, c.Pass, c.Message)
	}
	for _, f := range []string{"plan.junit.xml", "plan.md"} {
		b, err := os.ReadFile(f)
		require.NoError(t, err, "the plan's report files")
		assert.Contains(t, string(b), "ttft p99")
	}

	// An SLO the plan's run cannot meet gates like --slo.
	code, stdout, _ = runCLI(t, "run", "-f", plan, "--run-name", "gated", "--sim-ttft", "2ms", "--slo", "ttft p99 < 1ms")
	assert.Equal(t, exitSLOFailed, code)
	assert.Contains(t, stdout, "FAIL  ttft p99 =")
}

// TestRunPlanKeepsTheKeyOutOfEveryArtifact runs a plan whose endpoint and
// key come from the environment, against a simulator that requires the
// key, and looks for the key in every file written and in the output.
func TestRunPlanKeepsTheKeyOutOfEveryArtifact(t *testing.T) {
	const key = "sk-llmtest-PLAN-FAKE-KEY-5e1d0c2b"
	srv, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Seed: 5}, APIKey: key})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	t.Setenv("LLMTEST_PLAN_KEY", key)
	t.Setenv("LLMTEST_PLAN_URL", srv.URL)
	out := t.TempDir()
	path := writePlan(t, `
endpoint:
  url: ${LLMTEST_PLAN_URL}/v1
  model: m
  api-key-env: LLMTEST_PLAN_KEY
load:
  clients: 2
  requests: 2
reports:
  out: `+out+`
  run-name: keyed
  json: `+filepath.Join(out, "report.json")+`
  junit: `+filepath.Join(out, "junit.xml")+`
  md: `+filepath.Join(out, "report.md")+`
slo:
  - error_rate < 1%
`)
	code, stdout, stderr := runCLI(t, "run", "-f", path)
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "0 failed", "the key reached the server")
	assertNoSecret(t, key, out, stdout, stderr)

	// A secret expanded into the URL's user information or query is not
	// recorded either: the endpoint names its server without them.
	u := strings.Replace(srv.URL, "http://", "http://planuser:${LLMTEST_PLAN_KEY}@", 1) + "/v1?key=${LLMTEST_PLAN_KEY}"
	code, stdout, stderr = runCLI(t, "run", "-f", writePlan(t, "endpoint:\n  url: "+u+"\n  model: m\n  api-key-env: LLMTEST_PLAN_KEY\n"),
		"--requests", "1", "--out", out, "--run-name", "in-url")
	assert.NotEqual(t, exitUsage, code, "%s%s", stdout, stderr)
	assert.DirExists(t, filepath.Join(out, "in-url"))
	assertNoSecret(t, key, out, stdout, stderr)

	// The key written where its variable's name goes, or in a value of
	// the wrong type, is refused without being shown.
	for _, text := range []string{
		"endpoint:\n  url: ${LLMTEST_PLAN_URL}/v1\n  model: m\n  api-key-env: ${LLMTEST_PLAN_KEY}\n",
		"endpoint:\n  url: ${LLMTEST_PLAN_URL}/v1\n  model: m\nload:\n  clients: ${LLMTEST_PLAN_KEY}\n",
	} {
		code, stdout, stderr := runCLI(t, "run", "-f", writePlan(t, text), "--out", out)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, stderr, "${LLMTEST_PLAN_KEY}")
		assertNoSecret(t, key, out, stdout, stderr)
	}
}

// TestRunPlanSimSectionGivesWayToAURL runs a plan written for the built-in
// simulator against a server named on the command line: the plan's sim
// section is dropped with a notice, and the rest of the plan applies.
func TestRunPlanSimSectionGivesWayToAURL(t *testing.T) {
	srv, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Seed: 7}})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	path := writePlan(t, "load:\n  clients: 2\n  requests: 1\nsim:\n  ttft: 2ms\n  error-rate: 0.5\n")
	code, stdout, stderr := runCLI(t, "run", "-f", path, "--url", srv.URL+"/v1", "--model", "m")
	require.Equal(t, exitOK, code, "%s%s", stdout, stderr)
	assert.Contains(t, stderr, "llmtest run: "+path+": not using the plan's sim section: --url names the endpoint\n")
	assert.Contains(t, stdout, "2 clients × 1 request: 2 requests, 0 failed")

	// In the plan itself, a URL and a sim section contradict each other.
	path = writePlan(t, "endpoint:\n  url: "+srv.URL+"/v1\n  model: m\nsim:\n  ttft: 2ms\n")
	code, _, stderr = runCLI(t, "run", "-f", path)
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "llmtest run: "+path+":5: sim.ttft applies to the built-in simulator, not to a server given with endpoint.url\n", stderr)
}

// TestRunPlanSLOsGate checks that the plan's slo list gates the run as
// --slo does: exit status 1 when one fails, each check printed.
func TestRunPlanSLOsGate(t *testing.T) {
	path := writePlan(t, `
load:
  clients: 1
  requests: 2
sim:
  ttft: 5ms
  itl: 200us
  jitter: 0
slo:
  - error_rate < 1%
  - ttft p50 < 1ms
`)
	code, stdout, stderr := runCLI(t, "run", "-f", path)
	assert.Equal(t, exitSLOFailed, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "PASS  error_rate = 0.00%, want < 1% (n=2)")
	assert.Contains(t, stdout, "FAIL  ttft p50 = ")
}
