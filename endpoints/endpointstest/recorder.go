// Package endpointstest provides a [Recorder] that keeps every call it
// receives, for testing endpoint implementations without the engine.
package endpointstest

import (
	"strings"

	"github.com/llmtest/llmtest/endpoints"
)

// Recorder is an [endpoints.Recorder] that keeps what it is told, in order.
// It reads no clock. The zero value is ready to use.
type Recorder struct {
	// Chunks holds every non-empty visible text delta, in order.
	Chunks []string
	// ReasoningChunks holds every non-empty reasoning delta, in order.
	ReasoningChunks []string
	// Completed holds the text given to Complete, and Complete's call count.
	Completed     string
	CompleteCalls int
	LastUsage     endpoints.Usage
	UsageCalls    int
	ResponseID    string
	RetryCount    int
	// Resends counts Resend calls.
	Resends int
	// Traces holds every ConnTrace reported, in order. (ConnTrace calls
	// are not in Events.)
	Traces []endpoints.ConnTrace
	// Events lists the calls as "text", "reasoning", "complete", "usage",
	// "id", "retries" and "resend", in the order they were made.
	Events []string
}

var (
	_ endpoints.Recorder   = (*Recorder)(nil)
	_ endpoints.ConnTracer = (*Recorder)(nil)
)

// ConnTrace implements endpoints.ConnTracer.
func (r *Recorder) ConnTrace(t endpoints.ConnTrace) { r.Traces = append(r.Traces, t) }

// Text implements endpoints.Recorder.
func (r *Recorder) Text(delta string) {
	if delta == "" {
		return
	}
	r.Chunks = append(r.Chunks, delta)
	r.Events = append(r.Events, "text")
}

// TextBytes implements endpoints.Recorder.
func (r *Recorder) TextBytes(delta []byte) { r.Text(string(delta)) }

// Reasoning implements endpoints.Recorder.
func (r *Recorder) Reasoning(delta string) {
	if delta == "" {
		return
	}
	r.ReasoningChunks = append(r.ReasoningChunks, delta)
	r.Events = append(r.Events, "reasoning")
}

// Complete implements endpoints.Recorder.
func (r *Recorder) Complete(text string) {
	r.Completed = text
	r.CompleteCalls++
	r.Events = append(r.Events, "complete")
}

// Usage implements endpoints.Recorder, merging non-zero fields as the
// engine does.
func (r *Recorder) Usage(u endpoints.Usage) {
	if u.InputTokens != 0 {
		r.LastUsage.InputTokens = u.InputTokens
	}
	if u.OutputTokens != 0 {
		r.LastUsage.OutputTokens = u.OutputTokens
	}
	if u.CachedInputTokens != 0 {
		r.LastUsage.CachedInputTokens = u.CachedInputTokens
	}
	if u.ReasoningTokens != 0 {
		r.LastUsage.ReasoningTokens = u.ReasoningTokens
	}
	r.UsageCalls++
	r.Events = append(r.Events, "usage")
}

// ID implements endpoints.Recorder.
func (r *Recorder) ID(id string) {
	r.ResponseID = id
	r.Events = append(r.Events, "id")
}

// Retries implements endpoints.Recorder.
func (r *Recorder) Retries(n int) {
	r.RetryCount = n
	r.Events = append(r.Events, "retries")
}

// Resend implements endpoints.Recorder: it forgets what the attempt
// delivered, as the engine does, and counts the resend.
func (r *Recorder) Resend() {
	resends, events := r.Resends+1, append(r.Events, "resend")
	*r = Recorder{Resends: resends, Events: events}
}

// Output returns the visible text received: the streamed chunks joined, or the
// completed body.
func (r *Recorder) Output() string {
	if r.CompleteCalls > 0 {
		return r.Completed
	}
	return strings.Join(r.Chunks, "")
}

// Reset clears the recorder for reuse.
func (r *Recorder) Reset() { *r = Recorder{} }
