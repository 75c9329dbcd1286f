// Package sagemaker is an [endpoints.Endpoint] for models hosted on Amazon
// SageMaker real-time endpoints, called through the SageMaker Runtime API
// with aws-sdk-go-v2 (service/sagemakerruntime): InvokeEndpoint and
// InvokeEndpointWithResponseStream.
//
//	ep, err := sagemaker.New(ctx, sagemaker.Config{
//		Region:       "us-east-1",
//		EndpointName: "llama-3-8b-instruct",
//		API:          sagemaker.InvokeEndpointWithResponseStream,
//	})
//
// The AWS SDK stays inside this package (and package bedrock): the engine
// and the other endpoints do not import it.
//
// # Styles
//
// SageMaker passes the request body to the model server in the container
// as it is, and its answer back; the body's format is the server's.
// [Config].Style names it, and [Auto] (the default) picks it for each
// payload: [OpenAI] for a payload with "messages", else [TGI] for a
// payload with "inputs"; a payload with neither is an error.
//
// [TGI] is Hugging Face Text Generation Inference, as the Hugging Face LLM
// containers (and the LMI containers' default handler) serve it:
//
//	{"inputs": "What is Deep Learning?", "parameters": {"max_new_tokens": 64, "details": true}}
//
// answered with [{"generated_text": "..."}] (or the bare object) and,
// streamed, with lines such as
//
//	data:{"token":{"id":2,"text":" Deep","logprob":-0.2,"special":false},"generated_text":null,"details":null}
//	data:{"token":{"id":1,"text":"</s>","special":true},"generated_text":"Deep learning is ...","details":{"finish_reason":"eos_token","generated_tokens":12,"input_length":7}}
//
// [OpenAI] is the Chat Completions format, as the LMI (vLLM) containers
// serve it:
//
//	{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 64}
//
// answered with a chat.completion object and, streamed, with
// "data: {chat.completion.chunk}" lines ending with "data: [DONE]".
//
// [Endpoint.Prepare] checks the fields the style needs and names the one
// at fault ("messages[1].role", "parameters.max_new_tokens"); other fields
// are sent as they are. [TGIPayload] and [ChatPayload] build simple
// payloads. Config.ContentType (default [DefaultContentType]) is the
// request's content type, Config.Accept the one asked of the response;
// Config.InferenceComponentName, TargetVariant and CustomAttributes go to
// their X-Amzn-SageMaker-* headers.
//
// # Streaming
//
// A payload chooses the operation with a boolean "stream": true selects
// InvokeEndpointWithResponseStream, false InvokeEndpoint. A payload
// without "stream" uses [Config].API (default [InvokeEndpoint]), and
// Prepare adds "stream" to the body it sends so that the model server
// streams exactly when the operation expects it to; for an OpenAI payload
// that streams without "stream_options", it also adds "stream_options":
// {"include_usage": true}, so that the server reports token counts in its
// last chunk. The caller's payload is never modified.
//
// A stream's body arrives in PayloadPart events whose bytes are split
// wherever the container flushed: a line may span parts, even in the
// middle of a UTF-8 sequence, and one part may hold several lines. Invoke
// reassembles the lines and decodes each as it completes — when its line
// end arrives, or as soon as its JSON value closes at the end of a part,
// so that text is timed when it arrived even if the line end comes later.
// A "data:" line (with or without a space after the colon) or a bare JSON
// line is read; blank lines, comments (":") and the other SSE fields
// ("event:", "id:", "retry:") are skipped; any other line fails the
// request, as does a line longer than MaxLine bytes. From each line, the text at Config.StreamTextPath goes to
// [endpoints.Recorder.TextBytes] (except, for TGI, the text of a token
// marked "special", such as "</s>"), the reasoning at StreamReasoningPath
// to [endpoints.Recorder.Reasoning], and counts to
// [endpoints.Recorder.Usage]. A line without text may be an error object
// (see Errors). Decoding a part allocates nothing once the buffer for
// lines split across parts has grown: lines are read in place with
// JSON paths, and text is unescaped into a reused buffer (a reasoning
// delta costs one string, as Recorder.Reasoning takes a string).
// BenchmarkDecode measures it.
//
// A stream is complete once a "data: [DONE]" line, or a line in which
// StreamEndPath leads to a value other than null, has arrived: TGI's last
// line, with its "generated_text" ([DefaultTGIStreamEndPath]); OpenAI's
// [DONE]. A stream that ends before is an error wrapping
// [endpoints.ErrIncompleteStream] (the SDK reads a stream cut in the
// middle of a frame as its end; the missing marker is how Invoke tells).
// Set Config.IgnoreStreamEnd for a server that sends no end marker.
//
// InvokeEndpoint's body must hold the text at Config.TextPath (a null
// text is empty), which goes to [endpoints.Recorder.Complete], after the
// reasoning at ReasoningPath to Recorder.Reasoning.
//
// # Paths
//
// A path is a dot-separated list of keys and [index] steps, from the root
// of the body or line, such as "choices[0].delta.content" or
// "[0].generated_text"; a key holding a dot is written ["a.b"];
// alternatives are separated by "|" and the first one found is used. Each
// path has a default per style (the DefaultTGI* and DefaultOpenAI*
// constants); a path set in [Config] replaces the default of every style.
// TGI has no default reasoning path, and OpenAI no default end path. A
// value of the wrong type at a path (a number where text is expected) or
// a line that is not JSON fails the request with an error naming the path
// and the line.
//
// # Usage
//
// Token counts are read at InputTokensPath and OutputTokensPath
// (StreamInputTokensPath and StreamOutputTokensPath in streams). For
// OpenAI they are usage.prompt_tokens and usage.completion_tokens; for
// TGI, details.generated_tokens, and details.input_length in a stream or
// the length of details.prefill (filled when the payload asks for
// "decoder_input_details") in a body. A count path may lead to a whole
// number or to an array, whose length is the count. When a response
// holds no count, Invoke reports none and the engine counts with its
// tokenizer.
//
// The AWS request ID (x-amzn-RequestId) of each response goes to
// [endpoints.Recorder.ID].
//
// # Retries
//
// By default nothing is retried ([DefaultMaxAttempts] is 1): a load test
// should see throttling and server errors as they are, not hide them
// behind the SDK's backoff. [Config].MaxAttempts above 1 turns on the
// SDK's standard retryer (throttling, 5xx and transient network errors,
// with exponential backoff and jitter up to Config.MaxBackoff) without its
// client-side retry quota. A stream is retried only before its first
// event. The number of retries of each request is read from the SDK's
// attempt results and reported to [endpoints.Recorder.Retries], for failed
// requests too.
//
// # Credentials
//
// Requests are signed with SigV4 for the "sagemaker" service.
// [Config].Credentials, when set, signs them; nil takes the SDK's default
// chain (environment, shared config and credentials files, SSO, web
// identity, container and EC2 instance roles) through
// config.LoadDefaultConfig, which also supplies the region, or the
// credentials of Config.AWSConfig. No credential is ever read from flags
// or written anywhere: Info holds the endpoint or inference component
// name, the API and Config.BaseEndpoint only (without its query), and
// error texts have the secret access key, the session token and the query
// values of Config.BaseEndpoint replaced by "[REDACTED]", in any ASCII
// case, wherever a service or a model server echoes them. The session
// tokens of credentials the endpoint cannot read ahead (shared files, SSO,
// assumed roles) are learned as each request is signed. [Endpoint.Redact]
// does the same to any text: the engine passes every response text
// through it before it is recorded.
//
// # Connections
//
// [Endpoint.Close] releases the idle connections of the HTTP client the
// endpoint built; a client given in Config.HTTPClient or Config.AWSConfig
// belongs to its owner, who closes it. The engine never closes an
// endpoint: the test or the command that made it does, once its runs are
// over.
//
// # Errors
//
// Every failure is the request's result, never a panic:
//
//   - An error status (400 ValidationError, 429 ThrottlingException, 500
//     InternalFailure, 503 ServiceUnavailable, ...) is an
//     [*endpoints.StatusError] with the status code, "<ErrorCode>:
//     <message>" (truncated to endpoints.MaxErrorMessage bytes) and the
//     delay of a Retry-After header. After retries, it is the last
//     attempt's.
//   - SageMaker's ModelError (HTTP 424: the model server answered with an
//     error status) is a [*ModelError] with the model's status code and
//     message, which unwraps to the *endpoints.StatusError (424, "ModelError:
//     model status 400: <the model's message>").
//   - An exception event in a stream (ModelStreamError with its code, such
//     as ModelInvocationTimeExceeded, or InternalStreamFailure), and an
//     error object that the model server writes into its stream (TGI's
//     {"error": ..., "error_type": ...}, OpenAI's {"error": {...}}, vLLM's
//     {"object": "error", ...}), is a [*StreamError].
//   - A stream that ends before its end marker, ends inside a line,
//     breaks or holds a corrupt frame is an error wrapping
//     [endpoints.ErrIncompleteStream].
//   - A body or line whose JSON does not fit the paths is an error naming
//     the path and the step that failed. One that is not JSON, wherever
//     the fault and whatever its first letter, is "invalid JSON at offset
//     <n>: ..." (wrapping jsonscan's ErrSyntax): each is read whole, once.
//   - Once the context is done, Invoke returns promptly with an error
//     wrapping ctx.Err(), whatever the stream was doing.
package sagemaker
