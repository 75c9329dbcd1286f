package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/anthropic"
	"github.com/llmtest/llmtest/endpoints/bedrock"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/endpoints/sagemaker"
	"github.com/llmtest/llmtest/endpoints/sim"
)

// api names an API the command can test.
type api string

const (
	apiOpenAIChat        api = "openai-chat"
	apiOpenAICompletions api = "openai-completions"
	apiOpenAIResponses   api = "openai-responses"
	apiAnthropic         api = "anthropic"
	apiBedrockConverse   api = "bedrock-converse"
	apiBedrockInvoke     api = "bedrock-invoke"
	apiSageMaker         api = "sagemaker"
)

// apiSpec is how the command tests one API.
type apiSpec struct {
	// simulated: the built-in simulator serves it, so it runs without --url.
	simulated bool
	// aws: an AWS API, signed with credentials from the standard AWS
	// sources; --url, when given, replaces the regional endpoint.
	aws bool
	// keyEnv is the default of --api-key-env.
	keyEnv string
	// build returns the endpoint; baseURL is --url or the simulator's, key
	// the value of the key variable (empty for AWS APIs).
	build func(o *runOptions, baseURL, key string) (endpoints.Endpoint, error)
	// needs checks the flags the API requires.
	needs func(o *runOptions) error
	// payload builds a payload from a prompt.
	payload func(o *runOptions, prompt string, maxTokens int) (endpoints.Payload, error)
}

var apis = map[api]apiSpec{
	apiOpenAIChat: {
		simulated: true,
		keyEnv:    "OPENAI_API_KEY",
		build: func(o *runOptions, baseURL, key string) (endpoints.Endpoint, error) {
			return openai.New(openai.Config{BaseURL: baseURL, APIKey: key, Model: o.model, API: openai.Chat, MaxIdleConnsPerHost: o.idleConns()})
		},
		payload: fixed(openai.ChatPayload),
	},
	apiOpenAICompletions: {
		simulated: true,
		keyEnv:    "OPENAI_API_KEY",
		build: func(o *runOptions, baseURL, key string) (endpoints.Endpoint, error) {
			return openai.New(openai.Config{BaseURL: baseURL, APIKey: key, Model: o.model, API: openai.Completions, MaxIdleConnsPerHost: o.idleConns()})
		},
		payload: fixed(openai.CompletionPayload),
	},
	apiOpenAIResponses: {
		simulated: true,
		keyEnv:    "OPENAI_API_KEY",
		build: func(o *runOptions, baseURL, key string) (endpoints.Endpoint, error) {
			return openai.New(openai.Config{BaseURL: baseURL, APIKey: key, Model: o.model, API: openai.Responses, MaxIdleConnsPerHost: o.idleConns()})
		},
		payload: fixed(openai.ResponsesPayload),
	},
	apiAnthropic: {
		simulated: true,
		keyEnv:    "ANTHROPIC_API_KEY",
		build: func(o *runOptions, baseURL, key string) (endpoints.Endpoint, error) {
			return anthropic.New(anthropic.Config{BaseURL: baseURL, APIKey: key, Model: o.model, MaxIdleConnsPerHost: o.idleConns()})
		},
		payload: fixed(func(prompt string, maxTokens int) (endpoints.Payload, error) {
			return anthropic.MessagesPayload(prompt, maxTokens, 0)
		}),
	},
	apiBedrockConverse: {
		aws:   true,
		needs: needModel,
		build: func(o *runOptions, baseURL, _ string) (endpoints.Endpoint, error) {
			cfg := o.aws.bedrock(o.model, baseURL)
			cfg.MaxIdleConnsPerHost = o.idleConns()
			cfg.API = bedrock.ConverseStream
			return bedrock.New(context.Background(), cfg)
		},
		payload: fixed(func(prompt string, maxTokens int) (endpoints.Payload, error) {
			return bedrock.ConversePayload(prompt, maxTokens)
		}),
	},
	apiBedrockInvoke: {
		aws:   true,
		needs: needModel,
		build: func(o *runOptions, baseURL, _ string) (endpoints.Endpoint, error) {
			cfg := o.aws.bedrock(o.model, baseURL)
			cfg.MaxIdleConnsPerHost = o.idleConns()
			cfg.API = bedrock.InvokeModelWithResponseStream
			return bedrock.New(context.Background(), cfg)
		},
		// The default JSON paths read OpenAI-style bodies, which Bedrock's
		// OpenAI-compatible models take and return.
		payload: fixed(openai.ChatPayload),
	},
	apiSageMaker: {
		aws: true,
		needs: func(o *runOptions) error {
			if o.aws.endpointName == "" {
				return usageErrorf("--api sagemaker needs --endpoint-name: the SageMaker endpoint's name")
			}
			switch sagemaker.Style(o.aws.style) {
			case sagemaker.Auto, sagemaker.TGI, sagemaker.OpenAI:
				return nil
			}
			return usageErrorf("--style: unknown style %q (known: tgi, openai; empty picks it from each payload)", o.aws.style)
		},
		build: func(o *runOptions, baseURL, _ string) (endpoints.Endpoint, error) {
			a := &o.aws
			return sagemaker.New(context.Background(), sagemaker.Config{
				EndpointName:           a.endpointName,
				InferenceComponentName: a.component,
				API:                    sagemaker.InvokeEndpointWithResponseStream,
				Style:                  sagemaker.Style(a.style),
				Region:                 a.region,
				BaseEndpoint:           baseURL,
				MaxAttempts:            a.maxAttempts,
				MaxIdleConnsPerHost:    o.idleConns(),
				StreamEndPath:          a.streamEnd,
				IgnoreStreamEnd:        a.ignoreStreamEnd,
				TextPath:               a.textPath,
				InputTokensPath:        a.inPath,
				OutputTokensPath:       a.outPath,
				StreamTextPath:         a.streamText,
				StreamInputTokensPath:  a.streamIn,
				StreamOutputTokensPath: a.streamOut,
			})
		},
		// TGI's format when --style tgi, else the OpenAI messages format
		// of the LMI (vLLM) containers.
		payload: func(o *runOptions, prompt string, maxTokens int) (endpoints.Payload, error) {
			if sagemaker.Style(o.aws.style) == sagemaker.TGI {
				return sagemaker.TGIPayload(prompt, maxTokens)
			}
			return sagemaker.ChatPayload(prompt, maxTokens)
		},
	},
}

// fixed adapts a payload builder that needs no flags.
func fixed(f func(prompt string, maxTokens int) (endpoints.Payload, error)) func(*runOptions, string, int) (endpoints.Payload, error) {
	return func(_ *runOptions, prompt string, maxTokens int) (endpoints.Payload, error) {
		return f(prompt, maxTokens)
	}
}

// needModel requires --model, the Bedrock model ID.
func needModel(o *runOptions) error {
	if o.model == "" {
		return usageErrorf("--api %s needs --model: a Bedrock model ID or inference profile, such as us.amazon.nova-lite-v1:0", o.api)
	}
	return nil
}

// apiNames lists the APIs in the order the help shows them.
func apiNames() []string {
	return []string{
		string(apiOpenAIChat), string(apiOpenAICompletions), string(apiOpenAIResponses),
		string(apiAnthropic), string(apiBedrockConverse), string(apiBedrockInvoke), string(apiSageMaker),
	}
}

func simAPINames() []string {
	var out []string
	for _, n := range apiNames() {
		if apis[api(n)].simulated {
			out = append(out, n)
		}
	}
	return out
}

// awsStyles are the values of --style, the SageMaker container formats.
var awsStyles = []string{string(sagemaker.TGI), string(sagemaker.OpenAI)}

// awsFlags are the flags of the AWS APIs. Credentials are not among them:
// they come only from the standard AWS sources (environment, shared
// files, SSO, roles).
type awsFlags struct {
	region          string
	endpointName    string
	component       string
	style           string
	maxAttempts     int
	textPath        string
	inPath          string
	outPath         string
	streamText      string
	streamIn        string
	streamOut       string
	streamEnd       string
	ignoreStreamEnd bool
}

// awsFlagAPIs are the flags awsFlags registers, each with the APIs it
// applies to.
var awsFlagAPIs = []struct {
	name string
	apis []api
}{
	{"region", []api{apiBedrockConverse, apiBedrockInvoke, apiSageMaker}},
	{"max-attempts", []api{apiBedrockConverse, apiBedrockInvoke, apiSageMaker}},
	{"endpoint-name", []api{apiSageMaker}},
	{"inference-component", []api{apiSageMaker}},
	{"style", []api{apiSageMaker}},
	{"text-path", []api{apiBedrockInvoke, apiSageMaker}},
	{"input-tokens-path", []api{apiBedrockInvoke, apiSageMaker}},
	{"output-tokens-path", []api{apiBedrockInvoke, apiSageMaker}},
	{"stream-text-path", []api{apiBedrockInvoke, apiSageMaker}},
	{"stream-input-tokens-path", []api{apiBedrockInvoke, apiSageMaker}},
	{"stream-output-tokens-path", []api{apiBedrockInvoke, apiSageMaker}},
	{"stream-end-path", []api{apiBedrockInvoke, apiSageMaker}},
	{"ignore-stream-end", []api{apiBedrockInvoke, apiSageMaker}},
}

func (a *awsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&a.region, "region", "", "AWS APIs: the AWS region (default: AWS_REGION or the shared config)")
	fs.StringVar(&a.endpointName, "endpoint-name", "", "sagemaker: the SageMaker endpoint's name")
	fs.StringVar(&a.component, "inference-component", "", "sagemaker: the inference component to call on the endpoint")
	fs.StringVar(&a.style, "style", "", "sagemaker: the container's format, tgi or openai (empty: picked from each payload; built-in payloads are openai)")
	fs.IntVar(&a.maxAttempts, "max-attempts", 1, "AWS APIs: attempts per request, the first included (1: no SDK retries)")
	fs.StringVar(&a.textPath, "text-path", "", "bedrock-invoke, sagemaker: JSON path of the text in a response body")
	fs.StringVar(&a.inPath, "input-tokens-path", "", "bedrock-invoke, sagemaker: JSON path of the input token count in a response body")
	fs.StringVar(&a.outPath, "output-tokens-path", "", "bedrock-invoke, sagemaker: JSON path of the output token count in a response body")
	fs.StringVar(&a.streamText, "stream-text-path", "", "bedrock-invoke, sagemaker: JSON path of the text in a stream chunk")
	fs.StringVar(&a.streamIn, "stream-input-tokens-path", "", "bedrock-invoke, sagemaker: JSON path of the input token count in a stream chunk")
	fs.StringVar(&a.streamOut, "stream-output-tokens-path", "", "bedrock-invoke, sagemaker: JSON path of the output token count in a stream chunk")
	fs.StringVar(&a.streamEnd, "stream-end-path", "", "bedrock-invoke, sagemaker: JSON path present (not null) only in a stream's last chunk")
	fs.BoolVar(&a.ignoreStreamEnd, "ignore-stream-end", false, "bedrock-invoke, sagemaker: accept a stream that ends without its end marker as complete")
}

// misplaced returns a usage error for an AWS flag given on the command
// line that does not apply to the API to, or nil.
func (a *awsFlags) misplaced(set map[string]bool, to api) error {
	for _, f := range awsFlagAPIs {
		if set[f.name] && !slices.Contains(f.apis, to) {
			names := make([]string, len(f.apis))
			for i, x := range f.apis {
				names[i] = string(x)
			}
			return usageErrorf("--%s applies to --api %s, not --api %s", f.name, strings.Join(names, ", "), to)
		}
	}
	return nil
}

func (a *awsFlags) bedrock(model, baseURL string) bedrock.Config {
	return bedrock.Config{
		ModelID:                model,
		Region:                 a.region,
		BaseEndpoint:           baseURL,
		MaxAttempts:            a.maxAttempts,
		StreamEndPath:          a.streamEnd,
		IgnoreStreamEnd:        a.ignoreStreamEnd,
		TextPath:               a.textPath,
		InputTokensPath:        a.inPath,
		OutputTokensPath:       a.outPath,
		StreamTextPath:         a.streamText,
		StreamInputTokensPath:  a.streamIn,
		StreamOutputTokensPath: a.streamOut,
	}
}

// checkAPI checks the flags that depend on the API under test and on
// where it is served (--url, an AWS regional endpoint, or the built-in
// simulator). It reads no file, opens no connection and starts nothing.
func (o *runOptions) checkAPI() error {
	a := apis[api(o.api)]
	switch {
	case a.aws:
		if name := o.simFlagGiven(); name != "" {
			return usageErrorf("--%s applies to the built-in simulator, not to --api %s", name, o.api)
		}
		if o.setFlags["api-key-env"] {
			return usageErrorf("--api-key-env does not apply to --api %s: AWS credentials come from the standard AWS sources (environment, shared files, SSO, roles)", o.api)
		}
		if a.needs != nil {
			if err := a.needs(o); err != nil {
				return err
			}
		}
		if o.aws.maxAttempts < 1 {
			return usageErrorf("--max-attempts must be at least 1, got %d", o.aws.maxAttempts)
		}
	case o.url != "":
		if name := o.simFlagGiven(); name != "" {
			return usageErrorf("--%s applies to the built-in simulator, not to a server given with --url", name)
		}
		if o.apiKeyEnv != "" && !o.forPods && os.Getenv(o.apiKeyEnv) == "" {
			return usageErrorf("--api-key-env: the environment variable %s is not set or empty", o.apiKeyEnv)
		}
	default:
		if o.apiKeyEnv != "" {
			return usageErrorf("--api-key-env applies with --url; the built-in simulator takes no key")
		}
		if !a.simulated {
			return usageErrorf("--api %s needs --url: the built-in simulator speaks %s", o.api, strings.Join(simAPINames(), ", "))
		}
		if err := o.simConfig().Validate(); err != nil {
			return simFlagError(err, "sim-")
		}
	}
	return nil
}

// usesSim reports whether the run tests the built-in simulator.
func (o *runOptions) usesSim() bool { return o.url == "" && !apis[api(o.api)].aws }

// simConfig is the built-in simulator's configuration.
func (o *runOptions) simConfig() sim.ServerConfig {
	return sim.ServerConfig{Config: o.sim.config()}
}

// keyEnv is the environment variable that holds the API key.
func (o *runOptions) keyEnv() string { return cmp.Or(o.apiKeyEnv, apis[api(o.api)].keyEnv) }

// newEndpoint builds the endpoint under test with base URL baseURL (--url,
// the simulator's, or empty for an AWS API's regional endpoint). The key
// is read from the environment only for a server given with --url. An
// error names the flag at fault.
func (o *runOptions) newEndpoint(baseURL string) (endpoints.Endpoint, error) {
	a := apis[api(o.api)]
	var key string
	if !a.aws && o.url != "" {
		key = os.Getenv(o.keyEnv())
	}
	ep, err := a.build(o, baseURL, key)
	if err != nil {
		if err = o.flagError(err); !errors.As(err, new(*usageError)) {
			err = &usageError{msg: err.Error(), err: err}
		}
		return nil, err
	}
	return ep, nil
}

// drySimURL is the base URL of the endpoint that checks the flags and
// payloads of a run against the built-in simulator before it starts.
// Nothing is ever sent to it.
const drySimURL = "http://127.0.0.1/v1"

// startSim starts the built-in simulator on a loopback port and returns the
// endpoint that tests it; the caller closes the server after the endpoint.
func (o *runOptions) startSim(stderr io.Writer) (*sim.Server, endpoints.Endpoint, error) {
	srv, err := sim.NewServer(o.simConfig())
	if err != nil {
		return nil, nil, simFlagError(err, "sim-")
	}
	fmt.Fprintf(stderr, "llmtest: testing the built-in simulator at %s\n", srv.URL)
	ep, err := o.newEndpoint(srv.URL + "/v1")
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	return srv, ep, nil
}

// closeEndpoint closes ep when it is an io.Closer, releasing its idle
// connections.
func closeEndpoint(ep endpoints.Endpoint) error {
	if c, ok := ep.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// simFlagGiven returns the name of a --sim- flag given on the command
// line, or "".
func (o *runOptions) simFlagGiven() string {
	var names []string
	for name := range o.setFlags {
		if strings.HasPrefix(name, "sim-") {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return names[0]
}

// idleConns is the number of idle connections per host the endpoint
// keeps: at least one per client, so that no client reconnects.
func (o *runOptions) idleConns() int { return max(o.clients, minIdleConns) }

// minIdleConns is the least number of idle connections per host the
// command's endpoints keep, as the endpoints do by default.
const minIdleConns = 1024
