package bedrock

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/internal/awstest"
)

// offline returns an Endpoint for preparing payloads; it sends nothing.
func offline(t testing.TB, api API) *Endpoint {
	t.Helper()
	e, err := New(t.Context(), Config{
		ModelID: testModel, API: api, Region: awstest.Region,
		Credentials: awstest.Credentials(), BaseEndpoint: "http://127.0.0.1:1",
	})
	require.NoError(t, err)
	return e
}

// payload decodes a JSON payload as a payload file would give it, with
// numbers as json.Number.
func payload(t testing.TB, s string) endpoints.Payload {
	t.Helper()
	var p endpoints.Payload
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&p))
	return p
}

func TestPrepareConverse(t *testing.T) {
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG fake"))
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF fake"))
	p := payload(t, `{
		"system": [{"text": "Be brief."}, {"cachePoint": {"type": "default"}}],
		"messages": [
			{"role": "user", "content": [
				{"image": {"format": "png", "source": {"bytes": "`+png+`"}}},
				{"document": {"format": "pdf", "name": "Report", "source": {"bytes": "`+pdf+`"}}},
				{"text": "Describe both."},
				{"cachePoint": {"type": "default", "ttl": "1h"}}
			]},
			{"role": "assistant", "content": "They are fakes."},
			{"role": "user", "content": [{"text": "Sure?"}]}
		],
		"inferenceConfig": {"maxTokens": 100, "temperature": 0.2, "topP": 0.9, "stopSequences": ["END"]},
		"additionalModelRequestFields": {"top_k": 50, "reasoning_config": {"type": "enabled", "budget_tokens": 12345678901}},
		"additionalModelResponseFieldPaths": ["/stop_sequence"],
		"performanceConfig": {"latency": "optimized"},
		"serviceTier": {"type": "priority"}
	}`)
	e := offline(t, Converse)
	req, err := e.Prepare(p)
	require.NoError(t, err)
	assert.False(t, req.Stream)
	assert.Nil(t, req.Body)
	assert.Equal(t, "Be brief.\nDescribe both.\nThey are fakes.\nSure?", req.Prompt)
	in := req.Data.(*prepared).converse
	require.NotNil(t, in)
	assert.Equal(t, testModel, *in.ModelId)
	require.Len(t, in.Messages, 3)
	assert.Equal(t, types.ConversationRoleUser, in.Messages[0].Role)
	require.Len(t, in.Messages[0].Content, 4)
	img := in.Messages[0].Content[0].(*types.ContentBlockMemberImage).Value
	assert.Equal(t, types.ImageFormatPng, img.Format)
	assert.Equal(t, []byte("\x89PNG fake"), img.Source.(*types.ImageSourceMemberBytes).Value)
	doc := in.Messages[0].Content[1].(*types.ContentBlockMemberDocument).Value
	assert.Equal(t, "Report", *doc.Name)
	assert.Equal(t, []byte("%PDF fake"), doc.Source.(*types.DocumentSourceMemberBytes).Value)
	assert.Equal(t, types.CacheTTLOneHour, in.Messages[0].Content[3].(*types.ContentBlockMemberCachePoint).Value.Ttl)
	assert.Equal(t, "They are fakes.", in.Messages[1].Content[0].(*types.ContentBlockMemberText).Value)
	assert.EqualValues(t, 100, *in.InferenceConfig.MaxTokens)
	assert.InDelta(t, 0.2, *in.InferenceConfig.Temperature, 1e-6)
	assert.Equal(t, []string{"END"}, in.InferenceConfig.StopSequences)
	assert.Equal(t, []string{"/stop_sequence"}, in.AdditionalModelResponseFieldPaths)
	assert.Equal(t, types.PerformanceConfigLatencyOptimized, in.PerformanceConfig.Latency)
	assert.Equal(t, types.ServiceTierTypePriority, in.ServiceTier.Type)
	require.Len(t, in.System, 2)

	// What the SDK sends: bytes as base64, numbers of the additional
	// fields as numbers, written as they were.
	srv := awstest.New(t, awstest.Reply(200, awstest.ConverseBody("ok", "", awstest.Usage{Input: 1, Output: 1})))
	e = newEndpoint(t, srv, Config{})
	var rec endpointstest.Recorder
	require.NoError(t, invoke(t, e, p, &rec))
	body := string(srv.Requests()[0].Body)
	assert.Contains(t, body, `"bytes":"`+png+`"`)
	assert.Contains(t, body, `"budget_tokens":12345678901`)
	assert.Contains(t, body, `"top_k":50`)
	assert.Contains(t, body, `"latency":"optimized"`)
	assert.NotContains(t, body, `"stream"`)
}

func TestPrepareConverseShortForms(t *testing.T) {
	e := offline(t, ConverseStream)
	req, err := e.Prepare(payload(t, `{"system":"Be kind.","messages":[{"role":"user","content":"Hi"}]}`))
	require.NoError(t, err)
	assert.True(t, req.Stream)
	in := req.Data.(*prepared).converseStream
	require.NotNil(t, in)
	assert.Equal(t, "Be kind.", in.System[0].(*types.SystemContentBlockMemberText).Value)
	assert.Equal(t, "Hi", in.Messages[0].Content[0].(*types.ContentBlockMemberText).Value)
	assert.Nil(t, in.InferenceConfig)
	assert.Equal(t, "Be kind.\nHi", req.Prompt)
}

func TestPrepareErrors(t *testing.T) {
	tests := []struct{ name, payload, want string }{
		{"no messages", `{}`, "bedrock: payload: messages: missing"},
		{"messages not a list", `{"messages":{}}`, "bedrock: payload: messages: want a non-empty list of messages, got an object"},
		{"empty messages", `{"messages":[]}`, "bedrock: payload: messages: want a non-empty list of messages, got an empty list"},
		{"unknown field", `{"messages":[{"role":"user","content":"x"}],"max_tokens":5}`,
			"bedrock: payload: max_tokens: unknown field, want one of messages, system, inferenceConfig, additionalModelRequestFields, additionalModelResponseFieldPaths, performanceConfig, serviceTier, stream"},
		{"message not an object", `{"messages":["hi"]}`, "bedrock: payload: messages[0]: want an object, got a string"},
		{"bad role", `{"messages":[{"role":"robot","content":"x"}]}`, `bedrock: payload: messages[0].role: want one of user, assistant, system, got "robot"`},
		{"missing role", `{"messages":[{"content":"x"}]}`, `bedrock: payload: messages[0].role: want one of user, assistant, system, got null or nothing`},
		{"unknown message field", `{"messages":[{"role":"user","content":"x","name":"bob"}]}`, "bedrock: payload: messages[0].name: unknown field, want one of role, content"},
		{"empty content", `{"messages":[{"role":"user","content":[]}]}`, "bedrock: payload: messages[0].content: want a non-empty list of blocks, got an empty list"},
		{"empty string content", `{"messages":[{"role":"user","content":""}]}`, "bedrock: payload: messages[0].content: want a non-empty string or a list of blocks, got an empty string"},
		{"content a number", `{"messages":[{"role":"user","content":5}]}`, "bedrock: payload: messages[0].content: want a string or a list of blocks, got the number 5"},
		{"OpenAI-style part", `{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]}`,
			`bedrock: payload: messages[0].content[0]: want exactly one of text, image, document, cachePoint, got 2 keys ["text" "type"]`},
		{"unknown block", `{"messages":[{"role":"user","content":[{"video":{}}]}]}`,
			"bedrock: payload: messages[0].content[0].video: unknown block type, want one of text, image, document, cachePoint"},
		{"empty text", `{"messages":[{"role":"user","content":[{"text":""}]}]}`, "bedrock: payload: messages[0].content[0].text: want a non-empty string, got an empty string"},
		{"image format", `{"messages":[{"role":"user","content":[{"image":{"format":"bmp","source":{"bytes":"AAAA"}}}]}]}`,
			`bedrock: payload: messages[0].content[0].image.format: want one of png, jpeg, gif, webp, got "bmp"`},
		{"image base64", `{"messages":[{"role":"user","content":[{"image":{"format":"png","source":{"bytes":"not base64!"}}}]}]}`,
			"bedrock: payload: messages[0].content[0].image.source.bytes: not valid base64"},
		{"image s3", `{"messages":[{"role":"user","content":[{"image":{"format":"png","source":{"s3Location":{"uri":"s3://b/k"}}}}]}]}`,
			"bedrock: payload: messages[0].content[0].image.source.s3Location: unknown field, want one of bytes"},
		{"image without source", `{"messages":[{"role":"user","content":[{"image":{"format":"png"}}]}]}`,
			`bedrock: payload: messages[0].content[0].image.source: want an object {"bytes": base64 data}, got null or nothing`},
		{"document name", `{"messages":[{"role":"user","content":[{"document":{"format":"pdf","source":{"bytes":"AAAA"}}}]}]}`,
			"bedrock: payload: messages[0].content[0].document.name: want a non-empty string, got null or nothing"},
		{"document format", `{"messages":[{"role":"user","content":[{"document":{"format":"rtf","name":"a","source":{"bytes":"AAAA"}}}]}]}`,
			`bedrock: payload: messages[0].content[0].document.format: want one of pdf, csv, doc, docx, xls, xlsx, html, txt, md, got "rtf"`},
		{"cachePoint type", `{"messages":[{"role":"user","content":[{"cachePoint":{"type":"forever"}}]}]}`,
			`bedrock: payload: messages[0].content[0].cachePoint.type: want one of default, got "forever"`},
		{"maxTokens zero", `{"messages":[{"role":"user","content":"x"}],"inferenceConfig":{"maxTokens":0}}`,
			"bedrock: payload: inferenceConfig.maxTokens: want a positive whole number, got the number 0"},
		{"maxTokens fraction", `{"messages":[{"role":"user","content":"x"}],"inferenceConfig":{"maxTokens":1.5}}`,
			"bedrock: payload: inferenceConfig.maxTokens: want a positive whole number, got the number 1.5"},
		{"max_tokens in inferenceConfig", `{"messages":[{"role":"user","content":"x"}],"inferenceConfig":{"max_tokens":10}}`,
			"bedrock: payload: inferenceConfig.max_tokens: unknown field, want one of maxTokens, temperature, topP, stopSequences"},
		{"temperature", `{"messages":[{"role":"user","content":"x"}],"inferenceConfig":{"temperature":"hot"}}`,
			"bedrock: payload: inferenceConfig.temperature: want a number, got a string"},
		{"stopSequences", `{"messages":[{"role":"user","content":"x"}],"inferenceConfig":{"stopSequences":["a",1]}}`,
			"bedrock: payload: inferenceConfig.stopSequences[1]: want a string, got the number 1"},
		{"system", `{"system":[{"image":{}}],"messages":[{"role":"user","content":"x"}]}`,
			"bedrock: payload: system[0].image: unknown block type, want one of text, cachePoint"},
		{"system empty", `{"system":"","messages":[{"role":"user","content":"x"}]}`,
			"bedrock: payload: system: want a non-empty string or a list of blocks, got an empty string"},
		{"additional fields", `{"messages":[{"role":"user","content":"x"}],"additionalModelRequestFields":[1]}`,
			"bedrock: payload: additionalModelRequestFields: want an object, got a list"},
		{"performance", `{"messages":[{"role":"user","content":"x"}],"performanceConfig":{"latency":"fast"}}`,
			`bedrock: payload: performanceConfig.latency: want one of standard, optimized, got "fast"`},
		{"stream", `{"messages":[{"role":"user","content":"x"}],"stream":"yes"}`, "bedrock: payload: stream: want a boolean, got a string"},
	}
	e := offline(t, Converse)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Prepare(payload(t, tt.payload))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
	_, err := e.Prepare(nil)
	assert.EqualError(t, err, "bedrock: payload: empty")
	_, err = e.Prepare(endpoints.Payload{"messages": func() {}})
	assert.ErrorContains(t, err, "bedrock: payload: json: unsupported type")
}

func TestPrepareInvoke(t *testing.T) {
	e := offline(t, InvokeModel)
	p := payload(t, `{"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"system":"Be brief.","max_tokens":12345678901234567,"stream":false}`)
	req, err := e.Prepare(p)
	require.NoError(t, err)
	assert.False(t, req.Stream)
	assert.JSONEq(t, `{"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"system":"Be brief.","max_tokens":12345678901234567}`, string(req.Body),
		"stream chooses the operation and is not sent")
	assert.Equal(t, false, req.Payload["stream"], "the payload keeps it")
	assert.Contains(t, string(req.Body), `12345678901234567`, "numbers are sent as written")
	assert.Equal(t, "Be brief.\nHi", req.Prompt)
	in := req.Data.(*prepared).invoke
	require.NotNil(t, in)
	assert.Equal(t, "application/json", *in.ContentType)
	assert.Equal(t, req.Body, in.Body)

	for body, prompt := range map[string]string{
		`{"prompt":"Once upon a time","max_gen_len":10}`: "Once upon a time",
		`{"inputText":"Titan says"}`:                     "Titan says",
		`{"inputs":"TGI says"}`:                          "TGI says",
		`{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"text":"b"}]}]}`: "a\nb",
		`{"anything":"else"}`: "",
	} {
		req, err := e.Prepare(payload(t, body))
		require.NoError(t, err, body)
		assert.Equal(t, prompt, req.Prompt, body)
	}

	_, err = e.Prepare(payload(t, `{"prompt":"x","stream":1}`))
	assert.EqualError(t, err, "bedrock: payload: stream: want a boolean, got the number 1")
}

func TestConversePayload(t *testing.T) {
	p, err := ConversePayload("What is this?", 64,
		WithSystem("Be brief."),
		WithImage("jpeg", []byte{0xff, 0xd8, 0xff}),
		WithDocument("txt", "notes", []byte("some notes")),
		WithTemperature(0.5),
		WithStream(true),
	)
	require.NoError(t, err)
	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"messages":[{"role":"user","content":[
			{"image":{"format":"jpeg","source":{"bytes":"/9j/"}}},
			{"document":{"format":"txt","name":"notes","source":{"bytes":"c29tZSBub3Rlcw=="}}},
			{"text":"What is this?"}]}],
		"inferenceConfig":{"maxTokens":64,"temperature":0.5},
		"system":[{"text":"Be brief."}],
		"stream":true}`, string(b))

	req, err := offline(t, Converse).Prepare(p)
	require.NoError(t, err)
	assert.True(t, req.Stream)
	in := req.Data.(*prepared).converseStream
	assert.Equal(t, []byte{0xff, 0xd8, 0xff}, in.Messages[0].Content[0].(*types.ContentBlockMemberImage).Value.Source.(*types.ImageSourceMemberBytes).Value)

	for _, tt := range []struct {
		text string
		max  int
		opts []PayloadOption
		want string
	}{
		{"", 10, nil, "bedrock: ConversePayload: text is empty"},
		{"  ", 10, nil, "bedrock: ConversePayload: text is empty"},
		{"x", 0, nil, "bedrock: ConversePayload: maxTokens: want a positive number, got 0"},
		{"x", 1, []PayloadOption{WithImage("bmp", []byte{1})}, `bedrock: ConversePayload: WithImage: format: want one of png, jpeg, gif, webp, got "bmp"`},
		{"x", 1, []PayloadOption{WithImage("png", nil)}, "bedrock: ConversePayload: WithImage: data is empty"},
		{"x", 1, []PayloadOption{WithDocument("pdf", "", []byte{1})}, "bedrock: ConversePayload: WithDocument: name is empty"},
		{"x", 1, []PayloadOption{WithDocument("exe", "a", []byte{1})}, `bedrock: ConversePayload: WithDocument: format: want one of pdf, csv, doc, docx, xls, xlsx, html, txt, md, got "exe"`},
		{"x", 1, []PayloadOption{WithDocument("pdf", "a", nil)}, "bedrock: ConversePayload: WithDocument: data is empty"},
		{"x", 1, []PayloadOption{WithSystem(" ")}, "bedrock: ConversePayload: WithSystem: text is empty"},
		{"x", 1, []PayloadOption{WithTemperature(-1)}, "bedrock: ConversePayload: WithTemperature: want a number from 0, got -1"},
	} {
		_, err := ConversePayload(tt.text, tt.max, tt.opts...)
		assert.EqualError(t, err, tt.want)
	}
}
