package bedrock

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
)

// invoke calls InvokeModel and reads the text and token counts out of the
// response body with the configured paths, in one pass.
func (e *Endpoint) invoke(ctx context.Context, in *bedrockruntime.InvokeModelInput, rec endpoints.Recorder) error {
	var at awsrt.Attempts
	out, err := e.client.InvokeModel(ctx, in, attempts(&at))
	at.Report(rec)
	if err != nil {
		return awsrt.CallError(ctx, e.secrets, "bedrock", "invoke", err)
	}
	awsrt.RequestID(out.ResultMetadata, rec)
	u, err := e.paths.ReadBody(out.Body, rec)
	if err != nil {
		return fmt.Errorf("bedrock: invoke: response: %w", err)
	}
	if resp, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response); ok {
		if u.InputTokens == 0 {
			u.InputTokens = headerCount(resp.Header.Get(inputTokensHeader))
		}
		if u.OutputTokens == 0 {
			u.OutputTokens = headerCount(resp.Header.Get(outputTokensHeader))
		}
	}
	if u.InputTokens > 0 || u.OutputTokens > 0 {
		rec.Usage(u)
	}
	return nil
}

func headerCount(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// invokeStream calls InvokeModelWithResponseStream and reads the text,
// reasoning and token counts out of each chunk with the configured paths.
func (e *Endpoint) invokeStream(ctx context.Context, in *bedrockruntime.InvokeModelWithResponseStreamInput, rec endpoints.Recorder) error {
	const name = "invoke-stream"
	var at awsrt.Attempts
	out, err := e.client.InvokeModelWithResponseStream(ctx, in, attempts(&at), ownProtocol)
	at.Report(rec)
	if err != nil {
		return awsrt.CallError(ctx, e.secrets, "bedrock", name, err)
	}
	stream := out.GetStream()
	defer stream.Close()
	awsrt.RequestID(out.ResultMetadata, rec)

	ps := e.paths
	cr := ps.NewChunkReader()
	events := stream.Events()
	n := 0
	ended := false
	for {
		var ev types.ResponseStream
		var ok bool
		select {
		case ev, ok = <-events:
		case <-ctx.Done():
			return e.streamError(ctx, name, ctx.Err(), n)
		}
		if !ok {
			if err := stream.Err(); err != nil {
				return e.streamError(ctx, name, err, n)
			}
			if ctx.Err() != nil {
				return e.streamError(ctx, name, ctx.Err(), n)
			}
			if !ended && !e.ignoreStreamEnd {
				return fmt.Errorf("bedrock: %s: %w: the stream ended after %d events without a chunk with %s",
					name, endpoints.ErrIncompleteStream, n, ps.StreamEnd)
			}
			return nil
		}
		n++
		chunk, ok := ev.(*types.ResponseStreamMemberChunk)
		if !ok {
			continue // an event this version of the API does not define
		}
		c, err := cr.ReadChunk(chunk.Value.Bytes)
		if err != nil {
			return fmt.Errorf("bedrock: %s: chunk %d: %w", name, n, err)
		}
		if len(c.Text) > 0 {
			rec.TextBytes(c.Text)
		}
		if len(c.Reasoning) > 0 {
			rec.Reasoning(string(c.Reasoning))
		}
		if c.Usage.InputTokens > 0 || c.Usage.OutputTokens > 0 {
			rec.Usage(c.Usage)
		}
		ended = ended || c.End
	}
}
