// Package sim is a simulated LLM inference server: a seeded model of
// latency, capacity and faults that behaves, seen from a load generator,
// like a real one, without a GPU or a network.
//
// The [Model] holds the simulation and knows nothing of any transport: it
// plans a request ([Model.Plan]), produces its text ([Model.Text]) and paces
// its chunks ([Model.Generate]) through a callback. Two transports serve a
// Model: [Endpoint] in process, as an [endpoints.Endpoint], the default
// target of llmtest's examples and tests; and [Server] over real HTTP on a
// loopback address, speaking OpenAI's Chat Completions, Completions and
// Responses APIs and Anthropic's Messages API, for load generators, SDKs
// and the `llmtest sim` command.
//
//	ep, err := sim.New(sim.Config{
//		Seed:              1,
//		FirstTokenLatency: 200 * time.Millisecond,
//		InterTokenLatency: 20 * time.Millisecond,
//		Capacity:          8,
//	})
//
//	srv := sim.Start(t, sim.ServerConfig{Config: cfg, APIKey: "sk-test"}) // closed by t.Cleanup
//	// point an OpenAI client at srv.URL + "/v1/"
//
// Outside a test, [NewServer] and [Listen] start one, and [Server.Close]
// stops it.
//
// # The latency model
//
// All due times are offsets from the moment [Model.Generate] admits the
// request, which is at once unless it must queue for capacity (see below).
// Token 0, the first, is due after
//
//	TTFT = (FirstTokenLatency + PrefillPerToken × InputTokens) × j₀
//
// and token i after token i−1 by InterTokenLatency × jᵢ, where each jitter
// factor j is drawn uniformly from [1−Jitter, 1+Jitter) (exactly 1 when
// Jitter is 0). Every due time is an offset from admission, so sleeping
// never accumulates drift; a late wake-up delays one chunk, not the rest.
// Tokens are streamed TokensPerChunk at a time, a chunk being emitted when
// its last token is due, so a response of n tokens ends at TTFT plus n−1
// gaps whatever the chunk size. A non-streaming response (a nil emit
// callback) is delivered at that end time.
//
// The zero Config has every latency zero: the model then answers at once,
// never sleeps and never reads the clock, which is what unit tests of the
// engine want. Set the latencies to model a real server; for example a 7B
// model on one GPU might be FirstTokenLatency 150ms, PrefillPerToken 0.2ms,
// InterTokenLatency 15ms.
//
// # Capacity and queueing
//
// Config.Capacity bounds the requests generating at once, as a server's
// batch size does. A request that finds it full waits in a FIFO queue and is
// admitted when a slot frees; its whole timeline starts at admission, so the
// caller sees a time to first token of queue wait plus TTFT. Under overload
// latency grows with the load, as on a real server, and a
// closed-loop load generator sees its throughput flatten at
// Capacity / (response time). Config.MaxQueue bounds the queue: a request
// that finds it full fails at once with [ErrOverloaded]. A request whose
// context ends while it waits leaves the queue; one whose context ends while
// it generates stops and frees its slot. Zero means unlimited for both.
//
// # Faults
//
// Each request draws one uniform number u ∈ [0, 1) and gets a [Fault]:
//
//   - u < ErrorRate: [FaultError]. No token is emitted; Generate returns an
//     [*InjectedError] when the first token would have been due.
//   - next MidStreamFailureRate: [FaultMidStream]. Plan.FaultAt tokens, some
//     but not all, are emitted, then the InjectedError arrives when token
//     FaultAt would have been due. A one-token response cannot fail
//     mid-stream and gets FaultError instead.
//   - next StallRate: [FaultStall]. The stream pauses once, for
//     StallDuration, before token FaultAt, then completes normally. A stall
//     is an added delay, so a request deadline shorter than it fails the
//     request with context.DeadlineExceeded, as a hung server would.
//   - otherwise [FaultNone].
//
// Capacity is held for the whole request, failures and stalls included.
//
// # Determinism
//
// A model is deterministic for a seed apart from timing. Every request gets
// an arrival sequence number, Plan.Seq, counting [Model.Plan] calls from 1,
// and all of its random choices (output length, fault, fault position, text,
// jitter) come from PCG streams seeded with (Config.Seed, Seq) alone. So for
// a given Config the N-th request always has the same plan and the same
// text, and the number of faults among the first N requests is the same on
// every run, whatever the concurrency: which goroutine's request is the N-th
// may vary, the N-th plan does not. Only the actual sleep times vary.
//
// Text is made of words from a fixed vocabulary of 256 plain English words:
// the first token is a bare word and each later one a word with a leading
// space, so the whitespace tokenizer counts exactly Plan.OutputTokens tokens
// in a completed text. Emitting a one-token chunk allocates nothing (the
// spaced words are precomputed); with larger chunks, Generate builds the
// text once per request and emits slices of it.
//
// # Payload shapes
//
// [Endpoint.Prepare] accepts OpenAI-style payloads, decoded from JSON:
//
//   - chat: "messages", a non-empty list of {"role": string, "content": c}
//     where c is a string, null, or a list of content parts: {"type":
//     "text", "text": string} and the image, audio and file parts of
//     Chat Completions (see Media below); other part types are rejected;
//   - completions: "prompt", a string or a non-empty list of strings.
//
// Exactly one of the two must be present. The prompt is the text of all
// messages (or prompt strings) joined with "\n", a message's text parts
// joined with "\n" too, and its input token count is its number of
// whitespace-separated words plus [MediaTokens] per media part.
// "max_completion_tokens" or
// "max_tokens" (the former wins when both are given), a positive whole
// number, fixes the output length; without either, the length is drawn from
// [Config.MinOutputTokens, Config.MaxOutputTokens]. "stream", a boolean,
// defaults to true for this in-process endpoint (OpenAI's API, and the HTTP
// server, default to false), because time to first token is what a load
// test measures. Other fields, "model" included, are ignored. Null counts
// as absent.
//
// # Media
//
// Images, audio and files are accepted as each API sends them, so that
// multimodal payloads can be load-tested offline; their bytes are never
// fetched or decoded. Each media part counts as [MediaTokens] input
// tokens, whatever its size or detail, on top of the words of the text
// (so PrefillPerToken applies to it), and must say where its bytes are:
//
//   - Chat Completions: {"type": "image_url", "image_url": {"url": u}}
//     with u an http(s) or data: URL; {"type": "input_audio",
//     "input_audio": {"data": base64, "format": f}}; {"type": "file",
//     "file": {"file_data": data or "file_id": id}}.
//   - Responses: {"type": "input_image", "image_url": u or "file_id":
//     id}; {"type": "input_file", "file_data": data, "file_id": id or
//     "file_url": u}.
//   - Anthropic Messages: {"type": "image" or "document", "source":
//     {"type": "base64", "media_type": m, "data": base64} or {"type":
//     "url", "url": u}}. A document may also be {"type": "text",
//     "media_type": "text/plain", "data": text}, which counts as text.
//
// A media part missing those fields is a 400 naming the field.
//
// # The HTTP server
//
// [NewServer] starts a [Server] on 127.0.0.1 at a free port, as
// httptest.NewServer does; [Listen] takes a loopback address of one's own
// choosing (for `llmtest sim --addr`) and refuses any other. Server.URL is
// the base URL without "/v1". [NewHandler] gives the same routes as an
// http.Handler over a Model of one's own. Routes, as OpenAI, vLLM and
// SGLang serve them, and as Anthropic does:
//
//   - POST /v1/chat/completions: the chat payloads above; "messages" is
//     required and "prompt" refused.
//   - POST /v1/completions: the completions payloads above; "prompt" is
//     required and "messages" refused.
//   - POST /v1/responses: OpenAI's Responses API. "input" is required: a
//     non-empty string, or a non-empty list of message items (type
//     "message" or none, a non-empty string "role", content a string or a
//     list of "input_text", "output_text", "input_image" and "input_file"
//     parts; other item and part types are refused). "instructions", a
//     string, is part of the prompt; "max_output_tokens" is a positive
//     whole number; "reasoning" is an
//     object whose "summary" (or "generate_summary") of "auto", "concise"
//     or "detailed" asks for a reasoning summary, unless its "effort" is
//     "none". "messages" and "prompt" are refused, naming their routes.
//   - GET /v1/models: {"object": "list", "data": [the one model]}.
//   - POST /v1/messages: Anthropic's Messages API. "messages" (roles "user"
//     and "assistant", content a string or a list of text, image and
//     document blocks), optional "system" (a string or text blocks) and a
//     positive "max_tokens" are required; "thinking" is {"type": "enabled",
//     "budget_tokens": n} with 0 < n < max_tokens (Anthropic's minimum of
//     1024 is not enforced) or {"type": "disabled"}. The anthropic-version
//     header is accepted and not required.
//   - GET /health: 200 with an empty body, as vLLM answers.
//   - GET /metrics: vLLM's Prometheus metrics; see Health and metrics.
//
// On the OpenAI routes "stream" is false when absent, as in OpenAI's API,
// and on the chat and completions routes "stream_options":
// {"include_usage": bool} is allowed only with "stream": true. On every
// route a missing "stream" means one JSON body.
// Other paths get 404 and other methods 405 (with Allow), with OpenAI's
// error body ({"error": {"message", "type", "param", "code"}}) except on
// /v1/messages, which answers with Anthropic's ({"type": "error", "error":
// {"type", "message"}}). A body that is not a JSON object, or a payload
// field of the wrong shape, gets 400 and a message naming the field; a body
// over 32 MiB gets 413. With ServerConfig.APIKey set, a request without
// the key (Authorization: Bearer on the OpenAI routes, x-api-key on
// /v1/messages), or with another, gets 401; no response ever holds a key.
// /health and /metrics need no key, as on vLLM, whose key guards /v1 only.
//
// # Responses on the wire
//
// Every request draws the model's next [Plan]. On the chat and completions
// routes the response id is Plan.ID, the same in every chunk, "created" is
// the Unix second the request arrived and "model" the configured model name.
// A chat stream is a role-only chunk (delta {"role": "assistant", "content":
// ""}), one chunk per model chunk with delta.content, a chunk with an empty
// delta and finish_reason, then, with include_usage, a chunk with "choices":
// [] and usage {prompt_tokens, completion_tokens, total_tokens} (every other
// chunk then has "usage": null, as OpenAI sends), then "data: [DONE]". A
// completions stream is the same with choices[0].text, object
// "text_completion" and no role chunk. finish_reason is "length" when the
// payload's max tokens fixed the length, else "stop". Non-streaming requests
// get the whole chat.completion or text_completion with usage. Every event
// of these two routes is exactly "data: <json>\n\n".
//
// /v1/responses treats max_output_tokens as the chat routes treat max
// tokens: it fixes the length, and the response then ends "incomplete"
// with incomplete_details {"reason": "max_output_tokens"} (the counterpart
// of finish_reason "length"); without it the length is drawn and the
// response is "completed". The response id is "resp_sim_<Seq>", the
// message item's "msg_sim_<Seq>", the reasoning item's "rs_sim_<Seq>", and
// created_at the Unix second the request arrived. A response object has
// id, object "response", created_at, status, error (null),
// incomplete_details, max_output_tokens, model, output and usage
// {input_tokens, input_tokens_details.cached_tokens (0), output_tokens,
// output_tokens_details.reasoning_tokens, total_tokens}. A stream is a
// series of "event: <type>\ndata: <json>\n\n" events whose data's type
// is the event's and whose sequence_number counts from 0:
// response.created and response.in_progress (the response in_progress,
// its output empty and its usage null), output_item.added and
// content_part.added for the message, one response.output_text.delta per
// model chunk, output_text.done, content_part.done and output_item.done
// with the whole text, then response.completed or response.incomplete
// with the whole response. There is no [DONE]. With a reasoning summary
// asked for, the first min([ThinkingTokens], output tokens − 1) tokens
// form a reasoning item at output index 0 (output_item.added,
// reasoning_summary_part.added, reasoning_summary_text.delta per chunk,
// reasoning_summary_text.done, reasoning_summary_part.done,
// output_item.done) and the message, at index 1, holds the rest without
// its leading space; a chunk that straddles the two is split. Reasoning
// tokens are output tokens: usage output_tokens is Plan.OutputTokens and
// reasoning_tokens the summary's. The non-streaming response is the final
// response object of the stream.
//
// /v1/messages treats max_tokens as Anthropic does, as a limit: the length
// is drawn as without max tokens, then capped ([Model.PlanCapped]), and
// stop_reason is "max_tokens" when the cap was reached, else "end_turn".
// The message id is "msg_sim_<Seq>". A stream is message_start (usage
// input_tokens, and output_tokens 1), content_block_start, a ping, one
// content_block_delta (text_delta) per model chunk, content_block_stop,
// message_delta (stop_reason, usage.output_tokens), message_stop, each
// event as "event: <type>\ndata: <json>\n\n". With thinking enabled the
// first min([ThinkingTokens], budget_tokens, output tokens − 1) tokens of
// the model's output form a thinking block at index 0 (thinking_delta
// events, then a signature_delta) and the rest the text block at index 1,
// without its leading space; a chunk that straddles the two is split.
// Thinking tokens are output tokens, as Anthropic bills them: usage
// output_tokens is Plan.OutputTokens, thinking included, and they are
// paced like any other token, so the visible text starts later than the
// first output. The non-streaming message holds the same blocks.
//
// # Faults over HTTP
//
// Nothing, not even the status line, is written before the first token is
// due, so that a request can still fail with its own status:
//
//   - [ErrOverloaded] (Config.MaxQueue requests already queued) is 429 with
//     Retry-After (ServerConfig.RetryAfter in whole seconds, rounded up),
//     retry-after-ms, and a rate_limit_error body.
//   - [FaultError] is 500 with a server_error (OpenAI) or api_error
//     (Anthropic) body, sent when the first token would have been due.
//   - [FaultMidStream] cuts the connection after the tokens already due:
//     the client reads them, then an unexpected EOF, without [DONE],
//     response.completed or message_stop. A non-streaming request is cut
//     before any response.
//   - [FaultStall] pauses the stream: the tokens before the stall are
//     flushed, then nothing arrives for Config.StallDuration.
//
// A client that disconnects, or whose request is cancelled, stops its
// generation at once and frees its capacity, queued or generating.
// [Server.Close] cancels every request in flight the same way and returns
// once every goroutine of the server has ended. A connection is cut by
// panicking with http.ErrAbortHandler, which net/http recovers without
// logging.
//
// # Health and metrics
//
// GET /health answers 200 while the server serves, so health checks and
// readiness probes written for vLLM work against it. GET /metrics serves,
// through the Prometheus Go client (github.com/prometheus/client_golang),
// the Prometheus text format 0.0.4 (OpenMetrics to a scraper that asks for
// it) with vLLM's v1 metric names, types, help texts and histogram
// buckets, each sample labelled
// model_name=<the model name> and engine="0", so scrapers and dashboards
// written for vLLM read it:
//
//   - vllm:num_requests_running (gauge): [Model.InFlight], the requests
//     holding capacity, and vllm:num_requests_waiting (gauge):
//     [Model.Queued], the ones queued for it.
//   - vllm:prompt_tokens_total (counter): the input tokens of every
//     request that reached its first token (its prefill done), counted
//     then.
//   - vllm:generation_tokens_total (counter): the output tokens sent, at
//     the end of each request: all of a completed response, those
//     streamed before a stream was cut, none of a non-streaming response
//     that failed.
//   - vllm:request_success_total (counter, label finished_reason): every
//     request that reached the model, once, when it ends: "stop" or
//     "length" for a completed one (finish_reason "length",
//     status "incomplete" or stop_reason "max_tokens" give "length"),
//     "error" for an injected fault (FaultError or FaultMidStream),
//     "abort" for one cancelled by its client or by [Server.Close]. Every
//     reason is exposed from the start, at 0. A request refused with 429
//     at a full queue, or with 400 or 401, never reached the model and
//     counts nowhere.
//   - vllm:time_to_first_token_seconds (histogram): from the request's
//     arrival at the model (its body parsed) to the moment its first chunk
//     was due, streaming or not (a non-streaming request is timed at the
//     moment its first chunk would have been sent).
//   - vllm:e2e_request_latency_seconds (histogram): from arrival to the
//     end, for every request vllm:request_success_total counts.
//
// The gauges are the model's, shared by every handler and endpoint that
// serves it; the counters and histograms are the handler's own, and count
// only the requests it served over HTTP. Recording costs a few atomic
// additions and three reads of the clock per request, nothing per chunk.
//
// # Flushing and cost
//
// Each request encodes its events into a reused buffer, and writes it out
// only when the model is about to sleep ([Hooks.BeforeSleep]) and at the
// end. A response whose model never sleeps (zero latencies) leaves in one
// write with a Content-Length, and the client still sees every event; a
// timed one leaves chunk by chunk, each flushed at its due time. The
// constant start and end of a chunk event are computed once per request,
// so a chunk costs an escape and three appends (and, on /v1/responses,
// its sequence number), and allocates nothing.
// This matters because the server is the peer of load-generation
// benchmarks on the same machine: BenchmarkServerStream measures a
// 64-token stream through a real loopback connection.
package sim
