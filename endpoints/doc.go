// Package endpoints is the contract between the llmtest engine and the
// services it load-tests.
//
// An [Endpoint] turns a [Payload] into a ready-to-send [Request] once, before
// any load ([Endpoint.Prepare]), sends requests ([Endpoint.Invoke]) and names
// itself without secrets ([Endpoint.Info]). Provider packages (openai,
// anthropic, bedrock, sagemaker, sim) implement it; none of them imports the
// engine.
//
// # Who owns the clock
//
// An endpoint never reads a clock. The engine passes a [Recorder] to every
// Invoke and takes each timestamp itself, with the monotonic clock, at the
// moment the endpoint calls it:
//
//   - t0, the send time, is taken by the engine immediately before it calls
//     Invoke. Prepare has already built the request body, so Invoke's own work
//     before the transport is small and bounded.
//   - [Recorder.Text] and [Recorder.TextBytes] take a timestamp on every call
//     with a non-empty delta: the first gives time to first token, the last
//     gives time to last token, and the gaps between consecutive calls are the
//     inter-token latencies. Empty deltas are ignored and take no timestamp.
//   - [Recorder.Reasoning] takes a timestamp on its first non-empty call (time
//     to first output counts reasoning output too) but never counts as a
//     visible token.
//   - [Recorder.Complete] takes a timestamp when a non-streaming body has been
//     read completely; that is the time to last token of a non-streaming
//     request, which has no time to first token.
//   - [Recorder.Resend] takes a new t0: a request sent again because its
//     first attempt died on a stale kept-alive connection, before any byte
//     of a response arrived, is timed from the send that produced its
//     response, and counts one retry.
//   - [Recorder.Usage], [Recorder.ID] and [Recorder.Retries] take no
//     timestamp.
//
// # Errors are data
//
// A request that fails (an HTTP status, an error event in the stream, a
// timeout, a disconnect) makes Invoke return an error. The engine records it
// on the invocation together with every timing the Recorder received before
// the failure, and the run goes on. Error texts must never contain a secret;
// [StatusError] carries an HTTP status and the server's (truncated) message.
// Invoke must return promptly once its context is done.
//
// # Secrets and resources
//
// An endpoint that holds secrets implements [Redactor], and the engine
// passes every response text and error it keeps through it. An endpoint
// that holds connections implements io.Closer; its owner closes it after
// the last run.
package endpoints
