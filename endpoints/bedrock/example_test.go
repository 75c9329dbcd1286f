package bedrock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/llmtest/llmtest/endpoints/bedrock"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/internal/awstest"
)

// A ConverseStream call to a fake Bedrock Runtime on 127.0.0.1, which
// answers with SDK-encoded event stream frames: reasoning, text and the
// metadata event's usage.
func Example() {
	srv := awstest.NewServer(awstest.Stream(
		awstest.MessageStart(),
		awstest.ReasoningDelta("The user greets me."),
		awstest.TextDelta("Hello"),
		awstest.TextDelta(" there!"),
		awstest.ContentBlockStop(),
		awstest.MessageStop("end_turn"),
		awstest.Metadata(awstest.Usage{Input: 12, Output: 9, CacheRead: 4}, 120),
	))
	defer srv.Close()

	ep, err := bedrock.New(context.Background(), bedrock.Config{
		ModelID:      "us.anthropic.claude-sonnet-4-20250514-v1:0",
		API:          bedrock.ConverseStream,
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example-secret-key", ""),
		BaseEndpoint: srv.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	p, err := bedrock.ConversePayload("Say hello.", 64, bedrock.WithSystem("Be brief."))
	if err != nil {
		fmt.Println(err)
		return
	}
	req, err := ep.Prepare(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	var rec endpointstest.Recorder
	if err := ep.Invoke(context.Background(), req, &rec); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s\n", ep.Info().Provider, ep.Info().Name)
	fmt.Printf("prompt %q, stream %v\n", req.Prompt, req.Stream)
	fmt.Printf("text %q in %d chunks, reasoning %q\n", rec.Output(), len(rec.Chunks), strings.Join(rec.ReasoningChunks, ""))
	u := rec.LastUsage
	fmt.Printf("usage: %d in (%d cached), %d out\n", u.InputTokens, u.CachedInputTokens, u.OutputTokens)
	// Output:
	// bedrock converse-stream
	// prompt "Be brief.\nSay hello.", stream true
	// text "Hello there!" in 2 chunks, reasoning "The user greets me."
	// usage: 16 in (4 cached), 9 out
}

// A Converse payload with an image, ready to be saved in a payload file.
func ExampleConversePayload() {
	p, err := bedrock.ConversePayload("What is in this picture?", 128,
		bedrock.WithImage("png", []byte{0x89, 'P', 'N', 'G'}),
		bedrock.WithTemperature(0.2))
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(p)
	fmt.Println(string(b))
	// Output:
	// {"inferenceConfig":{"maxTokens":128,"temperature":0.2},"messages":[{"content":[{"image":{"format":"png","source":{"bytes":"iVBORw=="}}},{"text":"What is in this picture?"}],"role":"user"}]}
}

// InvokeModelWithResponseStream with JSON paths for a model whose chunks
// are not OpenAI-shaped (Amazon Titan Text here).
func ExampleConfig_jsonPaths() {
	srv := awstest.NewServer(awstest.Stream(
		awstest.Chunk(`{"outputText":"Hi","index":0}`),
		awstest.Chunk(`{"outputText":" you","index":0,"amazon-bedrock-invocationMetrics":{"inputTokenCount":3,"outputTokenCount":2}}`),
	))
	defer srv.Close()

	ep, err := bedrock.New(context.Background(), bedrock.Config{
		ModelID:        "amazon.titan-text-express-v1",
		API:            bedrock.InvokeModelWithResponseStream,
		Region:         "us-east-1",
		Credentials:    credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example-secret-key", ""),
		BaseEndpoint:   srv.URL,
		StreamTextPath: "outputText",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	req, err := ep.Prepare(map[string]any{"inputText": "Greet me", "textGenerationConfig": map[string]any{"maxTokenCount": 8}})
	if err != nil {
		fmt.Println(err)
		return
	}
	var rec endpointstest.Recorder
	if err := ep.Invoke(context.Background(), req, &rec); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q %v, usage %d in, %d out\n", rec.Output(), rec.Chunks, rec.LastUsage.InputTokens, rec.LastUsage.OutputTokens)
	// Output:
	// "Hi you" [Hi  you], usage 3 in, 2 out
}
