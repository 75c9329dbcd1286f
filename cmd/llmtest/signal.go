package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// An interruption is the cause of the command's context when a signal
// ends a run early: SIGINT (Ctrl-C) or SIGTERM (kill, a CI runner's or
// Kubernetes' stop). The run then writes what completed and the command
// exits 128 plus the signal's number, as a shell reports a process killed
// by it: 130 for SIGINT, 143 for SIGTERM.
type interruption struct{ sig os.Signal }

func (i interruption) Error() string { return "received " + signalName(i.sig) }

// notifyContext returns a context cancelled, with an interruption as its
// cause, by the first SIGINT or SIGTERM. Later signals are ignored until
// stop is called, which releases the signals.
func notifyContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			cancel(interruption{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(context.Canceled)
	}
}

// interruptSignal returns the signal that interrupted the run, from the
// run's error or the context's cause; SIGINT when neither names one.
func interruptSignal(ctx context.Context, err error) os.Signal {
	var i interruption
	if errors.As(err, &i) || errors.As(context.Cause(ctx), &i) {
		return i.sig
	}
	return os.Interrupt
}

// interruptedExit is the exit status after an interruption by sig.
func interruptedExit(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok && s == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}
