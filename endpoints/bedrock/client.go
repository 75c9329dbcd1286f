package bedrock

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/transport/http/protocol/restjson1"

	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
)

// newClient builds the Bedrock Runtime client for cfg, and the secrets its
// errors must not show.
func newClient(ctx context.Context, cfg Config) (*bedrockruntime.Client, *awsrt.Redactor, error) {
	var awsCfg aws.Config
	if cfg.AWSConfig != nil {
		awsCfg = cfg.AWSConfig.Copy()
	} else {
		var opts []func(*config.LoadOptions) error
		if cfg.Region != "" {
			opts = append(opts, config.WithRegion(cfg.Region))
		}
		if cfg.Credentials != nil {
			opts = append(opts, config.WithCredentialsProvider(cfg.Credentials))
		}
		var err error
		awsCfg, err = config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, nil, fmt.Errorf("bedrock: loading the AWS configuration: %s", awsrt.Secrets(nil).Redact(err.Error()))
		}
	}
	if cfg.Region != "" {
		awsCfg.Region = cfg.Region
	}
	if awsCfg.Region == "" {
		return nil, nil, errors.New("bedrock: Config.Region: required: no region in Config, AWSConfig, AWS_REGION or the shared config file")
	}
	if cfg.Credentials != nil {
		awsCfg.Credentials = cfg.Credentials
	}

	secrets := awsrt.Secrets(awsCfg.Credentials)

	useTheirRetryer := cfg.MaxAttempts == 0 && cfg.AWSConfig != nil && cfg.AWSConfig.Retryer != nil
	retryer := awsrt.NewRetryer(cfg.MaxAttempts, cfg.MaxBackoff)

	client := bedrockruntime.NewFromConfig(awsCfg, func(o *bedrockruntime.Options) {
		o.Region = awsCfg.Region
		o.APIOptions = append(o.APIOptions, secrets.Learn)
		if cfg.BaseEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.BaseEndpoint)
		}
		if !useTheirRetryer {
			o.Retryer = retryer
			o.RetryMaxAttempts = 0 // else AWS_MAX_ATTEMPTS would wrap the retryer
		}
		switch {
		case cfg.HTTPClient != nil:
			o.HTTPClient = awsrt.WholeBody(cfg.HTTPClient)
		case cfg.AWSConfig == nil || cfg.AWSConfig.HTTPClient == nil:
			o.HTTPClient = awsrt.NewHTTPClient(cmp.Or(cfg.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost))
		default:
			o.HTTPClient = awsrt.WholeBody(cfg.AWSConfig.HTTPClient)
		}
		if cfg.Credentials != nil {
			// Explicit credentials mean SigV4, even when the environment
			// holds a Bedrock API key.
			o.Credentials = cfg.Credentials
			o.BearerAuthTokenProvider = nil
			o.AuthSchemePreference = nil
		}
	})
	return client, secrets, nil
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
