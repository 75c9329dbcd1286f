// Package anthropic is an [endpoints.Endpoint] for Anthropic's Messages API
// (POST {BaseURL}/v1/messages), streaming and not, and for the servers that
// speak it: Anthropic itself, gateways with an Anthropic-compatible route,
// and the llmtest simulator
// ([github.com/llmtest/llmtest/endpoints/sim.NewServer]).
//
//	ep, err := anthropic.New(anthropic.Config{
//		APIKey:  os.Getenv("ANTHROPIC_API_KEY"),
//		Model:   "claude-sonnet-4-5",
//		Headers: map[string]string{"anthropic-beta": "..."}, // optional
//	})
//
// [Endpoint.Prepare] validates each payload and encodes its body once;
// [MessagesPayload] builds a simple one.
//
// # Base URL
//
// [Config].BaseURL is the API's root, without "/v1", as Anthropic's SDKs
// take it; the default is [DefaultBaseURL]. Requests go to BaseURL +
// "/v1/messages". A base URL whose path ends in "/v1" means the same root,
// so the form the openai endpoint and the llmtest command take
// ("http://127.0.0.1:8080/v1", "llmtest run --url <sim URL>/v1") works
// unchanged, and so does the whole route ending in "/v1/messages":
//
//	https://api.anthropic.com                  → https://api.anthropic.com/v1/messages
//	https://api.anthropic.com/v1               → https://api.anthropic.com/v1/messages
//	http://127.0.0.1:8080/v1                   → http://127.0.0.1:8080/v1/messages
//	https://gateway.example/anthropic/v1       → https://gateway.example/anthropic/v1/messages
//
// [Endpoint.Info] shows the root, without "/v1", user information or
// query.
//
// Every request carries x-api-key (Config.APIKey, when set),
// anthropic-version (Config.Version, default [DefaultVersion]),
// content-type application/json, accept text/event-stream when streaming
// (application/json otherwise), and Config.Headers, such as anthropic-beta.
//
// # Streaming
//
// A payload is streamed unless it says "stream": false: Prepare sets
// "stream": true when the payload has no "stream", as the openai endpoint
// does. The response is read as Server-Sent Events with the package
// endpoints/internal/sse (LF, CRLF and CR line ends, comments, events split
// over reads at any byte). An event's type is its "event:" field, or, for a
// server that sends only data lines, its data's "type":
//
//   - message_start: message.id goes to [endpoints.Recorder.ID], and
//     message.usage's input counts to [endpoints.Recorder.Usage] (see
//     Usage; its output_tokens is a placeholder and is not reported).
//   - content_block_delta with a text_delta: delta.text is visible text,
//     given to [endpoints.Recorder.TextBytes] as the event arrives. The
//     first non-empty one is the first token. A thinking_delta's
//     delta.thinking goes to [endpoints.Recorder.Reasoning]: it counts for
//     time to first output, never as a visible token. Other deltas
//     (signature_delta, input_json_delta of tool use, citations_delta) are
//     not text and are ignored.
//   - content_block_start: its block is empty in Anthropic's streams; should
//     a text or thinking block start with text, that text is reported as
//     a delta would be.
//   - message_delta: usage.output_tokens (and any cumulative input counts
//     it carries) goes to Recorder.Usage.
//   - message_stop ends the stream successfully. One that the body ends in
//     the middle of, before its blank line, is accepted too.
//   - error fails the request with a [*ResponseError] (see Errors).
//   - ping, content_block_stop and types this package does not know are
//     ignored without being decoded.
//
// A payload with "stream": false gets one JSON message: the "thinking" of
// each thinking block goes to Recorder.Reasoning (one call per block), then
// the "text" of its text blocks, concatenated, to [endpoints.Recorder.Complete]
// once the body has been read, then its usage to Recorder.Usage; its "id"
// goes to Recorder.ID first.
//
// Decoding an event allocates nothing: a small JSON walker (package
// internal/jsonscan, which the openai endpoint shares) scans the
// event's data in place, skips what it does not need and unescapes text
// into buffers reused from event to event, accepting exactly what
// encoding/json accepts (fuzz tests hold it to that). A thinking delta
// costs one string, as Recorder.Reasoning takes a string; the message id
// costs one.
//
// # Usage
//
// Anthropic's input_tokens counts only the prompt tokens that were neither
// read from nor written to the prompt cache. [endpoints.Usage].InputTokens
// is the whole prompt, cached tokens included, so the endpoint reports
//
//	InputTokens       = input_tokens + cache_read_input_tokens + cache_creation_input_tokens
//	CachedInputTokens = cache_read_input_tokens
//	OutputTokens      = output_tokens (of message_delta when streaming)
//
// so that input token counts, and the throughput computed from them, mean
// the same for every provider, and a prompt-cache hit shows up as
// CachedInputTokens rather than as a shorter prompt. Tokens written to the
// cache are prompt tokens that were processed, not served from a cache,
// so they count in InputTokens only. Anthropic counts thinking in
// output_tokens and reports no separate reasoning count, so ReasoningTokens
// stays zero. A count that is absent or null is not reported; one that is
// not a non-negative whole number fails the request.
//
// # Errors
//
// Every failure is the request's result; only a request that never reached
// the server is sent again (see Connection reuse):
//
//   - A non-2xx status is an [*endpoints.StatusError] with the status code
//     (such as 429 for rate_limit_error, 529 for overloaded_error), the
//     message of Anthropic's error body ({"type": "error", "error":
//     {"type": ..., "message": ...}}) as "<type>: <message>" (a gateway's
//     {"error": ...}, {"message": ...} or {"detail": ...}, else the body's
//     text, when the body is not Anthropic's; at most [MaxErrorBody] bytes
//     of it are read), truncated to endpoints.MaxErrorMessage bytes, and the
//     delay of a retry-after-ms or retry-after header. When the context
//     ends while that body is read (a 429 whose body trickles past the
//     request's timeout), the error wraps both the StatusError, so that the
//     request keeps its status code, and ctx.Err().
//   - An error event in a stream ({"type": "error", "error": {"type":
//     "overloaded_error", "message": "Overloaded"}}), or an error object in
//     place of a whole message, is a [*ResponseError] with the error's type
//     and message.
//   - A stream that ends, or whose connection breaks, before message_stop is
//     an error wrapping [endpoints.ErrIncompleteStream] that says how many
//     events arrived.
//   - An event or a message that is not valid JSON, or a field Invoke reads
//     with the wrong type, fails the request with an error naming the
//     field, such as "anthropic: stream event 4 (content_block_delta):
//     delta.text: want a string, got a number".
//   - Once the context is done, Invoke returns promptly with an error
//     wrapping ctx.Err().
//
// # Secrets
//
// The Endpoint knows every secret it holds: Config.APIKey, the values of
// Config.Headers whose name contains "key", "token", "secret", "auth",
// "cookie", "signature" or "password", and the user name, password and
// query values of Config.BaseURL, with the "Authorization: Basic" value Go
// derives from user information. No error text contains one: wherever a
// server echoes one, in any ASCII case, it is replaced by "[REDACTED]".
// [Endpoint.Redact] does the same to any text, and the llmtest engine
// passes every recorded response text and error through it, so that a
// server that streams a key back as model output does not get it into a
// record, a file or a log either.
//
// # Connection reuse
//
// The default transport keeps up to [Config].MaxIdleConnsPerHost (default
// [DefaultMaxIdleConnsPerHost]) idle keep-alive connections per host, so
// every client of a load test keeps its own connection; set it to at least
// the number of concurrent clients. It speaks HTTP/1.1, one request per
// connection at a time. A connection is reused only after its response
// has been read to the end: after message_stop, Invoke reads on until the
// server ends the response, for at most 250ms, and otherwise gives up the
// connection (not the request). Error responses are read to their end for
// the same reason, up to MaxErrorBody bytes.
//
// A server may close a kept-alive connection after a response although it
// announced Keep-Alive, or close an idle one just as a request goes out on
// it. The request sent next on that connection fails before any byte of a
// response arrives (EOF, "http: server closed idle connection",
// "connection reset by peer", a broken pipe) without ever reaching the
// model. Invoke sends such a request once more, on a fresh connection (one opened for
// it, with keep-alives off, and closed after it), and calls
// [endpoints.Recorder.Resend] first: the engine counts one retry on the
// invocation, forgets the failed attempt and restarts the request's clock,
// so the request is timed from the resend, the send that produced its
// response. Only that case is resent, and only once: a failure on a fresh
// connection, a response that breaks after its first byte, an error
// status, a timeout, an error of another kind are the request's result.
// (A server that reads a request on a reused connection and crashes before
// a byte of its answer looks the same as a stale connection: that request
// is sent again, and its record shows the retry.) Net/http's transport resends
// nothing itself, as requests carry no GetBody.
//
// With [Config].HTTPClient, the resend goes through a copy of that client
// whose transport is a copy of its *http.Transport (http.DefaultTransport
// when its Transport is nil) with keep-alives off; a client with any other
// RoundTripper gets no resend.
//
// [Endpoint.Close] releases the idle connections of the Endpoint's own
// transport (each holds a file descriptor and two goroutines); a program
// that builds endpoints over and over, such as one run per test, closes
// each when done. A client given in Config.HTTPClient is its owner's to
// close.
package anthropic
