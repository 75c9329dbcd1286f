// Package openai is an [endpoints.Endpoint] for OpenAI-compatible HTTP APIs:
// OpenAI itself, Azure OpenAI, vLLM, SGLang, TGI, llama.cpp, Ollama, LiteLLM
// and the llmtest simulator. It calls the Chat Completions API
// (POST {BaseURL}/chat/completions) or the legacy Completions API
// (POST {BaseURL}/completions), as [Config].API selects, following the
// OpenAI API reference.
//
//	ep, err := openai.New(openai.Config{
//		BaseURL: "http://localhost:8000/v1",
//		APIKey:  os.Getenv("OPENAI_API_KEY"),
//		Model:   "meta-llama/Llama-3.1-8B-Instruct",
//	})
//
// [Endpoint.Prepare] validates each payload and encodes its body once;
// [ChatPayload] and [CompletionPayload] build simple ones.
//
// # Streaming
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
// Decoding a chunk allocates nothing: a JSON walker scans each chunk in
// place, skips what it does not need and unescapes the text it needs into a
// buffer reused from chunk to chunk, accepting exactly what encoding/json
// accepts. Reasoning deltas cost one string each, as Recorder.Reasoning
// takes a string.
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
// Invoke never retries; every failure is the request's result:
//
//   - A non-2xx status is an [*endpoints.StatusError] with the status code,
//     the server's message (from OpenAI's {"error":{"message":...}}, or
//     {"error":"..."}, {"message":...}, {"detail":...}, else the body's text;
//     at most [MaxErrorBody] bytes of the body are read) truncated to
//     endpoints.MaxErrorMessage bytes, and the delay of a Retry-After (or
//     retry-after-ms) header.
//   - An error object in a stream ({"error":{...}} as a chunk, or vLLM's
//     {"object":"error","message":...}), an "event: error", or an error
//     object in place of a whole response is a [*ResponseError].
//   - A stream that ends, or whose connection breaks, before [DONE] is an
//     error wrapping [endpoints.ErrIncompleteStream] that says how many
//     chunks arrived.
//   - A chunk or a response that is not valid JSON, or whose fields have
//     the wrong type, fails the request with an error naming the field.
//   - Once the context is done, Invoke returns promptly with an error
//     wrapping ctx.Err().
//
// No error text contains the API key, a credential header value or the
// password of the base URL: they are replaced by "[REDACTED]" wherever a
// server echoes them.
//
// # Connection reuse
//
// The default transport keeps up to [Config].MaxIdleConnsPerHost
// (default [DefaultMaxIdleConnsPerHost]) idle keep-alive connections per
// host, so every client of a load test keeps reusing its own connection;
// set it to at least the number of concurrent clients. It speaks HTTP/1.1,
// one request per connection at a time, as LLMeter's clients do. A
// connection is reused only after its response body has been read to the
// end: after [DONE], Invoke reads on until the server ends the response,
// for at most 250ms, and otherwise gives up the connection (not the
// request). Error responses are read to their end for the same reason, up
// to MaxErrorBody bytes.
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
package openai
