package sagemaker

import (
	"context"
	"fmt"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
	"github.com/llmtest/llmtest/endpoints/internal/jsonpath"
)

// invoke calls InvokeEndpoint and reads the text and token counts out of
// the response body with the paths of the payload's style.
func (e *Endpoint) invoke(ctx context.Context, p *prepared, rec endpoints.Recorder) error {
	const name = "invoke"
	var at awsrt.Attempts
	out, err := e.client.InvokeEndpoint(ctx, p.invoke, attempts(&at))
	at.Report(rec)
	if err != nil {
		return e.callError(ctx, name, err)
	}
	requestID(out.ResultMetadata, rec)
	body := out.Body
	ps := p.paths

	text, found, err := ps.text.Text(body, nil)
	if err == nil && !found {
		_, err = ps.text.Get(body) // nil for a null text, which is empty
	}
	if err != nil {
		return fmt.Errorf("sagemaker: %s: response: %w", name, err)
	}
	if ps.reasoning != nil {
		reasoning, found, err := ps.reasoning.Text(body, nil)
		if err != nil {
			return fmt.Errorf("sagemaker: %s: response: %w", name, err)
		}
		if found && len(reasoning) > 0 {
			rec.Reasoning(string(reasoning))
		}
	}
	rec.Complete(string(text))

	in, err := count(ps.inTokens, body)
	if err != nil {
		return fmt.Errorf("sagemaker: %s: response: %w", name, err)
	}
	outTok, err := count(ps.outTokens, body)
	if err != nil {
		return fmt.Errorf("sagemaker: %s: response: %w", name, err)
	}
	if in > 0 || outTok > 0 {
		rec.Usage(endpoints.Usage{InputTokens: in, OutputTokens: outTok})
	}
	return nil
}

// count reads a token count at p in data: zero when p is nil, leads
// nowhere or to a negative number.
func count(p *jsonpath.Path, data []byte) (int, error) {
	if p == nil {
		return 0, nil
	}
	n, found, err := p.Count(data)
	if err != nil || !found {
		return 0, err
	}
	return max(n, 0), nil
}

// requestID reports the AWS request ID of a response as its ID.
func requestID(md middleware.Metadata, rec endpoints.Recorder) {
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok && id != "" {
		rec.ID(id)
	}
}
