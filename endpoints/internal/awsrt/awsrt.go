// Package awsrt holds what the Bedrock and SageMaker endpoints share in
// their use of the AWS SDK for Go v2: the retryer and HTTP client a load
// test wants, the per-call attempt count, credential redaction, and the
// reading of AWS error responses.
package awsrt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/httpx"
	"github.com/llmtest/llmtest/endpoints/internal/redact"
	"github.com/llmtest/llmtest/internal/wholebody"
)

// NewRetryer returns the SDK's standard retryer making at most maxAttempts
// attempts (zero: one, no retry), pausing at most maxBackoff between them
// (zero: the SDK's default), without a client-side retry quota, which
// would turn retries into failures under sustained load.
func NewRetryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	if maxAttempts == 0 {
		maxAttempts = 1
	}
	if maxBackoff == 0 {
		maxBackoff = retry.DefaultMaxBackoff
	}
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
	})
}

// NewHTTPClient returns the SDK's HTTP client with maxIdle idle
// connections per host, wrapped by wholebody.Client.
func NewHTTPClient(maxIdle int) aws.HTTPClient {
	return wholebody.Client(awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = 0 // no limit across hosts
		t.MaxIdleConnsPerHost = maxIdle
	}))
}

// Attempts counts the attempts the SDK made for one call. Add it to the
// call's middleware stack (append Attempts.Add to the APIOptions of the
// call's options); it sits outermost and reads the retry middleware's
// attempt results as the call returns, whether it succeeded or failed.
type Attempts struct{ n int }

// Add adds the counting middleware to stack.
func (a *Attempts) Add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("llmtestAttempts", a.handle), middleware.Before)
}

func (a *Attempts) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	middleware.InitializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleInitialize(ctx, in)
	if r, ok := retry.GetAttemptResults(md); ok {
		a.n = len(r.Results)
	}
	return out, md, err
}

// Report tells rec how many times the request was retried, when the SDK
// said how many attempts it made.
func (a *Attempts) Report(rec endpoints.Recorder) {
	if a.n > 0 {
		rec.Retries(a.n - 1)
	}
}

// Redactor removes credentials from text that came from a service or from
// the SDK, before it reaches an error. It knows the secrets given to it
// and, once added to a client's middleware with Learn, every session token
// the client signs a request with, whatever provider supplied it (shared
// files, SSO, assumed roles, container or instance credentials). Its
// methods are safe for concurrent use.
type Redactor struct {
	static []string

	mu      sync.RWMutex
	learned []string // session tokens seen in signed requests, newest last
}

// Redacted replaces a credential in text.
const Redacted = "[REDACTED]"

// maxLearned bounds the session tokens a Redactor remembers; a token
// changes when the credentials are refreshed, at most a few times an hour.
const maxLearned = 16

// NewRedactor returns a Redactor for the given secrets; those shorter than
// 8 bytes are ignored, as redacting them would mangle ordinary text.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if len(s) >= 8 {
			r.static = append(r.static, s)
		}
	}
	return r
}

// Secrets returns a Redactor for the credentials the environment holds
// (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_BEARER_TOKEN_BEDROCK) and
// those of p when it is a static provider; other providers are not asked,
// since that could reach the network (Learn covers their session tokens).
func Secrets(p aws.CredentialsProvider) *Redactor {
	var secrets []string
	for _, name := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"} {
		secrets = append(secrets, os.Getenv(name))
	}
	var v aws.Credentials
	switch sp := p.(type) {
	case credentials.StaticCredentialsProvider:
		v = sp.Value
	case *credentials.StaticCredentialsProvider:
		if sp != nil {
			v = sp.Value
		}
	}
	return NewRedactor(append(secrets, v.SecretAccessKey, v.SessionToken)...)
}

// Learn adds to stack a middleware that, once a request is signed,
// remembers its session token (the X-Amz-Security-Token header) and its
// bearer token, so that no error shows them. Add it to a client's
// APIOptions.
func (r *Redactor) Learn(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("llmtestLearnTokens", r.learn), middleware.After)
}

func (r *Redactor) learn(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	if req, ok := in.Request.(*smithyhttp.Request); ok {
		r.remember(req.Header.Get("X-Amz-Security-Token"))
		if auth := req.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
			r.remember(strings.TrimPrefix(auth, "Bearer "))
		}
	}
	return next.HandleFinalize(ctx, in)
}

func (r *Redactor) remember(token string) {
	if len(token) < 8 {
		return
	}
	r.mu.RLock()
	known := slices.Contains(r.learned, token) || slices.Contains(r.static, token)
	r.mu.RUnlock()
	if known {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if slices.Contains(r.learned, token) {
		return
	}
	if len(r.learned) == maxLearned {
		r.learned = append(r.learned[:0], r.learned[1:]...)
	}
	r.learned = append(r.learned, token)
}

// Redact returns s with every credential replaced by Redacted.
func (r *Redactor) Redact(s string) string {
	for _, secret := range r.static {
		s = strings.ReplaceAll(s, secret, Redacted)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.learned {
		s = strings.ReplaceAll(s, secret, Redacted)
	}
	return s
}

// Message prepares a service's message for an error: one line, without
// credentials, at most endpoints.MaxErrorMessage bytes.
func (r *Redactor) Message(s string) string {
	s = r.Redact(s)
	s = strings.Join(strings.Fields(s), " ")
	return redact.Truncate(s, endpoints.MaxErrorMessage)
}

// SDKError is an error from the SDK with credentials taken out of its
// text. It unwraps to the original error.
type SDKError struct {
	Msg string
	Err error
}

func (e *SDKError) Error() string { return e.Msg }
func (e *SDKError) Unwrap() error { return e.Err }

// CallError describes a failed call of the operation name by service
// ("bedrock", "sagemaker"): an error wrapping ctx.Err() once ctx is done,
// an *endpoints.StatusError when the service answered with an error
// status, else the SDK's error without credentials.
func (r *Redactor) CallError(ctx context.Context, service, name string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %s: request ended: %w", service, name, ctx.Err())
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.HTTPStatusCode() != 0 {
		return r.StatusError(re, err)
	}
	return &SDKError{Msg: r.Redact(service + ": " + name + ": " + err.Error()), Err: err}
}

// StatusError builds the error for an error response: its status, and the
// service's error code and message.
func (r *Redactor) StatusError(re *awshttp.ResponseError, err error) *endpoints.StatusError {
	status := re.HTTPStatusCode()
	msg := http.StatusText(status)
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() != "UnknownError" {
		msg = apiErr.ErrorCode()
		if m := apiErr.ErrorMessage(); m != "" && m != "UnknownError" {
			msg += ": " + m
		}
	}
	return &endpoints.StatusError{
		StatusCode: status,
		Message:    r.Message(msg),
		RetryAfter: httpx.RetryAfter(re.Response.Header),
	}
}

// CheckBaseEndpoint validates the base endpoint URL of service ("bedrock",
// "sagemaker") and returns it as an endpoint's Info shows it: without
// query or fragment, which could hold a credential. A URL with user
// information is refused.
func CheckBaseEndpoint(service, s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		msg := service + ": Config.BaseEndpoint: not a valid URL"
		var uerr *url.Error
		if errors.As(err, &uerr) {
			msg += ": " + uerr.Err.Error()
		}
		return "", errors.New(msg)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%s: Config.BaseEndpoint: want an http or https URL, got scheme %q", service, u.Scheme)
	}
	if u.Host == "" {
		return "", errors.New(service + ": Config.BaseEndpoint: no host")
	}
	if u.User != nil {
		return "", errors.New(service + ": Config.BaseEndpoint: must not hold user information")
	}
	show := *u
	show.RawQuery, show.ForceQuery, show.Fragment, show.RawFragment = "", false, "", ""
	return show.String(), nil
}
