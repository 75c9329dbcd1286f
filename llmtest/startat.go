package llmtest

import (
	"context"
	"time"
)

// waitStart waits until Config.StartAt, the wall-clock moment the run
// starts at, and reports false if ctx is cancelled first. It returns at
// once when StartAt has passed. The wait is a timer's until fineWindow
// before StartAt and a fine sleep after, as the open loop's arrivals are,
// so that shards on machines whose clocks agree start within a fraction of
// a millisecond of each other.
func (e *engine) waitStart(ctx context.Context) bool {
	at := e.cfg.StartAt
	if d := time.Until(at); d > fineWindow {
		t := time.NewTimer(d - fineWindow)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return false
		}
	}
	if d := time.Until(at); d > 0 {
		fineSleep(d)
	}
	return ctx.Err() == nil
}
