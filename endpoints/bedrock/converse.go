package bedrock

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
)

// converse calls Converse and reports the whole response.
func (e *Endpoint) converse(ctx context.Context, in *bedrockruntime.ConverseInput, rec endpoints.Recorder) error {
	var at awsrt.Attempts
	out, err := e.client.Converse(ctx, in, attempts(&at))
	at.Report(rec)
	if err != nil {
		return awsrt.CallError(ctx, e.secrets, "bedrock", "converse", err)
	}
	awsrt.RequestID(out.ResultMetadata, rec)
	msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok {
		return errors.New("bedrock: converse: the response has no output message")
	}
	var text, reasoning strings.Builder
	for _, block := range msg.Value.Content {
		switch b := block.(type) {
		case *types.ContentBlockMemberText:
			text.WriteString(b.Value)
		case *types.ContentBlockMemberReasoningContent:
			if r, ok := b.Value.(*types.ReasoningContentBlockMemberReasoningText); ok && r.Value.Text != nil {
				reasoning.WriteString(*r.Value.Text)
			}
		}
	}
	if reasoning.Len() > 0 {
		rec.Reasoning(reasoning.String())
	}
	rec.Complete(text.String())
	if u, ok := usage(out.Usage); ok {
		rec.Usage(u)
	}
	return nil
}

// converseStream calls ConverseStream and reports its events as they
// arrive.
func (e *Endpoint) converseStream(ctx context.Context, in *bedrockruntime.ConverseStreamInput, rec endpoints.Recorder) error {
	const name = "converse-stream"
	var at awsrt.Attempts
	out, err := e.client.ConverseStream(ctx, in, attempts(&at), ownProtocol)
	at.Report(rec)
	if err != nil {
		return awsrt.CallError(ctx, e.secrets, "bedrock", name, err)
	}
	stream := out.GetStream()
	defer stream.Close()
	awsrt.RequestID(out.ResultMetadata, rec)

	events := stream.Events()
	n := 0
	stopped := false
	for {
		var ev types.ConverseStreamOutput
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
			if !stopped {
				return fmt.Errorf("bedrock: %s: %w: the stream ended after %d events without messageStop", name, endpoints.ErrIncompleteStream, n)
			}
			return nil
		}
		n++
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			switch d := v.Value.Delta.(type) {
			case *types.ContentBlockDeltaMemberText:
				rec.Text(d.Value)
			case *types.ContentBlockDeltaMemberReasoningContent:
				if t, ok := d.Value.(*types.ReasoningContentBlockDeltaMemberText); ok {
					rec.Reasoning(t.Value)
				}
			}
		case *types.ConverseStreamOutputMemberMessageStop:
			stopped = true
		case *types.ConverseStreamOutputMemberMetadata:
			if u, ok := usage(v.Value.Usage); ok {
				rec.Usage(u)
			}
		}
	}
}

// usage converts Bedrock's token usage. Bedrock counts the prompt tokens
// read from and written to the prompt cache apart from inputTokens; the
// Recorder's InputTokens counts them all, CachedInputTokens those read.
func usage(u *types.TokenUsage) (endpoints.Usage, bool) {
	if u == nil {
		return endpoints.Usage{}, false
	}
	get := func(p *int32) int {
		if p == nil || *p < 0 {
			return 0
		}
		return int(*p)
	}
	cached := get(u.CacheReadInputTokens)
	r := endpoints.Usage{
		InputTokens:       get(u.InputTokens) + cached + get(u.CacheWriteInputTokens),
		OutputTokens:      get(u.OutputTokens),
		CachedInputTokens: cached,
	}
	return r, r != endpoints.Usage{}
}
