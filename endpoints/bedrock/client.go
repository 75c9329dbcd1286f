package bedrock

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/transport/http/protocol/restjson1"

	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
)

// newClient builds the Bedrock Runtime client for cfg, and returns it with
// its set-up: the secrets its errors must not show and the HTTP client to
// release.
func newClient(ctx context.Context, cfg Config) (*bedrockruntime.Client, *awsrt.Setup, error) {
	st, err := awsrt.Load(ctx, cfg.settings())
	if err != nil {
		return nil, nil, err
	}
	client := bedrockruntime.NewFromConfig(st.Config, func(o *bedrockruntime.Options) {
		if cfg.BaseEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.BaseEndpoint)
		}
		if st.Retryer != nil {
			o.RetryMaxAttempts = 0 // else AWS_MAX_ATTEMPTS would wrap the retryer
		}
		if cfg.Credentials != nil {
			// Explicit credentials mean SigV4, even when the environment
			// holds a Bedrock API key.
			o.Credentials = cfg.Credentials
			o.BearerAuthTokenProvider = nil
			o.AuthSchemePreference = nil
		}
	})
	return client, st, nil
}

// ownProtocol gives one streaming call a protocol of its own. The client's
// restJson1 protocol (smithy-go v1.28) decodes every event stream through
// one shared codec whose payload buffer is not guarded, so concurrent
// streams on one client race and can corrupt each other's events
// (TestConcurrentInvokes catches it under -race). A protocol per stream
// costs a few small allocations. restjson1.New ignores its schema argument.
func ownProtocol(o *bedrockruntime.Options) {
	o.Protocol = restjson1.New(nil)
}

// attempts returns the per-call option that counts the call's attempts
// in at.
func attempts(at *awsrt.Attempts) func(*bedrockruntime.Options) {
	return func(o *bedrockruntime.Options) { o.APIOptions = append(o.APIOptions, at.Add) }
}
