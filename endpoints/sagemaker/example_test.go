package sagemaker_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/sagemaker"
	"github.com/llmtest/llmtest/internal/awstest"
)

// A streamed TGI response from a fake SageMaker Runtime on 127.0.0.1: the
// lines arrive split across PayloadPart events, and the last one brings
// the token counts.
func Example() {
	body := `data:{"token":{"id":1,"text":"Hello","special":false},"generated_text":null,"details":null}` + "\n\n" +
		`data:{"token":{"id":2,"text":" there!","special":false},"generated_text":null,"details":null}` + "\n\n" +
		`data:{"token":{"id":0,"text":"</s>","special":true},"generated_text":"Hello there!","details":{"finish_reason":"eos_token","generated_tokens":3,"input_length":4}}` + "\n\n"
	var parts []awstest.Event
	for i := 0; i < len(body); i += 50 {
		parts = append(parts, awstest.PayloadPart([]byte(body[i:min(i+50, len(body))])))
	}
	srv := awstest.NewServer(awstest.Stream(parts...))
	defer srv.Close()

	ep, err := sagemaker.New(context.Background(), sagemaker.Config{
		EndpointName: "my-tgi-endpoint",
		API:          sagemaker.InvokeEndpointWithResponseStream,
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example-secret-key", ""),
		BaseEndpoint: srv.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	p, err := sagemaker.TGIPayload("Say hello", 16)
	if err != nil {
		fmt.Println(err)
		return
	}
	req, err := ep.Prepare(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(req.Body))
	var rec endpointstest.Recorder
	if err := ep.Invoke(context.Background(), req, &rec); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s %s: %q in %d chunks from %d parts\n", ep.Info().Provider, ep.Info().Model, ep.Info().Name, rec.Output(), len(rec.Chunks), len(parts))
	fmt.Printf("usage: %d in, %d out\n", rec.LastUsage.InputTokens, rec.LastUsage.OutputTokens)
	// Output:
	// {"inputs":"Say hello","parameters":{"details":true,"max_new_tokens":16},"stream":true}
	// sagemaker my-tgi-endpoint my-tgi-endpoint: "Hello there!" in 2 chunks from 8 parts
	// usage: 4 in, 3 out
}

// An OpenAI-style payload (as LMI containers serve it) that the container
// rejects: SageMaker answers with a ModelError, which carries the model's
// own status and message and is an *endpoints.StatusError too.
func ExampleModelError() {
	srv := awstest.NewServer(func(x *awstest.Exchange) {
		x.Header().Set("X-Amzn-ErrorType", "ModelError")
		x.JSON(424, `{"Message":"Received client error (400) from primary","OriginalStatusCode":400,"OriginalMessage":"max_tokens is too large"}`)
	})
	defer srv.Close()

	ep, err := sagemaker.New(context.Background(), sagemaker.Config{
		EndpointName: "my-lmi-endpoint",
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example-secret-key", ""),
		BaseEndpoint: srv.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	p, _ := sagemaker.ChatPayload("Write a novel", 1000000)
	req, err := ep.Prepare(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	err = ep.Invoke(context.Background(), req, &endpointstest.Recorder{})
	var me *sagemaker.ModelError
	var se *endpoints.StatusError
	fmt.Println(errors.As(err, &me), me.OriginalStatusCode, errors.As(err, &se), se.StatusCode)
	fmt.Println(err)
	// Output:
	// true 400 true 424
	// HTTP 424: ModelError: model status 400: max_tokens is too large
}

// Prepare checks a payload against its style and names the field at
// fault.
func ExampleEndpoint_Prepare() {
	ep, err := sagemaker.New(context.Background(), sagemaker.Config{
		EndpointName: "my-lmi-endpoint",
		API:          sagemaker.InvokeEndpointWithResponseStream,
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example-secret-key", ""),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	req, err := ep.Prepare(endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "Hi"}}, "max_tokens": 32})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(req.Body))
	_, err = ep.Prepare(endpoints.Payload{"messages": []any{map[string]any{"content": "Hi"}}})
	fmt.Println(err)
	// Output:
	// {"max_tokens":32,"messages":[{"content":"Hi","role":"user"}],"stream":true,"stream_options":{"include_usage":true}}
	// sagemaker: payload: messages[0].role: want a non-empty string, got null or nothing
}
