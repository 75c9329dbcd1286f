package sagemaker

import (
	"context"
	"fmt"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
)

// invoke calls InvokeEndpoint and reads the text and token counts out of
// the response body with the paths of the payload's style, in one pass.
func (e *Endpoint) invoke(ctx context.Context, p *prepared, rec endpoints.Recorder) error {
	const name = "invoke"
	var at awsrt.Attempts
	out, err := e.client.InvokeEndpoint(ctx, p.invoke, attempts(&at))
	at.Report(rec)
	if err != nil {
		return e.callError(ctx, name, err)
	}
	requestID(out.ResultMetadata, rec)
	u, err := p.paths.ReadBody(out.Body, rec)
	if err != nil {
		return fmt.Errorf("sagemaker: %s: response: %w", name, err)
	}
	if u.InputTokens > 0 || u.OutputTokens > 0 {
		rec.Usage(u)
	}
	return nil
}

// requestID reports the AWS request ID of a response as its ID.
func requestID(md middleware.Metadata, rec endpoints.Recorder) {
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok && id != "" {
		rec.ID(id)
	}
}
