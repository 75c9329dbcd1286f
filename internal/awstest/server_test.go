package awstest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/internal/wholebody"
)

func TestMain(m *testing.M) {
	IsolateEnv()
	os.Exit(m.Run())
}

// httpClient is the SDK's HTTP client wrapped as the endpoints wrap it:
// without wholebody.Client, a response stream of the fast local server is
// now and then cut with "use of closed network connection" when the SDK
// closes the request body before net/http has finished with it (see
// package wholebody).
func httpClient() aws.HTTPClient { return wholebody.Client(awshttp.NewBuildableClient()) }

func bedrockClient(s *Server) *bedrockruntime.Client {
	return bedrockruntime.New(bedrockruntime.Options{
		Region:       Region,
		Credentials:  Credentials(),
		BaseEndpoint: aws.String(s.URL),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   httpClient(),
	})
}

func sagemakerClient(s *Server) *sagemakerruntime.Client {
	return sagemakerruntime.New(sagemakerruntime.Options{
		Region:       Region,
		Credentials:  Credentials(),
		BaseEndpoint: aws.String(s.URL),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   httpClient(),
	})
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestConverseStreamThroughTheSDK(t *testing.T) {
	s := New(t, Stream(
		MessageStart(),
		ReasoningDelta("thinking"),
		TextDelta("Hello"),
		TextDelta(" world"),
		ContentBlockStop(),
		MessageStop("end_turn"),
		Metadata(Usage{Input: 5, Output: 2, CacheRead: 3}, 42),
	))
	out, err := bedrockClient(s).ConverseStream(testContext(t), &bedrockruntime.ConverseStreamInput{
		ModelId:  aws.String("anthropic.claude-3:0"),
		Messages: []brtypes.Message{{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "Hi"}}}},
	})
	require.NoError(t, err)
	stream := out.GetStream()
	defer stream.Close()
	var kinds []string
	var text, reasoning string
	var usage *brtypes.TokenUsage
	for ev := range stream.Events() {
		switch v := ev.(type) {
		case *brtypes.ConverseStreamOutputMemberMessageStart:
			kinds = append(kinds, "start")
		case *brtypes.ConverseStreamOutputMemberContentBlockDelta:
			switch d := v.Value.Delta.(type) {
			case *brtypes.ContentBlockDeltaMemberText:
				text += d.Value
			case *brtypes.ContentBlockDeltaMemberReasoningContent:
				if r, ok := d.Value.(*brtypes.ReasoningContentBlockDeltaMemberText); ok {
					reasoning += r.Value
				}
			}
			kinds = append(kinds, "delta")
		case *brtypes.ConverseStreamOutputMemberContentBlockStop:
			kinds = append(kinds, "blockstop")
		case *brtypes.ConverseStreamOutputMemberMessageStop:
			kinds = append(kinds, "stop:"+string(v.Value.StopReason))
		case *brtypes.ConverseStreamOutputMemberMetadata:
			usage = v.Value.Usage
			kinds = append(kinds, "metadata")
		default:
			kinds = append(kinds, "other")
		}
	}
	require.NoError(t, stream.Err())
	assert.Equal(t, []string{"start", "delta", "delta", "delta", "blockstop", "stop:end_turn", "metadata"}, kinds)
	assert.Equal(t, "Hello world", text)
	assert.Equal(t, "thinking", reasoning)
	require.NotNil(t, usage)
	assert.EqualValues(t, 5, *usage.InputTokens)
	assert.EqualValues(t, 3, *usage.CacheReadInputTokens)

	reqs := s.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, ConverseStream, reqs[0].Operation)
	assert.Equal(t, "anthropic.claude-3:0", reqs[0].Target)
	assert.True(t, reqs[0].Signed("bedrock"), "SigV4: %s", reqs[0].Header.Get("Authorization"))
	assert.Equal(t, SessionToken, reqs[0].Header.Get("X-Amz-Security-Token"))
	assert.Contains(t, string(reqs[0].Body), `"text":"Hi"`)
}

func TestExceptionEventThroughTheSDK(t *testing.T) {
	s := New(t, Stream(MessageStart(), TextDelta("a"), Exception("throttlingException", "slow down")))
	out, err := bedrockClient(s).ConverseStream(testContext(t), &bedrockruntime.ConverseStreamInput{ModelId: aws.String("m")})
	require.NoError(t, err)
	stream := out.GetStream()
	defer stream.Close()
	n := 0
	for range stream.Events() {
		n++
	}
	assert.Equal(t, 2, n)
	var te *brtypes.ThrottlingException
	require.ErrorAs(t, stream.Err(), &te)
	assert.Equal(t, "slow down", te.ErrorMessage())
}

func TestInvokeModelStreamThroughTheSDK(t *testing.T) {
	s := New(t, Stream(Chunk(`{"a":1}`), Chunk(`{"b":"x"}`)))
	out, err := bedrockClient(s).InvokeModelWithResponseStream(testContext(t), &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: aws.String("meta.llama3"), Body: []byte(`{"prompt":"hi"}`), ContentType: aws.String("application/json"),
	})
	require.NoError(t, err)
	stream := out.GetStream()
	defer stream.Close()
	var got []string
	for ev := range stream.Events() {
		if c, ok := ev.(*brtypes.ResponseStreamMemberChunk); ok {
			got = append(got, string(c.Value.Bytes))
		}
	}
	require.NoError(t, stream.Err())
	assert.Equal(t, []string{`{"a":1}`, `{"b":"x"}`}, got)
	assert.Equal(t, InvokeModelWithResponseStream, s.Requests()[0].Operation)
}

func TestHTTPErrorThroughTheSDK(t *testing.T) {
	s := New(t, Fail(http.StatusTooManyRequests, "ThrottlingException", "Too many requests"))
	_, err := bedrockClient(s).InvokeModel(testContext(t), &bedrockruntime.InvokeModelInput{ModelId: aws.String("m"), Body: []byte(`{}`)})
	require.Error(t, err)
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusTooManyRequests, re.HTTPStatusCode())
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "ThrottlingException", apiErr.ErrorCode())
	assert.Equal(t, "Too many requests", apiErr.ErrorMessage())
}

func TestSageMakerThroughTheSDK(t *testing.T) {
	s := New(t,
		func(x *Exchange) { x.Body(200, "application/json", []byte(`[{"generated_text":"hi"}]`)) },
		Stream(PayloadPart([]byte(`data:{"token":{"te`)), PayloadPart([]byte(`xt":"a"}}`+"\n\n")), Exception("ModelStreamError", "boom")),
	)
	c := sagemakerClient(s)
	out, err := c.InvokeEndpoint(testContext(t), &sagemakerruntime.InvokeEndpointInput{
		EndpointName: aws.String("my-endpoint"), Body: []byte(`{"inputs":"x"}`), ContentType: aws.String("application/json"),
		InferenceComponentName: aws.String("ic-1"),
	})
	require.NoError(t, err)
	assert.Equal(t, `[{"generated_text":"hi"}]`, string(out.Body))

	sout, err := c.InvokeEndpointWithResponseStream(testContext(t), &sagemakerruntime.InvokeEndpointWithResponseStreamInput{
		EndpointName: aws.String("my-endpoint"), Body: []byte(`{"inputs":"x","stream":true}`),
	})
	require.NoError(t, err)
	stream := sout.GetStream()
	defer stream.Close()
	var got bytes.Buffer
	for ev := range stream.Events() {
		if p, ok := ev.(*smtypes.ResponseStreamMemberPayloadPart); ok {
			got.Write(p.Value.Bytes)
		}
	}
	assert.Equal(t, `data:{"token":{"text":"a"}}`+"\n\n", got.String())
	var mse *smtypes.ModelStreamError
	require.ErrorAs(t, stream.Err(), &mse)
	assert.Equal(t, "boom", mse.ErrorMessage())

	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, InvokeEndpoint, reqs[0].Operation)
	assert.Equal(t, "my-endpoint", reqs[0].Target)
	assert.Equal(t, "ic-1", reqs[0].Header.Get("X-Amzn-Sagemaker-Inference-Component"))
	assert.True(t, reqs[0].Signed("sagemaker"))
	assert.Equal(t, InvokeEndpointWithResponseStream, reqs[1].Operation)
}

func TestScriptAndStall(t *testing.T) {
	s := New(t,
		Fail(http.StatusServiceUnavailable, "ServiceUnavailableException", "busy"),
		func(x *Exchange) { x.Stall() },
	)
	c := bedrockClient(s)
	_, err := c.InvokeModel(testContext(t), &bedrockruntime.InvokeModelInput{ModelId: aws.String("m"), Body: []byte(`{}`)})
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 503, re.HTTPStatusCode())

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String("m"), Body: []byte(`{}`)})
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, 2, s.Hits())

	s.Handle()
	_, err = c.InvokeModel(testContext(t), &bedrockruntime.InvokeModelInput{ModelId: aws.String("m"), Body: []byte(`{}`)})
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 404, re.HTTPStatusCode())
	assert.Equal(t, 1, s.Hits())
}

func TestFrameAndEnv(t *testing.T) {
	f := TextDelta("x").Frame()
	assert.Greater(t, len(f), 16)
	assert.Equal(t, "true", os.Getenv("AWS_EC2_METADATA_DISABLED"))
	assert.Empty(t, os.Getenv("AWS_PROFILE"))
	AssertNoSecret(t, "nothing here", AccessKeyID)
	var ft failTB
	AssertNoSecret(&ft, "a "+strings.ToUpper(SessionToken)+" b")
	assert.True(t, ft.failed, "an upper-cased secret is found")
}

// failTB records whether a check failed.
type failTB struct {
	testing.TB
	failed bool
}

func (f *failTB) Helper()               {}
func (f *failTB) Errorf(string, ...any) { f.failed = true }

func TestEcho(t *testing.T) {
	s := New(t, func(x *Exchange) { x.JSON(200, `{"m":"`+Echo(x, true)+`"}`) })
	out, err := bedrockClient(s).InvokeModel(testContext(t), &bedrockruntime.InvokeModelInput{ModelId: aws.String("m"), Body: []byte(`{}`)})
	require.NoError(t, err)
	assert.Equal(t, `{"m":"echo: `+strings.ToUpper(SessionToken)+` `+strings.ToUpper(SecretAccessKey)+`"}`, string(out.Body))
}
