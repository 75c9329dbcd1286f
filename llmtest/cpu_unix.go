//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package llmtest

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time, user and system, the process has used,
// from getrusage(RUSAGE_SELF). ok is false when the call fails.
func processCPU() (cpu time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
