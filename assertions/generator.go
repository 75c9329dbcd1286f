package assertions

import (
	"strconv"
	"strings"

	"github.com/llmtest/llmtest/llmtest"
)

// GeneratorHealthy asserts that the load generator of res kept up with
// the load: that the run's self-check (res.Run.Generator, see
// reporters.Generator) found it not saturated. A run without a
// self-check (one recorded before llmtest checked its generator, or
// built from records) or with a self-check of zero samples fails, as a
// statistic over zero samples does. The check is recorded as
// "generator_healthy", with Observed 1 for healthy and 0 for saturated,
// against Limit 1, and its message is one line:
//
//	generator_healthy = yes (n=12)
//	generator_healthy = no: scheduler latency p99 84ms > 20ms (n=12)
//	generator_healthy = no self-check (n=0): the run has none
func GeneratorHealthy(t TestingT, res *llmtest.Result, msgAndArgs ...any) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return check(t, "GeneratorHealthy", res, &Threshold{Run: RunGeneratorHealthy}, "", msgAndArgs)
}

// generatorCheck completes c, the check of generator_healthy, on res.
func generatorCheck(c llmtest.Check, res *llmtest.Result) llmtest.Check {
	c.Op, c.Limit, c.Unit = "==", 1, ""
	stat := string(RunGeneratorHealthy)
	switch {
	case res == nil:
		c.Message = stat + " = no result (n=0)"
		return c
	case res.Run.Generator == nil:
		c.Message = stat + " = no self-check (n=0): the run has none"
		return c
	}
	g := res.Run.Generator
	c.Samples = g.Samples
	n := " (n=" + strconv.Itoa(g.Samples) + ")"
	switch {
	case g.Samples == 0:
		c.Message = stat + " = no samples" + n
	case g.Saturated:
		reasons := strings.Join(g.Reasons, "; ")
		if reasons == "" {
			reasons = "saturated"
		}
		c.Message = stat + " = no: " + reasons + n
	default:
		c.Observed, c.Pass = 1, true
		c.Message = stat + " = yes" + n
	}
	return c
}
