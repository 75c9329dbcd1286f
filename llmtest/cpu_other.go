//go:build !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || windows)

package llmtest

import (
	"runtime/metrics"
	"time"
)

// processCPU estimates the CPU time the process has used where the
// platform has neither getrusage nor GetProcessTimes: the Go runtime's
// /cpu/classes total less its idle part, which the runtime itself calls
// an overestimate. ok is false when the runtime has no such metrics.
func processCPU() (cpu time.Duration, ok bool) {
	s := []metrics.Sample{{Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/cpu/classes/idle:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 || s[1].Value.Kind() != metrics.KindFloat64 {
		return 0, false
	}
	used := s[0].Value.Float64() - s[1].Value.Float64()
	return time.Duration(used * 1e9), true
}
