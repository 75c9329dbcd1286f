package sagemaker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"
	"github.com/aws/smithy-go"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
	"github.com/llmtest/llmtest/internal/redact"
)

// ModelErrorType is StreamError.Type for an error object that the model
// server wrote into the stream, rather than an exception event of
// SageMaker's.
const ModelErrorType = "error"

// StreamError is a failure reported inside a response stream, after the
// response had begun: SageMaker's ModelStreamError or
// InternalStreamFailure exception event, or an error object the model
// server wrote into the stream as a line of its own (TGI's
// {"error": "...", "error_type": "..."}, OpenAI's {"error": {"message":
// ...}}, vLLM's {"object": "error", "message": ...}).
type StreamError struct {
	// Type is the exception's name, such as "ModelStreamError", or
	// ModelErrorType for an error object of the model server's.
	Type string
	// Code is ModelStreamError's error code, such as
	// "ModelInvocationTimeExceeded" or "StreamBroken", or the type or code
	// of an error object; empty when there is none.
	Code string
	// Message is the message, truncated to endpoints.MaxErrorMessage
	// bytes, without credentials.
	Message string
	// Events is the number of events that arrived before the failure.
	Events int
}

// Error returns "sagemaker: stream exception <type>: <message> (code
// <code>, after <n> events)", or for an error object "sagemaker: model
// error in the stream: <message> (code <code>, after <n> events)", leaving
// out what is empty.
func (e *StreamError) Error() string {
	var b strings.Builder
	if e.Type == ModelErrorType {
		b.WriteString("sagemaker: model error in the stream")
	} else {
		b.WriteString("sagemaker: stream exception ")
		b.WriteString(e.Type)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	b.WriteString(" (")
	if e.Code != "" {
		b.WriteString("code ")
		b.WriteString(e.Code)
		b.WriteString(", ")
	}
	b.WriteString("after ")
	b.WriteString(strconv.Itoa(e.Events))
	b.WriteString(" events)")
	return b.String()
}

// ModelError is SageMaker's ModelError response (HTTP 424 Failed
// Dependency): the model server in the container answered with an error
// status of its own. It unwraps to the response's *endpoints.StatusError,
// whose StatusCode is 424 and whose Message reads "ModelError: model
// status <code>: <original message>".
type ModelError struct {
	// Status is the error of the response, as for other error statuses.
	Status *endpoints.StatusError
	// OriginalStatusCode is the status code the model server answered
	// with; zero when SageMaker did not say.
	OriginalStatusCode int
	// OriginalMessage is the model server's message, truncated to
	// endpoints.MaxErrorMessage bytes, without credentials.
	OriginalMessage string
	// Message is SageMaker's message, likewise truncated and redacted.
	Message string
	// LogStreamARN is the CloudWatch log stream of the container.
	LogStreamARN string
}

// Error returns the Status error's text: "HTTP 424: ModelError: model
// status <code>: <message>".
func (e *ModelError) Error() string { return e.Status.Error() }

// Unwrap returns the *endpoints.StatusError.
func (e *ModelError) Unwrap() error { return e.Status }

// callError describes a failed call of the operation name: as
// awsrt.CallError does, and a *ModelError for SageMaker's
// ModelError.
func (e *Endpoint) callError(ctx context.Context, name string, err error) error {
	cerr := awsrt.CallError(ctx, e.secrets, "sagemaker", name, err)
	var me *types.ModelError
	var status *endpoints.StatusError
	if !errors.As(err, &me) || !errors.As(cerr, &status) {
		return cerr
	}
	r := e.secrets
	out := &ModelError{Status: status, Message: awsrt.Message(r, me.ErrorMessage())}
	if me.OriginalStatusCode != nil {
		out.OriginalStatusCode = int(*me.OriginalStatusCode)
	}
	if me.OriginalMessage != nil {
		out.OriginalMessage = awsrt.Message(r, *me.OriginalMessage)
	}
	if me.LogStreamArn != nil {
		out.LogStreamARN = *me.LogStreamArn
	}
	msg := "ModelError"
	if out.OriginalStatusCode != 0 {
		msg += ": model status " + strconv.Itoa(out.OriginalStatusCode)
	}
	if m := cmp.Or(out.OriginalMessage, out.Message); m != "" {
		msg += ": " + m
	}
	status.Message = awsrt.Message(r, msg)
	return out
}

// streamError describes the error that ended a stream: an exception event
// as a *StreamError, a broken or corrupt stream as an error wrapping
// endpoints.ErrIncompleteStream, and, once ctx is done, an error wrapping
// ctx.Err().
func (e *Endpoint) streamError(ctx context.Context, name string, err error, events int) error {
	if ctx.Err() != nil {
		return fmt.Errorf("sagemaker: %s: request ended after %d events: %w", name, events, ctx.Err())
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		se := &StreamError{
			Type:    redact.Truncate(awsrt.Message(e.secrets, apiErr.ErrorCode()), 64),
			Message: awsrt.Message(e.secrets, apiErr.ErrorMessage()),
			Events:  events,
		}
		var mse *types.ModelStreamError
		if errors.As(err, &mse) && mse.ErrorCode_ != nil {
			se.Code = awsrt.Message(e.secrets, *mse.ErrorCode_)
		}
		return se
	}
	cause := &awsrt.SDKError{Msg: e.secrets.Redact(err.Error()), Err: err}
	return fmt.Errorf("sagemaker: %s: %w after %d events: %w", name, endpoints.ErrIncompleteStream, events, cause)
}

// errNotPrepared is returned by Invoke for a Request that Prepare did not
// build.
var errNotPrepared = errors.New("sagemaker: Invoke: the request was not built by this package's Prepare")
