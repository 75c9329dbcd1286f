package llmtest

import (
	"context"

	"github.com/llmtest/llmtest/endpoints"
)

// Callback is called around a run and each of its requests (LLMeter's
// callbacks). A run calls each method of every callback in Config.Callbacks
// in list order. An error returned by any method is fatal: the run stops,
// keeps what completed, and returns the error.
//
// Embed [NopCallback] to implement only some of the methods.
type Callback interface {
	// BeforeRun is called once, after the configuration has been validated
	// and the payloads prepared, before the first request is sent. cfg has
	// every default applied; changing it has no effect.
	BeforeRun(ctx context.Context, cfg Config) error

	// BeforeInvoke is called before each request with a deep copy of the
	// payload, which it may change; the endpoint then prepares the changed
	// copy, outside the request's timing. It is called from the clients'
	// goroutines at once, so it must be safe for concurrent use. A run
	// whose callbacks all embed NopCallback's BeforeInvoke skips the copy.
	BeforeInvoke(ctx context.Context, p endpoints.Payload) error

	// AfterInvoke is called with each completed or failed invocation, in
	// order of completion, from a single goroutine, before it is written
	// to responses.jsonl. It may change the invocation.
	AfterInvoke(ctx context.Context, inv *Invocation) error

	// AfterRun is called once with the result when the run ends, also when
	// it was interrupted, before the summary artifacts are written.
	AfterRun(ctx context.Context, res *Result) error
}

// NopCallback implements every Callback method by doing nothing. Embed it
// in a callback that needs only some of them.
type NopCallback struct{}

var _ Callback = NopCallback{}

// BeforeRun does nothing.
func (NopCallback) BeforeRun(context.Context, Config) error { return nil }

// BeforeInvoke does nothing. The engine recognises it and skips the payload
// copy when no callback overrides it.
func (NopCallback) BeforeInvoke(context.Context, endpoints.Payload) error { return errNoBeforeInvoke }

// AfterInvoke does nothing.
func (NopCallback) AfterInvoke(context.Context, *Invocation) error { return nil }

// AfterRun does nothing.
func (NopCallback) AfterRun(context.Context, *Result) error { return nil }
