package awsrt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/llmtest/llmtest/internal/wholebody"
)

// Settings are the AWS settings of an endpoint's Config.
type Settings struct {
	// Service names the endpoint in errors: "bedrock", "sagemaker".
	Service string
	// Region, Credentials, AWSConfig, MaxAttempts, MaxBackoff, HTTPClient
	// and MaxIdleConnsPerHost are the Config fields of the same names.
	Region              string
	Credentials         aws.CredentialsProvider
	AWSConfig           *aws.Config
	MaxAttempts         int
	MaxBackoff          time.Duration
	HTTPClient          aws.HTTPClient
	MaxIdleConnsPerHost int
}

// Setup is what a service client is built from.
type Setup struct {
	// Config is the AWS configuration, with its region and credentials
	// settled.
	Config aws.Config
	// Retryer replaces the client's retryer; nil keeps AWSConfig's, which
	// applies when MaxAttempts is zero.
	Retryer aws.Retryer
	// HTTPClient sends the client's requests, wrapped by wholebody.Client.
	HTTPClient aws.HTTPClient
	// Secrets redacts the credentials known so far; add its Learn to the
	// client's APIOptions for those known when requests are signed.
	Secrets *Redactor
}

// Load settles the configuration of a client: AWSConfig when it is set,
// else the SDK's default configuration (environment, shared files), with
// the region and credentials of s on top. A missing region is an error
// that names Config.Region; no error shows a credential.
func Load(ctx context.Context, s Settings) (*Setup, error) {
	var cfg aws.Config
	if s.AWSConfig != nil {
		cfg = s.AWSConfig.Copy()
	} else {
		var opts []func(*config.LoadOptions) error
		if s.Region != "" {
			opts = append(opts, config.WithRegion(s.Region))
		}
		if s.Credentials != nil {
			opts = append(opts, config.WithCredentialsProvider(s.Credentials))
		}
		var err error
		cfg, err = config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("%s: loading the AWS configuration: %s", s.Service, Secrets(nil).Redact(err.Error()))
		}
	}
	if s.Region != "" {
		cfg.Region = s.Region
	}
	if cfg.Region == "" {
		return nil, errors.New(s.Service + ": Config.Region: required: no region in Config, AWSConfig, AWS_REGION or the shared config file")
	}
	if s.Credentials != nil {
		cfg.Credentials = s.Credentials
	}
	st := &Setup{Config: cfg, Secrets: Secrets(cfg.Credentials)}
	if s.MaxAttempts != 0 || s.AWSConfig == nil || s.AWSConfig.Retryer == nil {
		st.Retryer = NewRetryer(s.MaxAttempts, s.MaxBackoff)
	}
	switch {
	case s.HTTPClient != nil:
		st.HTTPClient = wholebody.Client(s.HTTPClient)
	case s.AWSConfig != nil && s.AWSConfig.HTTPClient != nil:
		st.HTTPClient = wholebody.Client(s.AWSConfig.HTTPClient)
	default:
		st.HTTPClient = NewHTTPClient(s.MaxIdleConnsPerHost)
	}
	return st, nil
}
