package bedrock

import (
	"cmp"
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/transport/http/protocol/restjson1"

	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
)

// newClient builds the Bedrock Runtime client for cfg, and the secrets its
// errors must not show.
func newClient(ctx context.Context, cfg Config) (*bedrockruntime.Client, *awsrt.Redactor, error) {
	st, err := awsrt.Load(ctx, awsrt.Settings{
		Service:             "bedrock",
		Region:              cfg.Region,
		Credentials:         cfg.Credentials,
		AWSConfig:           cfg.AWSConfig,
		MaxAttempts:         cfg.MaxAttempts,
		MaxBackoff:          cfg.MaxBackoff,
		HTTPClient:          cfg.HTTPClient,
		MaxIdleConnsPerHost: cmp.Or(cfg.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost),
	})
	if err != nil {
		return nil, nil, err
	}
	client := bedrockruntime.NewFromConfig(st.Config, func(o *bedrockruntime.Options) {
		o.Region = st.Config.Region
		o.APIOptions = append(o.APIOptions, st.Secrets.Learn)
		if cfg.BaseEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.BaseEndpoint)
		}
		if st.Retryer != nil {
			o.Retryer = st.Retryer
			o.RetryMaxAttempts = 0 // else AWS_MAX_ATTEMPTS would wrap the retryer
		}
		o.HTTPClient = st.HTTPClient
		if cfg.Credentials != nil {
			// Explicit credentials mean SigV4, even when the environment
			// holds a Bedrock API key.
			o.Credentials = cfg.Credentials
			o.BearerAuthTokenProvider = nil
			o.AuthSchemePreference = nil
		}
	})
	return client, st.Secrets, nil
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
