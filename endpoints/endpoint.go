package endpoints

import "context"

// Endpoint is a service that llmtest sends load to.
//
// The engine calls Prepare once per payload before any load is sent and
// outside all timing, then calls Invoke concurrently from many goroutines:
// Invoke must be safe for concurrent use. Info may be called at any time.
type Endpoint interface {
	// Prepare validates one payload and turns it into a ready-to-send
	// request. An invalid payload is an error that names the offending
	// field. Prepare must not keep or modify p.
	Prepare(p Payload) (*Request, error)

	// Invoke sends one request and reports what arrives to rec, in order of
	// arrival. It returns nil when the response completed, or an error
	// describing why the request failed. It must return promptly once ctx
	// is done, and must not retain rec after it returns.
	Invoke(ctx context.Context, req *Request, rec Recorder) error

	// Info names the endpoint. It never contains an API key, a token or any
	// other secret.
	Info() Info
}

// Redactor is implemented by an endpoint that holds secrets: an API key,
// credentials in its base URL, header values marked secret, AWS
// credentials and session tokens. The engine passes the text it keeps of
// every response (its visible text and its error) through Redact before
// the record reaches a callback, a file, a report or a log, so that a
// server that echoes a credential cannot leak it. An endpoint still
// redacts the errors it builds from what a server sent, since they reach
// callers of Invoke outside the engine too.
type Redactor interface {
	// Redact returns s with every secret the endpoint holds replaced by
	// "[REDACTED]", matched without regard to ASCII case. It returns s
	// unchanged when it holds none. It is safe for concurrent use.
	Redact(s string) string
}

// An endpoint that holds resources beyond a request, such as idle
// keep-alive connections, also implements io.Closer: Close releases them,
// is safe to call more than once, and must not be called while a run uses
// the endpoint. The engine never closes an endpoint; its owner does.

// Info names an endpoint in results and reports. It never holds a secret.
type Info struct {
	// Provider is the kind of service, such as "openai", "anthropic",
	// "bedrock", "sagemaker" or "sim".
	Provider string `json:"provider"`
	// Model is the model identifier sent to the service.
	Model string `json:"model_id"`
	// Name is the endpoint's name: a SageMaker endpoint name, an API route
	// such as "chat/completions", or a user-chosen label.
	Name string `json:"endpoint_name"`
	// URL is the base URL requests go to, without credentials or query
	// parameters that could hold them. Empty for in-process endpoints.
	URL string `json:"url,omitempty"`
}

// Request is a payload prepared for sending. Prepare builds it once; Invoke
// may be called with the same Request many times, concurrently, and must
// treat it as read-only.
type Request struct {
	// Payload is the payload the request was prepared from.
	Payload Payload
	// Prompt is the input text, used to count input tokens with the run's
	// tokenizer when the server reports no usage. It is recorded as the
	// invocation's input_prompt.
	Prompt string
	// Body is the encoded request body, for endpoints that send one.
	Body []byte
	// Stream reports whether the response arrives as a stream of deltas.
	Stream bool
	// Data holds the endpoint's own prepared form of the request, such as an
	// SDK input value. The engine never looks at it.
	Data any
}
