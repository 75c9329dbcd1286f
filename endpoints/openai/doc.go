// Package openai is an [endpoints.Endpoint] for OpenAI-compatible HTTP APIs:
// OpenAI itself, Azure OpenAI, vLLM, SGLang, TGI, llama.cpp, Ollama, LiteLLM
// and the llmtest simulator. It calls the Chat Completions API
// (POST {BaseURL}/chat/completions), the legacy Completions API
// (POST {BaseURL}/completions) or the Responses API
// (POST {BaseURL}/responses), as [Config].API selects, following the
// OpenAI API reference.
//
//	ep, err := openai.New(openai.Config{
//		BaseURL: "http://localhost:8000/v1",
//		APIKey:  os.Getenv("OPENAI_API_KEY"),
//		Model:   "meta-llama/Llama-3.1-8B-Instruct",
//	})
//
// [Endpoint.Prepare] validates each payload and encodes its body once;
// [ChatPayload], [CompletionPayload] and [ResponsesPayload] build simple
// ones.
//
// # Streaming
//
// This section and the next describe Chat and Completions; the Responses
// API has a section of its own.
//
// A payload is streamed unless it says "stream": false: Prepare sets
// "stream": true when the payload has no "stream", and, when streaming,
// "stream_options": {"include_usage": true} when it has no
// "stream_options". The response is read as Server-Sent Events (WHATWG HTML,
// "Server-sent events"): LF, CRLF and CR line ends, comments and
// keep-alives (": ping"), "data:" with or without a space, data split over
// several lines, and events split over reads at any byte.
//
// Each event's data is one chunk, a JSON object. From the choice with index
// 0 (with "n" above 1, the other choices are ignored):
//
//   - delta.content (Chat) or text (Completions) is visible text: each
//     non-empty one goes to [endpoints.Recorder.TextBytes] as the chunk
//     arrives. The first token is the first chunk with non-empty visible
//     text: a chunk with only a role, an empty or null content, only
//     reasoning, or only usage is not a token and takes no timestamp.
//   - delta.reasoning_content (vLLM, DeepSeek, SGLang) or, when that is
//     empty, delta.reasoning (other servers) goes to
//     [endpoints.Recorder.Reasoning]; it counts for time to first output,
//     never as a visible token.
//
// The "id" of the first chunk that has one goes to [endpoints.Recorder.ID].
// "data: [DONE]" ends the stream successfully; a [DONE] that the body ends
// in the middle of, before its blank line, is accepted too. Events of a
// type other than "message" and "error" are ignored, as are events with
// empty data.
//
// A payload with "stream": false gets one JSON response: its
// choices[0].message.content (Chat) or choices[0].text (Completions) goes to
// [endpoints.Recorder.Complete] once the body has been read, after
// message.reasoning_content (or message.reasoning) to
// [endpoints.Recorder.Reasoning].
//
// Decoding a chunk allocates nothing: a JSON walker (package
// internal/jsonscan, which the anthropic endpoint shares) scans
// each chunk in place, skips what it does not need and unescapes the text
// it needs into a buffer reused from chunk to chunk, accepting exactly what
// encoding/json accepts. Reasoning deltas cost one string each, as
// Recorder.Reasoning takes a string.
//
// # Usage
//
// The chunk that carries "usage" (with include_usage, the last one, whose
// "choices" is empty; some servers send usage in every chunk) goes to
// [endpoints.Recorder.Usage]: prompt_tokens as InputTokens,
// completion_tokens as OutputTokens, prompt_tokens_details.cached_tokens as
// CachedInputTokens and completion_tokens_details.reasoning_tokens as
// ReasoningTokens. A token count must be a non-negative whole number; null
// counts as absent.
//
// # Errors
//
// Every failure is the request's result; only a request that never reached
// the server is sent again (see Connection reuse):
//
//   - A non-2xx status is an [*endpoints.StatusError] with the status code,
//     the server's message (from OpenAI's {"error":{"message":...}}, or
//     {"error":"..."}, {"message":...}, {"detail":...}, else the body's text;
//     at most [MaxErrorBody] bytes of the body are read) truncated to
//     endpoints.MaxErrorMessage bytes, and the delay of a Retry-After (or
//     retry-after-ms) header. When the context ends while that body is
//     read (a 429 whose body trickles past the request's timeout), the
//     error wraps both the StatusError, so that the request keeps its
//     status code, and ctx.Err().
//   - An error object in a stream ({"error":{...}} as a chunk, or vLLM's
//     {"object":"error","message":...}), an "event: error", or an error
//     object in place of a whole response is a [*ResponseError].
//   - A stream that ends, or whose connection breaks, before [DONE] (for
//     the Responses API, before its final event) is an error wrapping
//     [endpoints.ErrIncompleteStream] that says how many chunks (events)
//     arrived.
//   - A chunk or a response that is not valid JSON, or whose fields have
//     the wrong type, fails the request with an error naming the field.
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
// record, a file or a log either. [Endpoint.Info] shows the base URL
// without user information and query.
//
// # Connection reuse
//
// The default transport keeps up to [Config].MaxIdleConnsPerHost
// (default [DefaultMaxIdleConnsPerHost]) idle keep-alive connections per
// host, so every client of a load test keeps reusing its own connection;
// set it to at least the number of concurrent clients. It speaks HTTP/1.1,
// one request per connection at a time, as LLMeter's clients do. A
// connection is reused only after its response body has been read to the
// end: after [DONE] (or the Responses API's final event), Invoke reads on
// until the server ends the response, for at most 250ms, and otherwise
// gives up the connection (not the request). Error responses are read to
// their end for the same reason, up to MaxErrorBody bytes.
//
// Some servers close a kept-alive connection after a response although
// they announced Keep-Alive (llama.cpp's llama-server does so after every
// streamed response), or close an idle one just as a request goes out on
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
//
// # Responses API
//
// With [Config].API set to [Responses], Prepare takes a Responses API
// payload: "input" is a non-empty string or a non-empty list of input items
// (messages, whose text is the prompt, and other items, sent as they
// are), with optional "instructions", "max_output_tokens" and "reasoning".
// A payload is streamed unless it says "stream": false; Prepare sets
// "stream": true when it has no "stream", and no "stream_options": the
// Responses API reports usage in its final event unasked.
//
// The stream is a series of events, each an SSE event whose data is a JSON
// object with a "type" (the SSE "event:" name stands in for a missing
// type). Invoke acts on these and ignores all others (output_item,
// content_part, output_text.done, refusal and function-call deltas, and
// types added later):
//
//   - response.output_text.delta: its "delta" is visible text and goes to
//     [endpoints.Recorder.TextBytes]; the first non-empty one is the first
//     token.
//   - response.reasoning_text.delta and
//     response.reasoning_summary_text.delta: "delta" goes to
//     [endpoints.Recorder.Reasoning].
//   - The response id ("response"."id") of the first event that carries one,
//     normally response.created, goes to [endpoints.Recorder.ID].
//   - The "usage" of the response in the final event goes to
//     [endpoints.Recorder.Usage]: input_tokens as InputTokens,
//     output_tokens as OutputTokens, input_tokens_details.cached_tokens as
//     CachedInputTokens and output_tokens_details.reasoning_tokens as
//     ReasoningTokens.
//   - response.completed ends the request successfully.
//   - response.incomplete with incomplete_details.reason
//     "max_output_tokens" ends it successfully too: an output limit is part
//     of a load test's payload, and a response cut there is counted as a
//     chat completion that ends with finish_reason "length" is. Any other
//     reason (such as "content_filter", or none) fails the request with an
//     [*IncompleteError] naming it.
//   - response.failed fails the request with a [*ResponseError] carrying
//     the response's error code and message; so does an "error" event
//     (its top-level code and message, or an "error" object), and an event
//     without a type that carries an "error" object.
//
// There is no [DONE]: a stream that ends before its final event, or sends
// [DONE] before it, is an error wrapping [endpoints.ErrIncompleteStream]; a
// final event the body ends in the middle of, after its data line but
// before the blank line, still counts. Decoding an output_text.delta event
// allocates nothing, as for chat chunks; the final event's copy of the
// whole output is checked for syntax and skipped.
//
// A payload with "stream": false gets one response object. The text of the
// "output_text" parts of its "message" output items, concatenated, goes to
// [endpoints.Recorder.Complete]; before it, the "summary_text" parts of
// its "reasoning" items go to [endpoints.Recorder.Reasoning], and then
// their "reasoning_text" content. Its id and usage are reported as for a
// stream. A response with an "error", or whose status is "failed", is a
// [*ResponseError]; status "incomplete" is judged as response.incomplete
// is; any other status than "completed" (such as "queued" or "cancelled")
// fails the request.
//
// # Azure OpenAI
//
// For Azure OpenAI, set BaseURL to the deployment's URL, such as
// "https://NAME.openai.azure.com/openai/deployments/DEPLOYMENT", and
// APIVersion to the API version, which Invoke sends as the api-version
// query parameter. Azure's key authentication expects the key in an
// "api-key" header: set Headers {"api-key": key} and leave APIKey empty
// (APIKey sends "Authorization: Bearer", which suits Microsoft Entra ID
// tokens and Azure's v1 API at ".../openai/v1"). Header values whose name
// contains "key", like api-key, are kept out of error texts as APIKey is.
//
// Azure serves the Responses API beside its deployments, not under them:
// set BaseURL to "https://NAME.openai.azure.com/openai/v1" without
// APIVersion, or to "https://NAME.openai.azure.com/openai" with an
// APIVersion such as "2025-04-01-preview", and Model to the deployment's
// name.
package openai
