package bedrock

import (
	"context"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
	"github.com/llmtest/llmtest/endpoints/internal/httpx"
	"github.com/llmtest/llmtest/internal/redact"
)

// Endpoint calls a model on Amazon Bedrock through the Bedrock Runtime API.
// It implements [endpoints.Endpoint]; create it with New. Its methods are
// safe for concurrent use.
type Endpoint struct {
	api     API
	modelID string
	info    endpoints.Info
	client  *bedrockruntime.Client
	setup   *awsrt.Setup
	paths   *awsrt.Paths
	secrets *redact.Redactor

	ignoreStreamEnd bool
}

var (
	_ endpoints.Endpoint = (*Endpoint)(nil)
	_ endpoints.Redactor = (*Endpoint)(nil)
	_ io.Closer          = (*Endpoint)(nil)
)

// New checks cfg, loads the AWS configuration (unless cfg.AWSConfig is
// set) and returns an Endpoint. It sends no request and, when credentials
// come from the default chain, resolves them only when the first request
// is signed. An error names the Config field at fault and never contains a
// credential.
func New(ctx context.Context, cfg Config) (*Endpoint, error) {
	api, shown, err := cfg.check()
	if err != nil {
		return nil, err
	}
	ps, err := parsePaths(cfg)
	if err != nil {
		return nil, err
	}
	client, setup, err := newClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Endpoint{
		api:     api,
		modelID: cfg.ModelID,
		info: endpoints.Info{
			Provider: "bedrock",
			Model:    cfg.ModelID,
			Name:     string(api),
			URL:      shown,
		},
		client:  client,
		setup:   setup,
		paths:   ps,
		secrets: setup.Secrets,

		ignoreStreamEnd: cfg.IgnoreStreamEnd,
	}, nil
}

// Info names the endpoint: provider "bedrock", the model ID, the API
// ("converse", "converse-stream", "invoke" or "invoke-stream") and
// Config.BaseEndpoint when it is set (without query). It never contains a
// credential.
func (e *Endpoint) Info() endpoints.Info { return e.info }

// Redact returns s with every credential the endpoint holds replaced by
// "[REDACTED]", matched without regard to ASCII case: the secret access
// key and session token of static credentials and of the environment, a
// Bedrock API key in AWS_BEARER_TOKEN_BEDROCK, the query values of
// Config.BaseEndpoint, and every session or bearer token a request has
// been signed with. The engine passes each response text through it, so
// that a model or service that echoes a credential does not get it into
// the record. It implements [endpoints.Redactor].
func (e *Endpoint) Redact(s string) string { return e.secrets.Redact(s) }

// Close releases the idle connections of the HTTP client the endpoint
// built. A client given in Config.HTTPClient or Config.AWSConfig is left
// alone: its owner closes it. Close always returns nil and may be called
// more than once; a request sent after Close still works, on a new
// connection.
func (e *Endpoint) Close() error {
	e.setup.CloseIdleConnections()
	return nil
}

// Invoke sends one prepared request and reports the response to rec as it
// arrives. It implements [endpoints.Endpoint]; see the package
// documentation for what is reported, when, and the errors returned. It
// blocks until the response has ended, and returns promptly, with an error
// wrapping ctx.Err(), once ctx is done.
func (e *Endpoint) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	if req == nil {
		return errNotPrepared
	}
	p, ok := req.Data.(*prepared)
	if !ok || p == nil {
		return errNotPrepared
	}
	// The SDK builds its requests from ctx: trace them.
	ctx, report := httpx.Trace(ctx, rec)
	defer report()
	switch {
	case p.converse != nil:
		return e.converse(ctx, p.converse, rec)
	case p.converseStream != nil:
		return e.converseStream(ctx, p.converseStream, rec)
	case p.invoke != nil:
		return e.invoke(ctx, p.invoke, rec)
	case p.invokeStream != nil:
		return e.invokeStream(ctx, p.invokeStream, rec)
	}
	return errNotPrepared
}

// prepared is a Request's Data: the SDK input of one operation, built once
// by Prepare and only read afterwards.
type prepared struct {
	converse       *bedrockruntime.ConverseInput
	converseStream *bedrockruntime.ConverseStreamInput
	invoke         *bedrockruntime.InvokeModelInput
	invokeStream   *bedrockruntime.InvokeModelWithResponseStreamInput
}
