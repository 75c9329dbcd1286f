package anthropic_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/anthropic"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/sim"
)

// Stream one request from the simulator's Messages route, with extended
// thinking, and look at what the endpoint reported.
func Example() {
	srv, err := sim.NewServer(sim.ServerConfig{
		Config: sim.Config{Seed: 1, MinOutputTokens: 12, MaxOutputTokens: 12},
		APIKey: "sk-ant-example",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	ep, err := anthropic.New(anthropic.Config{
		BaseURL: srv.URL + "/v1", // with or without /v1
		APIKey:  "sk-ant-example",
		Model:   "claude-sonnet-4-5",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	p, err := anthropic.MessagesPayload("Tell me a story", 64, 16)
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
	info := ep.Info()
	fmt.Printf("%s %s, stream %v, id %s\n", info.Provider, info.Name, req.Stream, rec.ResponseID)
	fmt.Printf("%d thinking deltas, then %d text deltas\n", len(rec.ReasoningChunks), len(rec.Chunks))
	fmt.Printf("usage: %d in, %d out\n", rec.LastUsage.InputTokens, rec.LastUsage.OutputTokens)
	// Output:
	// anthropic messages, stream true, id msg_sim_1
	// 8 thinking deltas, then 4 text deltas
	// usage: 4 in, 12 out
}

// MessagesPayload builds a payload; Prepare fills in the model and asks
// for a stream.
func ExampleMessagesPayload() {
	ep, err := anthropic.New(anthropic.Config{Model: "claude-sonnet-4-5"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	p, err := anthropic.MessagesPayload("Tell me a story", 2048, 1024)
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

	_, err = anthropic.MessagesPayload("Tell me a story", 1024, 1024)
	fmt.Println(err)
	// Output:
	// {"max_tokens":2048,"messages":[{"content":"Tell me a story","role":"user"}],"model":"claude-sonnet-4-5","stream":true,"thinking":{"budget_tokens":1024,"type":"enabled"}}
	// anthropic: MessagesPayload: thinkingBudget: want 0 (no thinking) or a number less than maxTokens (1024), got 1024
}

// Info names the endpoint without its key; the base URL is shown without
// "/v1".
func ExampleNew() {
	ep, err := anthropic.New(anthropic.Config{
		BaseURL: "https://api.anthropic.com/v1",
		APIKey:  "sk-ant-secret",
		Model:   "claude-haiku-4-5",
		Headers: map[string]string{"anthropic-beta": "context-1m-2025-08-07"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	fmt.Printf("%+v\n", ep.Info())

	_, err = anthropic.New(anthropic.Config{BaseURL: "api.anthropic.com"})
	fmt.Println(err)
	// Output:
	// {Provider:anthropic Model:claude-haiku-4-5 Name:messages URL:https://api.anthropic.com}
	// anthropic: Config.BaseURL: want an http or https URL, got scheme ""
}

// A failed request is an *endpoints.StatusError with the HTTP status and
// the message of Anthropic's error body; the simulator injects a 500.
func ExampleEndpoint_Invoke_statusError() {
	srv, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{ErrorRate: 1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ep, err := anthropic.New(anthropic.Config{BaseURL: srv.URL, Model: "claude-sonnet-4-5"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	req, err := ep.Prepare(endpoints.Payload{
		"messages":   []any{map[string]any{"role": "user", "content": "Hi"}},
		"max_tokens": 16,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = ep.Invoke(context.Background(), req, &endpointstest.Recorder{})
	var serr *endpoints.StatusError
	fmt.Println(errors.As(err, &serr), serr.StatusCode)
	fmt.Println(err)
	// Output:
	// true 500
	// HTTP 500: api_error: sim: injected fault (error) in request 1
}

// Redact takes every secret the endpoint holds out of a text, in any
// case: the key, credential headers, and the password and query values of
// its base URL. The llmtest engine passes each recorded response and error
// through it.
func ExampleEndpoint_Redact() {
	ep, err := anthropic.New(anthropic.Config{
		BaseURL: "https://gateway.example/anthropic?token=gw-12345678",
		APIKey:  "sk-ant-example-key",
		Headers: map[string]string{"X-Gateway-Auth": "hdr-12345678"},
		Model:   "claude-sonnet-4-5",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ep.Close() // releases its idle connections
	fmt.Println(ep.Redact("x-api-key: SK-ANT-EXAMPLE-KEY, token gw-12345678, auth hdr-12345678"))
	// Output:
	// x-api-key: [REDACTED], token [REDACTED], auth [REDACTED]
}
