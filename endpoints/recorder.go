package endpoints

// Recorder receives what a response delivers, as it arrives. The engine
// implements it and takes every timestamp; see the package documentation for
// exactly when each one is taken.
//
// A Recorder belongs to one Invoke call: it is not safe for concurrent use,
// and the endpoint must not use it after Invoke returns. Its methods do not
// block and do not allocate on the per-chunk path.
type Recorder interface {
	// Text reports a piece of visible output text as it arrives. A call
	// with an empty delta is ignored.
	Text(delta string)
	// TextBytes is Text for a delta held in a byte slice, for endpoints
	// that decode chunks into a reused buffer. The Recorder copies what it
	// keeps, so the caller may reuse delta once TextBytes returns.
	TextBytes(delta []byte)
	// Reasoning reports a piece of reasoning ("thinking") output. It is
	// kept apart from the visible text and is never a visible token.
	Reasoning(delta string)
	// Complete reports the whole text of a non-streaming response, once its
	// body has been read completely.
	Complete(text string)
	// Usage reports the token counts the server sent. A zero field means
	// the server did not report it; the engine then counts with its
	// tokenizer. Later calls overwrite the non-zero fields of earlier ones.
	Usage(u Usage)
	// ID reports the server's identifier for the response.
	ID(id string)
	// Retries reports how many times the transport retried the request
	// before the response that was recorded.
	Retries(n int)
	// Resend reports that the endpoint is about to send the request again
	// because its attempt failed before any byte of a response arrived, on
	// a kept-alive connection that the server had closed: the request
	// never reached the model. The Recorder forgets what it recorded of
	// the attempt, counts one retry, and restarts its clock, so the
	// request is timed from the send that produced its response. An
	// endpoint resends at most once per Invoke, on a fresh connection.
	Resend()
}

// Usage holds server-reported token counts. A zero field means "not
// reported".
type Usage struct {
	// InputTokens is the number of prompt tokens, cached ones included.
	InputTokens int
	// OutputTokens is the number of generated tokens, reasoning included
	// when the server counts it there.
	OutputTokens int
	// CachedInputTokens is the number of prompt tokens served from a cache.
	CachedInputTokens int
	// ReasoningTokens is the number of generated reasoning tokens.
	ReasoningTokens int
}
