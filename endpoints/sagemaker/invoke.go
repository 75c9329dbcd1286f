package sagemaker

import (
	"context"
	"fmt"

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
	awsrt.RequestID(out.ResultMetadata, rec)
	u, err := p.paths.ReadBody(out.Body, rec)
	if err != nil {
		return fmt.Errorf("sagemaker: %s: response: %w", name, err)
	}
	if u.InputTokens > 0 || u.OutputTokens > 0 {
		rec.Usage(u)
	}
	return nil
}
