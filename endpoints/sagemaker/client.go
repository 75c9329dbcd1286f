package sagemaker

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	"github.com/aws/smithy-go/transport/http/protocol/restjson1"

	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
)

// newClient builds the SageMaker Runtime client for cfg, and returns it
// with its set-up: the secrets its errors must not show and the HTTP
// client to release.
func newClient(ctx context.Context, cfg Config) (*sagemakerruntime.Client, *awsrt.Setup, error) {
	st, err := awsrt.Load(ctx, cfg.settings())
	if err != nil {
		return nil, nil, err
	}
	client := sagemakerruntime.NewFromConfig(st.Config, func(o *sagemakerruntime.Options) {
		if cfg.BaseEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.BaseEndpoint)
		}
		if st.Retryer != nil {
			o.RetryMaxAttempts = 0 // else AWS_MAX_ATTEMPTS would wrap the retryer
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
func ownProtocol(o *sagemakerruntime.Options) {
	o.Protocol = restjson1.New(nil)
}

// attempts returns the per-call option that counts the call's attempts
// in at.
func attempts(at *awsrt.Attempts) func(*sagemakerruntime.Options) {
	return func(o *sagemakerruntime.Options) { o.APIOptions = append(o.APIOptions, at.Add) }
}
