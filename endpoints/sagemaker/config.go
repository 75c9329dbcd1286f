package sagemaker

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
)

// API selects the SageMaker Runtime operation an Endpoint calls for
// payloads that do not choose with "stream" (see the package
// documentation).
type API string

const (
	// InvokeEndpoint is the InvokeEndpoint operation
	// (POST /endpoints/{name}/invocations), the default: one response body.
	// A payload with "stream": true uses InvokeEndpointWithResponseStream.
	InvokeEndpoint API = "invoke"
	// InvokeEndpointWithResponseStream is the
	// InvokeEndpointWithResponseStream operation
	// (POST /endpoints/{name}/invocations-response-stream): the body in
	// PayloadPart events. A payload with "stream": false uses
	// InvokeEndpoint.
	InvokeEndpointWithResponseStream API = "invoke-stream"
)

// Style names the request and response format of the model server behind
// the SageMaker endpoint. It selects how Prepare checks and completes a
// payload, and the default JSON paths Invoke reads the response with.
type Style string

const (
	// Auto, the zero Style, picks the style of each payload from its
	// shape: OpenAI for a payload with "messages", else TGI for a payload
	// with "inputs".
	Auto Style = ""
	// TGI is Hugging Face Text Generation Inference (the Hugging Face LLM
	// containers) and servers that speak its format, such as the LMI
	// containers' default handler: {"inputs": "...", "parameters": {...}}.
	TGI Style = "tgi"
	// OpenAI is the Chat Completions format, as the LMI (vLLM) containers
	// and vLLM or SGLang containers serve it: {"messages": [...]}.
	OpenAI Style = "openai"
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

	// DefaultContentType is the content type of the request body when
	// Config.ContentType is empty.
	DefaultContentType = "application/json"
)

// The default JSON paths of the TGI style. TGI answers InvokeEndpoint with
// [{"generated_text": ...}] (or, from some containers, the bare object),
// with "details" when the payload asks for them; its stream is lines of
// {"token": {"text": ...}, "generated_text": null, "details": null}, the
// last with the whole "generated_text". TGI reports no reasoning. See the
// package documentation for the path syntax.
const (
	DefaultTGITextPath               = "[0].generated_text|generated_text"
	DefaultTGIInputTokensPath        = "[0].details.prefill|details.prefill"
	DefaultTGIOutputTokensPath       = "[0].details.generated_tokens|details.generated_tokens"
	DefaultTGIStreamTextPath         = "token.text"
	DefaultTGIStreamInputTokensPath  = "details.input_length"
	DefaultTGIStreamOutputTokensPath = "details.generated_tokens"
	DefaultTGIStreamEndPath          = "generated_text"
)

// The default JSON paths of the OpenAI style: a chat.completion object,
// and chat.completion.chunk objects in the stream, which ends with
// "data: [DONE]" (the OpenAI style has no end path).
const (
	DefaultOpenAITextPath               = "choices[0].message.content"
	DefaultOpenAIReasoningPath          = "choices[0].message.reasoning_content|choices[0].message.reasoning"
	DefaultOpenAIInputTokensPath        = "usage.prompt_tokens"
	DefaultOpenAIOutputTokensPath       = "usage.completion_tokens"
	DefaultOpenAIStreamTextPath         = "choices[0].delta.content"
	DefaultOpenAIStreamReasoningPath    = "choices[0].delta.reasoning_content|choices[0].delta.reasoning"
	DefaultOpenAIStreamInputTokensPath  = "usage.prompt_tokens"
	DefaultOpenAIStreamOutputTokensPath = "usage.completion_tokens"
)

// Config configures an Endpoint. Only EndpointName is required, and a
// region must come from Region, AWSConfig or the environment.
type Config struct {
	// EndpointName is the SageMaker endpoint to call, such as
	// "llama-3-8b-instruct": letters, digits and hyphens, at most 63.
	// Required.
	EndpointName string

	// API is the operation called for payloads that do not choose with
	// "stream"; the zero value is InvokeEndpoint.
	API API

	// Style is the model server's format; the zero value, Auto, picks it
	// from each payload's shape.
	Style Style

	// InferenceComponentName is the inference component to call, on an
	// endpoint that hosts several (X-Amzn-SageMaker-Inference-Component).
	// Empty sends none.
	InferenceComponentName string

	// TargetVariant is the production variant to call
	// (X-Amzn-SageMaker-Target-Variant). Empty lets SageMaker route by the
	// variants' weights.
	TargetVariant string

	// CustomAttributes is passed to the model server as it is
	// (X-Amzn-SageMaker-Custom-Attributes), such as "accept_eula=true":
	// printable ASCII, at most 1024 characters. Empty sends none.
	CustomAttributes string

	// ContentType is the content type of the request body; empty means
	// DefaultContentType.
	ContentType string

	// Accept is the content type asked of the response (the Accept header
	// of InvokeEndpoint, X-Amzn-SageMaker-Accept of the stream). Empty
	// sends none, leaving the choice to the model server.
	Accept string

	// Region is the AWS region, such as "us-east-1". Empty takes the region
	// of AWSConfig or, without AWSConfig, of the default configuration
	// (AWS_REGION, the shared config file).
	Region string

	// Credentials signs the requests. Nil takes the credentials of
	// AWSConfig or, without AWSConfig, the SDK's default chain as
	// config.LoadDefaultConfig builds it (environment, shared files, SSO,
	// web identity, container and instance roles), resolved when the first
	// request is signed.
	Credentials aws.CredentialsProvider

	// BaseEndpoint replaces the regional endpoint, for a VPC endpoint or a
	// test server: "https://vpce-0123.runtime.sagemaker.us-east-1.vpce.amazonaws.com"
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

	// The JSON paths of InvokeEndpoint, read in the response body. Empty
	// means the default of the payload's style (constants above); a path
	// set here applies to every style. TextPath must be found in every
	// response (a null text is empty text); the others may be missing. A
	// token count path leads to a whole number, or to an array whose
	// length is the count.
	TextPath, ReasoningPath, InputTokensPath, OutputTokensPath string

	// The JSON paths of InvokeEndpointWithResponseStream, read in every
	// JSON line of the stream. Empty means the default of the payload's
	// style; each may be missing from a line.
	StreamTextPath, StreamReasoningPath, StreamInputTokensPath, StreamOutputTokensPath string

	// StreamEndPath marks the last line of a stream besides "[DONE]": a
	// stream that ends before a "data: [DONE]" line or a line in which
	// StreamEndPath leads to a value other than null is incomplete. Empty
	// means DefaultTGIStreamEndPath for the TGI style and none (only
	// [DONE]) for the OpenAI style.
	StreamEndPath string

	// IgnoreStreamEnd accepts a stream that ends without its end marker as
	// complete.
	IgnoreStreamEnd bool
}

// styleDefaults are the default paths of each style.
var styleDefaults = map[Style]awsrt.PathConfig{
	TGI: {
		Text: DefaultTGITextPath, InputTokens: DefaultTGIInputTokensPath, OutputTokens: DefaultTGIOutputTokensPath,
		StreamText: DefaultTGIStreamTextPath, StreamInputTokens: DefaultTGIStreamInputTokensPath,
		StreamOutputTokens: DefaultTGIStreamOutputTokensPath, StreamEnd: DefaultTGIStreamEndPath,
	},
	OpenAI: {
		Text: DefaultOpenAITextPath, Reasoning: DefaultOpenAIReasoningPath,
		InputTokens: DefaultOpenAIInputTokensPath, OutputTokens: DefaultOpenAIOutputTokensPath,
		StreamText: DefaultOpenAIStreamTextPath, StreamReasoning: DefaultOpenAIStreamReasoningPath,
		StreamInputTokens: DefaultOpenAIStreamInputTokensPath, StreamOutputTokens: DefaultOpenAIStreamOutputTokensPath,
	},
}

// parsePaths parses the paths of style: cfg's where set, else the
// style's defaults. The stream's Set also reads the paths of TGI's special
// tokens and of error objects (lineExtra).
func parsePaths(cfg Config, style Style) (*awsrt.Paths, error) {
	return awsrt.ParsePaths("sagemaker", awsrt.PathConfig{
		Text: cfg.TextPath, Reasoning: cfg.ReasoningPath,
		InputTokens: cfg.InputTokensPath, OutputTokens: cfg.OutputTokensPath,
		StreamText: cfg.StreamTextPath, StreamReasoning: cfg.StreamReasoningPath,
		StreamInputTokens: cfg.StreamInputTokensPath, StreamOutputTokens: cfg.StreamOutputTokensPath,
		StreamEnd: cfg.StreamEndPath,
	}, styleDefaults[style], lineExtra...)
}

// settings returns the AWS settings of cfg.
func (cfg Config) settings() awsrt.Settings {
	return awsrt.Settings{
		Service:             "sagemaker",
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
	if strings.TrimSpace(cfg.EndpointName) == "" {
		return "", "", errors.New("sagemaker: Config.EndpointName: required")
	}
	for _, f := range []struct{ name, value string }{
		{"EndpointName", cfg.EndpointName},
		{"InferenceComponentName", cfg.InferenceComponentName},
		{"TargetVariant", cfg.TargetVariant},
	} {
		if err := checkName(f.name, f.value); err != nil {
			return "", "", err
		}
	}
	switch cfg.API {
	case "":
		api = InvokeEndpoint
	case InvokeEndpoint, InvokeEndpointWithResponseStream:
		api = cfg.API
	default:
		return "", "", fmt.Errorf("sagemaker: Config.API: unknown API %q, want %q or %q",
			cfg.API, InvokeEndpoint, InvokeEndpointWithResponseStream)
	}
	switch cfg.Style {
	case Auto, TGI, OpenAI:
	default:
		return "", "", fmt.Errorf("sagemaker: Config.Style: unknown style %q, want %q, %q or empty (chosen by the payload)",
			cfg.Style, TGI, OpenAI)
	}
	for _, f := range []struct{ name, value string }{
		{"CustomAttributes", cfg.CustomAttributes},
		{"ContentType", cfg.ContentType},
		{"Accept", cfg.Accept},
	} {
		if err := checkHeader(f.name, f.value); err != nil {
			return "", "", err
		}
	}
	if shownURL, err = cfg.settings().Check(); err != nil {
		return "", "", err
	}
	return api, shownURL, nil
}

// checkName checks a SageMaker resource name, as the API's pattern
// ^[a-zA-Z0-9](-*[a-zA-Z0-9])*$ and length limit (63) have it. Empty is
// left to the caller.
func checkName(field, s string) error {
	if s == "" {
		return nil
	}
	ok := len(s) <= 63 && s[0] != '-' && s[len(s)-1] != '-'
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	if !ok {
		return fmt.Errorf("sagemaker: Config.%s: %q is not a SageMaker name: want letters, digits and inner hyphens, at most 63", field, s)
	}
	return nil
}

// checkHeader checks a value sent as a header: printable ASCII, at most
// 1024 bytes, as the API allows. Its error does not quote the value.
func checkHeader(field, s string) error {
	if len(s) > 1024 {
		return fmt.Errorf("sagemaker: Config.%s: want at most 1024 characters, got %d", field, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return fmt.Errorf("sagemaker: Config.%s: want printable ASCII, got byte 0x%02x at offset %d", field, c, i)
		}
	}
	return nil
}
