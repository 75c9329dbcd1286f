package assertions

import (
	"fmt"

	"github.com/llmtest/llmtest/llmtest"
)

// SaturationAtLeast asserts that the sweep s saturates at level or above
// — that its server keeps up with at least that load — and records the
// check on the sweep as "saturation >= <level>". The observed value is
// the load at the sweep's saturation point (see
// reporters.SaturationIndex), or, when the levels did not reach it, the
// highest level swept, since saturation then lies above it: a sweep that
// never saturated passes when it went at least as high as level, and fails
// when it stopped below, having shown nothing about level. A sweep without
// levels fails. Gate each level with SweepConfig.Test; this gates the
// sweep as a whole:
//
//	sw := llmtest.Sweep(t, cfg, llmtest.SweepConfig{Levels: llmtest.ClientLevels(1, 2, 4, 8, 16)})
//	assertions.SaturationAtLeast(t, sw, 8) // saturation at ≥ 8 clients
func SaturationAtLeast(t TestingT, s *llmtest.SweepResult, level float64, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if s == nil {
		t.Errorf("assertions: SaturationAtLeast: nil sweep")
		return false
	}
	sw := s.Report()
	c := llmtest.Check{
		Expression: fmt.Sprintf("saturation >= %s", sw.LevelText(level)),
		Statistic:  "saturation",
		Op:         string(GreaterOrEqual),
		Limit:      level,
		Unit:       sweepUnit(sw.Kind),
		Samples:    len(sw.Levels),
	}
	lv, reached := sw.SaturationLevel()
	switch {
	case len(sw.Levels) == 0:
		c.Message = fmt.Sprintf("saturation: no level ran, want >= %s", sw.LevelText(level))
	case reached:
		c.Observed = lv
		c.Pass = lv >= level
		c.Message = fmt.Sprintf("saturation = %s, want >= %s (%d levels)", sw.LevelText(lv), sw.LevelText(level), len(sw.Levels))
	default:
		c.Observed = sw.Levels[len(sw.Levels)-1].Level
		c.Pass = c.Observed >= level
		c.Message = fmt.Sprintf("saturation > %s (not reached), want >= %s (%d levels)", sw.LevelText(c.Observed), sw.LevelText(level), len(sw.Levels))
	}
	s.AddCheck(c)
	msg := c.Message
	if extra := messageFromMsgAndArgs(msgAndArgs); extra != "" {
		msg += ": " + extra
	}
	if !c.Pass {
		t.Errorf("%s", msg)
		return false
	}
	return true
}

// sweepUnit returns the Check unit of a sweep's levels.
func sweepUnit(kind string) string {
	if kind == "rate" {
		return "requests/s"
	}
	return "clients"
}
