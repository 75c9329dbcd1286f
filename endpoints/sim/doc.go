// Package sim is a simulated LLM inference server: a seeded model of
// latency, capacity and faults that behaves, seen from a load generator,
// like a real one, without a GPU or a network.
//
// The [Model] holds the simulation and knows nothing of any transport: it
// plans a request ([Model.Plan]), produces its text ([Model.Text]) and paces
// its chunks ([Model.Generate]) through a callback. [Endpoint] serves a
// Model in process as an [endpoints.Endpoint], the default target of
// llmtest's examples and tests; an HTTP server can serve the same Model,
// answering [ErrOverloaded] with 429 and consulting [Model.InFlight] and
// [Model.Queued].
//
//	ep, err := sim.New(sim.Config{
//		Seed:              1,
//		FirstTokenLatency: 200 * time.Millisecond,
//		InterTokenLatency: 20 * time.Millisecond,
//		Capacity:          8,
//	})
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
//     where c is a string, null, or a list of {"type": "text", "text":
//     string} parts (other part types are rejected);
//   - completions: "prompt", a string or a non-empty list of strings.
//
// Exactly one of the two must be present. The prompt is the text of all
// messages (or prompt strings) joined with "\n", and its input token count
// is its number of whitespace-separated words. "max_completion_tokens" or
// "max_tokens" (the former wins when both are given), a positive whole
// number, fixes the output length; without either, the length is drawn from
// [Config.MinOutputTokens, Config.MaxOutputTokens]. "stream", a boolean,
// defaults to true for this in-process endpoint (OpenAI's API defaults to
// false), because time to first token is what a load test measures. Other
// fields, "model" included, are ignored. Null counts as absent.
package sim
