package assertions_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/assertions"
	areq "github.com/llmtest/llmtest/assertions/require"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// sweepOf returns a sweep result over client levels with the given
// throughputs and TTLT p50s, its saturation point located.
func sweepOf(levels []float64, tput, ttlt []float64) *llmtest.SweepResult {
	s := &llmtest.SweepResult{Sweep: reporters.Sweep{Kind: reporters.SweepClients}}
	for i, l := range levels {
		s.Levels = append(s.Levels, llmtest.Level{Clients: int(l)})
		s.Sweep.Levels = append(s.Sweep.Levels, reporters.SweepLevel{Level: l, Throughput: tput[i], TTLTP50: ttlt[i]})
	}
	s.Sweep.Locate()
	return s
}

func TestSaturationAtLeast(t *testing.T) {
	knee := func() *llmtest.SweepResult {
		return sweepOf([]float64{1, 2, 4, 8, 16}, []float64{100, 200, 400, 800, 810}, []float64{1, 1, 1, 1, 2})
	}
	for _, tc := range []struct {
		name  string
		sweep *llmtest.SweepResult
		level float64
		pass  bool
		msg   string
	}{
		{"at", knee(), 8, true, "saturation = 8 clients, want >= 8 clients (5 levels)"},
		{"below", knee(), 16, false, "saturation = 8 clients, want >= 16 clients (5 levels)"},
		{"not reached, went high enough", sweepOf([]float64{1, 8}, []float64{100, 800}, []float64{1, 1}), 8, true,
			"saturation > 8 clients (not reached), want >= 8 clients (2 levels)"},
		{"not reached, stopped below", sweepOf([]float64{1, 4}, []float64{100, 400}, []float64{1, 1}), 8, false,
			"saturation > 4 clients (not reached), want >= 8 clients (2 levels)"},
		{"no levels", sweepOf(nil, nil, nil), 1, false, "saturation: no level ran, want >= 1 client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeT{}
			got := assertions.SaturationAtLeast(ft, tc.sweep, tc.level)
			assert.Equal(t, tc.pass, got)
			checks := tc.sweep.Report().Checks
			require.Len(t, checks, 1)
			assert.Equal(t, tc.msg, checks[0].Message)
			assert.Equal(t, tc.pass, checks[0].Pass)
			assert.Equal(t, tc.level, checks[0].Limit)
			if tc.pass {
				assert.Empty(t, ft.errors)
			} else {
				assert.Equal(t, []string{tc.msg}, ft.errors)
			}
			assert.Positive(t, ft.helpers)
		})
	}
	ft := &fakeT{}
	assert.False(t, assertions.SaturationAtLeast(ft, nil, 1))
	assert.Len(t, ft.errors, 1)
}

func TestRequireSaturationAtLeast(t *testing.T) {
	ft := &fakeT{}
	s := sweepOf([]float64{1, 2}, []float64{100, 100}, []float64{1, 2})
	assert.False(t, areq.SaturationAtLeast(ft, s, 2))
	assert.Equal(t, 1, ft.failNow)
	ft = &fakeT{}
	assert.True(t, areq.SaturationAtLeast(ft, s, 1))
	assert.Equal(t, 0, ft.failNow)
}

func TestGoodputLimitsGood(t *testing.T) {
	ok := llmtest.Invocation{TimeToFirstToken: ms(100), TimePerOutputToken: ms(10), TimeToLastToken: ms(500),
		InterTokenLatencies: []time.Duration{ms(9), ms(11)}}
	failed := ok
	failed.Error = "boom"
	cancelled := ok
	cancelled.Cancelled = true
	for _, tc := range []struct {
		name   string
		limits assertions.GoodputLimits
		inv    llmtest.Invocation
		want   bool
	}{
		{"no limit", assertions.GoodputLimits{}, ok, true},
		{"within", assertions.GoodputLimits{TTFT: ms(100), TPOT: ms(10)}, ok, true},
		{"ttft over", assertions.GoodputLimits{TTFT: ms(99)}, ok, false},
		{"itl gap over", assertions.GoodputLimits{ITL: ms(10)}, ok, false},
		{"ttlt absent", assertions.GoodputLimits{TTLT: ms(1)}, llmtest.Invocation{}, false},
		{"negative", assertions.GoodputLimits{TTFT: -ms(1)}, ok, false},
		{"failed", assertions.GoodputLimits{}, failed, false},
		{"cancelled", assertions.GoodputLimits{}, cancelled, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.limits.Good(&tc.inv))
		})
	}
}
