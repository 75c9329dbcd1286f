package bedrock

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
)

// API selects the Bedrock Runtime operation an Endpoint calls. The two
// Converse operations take a Converse-shaped payload; the two InvokeModel
// operations take the model's own JSON body. Within each pair, a payload's
// "stream" chooses between the streaming and the non-streaming operation
// (see the package documentation).
type API string

const (
	// Converse is the Converse operation (POST /model/{modelId}/converse),
	// the default. A payload with "stream": true uses ConverseStream.
	Converse API = "converse"
	// ConverseStream is the ConverseStream operation
	// (POST /model/{modelId}/converse-stream). A payload with
	// "stream": false uses Converse.
	ConverseStream API = "converse-stream"
	// InvokeModel is the InvokeModel operation
	// (POST /model/{modelId}/invoke). A payload with "stream": true uses
	// InvokeModelWithResponseStream.
	InvokeModel API = "invoke"
	// InvokeModelWithResponseStream is the InvokeModelWithResponseStream
	// operation (POST /model/{modelId}/invoke-with-response-stream). A
	// payload with "stream": false uses InvokeModel.
	InvokeModelWithResponseStream API = "invoke-stream"
)

const (
	// DefaultMaxAttempts is the number of attempts per request when
	// Config.MaxAttempts is zero: one, so that no request is retried and a
	// load test sees the service's throttling and errors as they are.
	DefaultMaxAttempts = awsrt.DefaultMaxAttempts

	// DefaultMaxBackoff is the longest pause between two attempts when
	// Config.MaxBackoff is zero (the SDK's default).
	DefaultMaxBackoff = awsrt.DefaultMaxBackoff

	// DefaultMaxIdleConnsPerHost is the number of idle keep-alive
	// connections the default HTTP client keeps per host when
	// Config.MaxIdleConnsPerHost is zero.
	DefaultMaxIdleConnsPerHost = awsrt.DefaultMaxIdleConnsPerHost
)

// The default JSON paths of the InvokeModel operations, for models that
// answer in the shape of OpenAI's Chat Completions API. See the package
// documentation for the path syntax.
const (
	DefaultTextPath               = "choices[0].message.content"
	DefaultReasoningPath          = "choices[0].message.reasoning_content|choices[0].message.reasoning"
	DefaultInputTokensPath        = "usage.prompt_tokens"
	DefaultOutputTokensPath       = "usage.completion_tokens"
	DefaultStreamTextPath         = "choices[0].delta.content"
	DefaultStreamReasoningPath    = "choices[0].delta.reasoning_content|choices[0].delta.reasoning"
	DefaultStreamInputTokensPath  = "usage.prompt_tokens|amazon-bedrock-invocationMetrics.inputTokenCount"
	DefaultStreamOutputTokensPath = "usage.completion_tokens|amazon-bedrock-invocationMetrics.outputTokenCount"
	DefaultStreamEndPath          = "amazon-bedrock-invocationMetrics"
)

// The response headers in which InvokeModel reports token counts.
const (
	inputTokensHeader  = "X-Amzn-Bedrock-Input-Token-Count"
	outputTokensHeader = "X-Amzn-Bedrock-Output-Token-Count"
)

// Config configures an Endpoint. Only ModelID is required, and a region
// must come from Region, AWSConfig or the environment.
type Config struct {
	// ModelID is the model to call: a model ID such as
	// "anthropic.claude-3-5-haiku-20241022-v1:0", an inference profile ID
	// such as "us.amazon.nova-lite-v1:0", or an ARN. Required.
	ModelID string

	// API is the operation called for payloads that do not choose with
	// "stream"; the zero value is Converse.
	API API

	// Region is the AWS region, such as "us-east-1". Empty takes the region
	// of AWSConfig or, without AWSConfig, of the default configuration
	// (AWS_REGION, the shared config file).
	Region string

	// Credentials signs the requests. Nil takes the credentials of
	// AWSConfig or, without AWSConfig, the SDK's default chain as
	// config.LoadDefaultConfig builds it (environment, shared files, SSO,
	// web identity, container and instance roles), resolved when the first
	// request is signed. When set, requests are signed with SigV4 with it,
	// even where the environment holds a Bedrock API key
	// (AWS_BEARER_TOKEN_BEDROCK).
	Credentials aws.CredentialsProvider

	// BaseEndpoint replaces the regional endpoint, for a VPC endpoint or a
	// test server: "https://vpce-0123.bedrock-runtime.us-east-1.vpce.amazonaws.com"
	// or "http://127.0.0.1:8080". It must not hold user information.
	BaseEndpoint string

	// MaxAttempts is the most attempts made for one request, the first
	// included; zero means DefaultMaxAttempts (no retry). Retries follow
	// the SDK's standard retryer (throttling, 5xx and transient network
	// errors, exponential backoff with jitter up to MaxBackoff), without
	// its client-side retry quota. The number of retries of each request
	// is reported to the Recorder.
	MaxAttempts int

	// MaxBackoff is the longest pause between two attempts; zero means
	// DefaultMaxBackoff.
	MaxBackoff time.Duration

	// HTTPClient sends the requests; nil means the SDK's client with
	// MaxIdleConnsPerHost idle connections per host.
	HTTPClient aws.HTTPClient

	// MaxIdleConnsPerHost is the number of idle keep-alive connections the
	// default HTTP client keeps per host; zero means
	// DefaultMaxIdleConnsPerHost. Set it to at least the number of
	// concurrent clients.
	MaxIdleConnsPerHost int

	// AWSConfig, when set, is used instead of loading the default
	// configuration: its region, credentials, HTTP client, logger and
	// other settings apply where the fields above are zero. Its Retryer
	// applies only when MaxAttempts is zero.
	AWSConfig *aws.Config

	// The JSON paths of InvokeModel, read in the response body. Empty
	// means the default above. TextPath must be found in every response
	// (a null text is empty text); the others may be missing. A token count
	// path leads to a whole number, or to an array whose length is the
	// count. Without a count in the body, InvokeModel takes the counts of
	// the X-Amzn-Bedrock-Input-Token-Count and
	// X-Amzn-Bedrock-Output-Token-Count response headers.
	TextPath, ReasoningPath, InputTokensPath, OutputTokensPath string

	// The JSON paths of InvokeModelWithResponseStream, read in every
	// chunk. Empty means the default above; each may be missing from a
	// chunk.
	StreamTextPath, StreamReasoningPath, StreamInputTokensPath, StreamOutputTokensPath string

	// StreamEndPath marks the last chunk of an InvokeModelWithResponseStream
	// stream: a stream that ends before a chunk in which it leads to a
	// value other than null is incomplete. Empty means
	// DefaultStreamEndPath, the invocation metrics Bedrock adds to the last
	// chunk of every model.
	StreamEndPath string

	// IgnoreStreamEnd accepts an InvokeModelWithResponseStream stream that
	// ends without a chunk matching StreamEndPath as complete.
	IgnoreStreamEnd bool
}

// defaultPaths are the default JSON paths of the InvokeModel operations.
var defaultPaths = awsrt.PathConfig{
	Text: DefaultTextPath, Reasoning: DefaultReasoningPath,
	InputTokens: DefaultInputTokensPath, OutputTokens: DefaultOutputTokensPath,
	StreamText: DefaultStreamTextPath, StreamReasoning: DefaultStreamReasoningPath,
	StreamInputTokens: DefaultStreamInputTokensPath, StreamOutputTokens: DefaultStreamOutputTokensPath,
	StreamEnd: DefaultStreamEndPath,
}

// parsePaths parses the JSON paths of cfg, the defaults where cfg's are
// empty.
func parsePaths(cfg Config) (*awsrt.Paths, error) {
	return awsrt.ParsePaths("bedrock", awsrt.PathConfig{
		Text: cfg.TextPath, Reasoning: cfg.ReasoningPath,
		InputTokens: cfg.InputTokensPath, OutputTokens: cfg.OutputTokensPath,
		StreamText: cfg.StreamTextPath, StreamReasoning: cfg.StreamReasoningPath,
		StreamInputTokens: cfg.StreamInputTokensPath, StreamOutputTokens: cfg.StreamOutputTokensPath,
		StreamEnd: cfg.StreamEndPath,
	}, defaultPaths)
}

// settings returns the AWS settings of cfg.
func (cfg Config) settings() awsrt.Settings {
	return awsrt.Settings{
		Service:             "bedrock",
		Region:              cfg.Region,
		Credentials:         cfg.Credentials,
		BaseEndpoint:        cfg.BaseEndpoint,
		MaxAttempts:         cfg.MaxAttempts,
		MaxBackoff:          cfg.MaxBackoff,
		HTTPClient:          cfg.HTTPClient,
		MaxIdleConnsPerHost: cfg.MaxIdleConnsPerHost,
		AWSConfig:           cfg.AWSConfig,
	}
}

// check validates the fields of cfg that need no AWS configuration.
func (cfg Config) check() (api API, shownURL string, err error) {
	if strings.TrimSpace(cfg.ModelID) == "" {
		return "", "", errors.New("bedrock: Config.ModelID: required")
	}
	if strings.ContainsAny(cfg.ModelID, "\r\n\x00") {
		return "", "", errors.New("bedrock: Config.ModelID: contains a line break or NUL")
	}
	switch cfg.API {
	case "":
		api = Converse
	case Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream:
		api = cfg.API
	default:
		return "", "", fmt.Errorf("bedrock: Config.API: unknown API %q, want %q, %q, %q or %q",
			cfg.API, Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream)
	}
	if shownURL, err = cfg.settings().Check(); err != nil {
		return "", "", err
	}
	return api, shownURL, nil
}
