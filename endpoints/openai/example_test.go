package openai_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/openai"
)

// A streamed chat completion, from an OpenAI-compatible server on
// 127.0.0.1, reported to a Recorder.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, ""+
			`data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}`+"\n\n"+
			`data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hello"}}]}`+"\n\n"+
			": keep-alive\n\n"+
			`data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":" there!"}}]}`+"\n\n"+
			`data: {"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3}}`+"\n\n"+
			"data: [DONE]\n\n")
	}))
	defer srv.Close()

	ep, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", APIKey: "sk-example", Model: "my-model"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	p, err := openai.ChatPayload("Say hello", 16)
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
	fmt.Printf("%s %s: %q in %d chunks, id %s\n", ep.Info().Provider, ep.Info().Name, rec.Output(), len(rec.Chunks), rec.ResponseID)
	fmt.Printf("usage: %d in, %d out\n", rec.LastUsage.InputTokens, rec.LastUsage.OutputTokens)
	// Output:
	// openai chat/completions: "Hello there!" in 2 chunks, id chatcmpl-1
	// usage: 9 in, 3 out
}

// A streamed Responses API response: text deltas are the tokens, and the
// final response.completed event brings the usage.
func Example_responses() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, ""+
			"event: response.created\n"+
			`data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress","output":[],"usage":null}}`+"\n\n"+
			"event: response.reasoning_summary_text.delta\n"+
			`data: {"type":"response.reasoning_summary_text.delta","sequence_number":1,"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"A greeting."}`+"\n\n"+
			"event: response.output_text.delta\n"+
			`data: {"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hello"}`+"\n\n"+
			"event: response.output_text.delta\n"+
			`data: {"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":1,"content_index":0,"delta":" there!"}`+"\n\n"+
			"event: response.completed\n"+
			`data: {"type":"response.completed","sequence_number":4,"response":{"id":"resp_1","status":"completed","output":[],`+
			`"usage":{"input_tokens":9,"input_tokens_details":{"cached_tokens":0},"output_tokens":20,"output_tokens_details":{"reasoning_tokens":17},"total_tokens":29}}}`+"\n\n")
	}))
	defer srv.Close()

	ep, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", APIKey: "sk-example", Model: "o4-mini", API: openai.Responses})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	p, err := openai.ResponsesPayload("Say hello", 64)
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
	fmt.Printf("%s %s: %q in %d chunks, id %s\n", ep.Info().Provider, ep.Info().Name, rec.Output(), len(rec.Chunks), rec.ResponseID)
	fmt.Printf("reasoning: %q\n", rec.ReasoningChunks)
	fmt.Printf("usage: %d in, %d out, %d of them reasoning\n", rec.LastUsage.InputTokens, rec.LastUsage.OutputTokens, rec.LastUsage.ReasoningTokens)
	// Output:
	// openai responses: "Hello there!" in 2 chunks, id resp_1
	// reasoning: ["A greeting."]
	// usage: 9 in, 20 out, 17 of them reasoning
}

// A Responses API payload: Prepare fills in the model and asks for a
// stream; the Responses API needs no stream_options to report usage.
func ExampleResponsesPayload() {
	ep, err := openai.New(openai.Config{BaseURL: "http://127.0.0.1:8000/v1", Model: "my-model", API: openai.Responses})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	p, err := openai.ResponsesPayload("Tell me a story", 128)
	if err != nil {
		fmt.Println(err)
		return
	}
	p["instructions"] = "Be brief."
	req, err := ep.Prepare(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(req.Body))
	fmt.Printf("stream: %v prompt: %q\n", req.Stream, req.Prompt)
	// Output:
	// {"input":"Tell me a story","instructions":"Be brief.","max_output_tokens":128,"model":"my-model","stream":true}
	// stream: true prompt: "Be brief.\nTell me a story"
}

// Prepare fills in the model and asks for a stream with usage.
func ExampleChatPayload() {
	ep, err := openai.New(openai.Config{BaseURL: "http://127.0.0.1:8000/v1", Model: "my-model"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	p, err := openai.ChatPayload("Tell me a story", 128)
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
	fmt.Println("stream:", req.Stream, "prompt:", req.Prompt)

	_, err = openai.ChatPayload("", 128)
	fmt.Println(err)
	// Output:
	// {"max_tokens":128,"messages":[{"content":"Tell me a story","role":"user"}],"model":"my-model","stream":true,"stream_options":{"include_usage":true}}
	// stream: true prompt: Tell me a story
	// openai: ChatPayload: message is empty
}

// A completions payload, not streamed.
func ExampleCompletionPayload() {
	ep, err := openai.New(openai.Config{BaseURL: "http://127.0.0.1:8000/v1", Model: "my-model", API: openai.Completions})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	p, err := openai.CompletionPayload("Once upon a time", 64)
	if err != nil {
		fmt.Println(err)
		return
	}
	p["stream"] = false
	req, err := ep.Prepare(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(req.Body))
	fmt.Println(ep.Info().Name)
	// Output:
	// {"max_tokens":64,"model":"my-model","prompt":"Once upon a time","stream":false}
	// completions
}

// Azure OpenAI: the deployment URL, an API version, and the key in an
// api-key header. Info shows no secret.
func ExampleNew_azure() {
	ep, err := openai.New(openai.Config{
		BaseURL:    "https://my-resource.openai.azure.com/openai/deployments/gpt-4o",
		APIVersion: "2024-10-21",
		Headers:    map[string]string{"api-key": "azure-secret-key"},
		Model:      "gpt-4o",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	fmt.Printf("%+v\n", ep.Info())

	_, err = openai.New(openai.Config{BaseURL: "https://api.openai.com/v1", API: "embeddings"})
	fmt.Println(err)
	// Output:
	// {Provider:openai Model:gpt-4o Name:chat/completions URL:https://my-resource.openai.azure.com/openai/deployments/gpt-4o}
	// openai: Config.API: unknown API "embeddings", want "chat", "completions" or "responses"
}

// A server's error status becomes an *endpoints.StatusError.
func ExampleEndpoint_Invoke_statusError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`)
	}))
	defer srv.Close()

	ep, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "my-model"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	req, err := ep.Prepare(endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "Hi"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = ep.Invoke(context.Background(), req, &endpointstest.Recorder{})
	var serr *endpoints.StatusError
	fmt.Println(errors.As(err, &serr), serr.StatusCode, serr.RetryAfter)
	fmt.Println(err)
	// Output:
	// true 429 2s
	// HTTP 429: Rate limit reached (retry after 2s)
}

// Redact takes every secret the endpoint holds out of a text, in any
// case: the key, and the password, Basic authorization and query values of
// its base URL. The llmtest engine passes each recorded response and error
// through it.
func ExampleEndpoint_Redact() {
	ep, err := openai.New(openai.Config{
		BaseURL: "http://user:pw-12345678@127.0.0.1:8000/v1?key=qk-12345678",
		APIKey:  "sk-example-key",
		Model:   "my-model",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	fmt.Println(ep.Redact("echo: SK-EXAMPLE-KEY, key=qk-12345678, Basic dXNlcjpwdy0xMjM0NTY3OA=="))
	fmt.Println(ep.Info().URL)
	// Output:
	// echo: [REDACTED], key=[REDACTED], Basic [REDACTED]
	// http://127.0.0.1:8000/v1
}
