package llmtest

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// Warmup is a run's warm-up: the requests sent during its first Duration
// (by their intended time in an open loop, their send time in a closed
// one), or its first Requests requests. Set one of the two; the zero value
// is no warm-up. Warm-up requests are part of the load shape, not extra:
// they are sent and recorded (Invocation.Warmup, "warmup": true in
// responses.jsonl) and counted in reporters.Counts.Warmup
// ("warmup_requests"), but left out of every other count, statistic, time
// series and gate. The run's total_test_time starts when the warm-up
// ends. An open-loop arrival dropped during the warm-up is not counted.
type Warmup struct {
	Duration time.Duration
	Requests int
}

// warmupClock decides which requests are the warm-up's and when the
// measured part of the run began.
type warmupClock struct {
	w    Warmup
	sent atomic.Int64 // requests sent so far, for a count warm-up
	// measured is when, since the run's start, the first measured
	// request was sent (nanoseconds, plus one); 0 while none has been.
	measured atomic.Int64
}

// next numbers one request about to be sent at time at since the run's
// start and reports whether it belongs to the warm-up.
func (c *warmupClock) next(at time.Duration) bool {
	var warm bool
	switch {
	case c.w.Duration > 0:
		warm = at < c.w.Duration
	case c.w.Requests > 0:
		warm = c.sent.Add(1) <= int64(c.w.Requests)
	}
	if !warm && c.measured.Load() == 0 {
		c.measured.CompareAndSwap(0, int64(at)+1)
	}
	return warm
}

// on reports whether the warm-up may still be going at time at: a
// duration warm-up until its end, a count warm-up until its last request
// was sent.
func (c *warmupClock) on(at time.Duration) bool {
	switch {
	case c.w.Duration > 0:
		return at < c.w.Duration
	case c.w.Requests > 0:
		return c.sent.Load() < int64(c.w.Requests)
	}
	return false
}

// measuredFrom returns when the measured part of the run began, since its
// start: the end of a duration warm-up, the send time of the first request
// after a count warm-up (the run's end, when none was sent), 0 without a
// warm-up.
func (c *warmupClock) measuredFrom(end time.Duration) time.Duration {
	switch {
	case c.w.Duration > 0:
		return min(c.w.Duration, end)
	case c.w.Requests > 0:
		if m := c.measured.Load(); m > 0 {
			return time.Duration(m - 1)
		}
		return end
	}
	return 0
}

// ParseWarmup parses a warm-up written as a duration ("10s", positive) or
// a number of requests ("100", at least 1).
func ParseWarmup(s string) (Warmup, error) {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return Warmup{Duration: d}, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return Warmup{Requests: n}, nil
	}
	return Warmup{}, fmt.Errorf("want a warm-up duration such as 10s or a number of requests such as 100; %q is neither", s)
}
