package assertions_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// withGenerator returns a result of 10 quiet requests whose run has g as
// its self-check.
func withGenerator(g *reporters.Generator) *llmtest.Result {
	invs := make([]llmtest.Invocation, 10)
	for i := range invs {
		invs[i] = streamed(100*time.Millisecond, 200*time.Millisecond, 2, 100*time.Millisecond)
	}
	res := llmtest.NewResult(invs, time.Second)
	res.Run.Generator = g
	return res
}

func saturated() *reporters.Generator {
	g := &reporters.Generator{CPU: 0.3, PeakCPU: 0.4, GOMAXPROCS: 1, SchedLatencyP99: 0.084, Samples: 12}
	g.Assess()
	return g
}

func TestGeneratorHealthy(t *testing.T) {
	tests := []struct {
		name     string
		res      *llmtest.Result
		pass     bool
		message  string
		observed float64
		samples  int
	}{
		{"healthy", withGenerator(&reporters.Generator{CPU: 0.1, GOMAXPROCS: 2, SchedLatencyP99: 1e-4, Samples: 12}),
			true, "generator_healthy = yes (n=12)", 1, 12},
		{"saturated", withGenerator(saturated()),
			false, "generator_healthy = no: scheduler latency p99 84ms > 20ms (n=12)", 0, 12},
		{"no self-check", withGenerator(nil),
			false, "generator_healthy = no self-check (n=0): the run has none", 0, 0},
		{"zero samples", withGenerator(&reporters.Generator{GOMAXPROCS: 2}),
			false, "generator_healthy = no samples (n=0)", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeT{}
			assert.Equal(t, tt.pass, assertions.GeneratorHealthy(ft, tt.res))
			assert.Positive(t, ft.helpers)
			if tt.pass {
				assert.Empty(t, ft.errors)
			} else {
				assert.Equal(t, []string{tt.message}, ft.errors)
			}
			require.Len(t, tt.res.Checks(), 1)
			c := tt.res.Checks()[0]
			assert.Equal(t, llmtest.Check{
				Expression: "generator_healthy", Statistic: "generator_healthy", Op: "==",
				Observed: tt.observed, Limit: 1, Unit: "", Samples: tt.samples, Pass: tt.pass, Message: tt.message,
			}, c)

			// The threshold language says the same.
			th, err := assertions.Parse("generator_healthy")
			require.NoError(t, err)
			assert.Equal(t, c, th.Evaluate(tt.res))
			ft = &fakeT{}
			assert.Equal(t, tt.pass, assertions.SLO(ft, tt.res, " generator_healthy ", "error_rate < 1%"))
			assert.Equal(t, tt.res.Checks()[0], tt.res.Checks()[1], "SLO records the same check")
		})
	}
	ft := &fakeT{}
	assert.False(t, assertions.GeneratorHealthy(ft, nil))
	assert.Equal(t, []string{"generator_healthy = no result (n=0)"}, ft.errors)
}

// TestGeneratorHealthyOnOldRunFolder loads a run folder written before
// llmtest checked its generator: the gate fails, saying so.
func TestGeneratorHealthyOnOldRunFolder(t *testing.T) {
	res, err := llmtest.LoadResult(filepath.Join("..", "llmtest", "testdata", "v1run"))
	require.NoError(t, err)
	require.Nil(t, res.Run.Generator)
	ft := &fakeT{}
	assert.False(t, assertions.SLO(ft, res, "generator_healthy"))
	assert.Equal(t, []string{"generator_healthy = no self-check (n=0): the run has none"}, ft.errors)
}

// TestGeneratorHealthyOnARun gates a real run: its self-check is found
// healthy, recorded and saved with the run.
func TestGeneratorHealthyOnARun(t *testing.T) {
	ep, err := sim.New(sim.Config{Seed: 1, FirstTokenLatency: 20 * time.Millisecond, InterTokenLatency: 5 * time.Millisecond, MaxOutputTokens: 8})
	require.NoError(t, err)
	res, err := (&llmtest.Runner{}).Run(t.Context(), llmtest.Config{
		Endpoint: ep, Payloads: []endpoints.Payload{{"prompt": "hi"}}, Clients: 2, Requests: 5,
	})
	require.NoError(t, err)
	ft := &fakeT{}
	assert.True(t, assertions.GeneratorHealthy(ft, res), "%q", ft.errors)
	require.NotEmpty(t, res.Checks())
	assert.Regexp(t, `^generator_healthy = yes \(n=\d+\)$`, res.Checks()[0].Message)
}

func TestParseGeneratorHealthy(t *testing.T) {
	th, err := assertions.Parse("generator_healthy")
	require.NoError(t, err)
	assert.Equal(t, &assertions.Threshold{Run: assertions.RunGeneratorHealthy}, th)
	assert.Equal(t, "generator_healthy", th.String())
	assert.Equal(t, "generator_healthy", th.Statistic())

	for expr, want := range map[string]string{
		"generator_healthy < 1":    `assertions: "generator_healthy < 1": "generator_healthy" takes no operator or value, got "<"; write it alone at column 19`,
		"generator_healthy 1":      `assertions: "generator_healthy 1": "generator_healthy" takes no operator or value, got "1"; write it alone at column 19`,
		"generator_healthy p99":    `assertions: "generator_healthy p99": "generator_healthy" takes no operator or value, got "p99"; write it alone at column 19`,
		"generator_healthy == yes": `assertions: "generator_healthy == yes": "generator_healthy" takes no operator or value, got "=="; write it alone at column 19`,
	} {
		_, err := assertions.Parse(expr)
		require.Error(t, err, expr)
		assert.Equal(t, want, err.Error())
		assert.True(t, errors.Is(err, assertions.ErrInvalidThreshold), expr)
	}
	assert.NoError(t, assertions.Validate("generator_healthy", "ttft p99 < 1s"))

	// One built by hand with an operator is invalid when evaluated.
	bad := &assertions.Threshold{Run: assertions.RunGeneratorHealthy, Op: assertions.Less, Value: assertions.Value{Number: 1}}
	c := bad.Evaluate(withGenerator(&reporters.Generator{Samples: 3}))
	assert.False(t, c.Pass)
	assert.Contains(t, c.Message, `"generator_healthy" takes no operator or value`)
}
