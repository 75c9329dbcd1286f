package awsrt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/llmtest/llmtest/internal/redact"
	"github.com/llmtest/llmtest/internal/wholebody"
)

// The defaults of the Settings, which bedrock and sagemaker publish as
// their own.
const (
	// DefaultMaxAttempts is the number of attempts per request when
	// MaxAttempts is zero: one, so that no request is retried and a load
	// test sees the service's throttling and errors as they are.
	DefaultMaxAttempts = 1
	// DefaultMaxBackoff is the longest pause between two attempts when
	// MaxBackoff is zero (the SDK's default).
	DefaultMaxBackoff = retry.DefaultMaxBackoff
	// DefaultMaxIdleConnsPerHost is the number of idle keep-alive
	// connections the default HTTP client keeps per host when
	// MaxIdleConnsPerHost is zero.
	DefaultMaxIdleConnsPerHost = 1024
)

// Settings are the AWS settings of an endpoint's Config, the fields of the
// same names, that bedrock.Config and sagemaker.Config share.
type Settings struct {
	// Service names the endpoint in errors: "bedrock", "sagemaker".
	Service string

	Region              string
	Credentials         aws.CredentialsProvider
	BaseEndpoint        string
	MaxAttempts         int
	MaxBackoff          time.Duration
	HTTPClient          aws.HTTPClient
	MaxIdleConnsPerHost int
	AWSConfig           *aws.Config
}

// Check validates the settings that need no AWS configuration, and
// returns BaseEndpoint as an endpoint's Info shows it (see
// CheckBaseEndpoint). An error names the Config field at fault.
func (s Settings) Check() (shownURL string, err error) {
	if s.MaxAttempts < 0 {
		return "", fmt.Errorf("%s: Config.MaxAttempts: want a positive number or zero, got %d", s.Service, s.MaxAttempts)
	}
	if s.MaxBackoff < 0 {
		return "", fmt.Errorf("%s: Config.MaxBackoff: want a positive duration or zero, got %v", s.Service, s.MaxBackoff)
	}
	if s.MaxIdleConnsPerHost < 0 {
		return "", fmt.Errorf("%s: Config.MaxIdleConnsPerHost: want a positive number or zero, got %d", s.Service, s.MaxIdleConnsPerHost)
	}
	if s.BaseEndpoint != "" {
		return CheckBaseEndpoint(s.Service, s.BaseEndpoint)
	}
	return "", nil
}

// Setup is what a service client is built from: pass Config to the
// service's NewFromConfig, with BaseEndpoint (when set) and RetryMaxAttempts
// zero set in its options function.
type Setup struct {
	// Config is the AWS configuration with everything settled: region and
	// credentials, the retryer, the HTTP client (wrapped by
	// wholebody.Client) and an APIOptions entry that teaches Secrets the
	// session tokens requests are signed with.
	Config aws.Config
	// Retryer is the retryer Config.Retryer returns; nil keeps
	// AWSConfig's, which applies when MaxAttempts is zero. When it is set,
	// the client's RetryMaxAttempts must be zero, else AWS_MAX_ATTEMPTS
	// would wrap it.
	Retryer aws.Retryer
	// Secrets redacts the credentials the endpoint holds, and those it
	// learns as requests are signed.
	Secrets *redact.Redactor
	// owned is the HTTP client Load built, nil for one the caller gave.
	owned *http.Client
}

// CloseIdleConnections releases the idle connections of the HTTP client
// Load built; it does nothing for a client from Settings.HTTPClient or
// AWSConfig.HTTPClient, whose owner closes it. It may be called more than
// once, and requests sent afterwards open new connections.
func (st *Setup) CloseIdleConnections() {
	if st != nil && st.owned != nil {
		st.owned.CloseIdleConnections()
	}
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
			return nil, fmt.Errorf("%s: loading the AWS configuration: %s", s.Service, Secrets(nil, "").Redact(err.Error()))
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
	st := &Setup{Secrets: Secrets(cfg.Credentials, s.BaseEndpoint)}
	if s.MaxAttempts != 0 || s.AWSConfig == nil || s.AWSConfig.Retryer == nil {
		st.Retryer = NewRetryer(s.MaxAttempts, s.MaxBackoff)
		cfg.Retryer = func() aws.Retryer { return st.Retryer }
		cfg.RetryMaxAttempts = 0 // else AWS_MAX_ATTEMPTS would wrap the retryer
	}
	switch {
	case s.HTTPClient != nil:
		cfg.HTTPClient = wholebody.Client(s.HTTPClient)
	case s.AWSConfig != nil && s.AWSConfig.HTTPClient != nil:
		cfg.HTTPClient = wholebody.Client(s.AWSConfig.HTTPClient)
	default:
		st.owned = NewHTTPClient(cmp.Or(s.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost))
		cfg.HTTPClient = wholebody.Client(st.owned)
	}
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], Learn(st.Secrets))
	st.Config = cfg
	return st, nil
}
