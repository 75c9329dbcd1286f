package bedrock

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
	"github.com/llmtest/llmtest/internal/redact"
)

// StreamError is an exception event in a response stream: the service or
// the model failed after the response had begun (internalServerException,
// modelStreamErrorException, validationException, throttlingException,
// serviceUnavailableException, modelTimeoutException).
type StreamError struct {
	// Type is the exception's name, such as "ThrottlingException".
	Type string
	// Message is the service's message, truncated to
	// endpoints.MaxErrorMessage bytes, without credentials.
	Message string
	// OriginalStatusCode is the model's own status code that a
	// ModelStreamErrorException reports; zero otherwise.
	OriginalStatusCode int
	// Events is the number of events that arrived before the exception.
	Events int
}

// Error returns "bedrock: stream exception <type>: <message> (model status
// <code>, after <n> events)", leaving out what is empty.
func (e *StreamError) Error() string {
	var b strings.Builder
	b.WriteString("bedrock: stream exception ")
	b.WriteString(e.Type)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	var details []string
	if e.OriginalStatusCode != 0 {
		details = append(details, "model status "+strconv.Itoa(e.OriginalStatusCode))
	}
	details = append(details, "after "+strconv.Itoa(e.Events)+" events")
	b.WriteString(" (")
	b.WriteString(strings.Join(details, ", "))
	b.WriteString(")")
	return b.String()
}

// streamError describes the error that ended a stream: an exception event
// as a *StreamError, a broken or corrupt stream as an error wrapping
// endpoints.ErrIncompleteStream.
func (e *Endpoint) streamError(ctx context.Context, name string, err error, events int) error {
	if ctx.Err() != nil {
		return fmt.Errorf("bedrock: %s: request ended after %d events: %w", name, events, ctx.Err())
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		se := &StreamError{
			Type:    redact.Truncate(awsrt.Message(e.secrets, apiErr.ErrorCode()), 64),
			Message: awsrt.Message(e.secrets, apiErr.ErrorMessage()),
			Events:  events,
		}
		var mse *types.ModelStreamErrorException
		if errors.As(err, &mse) {
			if mse.OriginalStatusCode != nil {
				se.OriginalStatusCode = int(*mse.OriginalStatusCode)
			}
			if se.Message == "" && mse.OriginalMessage != nil {
				se.Message = awsrt.Message(e.secrets, *mse.OriginalMessage)
			}
		}
		return se
	}
	cause := &awsrt.SDKError{Msg: e.secrets.Redact(err.Error()), Err: err}
	return fmt.Errorf("bedrock: %s: %w after %d events: %w", name, endpoints.ErrIncompleteStream, events, cause)
}

// errNotPrepared is returned by Invoke for a Request that Prepare did not
// build.
var errNotPrepared = errors.New("bedrock: Invoke: the request was not built by this package's Prepare")
