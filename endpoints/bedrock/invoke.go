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
// response body with the configured paths.
func (e *Endpoint) invoke(ctx context.Context, in *bedrockruntime.InvokeModelInput, rec endpoints.Recorder) error {
	var at awsrt.Attempts
	out, err := e.client.InvokeModel(ctx, in, attempts(&at))
	at.Report(rec)
	if err != nil {
		return e.secrets.CallError(ctx, "bedrock", "invoke", err)
	}
	requestID(out.ResultMetadata, rec)
	body := out.Body
	ps := e.paths

	text, found, err := ps.text.Text(body, nil)
	if err == nil && !found {
		_, err = ps.text.Get(body) // nil for a null text, which is empty
	}
	if err != nil {
		return fmt.Errorf("bedrock: invoke: response: %w", err)
	}
	reasoning, found, err := ps.reasoning.Text(body, nil)
	if err != nil {
		return fmt.Errorf("bedrock: invoke: response: %w", err)
	}
	if found && len(reasoning) > 0 {
		rec.Reasoning(string(reasoning))
	}
	rec.Complete(string(text))

	var u endpoints.Usage
	if u.InputTokens, _, err = ps.inTokens.Count(body); err != nil {
		return fmt.Errorf("bedrock: invoke: response: %w", err)
	}
	if u.OutputTokens, _, err = ps.outTokens.Count(body); err != nil {
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
		rec.Usage(endpoints.Usage{InputTokens: max(u.InputTokens, 0), OutputTokens: max(u.OutputTokens, 0)})
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
		return e.secrets.CallError(ctx, "bedrock", name, err)
	}
	stream := out.GetStream()
	defer stream.Close()
	requestID(out.ResultMetadata, rec)

	ps := e.paths
	var buf [512]byte // unescaped text, reused from chunk to chunk
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
					name, endpoints.ErrIncompleteStream, n, ps.streamEnd)
			}
			return nil
		}
		n++
		chunk, ok := ev.(*types.ResponseStreamMemberChunk)
		if !ok {
			continue // an event this version of the API does not define
		}
		b := chunk.Value.Bytes
		if t, found, err := ps.streamText.Text(b, buf[:0]); err != nil {
			return fmt.Errorf("bedrock: %s: chunk %d: %w", name, n, err)
		} else if found && len(t) > 0 {
			rec.TextBytes(t)
		}
		if t, found, err := ps.streamReasoning.Text(b, buf[:0]); err != nil {
			return fmt.Errorf("bedrock: %s: chunk %d: %w", name, n, err)
		} else if found && len(t) > 0 {
			rec.Reasoning(string(t))
		}
		inTok, inFound, err := ps.streamIn.Count(b)
		if err != nil {
			return fmt.Errorf("bedrock: %s: chunk %d: %w", name, n, err)
		}
		outTok, outFound, err := ps.streamOut.Count(b)
		if err != nil {
			return fmt.Errorf("bedrock: %s: chunk %d: %w", name, n, err)
		}
		if (inFound && inTok > 0) || (outFound && outTok > 0) {
			rec.Usage(endpoints.Usage{InputTokens: max(inTok, 0), OutputTokens: max(outTok, 0)})
		}
		if !ended {
			if ended, err = ps.streamEnd.Present(b); err != nil {
				return fmt.Errorf("bedrock: %s: chunk %d: %w", name, n, err)
			}
		}
	}
}
