package llmtest_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
)

// writePlan writes text to plan.yaml in a new folder and returns its path.
func writePlan(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func TestLoadPlanFillsTheEndpointTheSLOsAndTheConfig(t *testing.T) {
	t.Setenv("PLAN_MODEL", "gpt-test")
	path := writePlan(t, `
endpoint:
  url: http://127.0.0.1:9/v1
  model: ${PLAN_MODEL}
  api: openai-chat
  api-key-env: PLAN_KEY
payloads:
  payload: prompts.jsonl
load:
  clients: 3
  duration: 1m30s
  ramp-up: 10s
  timeout: 5s
  low-memory: true
reports:
  out: runs
  run-name: nightly
slo:
  - ttft p99 < 800ms
  - error_rate < 1%
`)
	p, err := llmtest.LoadPlan(path)
	require.NoError(t, err)
	assert.Equal(t, path, p.Path)
	assert.Equal(t, llmtest.PlanEndpoint{URL: "http://127.0.0.1:9/v1", Model: "gpt-test", API: "openai-chat", APIKeyEnv: "PLAN_KEY"}, p.Endpoint)
	assert.Equal(t, []string{"ttft p99 < 800ms", "error_rate < 1%"}, p.SLO)

	ep, err := sim.New(sim.Config{})
	require.NoError(t, err)
	cfg, err := p.Config(ep)
	require.NoError(t, err)
	assert.Equal(t, llmtest.Config{
		Endpoint:   ep,
		Payloads:   filepath.Join(filepath.Dir(path), "prompts.jsonl"),
		Clients:    3,
		Duration:   90 * time.Second,
		RampUp:     10 * time.Second,
		Timeout:    5 * time.Second,
		LowMemory:  true,
		OutputPath: "runs",
		RunName:    "nightly",
	}, cfg)

	// Every value is an entry at its line, in file order.
	require.Len(t, p.Entries, 14)
	assert.Equal(t, llmtest.PlanEntry{Section: "endpoint", Key: "url", Value: "http://127.0.0.1:9/v1", Line: 3}, p.Entries[0])
	assert.Equal(t, llmtest.PlanEntry{Section: "load", Key: "clients", Value: "3", Line: 10}, p.Entries[5])
	assert.Equal(t, llmtest.PlanEntry{Section: "slo", Value: "error_rate < 1%", Line: 20}, p.Entries[13])
	assert.Equal(t, "load.clients", p.Entries[5].Name())
}

func TestLoadPlanKeepsAbsolutePayloadPaths(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "p.jsonl")
	p, err := llmtest.LoadPlan(writePlan(t, "payloads:\n  payload: "+abs+"\n"))
	require.NoError(t, err)
	cfg, err := p.Config(nil)
	require.NoError(t, err, "the endpoint is the test's")
	assert.Equal(t, abs, cfg.Payloads)
}

func TestLoadPlanExpandsVariablesInValues(t *testing.T) {
	t.Setenv("PLAN_A", "alpha")
	t.Setenv("PLAN_EMPTY", "")
	t.Setenv("PLAN_YAML", "x\nclients: 99")
	cases := []struct{ written, want string }{
		{"plain", "plain"},
		{"${PLAN_A}", "alpha"},
		{"pre-${PLAN_A}-post", "pre-alpha-post"},
		{"${PLAN_UNSET_X:-fallback}", "fallback"},
		{"${PLAN_EMPTY:-fallback}", "fallback"},
		{"${PLAN_A:-fallback}", "alpha"},
		{"${PLAN_UNSET_X:-}", ""},
		{"cost $$5", "cost $5"},
		{"ends with $", "ends with $"},
		{"$1 and $-", "$1 and $-"},
		// A variable's value is never parsed as YAML.
		{"${PLAN_YAML}", "x\nclients: 99"},
	}
	for _, c := range cases {
		p, err := llmtest.LoadPlan(writePlan(t, "reports:\n  run-name: '"+c.written+"'\n"))
		require.NoError(t, err, "%s", c.written)
		require.Len(t, p.Entries, 1)
		assert.Equal(t, c.want, p.Entries[0].Value, "%s", c.written)
	}
	// Numbers are read as the flag package reads them.
	p, err := llmtest.LoadPlan(writePlan(t, "load:\n  clients: 0x10\n  requests: 1_000\n"))
	require.NoError(t, err)
	cfg, err := p.Config(nil)
	require.NoError(t, err)
	assert.Equal(t, 16, cfg.Clients)
	assert.Equal(t, 1000, cfg.Requests)

	// Expansion happens in values, so that a number can come from one.
	t.Setenv("PLAN_CLIENTS", "8")
	p, err = llmtest.LoadPlan(writePlan(t, "load:\n  clients: ${PLAN_CLIENTS}\n"))
	require.NoError(t, err)
	cfg, err = p.Config(nil)
	require.NoError(t, err)
	assert.Equal(t, 8, cfg.Clients)
}

func TestLoadPlanSweepLevels(t *testing.T) {
	p, err := llmtest.LoadPlan(writePlan(t, "load:\n  sweep-clients: 1, 2,8\n"))
	require.NoError(t, err)
	assert.Equal(t, llmtest.ClientLevels(1, 2, 8), p.Levels)
	p, err = llmtest.LoadPlan(writePlan(t, "load:\n  sweep-rates: 10,20.5\n"))
	require.NoError(t, err)
	assert.Equal(t, llmtest.RateLevels(10, 20.5), p.Levels)
	p, err = llmtest.LoadPlan(writePlan(t, "load:\n  clients: 2\n"))
	require.NoError(t, err)
	assert.Nil(t, p.Levels, "no sweep")
}

func TestLoadPlanErrorsNameTheFileTheLineAndTheKey(t *testing.T) {
	t.Setenv("PLAN_SECRET", "sk-plan-SECRET-do-not-print")
	cases := []struct {
		name, text, want string
	}{
		{"misspelt key", "load:\n  clients: 2\n  clinets: 3\n", `:3: unknown key "clinets" in load (did you mean "clients"?)`},
		{"key in another section", "endpoint:\n  clients: 3\n", `:2: unknown key "clients" in endpoint (it belongs in load)`},
		{"unknown key", "load:\n  headers: 3\n", `:2: unknown key "headers" in load (known: clients, requests, duration, ramp-up, timeout, low-memory, rate, arrival, max-in-flight, seed, stage, warmup, turns, think-time, sweep-clients, sweep-rates, heatmap-inputs, heatmap-outputs, heatmap-requests, shard, start-at)`},
		{"bad stages", "load:\n  stage: 30s:100,fast\n", `:2: load.stage: want stages DURATION:TARGET such as 30s:100, separated by commas, got "30s:100,fast"`},
		{"bad warmup", "load:\n  warmup: -3\n", `:2: load.warmup: want a duration such as 10s or a number of requests such as 100, got "-3"`},
		{"misspelt section", "lod:\n  clients: 3\n", `:1: unknown section "lod" (did you mean "load"?)`},
		{"unknown section", "headers:\n  a: b\n", `:1: unknown section "headers" (known: endpoint, payloads, load, slo, reports, sim, aws)`},
		{"wrong type", "load:\n  clients: many\n", `:2: load.clients: want an integer, got "many"`},
		{"bad duration", "load:\n  duration: 30\n", `:2: load.duration: want a duration such as 30s, 1m30s or 500ms, got "30"`},
		{"bad boolean", "payloads:\n  stream: yes\n", `:2: payloads.stream: want true or false, got "yes"`},
		{"bad number", "sim:\n  jitter: lots\n", `:2: sim.jitter: want a number, got "lots"`},
		{"bad sweep level", "load:\n  sweep-clients: 1,x,4\n", `:2: load.sweep-clients: want client counts of at least 1 separated by commas, such as 1,2,4,8, got "1,x,4"`},
		{"bad sweep rate", "load:\n  sweep-rates: 10,0\n", `:2: load.sweep-rates: want positive rates in requests/s separated by commas, such as 10,20,40, got "10,0"`},
		{"unset variable", "\nendpoint:\n  url: ${PLAN_UNSET_URL}/v1\n", `:3: endpoint.url: the environment variable PLAN_UNSET_URL is not set or empty (write ${PLAN_UNSET_URL:-default} for a default)`},
		{"variable without braces", "endpoint:\n  model: $MODEL\n", `:2: endpoint.model: write ${MODEL}, not $MODEL (or $$ for a literal $)`},
		{"unterminated variable", "endpoint:\n  model: ${MODEL\n", `:2: endpoint.model: unterminated ${ in "${MODEL"`},
		{"bad variable name", "endpoint:\n  model: ${1X}\n", `:2: endpoint.model: ${1X}: "1X" is not a variable name`},
		{"list for a value", "load:\n  clients: [1, 2]\n", `:2: load.clients: want a value, got a list`},
		{"no value", "load:\n  clients:\n", `:2: load.clients: has no value`},
		{"set twice", "load:\n  clients: 1\n  clients: 2\n", `:3: load.clients: set twice (first on line 2)`},
		{"section twice", "load:\n  clients: 1\nload:\n  requests: 2\n", `:3: load: set twice (first on line 1)`},
		{"section not a mapping", "load: 3\n", `:1: load: want a mapping of keys (clients, requests, duration, ramp-up, timeout, low-memory, rate, arrival, max-in-flight, seed, stage, warmup, turns, think-time, sweep-clients, sweep-rates, heatmap-inputs, heatmap-outputs, heatmap-requests, shard, start-at), got "3"`},
		{"slo not a list", "slo: ttft p99 < 1s\n", `:1: slo: want a list of SLO expressions, such as - ttft p99 < 800ms; got "ttft p99 < 1s"`},
		{"empty slo", "slo:\n  - ttft p99 < 1s\n  - ''\n", `:3: slo[1]: the expression is empty`},
		{"not a mapping", "- a\n- b\n", `:1: want a mapping of sections (endpoint, payloads, load, slo, reports, sim, aws), got a list`},
		{"empty", "# nothing\n", `: the plan is empty`},
		{"two documents", "load:\n  clients: 1\n---\nload:\n  clients: 2\n", `:3: a plan is one YAML document: a second one starts here`},
		{"bad YAML", "load:\n  clients: 1\n clients: 2\n", `:2: did not find expected key`},
		{"key instead of its variable", "endpoint:\n  api-key-env: ${PLAN_SECRET}\n", `:2: endpoint.api-key-env: want the name of the environment variable that holds the key, such as OPENAI_API_KEY, never the key, got "${PLAN_SECRET}"`},
		{"secret in a wrong value", "load:\n  clients: ${PLAN_SECRET}\n", `:2: load.clients: want an integer, got "${PLAN_SECRET}"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writePlan(t, c.text)
			p, err := llmtest.LoadPlan(path)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Equal(t, path+c.want, err.Error())
			assert.NotContains(t, err.Error(), "SECRET-do-not-print")
			var pe *llmtest.PlanError
			require.True(t, errors.As(err, &pe), "%T", err)
			assert.Equal(t, path, pe.Path)
		})
	}
}

func TestLoadPlanReportsEveryMistake(t *testing.T) {
	path := writePlan(t, "load:\n  clinets: 3\n  duration: 30\nsim:\n  ttft: fast\n")
	_, err := llmtest.LoadPlan(path)
	require.Error(t, err)
	assert.Equal(t, strings.Join([]string{
		path + `:2: unknown key "clinets" in load (did you mean "clients"?)`,
		path + `:3: load.duration: want a duration such as 30s, 1m30s or 500ms, got "30"`,
		path + `:5: sim.ttft: want a duration such as 30s, 1m30s or 500ms, got "fast"`,
	}, "\n"), err.Error())
}

func TestLoadPlanNamesAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := llmtest.LoadPlan(path)
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Equal(t, "llmtest: plan: open "+path+": no such file or directory", err.Error())
}

func TestPlanSectionsHaveNoKeyTwice(t *testing.T) {
	seen := map[string]string{}
	for _, s := range llmtest.PlanSections() {
		for _, k := range s.Keys {
			if s.Name == "sim" {
				continue // the sim section's keys are prefixed flags
			}
			assert.NotContains(t, seen, k, "key %q in %s and %s", k, seen[k], s.Name)
			seen[k] = s.Name
		}
	}
}

func TestPlanConfigErrorsNameTheLineOfTheKey(t *testing.T) {
	cases := []struct{ text, want string }{
		{"load:\n  duration: 1m\n  ramp-up: 2m\n", `:3: load.ramp-up: must be shorter than load.duration (got 2m0s and 1m0s)`},
		{"load:\n  requests: 2\n  duration: 1m\n", `:2: load.requests: is mutually exclusive with load.duration (got 2 and 1m0s)`},
		{"load:\n  clients: -1\n", `:2: load.clients: must be at least 1, got -1`},
		{"load:\n  low-memory: true\n", `:2: load.low-memory: needs reports.out: a low-memory run keeps its records only in responses.jsonl`},
		{"reports:\n  out: s3://bucket/runs\n", `:2: reports.out: s3://bucket/runs: no storage driver for this URL scheme s3:// (registered: mem; import github.com/llmtest/llmtest/storage/blob for s3://, gs:// and azblob://)`},
		{"reports:\n  run-name: a/b\n", `:2: reports.run-name: "a/b" must not contain a path separator`},
	}
	for _, c := range cases {
		path := writePlan(t, c.text)
		p, err := llmtest.LoadPlan(path)
		require.NoError(t, err, "the types are right")
		_, err = p.Config(nil)
		require.Error(t, err, "%s", c.text)
		assert.Equal(t, path+c.want, err.Error())
		assert.True(t, errors.As(err, new(*llmtest.PlanError)))
	}
}
