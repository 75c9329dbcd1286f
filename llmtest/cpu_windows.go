//go:build windows

package llmtest

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time, user and kernel, the process has used,
// from GetProcessTimes. ok is false when the call fails.
func processCPU() (cpu time.Duration, ok bool) {
	var creation, exit, kernel, user syscall.Filetime
	h, err := syscall.GetCurrentProcess()
	if err != nil {
		return 0, false
	}
	if err := syscall.GetProcessTimes(h, &creation, &exit, &kernel, &user); err != nil {
		return 0, false
	}
	// A Filetime counts 100ns intervals.
	ticks := func(f syscall.Filetime) int64 { return int64(f.HighDateTime)<<32 | int64(f.LowDateTime) }
	return time.Duration((ticks(kernel) + ticks(user)) * 100), true
}
