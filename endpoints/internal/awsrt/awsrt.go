// Package awsrt is what the Bedrock and SageMaker endpoints share in their
// use of the AWS SDK for Go v2, so that each idea has one home:
//
//   - the client set-up ([Settings], [Load]): the configuration loaded,
//     the retryer and HTTP client a load test wants, and the credentials
//     redacted;
//   - the JSON paths of the model's own bodies and chunks ([PathConfig],
//     [ParsePaths], [Paths]), read in one pass per document;
//   - the payload reading of Prepare ([DecodePayload], [StreamFlag],
//     [FieldError]);
//   - the per-call attempt count ([Attempts]) and the errors of calls and
//     error responses ([CallError], [StatusError]), without credentials.
package awsrt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/httpx"
	"github.com/llmtest/llmtest/internal/redact"
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

// NewHTTPClient returns an HTTP client on the SDK's default transport
// settings with maxIdle idle connections per host, which follows no
// redirect (the runtime APIs send none) and which the caller can release
// the idle connections of (CloseIdleConnections). The SDK's own client
// offers no way to reach its transport.
func NewHTTPClient(maxIdle int) *http.Client {
	tr := awshttp.NewBuildableClient().GetTransport() // a fresh copy
	tr.MaxIdleConns = 0                               // no limit across hosts
	tr.MaxIdleConnsPerHost = maxIdle
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
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

// RequestID reports the AWS request ID of a response, from the call's
// metadata, as its ID.
func RequestID(md middleware.Metadata, rec endpoints.Recorder) {
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok && id != "" {
		rec.ID(id)
	}
}

// Secrets returns the redactor of an endpoint's credentials: those the
// environment holds (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// AWS_BEARER_TOKEN_BEDROCK), those of p when it is a static provider, and
// the secrets of the base endpoint URL baseURL (its query values) when it
// is set. Other providers are not asked, since that could reach the
// network; Learn covers their session tokens.
func Secrets(p aws.CredentialsProvider, baseURL string) *redact.Redactor {
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
	secrets = append(secrets, v.SecretAccessKey, v.SessionToken)
	if u, err := url.Parse(baseURL); err == nil && baseURL != "" {
		secrets = append(secrets, redact.URLSecrets(u)...)
	}
	return redact.New(secrets...)
}

// Learn returns a client option (for APIOptions) that adds to the stack a
// middleware which, once a request is signed, teaches r its session token
// (the X-Amz-Security-Token header) and its bearer token, whatever
// provider supplied them (shared files, SSO, assumed roles, container or
// instance credentials), so that no error and no response text shows them.
func Learn(r *redact.Redactor) func(*middleware.Stack) error {
	learn := func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
		middleware.FinalizeOutput, middleware.Metadata, error,
	) {
		if req, ok := in.Request.(*smithyhttp.Request); ok {
			r.Learn(req.Header.Get("X-Amz-Security-Token"))
			if auth := req.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
				r.Learn(strings.TrimPrefix(auth, "Bearer "))
			}
		}
		return next.HandleFinalize(ctx, in)
	}
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("llmtestLearnTokens", learn), middleware.After)
	}
}

// Message prepares a service's message for an error: one line, without
// credentials, at most endpoints.MaxErrorMessage bytes.
func Message(r *redact.Redactor, s string) string { return r.Message(s, endpoints.MaxErrorMessage) }

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
// status, else the SDK's error with r's secrets taken out.
func CallError(ctx context.Context, r *redact.Redactor, service, name string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %s: request ended: %w", service, name, ctx.Err())
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.HTTPStatusCode() != 0 {
		return StatusError(r, re, err)
	}
	return &SDKError{Msg: r.Redact(service + ": " + name + ": " + err.Error()), Err: err}
}

// StatusError builds the error for an error response: its status, and the
// service's error code and message without r's secrets.
func StatusError(r *redact.Redactor, re *awshttp.ResponseError, err error) *endpoints.StatusError {
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
		Message:    Message(r, msg),
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
		return "", httpx.URLError(service+": Config.BaseEndpoint", s, err, nil)
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
