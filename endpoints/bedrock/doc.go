// Package bedrock is an [endpoints.Endpoint] for models on Amazon Bedrock,
// called through the Bedrock Runtime API with aws-sdk-go-v2
// (service/bedrockruntime): Converse, ConverseStream, InvokeModel and
// InvokeModelWithResponseStream.
//
//	ep, err := bedrock.New(ctx, bedrock.Config{
//		Region:  "us-east-1",
//		ModelID: "us.amazon.nova-lite-v1:0",
//		API:     bedrock.ConverseStream,
//	})
//
// The AWS SDK stays inside this package (and package sagemaker): the engine
// and the other endpoints do not import it.
//
// # APIs
//
// [Config].API selects the operation; the payload's shape follows it.
//
// For [Converse] (the default) and [ConverseStream], a payload is a
// Converse request in JSON, as the Converse API reference writes it, less
// the model ID, which comes from Config.ModelID:
//
//	{
//	  "system": [{"text": "You are brief."}],
//	  "messages": [
//	    {"role": "user", "content": [
//	      {"image": {"format": "png", "source": {"bytes": "<base64>"}}},
//	      {"text": "What is in this picture?"}
//	    ]}
//	  ],
//	  "inferenceConfig": {"maxTokens": 256, "temperature": 0.5, "topP": 0.9, "stopSequences": ["END"]},
//	  "additionalModelRequestFields": {"top_k": 50},
//	  "stream": true
//	}
//
// Content blocks are {"text"}, {"image"} (png, jpeg, gif, webp),
// {"document"} (pdf, csv, doc, docx, xls, xlsx, html, txt, md; with a
// "name"), both with "source": {"bytes": base64}, and {"cachePoint":
// {"type": "default"}}. A message's "content" may also be a plain string,
// and "system" a string. "additionalModelResponseFieldPaths",
// "performanceConfig" {"latency"} and "serviceTier" {"type"} are passed on
// too. [Endpoint.Prepare] validates the payload and builds the SDK's input
// value once, so that Invoke sends it without further work; an error names
// the field at fault ("messages[0].content[1].image.format"), and unknown
// fields are errors, not silently dropped. [ConversePayload] builds a
// payload from text, images and documents.
//
// For [InvokeModel] and [InvokeModelWithResponseStream], a payload is the
// model's own request body, sent as it is with content type
// application/json. The generated text and the token counts are read from
// the response with JSON paths (package documentation of the paths below).
//
// # Streaming
//
// Within each pair, a payload chooses the operation with a boolean
// "stream": true selects ConverseStream or InvokeModelWithResponseStream,
// false selects Converse or InvokeModel. A payload without "stream" uses
// Config.API. "stream" is never sent: the Converse API has no such field,
// and models that check their InvokeModel body's keys (Anthropic's
// Messages format on Bedrock) refuse it. Info names Config.API.
//
// ConverseStream's events are reported as they arrive: the text of each
// contentBlockDelta to [endpoints.Recorder.Text], its reasoningContent
// text to [endpoints.Recorder.Reasoning]; the metadata event's usage to
// [endpoints.Recorder.Usage]. A stream is complete once its messageStop
// event has arrived; one that ends before is an error wrapping
// [endpoints.ErrIncompleteStream]. (The SDK reads a stream cut in the
// middle of a frame as its end; the missing messageStop is how Invoke
// tells.) Converse's output message has its text blocks joined and
// reported to [endpoints.Recorder.Complete], after its reasoning text to
// Recorder.Reasoning.
//
// For InvokeModelWithResponseStream, each chunk's bytes are the model's
// own JSON: its text at Config.StreamTextPath (default
// [DefaultStreamTextPath], "choices[0].delta.content") goes to
// [endpoints.Recorder.TextBytes], without a copy when it has no escapes;
// its reasoning at StreamReasoningPath to Recorder.Reasoning. A chunk
// where a path leads nowhere (a usage chunk has no text) is not an error;
// a value of the wrong type is. The stream is complete once a chunk holds
// Config.StreamEndPath (default [DefaultStreamEndPath], the
// "amazon-bedrock-invocationMetrics" object Bedrock adds to the last chunk
// of every model); set IgnoreStreamEnd for a model without one. For
// InvokeModel, the text at TextPath (default [DefaultTextPath],
// "choices[0].message.content") must be there (null counts as empty).
//
// A path is a dot-separated list of keys and [index] steps, from the
// root of the body, such as "choices[0].message.content", "generation",
// "outputs[0].text", "[0].generated_text" or "content[0].text"; a key
// holding a dot is written ["a.b"]; alternatives are separated by "|" and
// the first one found is used. The defaults fit OpenAI-shaped bodies (such
// as OpenAI's open-weight models on Bedrock); for other models set the
// paths, for example for Anthropic's Messages body TextPath
// "content[0].text" and StreamTextPath "delta.text"; for Meta Llama
// "generation"; for Mistral "outputs[0].text".
//
// # Usage
//
// Converse and ConverseStream report Bedrock's TokenUsage: InputTokens is
// inputTokens plus cacheReadInputTokens plus cacheWriteInputTokens, since
// Bedrock counts the cached prompt tokens apart from inputTokens while
// [endpoints.Usage] counts every prompt token; CachedInputTokens is
// cacheReadInputTokens; OutputTokens is outputTokens.
//
// InvokeModel reads the counts at InputTokensPath and OutputTokensPath
// (defaults "usage.prompt_tokens" and "usage.completion_tokens"), and,
// for a count not found there, the X-Amzn-Bedrock-Input-Token-Count and
// X-Amzn-Bedrock-Output-Token-Count response headers. The stream's
// defaults also fall back on the invocation metrics of the last chunk
// ("usage.prompt_tokens|amazon-bedrock-invocationMetrics.inputTokenCount").
// A count path may also lead to an array, whose length is the count. When
// no count is found, Invoke reports none and the engine counts with its
// tokenizer.
//
// The AWS request ID (x-amzn-RequestId) of each response goes to
// [endpoints.Recorder.ID].
//
// # Retries
//
// By default nothing is retried ([DefaultMaxAttempts] is 1): a load test
// should see throttling and server errors as they are, not hide them
// behind the SDK's backoff. [Config].MaxAttempts above 1 turns on the SDK's
// standard retryer (throttling, 5xx and transient network errors, with
// exponential backoff and jitter up to Config.MaxBackoff) without its
// client-side retry quota. A stream is retried only before its first
// event. The number of retries of each request is read from the SDK's
// attempt results (retry.GetAttemptResults) and reported to
// [endpoints.Recorder.Retries], for failed requests too; the request's
// timings then include the retries and their backoff.
//
// # Credentials
//
// Requests are signed with SigV4. [Config].Credentials, when set, signs
// them; nil takes the SDK's default chain (environment, shared config and
// credentials files, SSO, web identity, container and EC2 instance roles)
// through config.LoadDefaultConfig, which also supplies the region, or the
// credentials of Config.AWSConfig. Without explicit credentials, a Bedrock
// API key in AWS_BEARER_TOKEN_BEDROCK is used as the SDK uses it. No
// credential is ever read from flags or written anywhere: Info holds the
// model ID, the API and Config.BaseEndpoint only (without its query), and
// error texts have the secret access key, the session token, a Bedrock API
// key and the query values of Config.BaseEndpoint replaced by
// "[REDACTED]", in any ASCII case, wherever a service echoes them. The
// session and bearer tokens of credentials the endpoint cannot read ahead
// (shared files, SSO, assumed roles) are learned as each request is
// signed. [Endpoint.Redact] does the same to any text: the engine passes
// every response text through it before it is recorded.
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
//   - An error status (429 ThrottlingException, 400 ValidationException,
//     403, 424 ModelErrorException, 5xx) is an [*endpoints.StatusError]
//     with the status code, "<ErrorCode>: <message>" from the service
//     (truncated to endpoints.MaxErrorMessage bytes) and the delay of a
//     Retry-After header. After retries, it is the last attempt's.
//   - An exception event in a stream (throttlingException,
//     modelStreamErrorException, validationException,
//     internalServerException, serviceUnavailableException,
//     modelTimeoutException) is a [*StreamError] with the exception's name
//     and message and the number of events before it.
//   - A stream that ends early, breaks or holds a corrupt frame is an error
//     wrapping [endpoints.ErrIncompleteStream].
//   - A response or chunk whose JSON does not fit the configured paths is
//     an error naming the path and the step that failed, such as
//     `path "choices[0].message.content": at "choices[0]": not found (the
//     array has 0 elements)`. One that is not JSON, wherever the fault and
//     whatever its first letter, is "invalid JSON at offset <n>: ..."
//     (wrapping jsonscan's ErrSyntax): each is read whole, once.
//   - Once the context is done, Invoke returns promptly with an error
//     wrapping ctx.Err().
package bedrock
