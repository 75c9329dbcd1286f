//go:build !linux

package llmtest

import "time"

// fineSleep sleeps for d, a short time. Elsewhere than on Linux it is
// time.Sleep, as precise as the runtime's timers.
func fineSleep(d time.Duration) { time.Sleep(d) }
