package llmtest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// mode is one way to run the engine's behaviour tests: with the
// invocations in memory (the default), or a low-memory run, which keeps
// them only in responses.jsonl. Both modes pass the same tests.
type mode struct {
	name      string
	lowMemory bool
}

var modes = []mode{{"in-memory", false}, {"low-memory", true}}

// eachMode runs f once per mode, as subtests.
func eachMode(t *testing.T, f func(t *testing.T, m mode)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { f(t, m) })
	}
}

// config returns cfg run in mode m: a low-memory run gets an output folder
// when it has none.
func (m mode) config(t *testing.T, cfg Config) Config {
	if m.lowMemory {
		cfg.LowMemory = true
		if cfg.OutputPath == "" {
			cfg.OutputPath = t.TempDir()
		}
	}
	return cfg
}

// run runs cfg in mode m, as run does.
func (m mode) run(t *testing.T, cfg Config) *Result {
	t.Helper()
	return run(t, m.config(t, cfg))
}

// records returns the records of res, in order of completion: from memory,
// or streamed from responses.jsonl. A low-memory result holds none in
// memory.
func records(t *testing.T, res *Result) []Invocation {
	t.Helper()
	if res.Run.Config.LowMemory {
		require.Empty(t, res.Invocations, "a low-memory run keeps no invocation")
	}
	var invs []Invocation
	for inv, err := range res.Responses() {
		require.NoError(t, err)
		invs = append(invs, inv)
	}
	return invs
}
