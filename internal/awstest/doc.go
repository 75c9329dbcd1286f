// Package awstest is a fake AWS runtime service for the tests of the
// bedrock and sagemaker endpoints: an HTTP server on 127.0.0.1 that speaks
// the wire formats of Amazon Bedrock Runtime and Amazon SageMaker Runtime
// well enough for the real aws-sdk-go-v2 clients, pointed at it through
// their BaseEndpoint option, to call it.
//
// # Operations
//
// A request's operation is read from its path, as the REST-JSON protocol
// of both services lays it out:
//
//	POST /model/{modelId}/converse                            Converse
//	POST /model/{modelId}/converse-stream                     ConverseStream
//	POST /model/{modelId}/invoke                              InvokeModel
//	POST /model/{modelId}/invoke-with-response-stream         InvokeModelWithResponseStream
//	POST /endpoints/{name}/invocations                        InvokeEndpoint
//	POST /endpoints/{name}/invocations-response-stream        InvokeEndpointWithResponseStream
//
// # Scripting responses
//
// A [Server] answers with [Handler] functions given in order: the first
// request is served by the first handler, the second by the second, and
// every later request by the last one, so that a test scripts "fail twice
// with 503, then succeed" as three handlers. An [Exchange] writes the
// answer: a JSON body ([Exchange.JSON]), an AWS error with its
// X-Amzn-ErrorType header and {"message":...} body ([Exchange.Error]), or
// an event stream (content type application/vnd.amazon.eventstream) of
// [Event] frames encoded with the SDK's own encoder
// (github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream), flushed one by
// one ([Exchange.Send]). Between frames a handler may pause
// ([Exchange.Wait]), stall until the client gives up ([Exchange.Stall]),
// write raw bytes such as half a frame ([Exchange.Write]) or break the
// connection ([Exchange.Cut]).
//
// The event constructors build the events of each API: [MessageStart],
// [TextDelta], [ReasoningDelta], [ContentBlockStop], [MessageStop] and
// [Metadata] for ConverseStream; [Chunk] for InvokeModelWithResponseStream
// (a JSON payload {"bytes": base64}); [PayloadPart] for
// InvokeEndpointWithResponseStream (the raw bytes as the payload);
// [Exception] for the exception events of all three.
//
// # Requests
//
// Every request is recorded, before its handler runs, as a [Request]: the
// operation, the model or endpoint, the headers and the body.
// [Request.Signed] reports whether it carries a SigV4 Authorization header
// for the test access key.
//
// # Credentials and environment
//
// Tests use [Credentials], static and fake, and [Region]; nothing resolves
// the default credential chain. [IsolateEnv], called from TestMain, removes
// every AWS_ variable of the test process and points the shared config
// files at an empty file, so that no developer or CI setting (profile,
// region, endpoint URL, retry settings, Bedrock API key) leaks into a test,
// and sets AWS_EC2_METADATA_DISABLED=true so that nothing asks the instance
// metadata service.
package awstest
