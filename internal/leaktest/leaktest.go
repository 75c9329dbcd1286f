// Package leaktest counts what a process holds, goroutines and open file
// descriptors, for tests that check that something lets go of what it
// took (an endpoint's connections after Close).
package leaktest

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// Counts are a process's goroutines and open file descriptors.
type Counts struct {
	Goroutines, FDs int
}

// Now returns the counts at this moment. It skips t where the process's
// descriptors cannot be counted (no /proc/self/fd).
func Now(t testing.TB) Counts {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("leaktest: no /proc/self/fd to count file descriptors: %v", err)
	}
	return Counts{Goroutines: runtime.NumGoroutine(), FDs: len(entries)}
}

// Baseline returns the counts once they have stopped falling (for 100ms,
// waiting 2s at most), as what a warm-up let go of winds down: the
// smallest counts seen.
func Baseline(t testing.TB) Counts {
	t.Helper()
	c := Now(t)
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		n := Now(t)
		if n.Goroutines >= c.Goroutines && n.FDs >= c.FDs {
			break
		}
		c = Counts{min(c.Goroutines, n.Goroutines), min(c.FDs, n.FDs)}
	}
	return c
}

// settleTimeout bounds Settle's wait; tests of this package lower it.
var settleTimeout = 10 * time.Second

// Settle waits, for at most 10 seconds, until the process holds no more
// than base, and fails t if it does not get there, naming both counts.
func Settle(t testing.TB, base Counts) {
	t.Helper()
	deadline := time.Now().Add(settleTimeout)
	for {
		n := Now(t)
		if n.Goroutines <= base.Goroutines && n.FDs <= base.FDs {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %d goroutines and %d file descriptors, want at most %d and %d",
				settleTimeout, n.Goroutines, n.FDs, base.Goroutines, base.FDs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
