package sagemaker

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/internal/awstest"
)

// offline returns an Endpoint for preparing payloads; it sends nothing.
func offline(t testing.TB, cfg Config) *Endpoint {
	t.Helper()
	cfg.EndpointName = testEndpoint
	cfg.Region = awstest.Region
	cfg.Credentials = awstest.Credentials()
	cfg.BaseEndpoint = "http://127.0.0.1:1"
	e, err := New(t.Context(), cfg)
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

func TestPrepare(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		payload string
		body    string
		stream  bool
		style   Style
		prompt  string
	}{
		{"TGI", Config{}, `{"inputs":"Hi","parameters":{"max_new_tokens":8,"temperature":0.5}}`,
			`{"inputs":"Hi","parameters":{"max_new_tokens":8,"temperature":0.5},"stream":false}`, false, TGI, "Hi"},
		{"TGI streamed by the API", Config{API: InvokeEndpointWithResponseStream}, `{"inputs":"Hi"}`,
			`{"inputs":"Hi","stream":true}`, true, TGI, "Hi"},
		{"TGI streamed by the payload", Config{}, `{"inputs":"Hi","stream":true}`,
			`{"inputs":"Hi","stream":true}`, true, TGI, "Hi"},
		{"OpenAI", Config{}, `{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"image_url","image_url":{"url":"data:x"}}]},{"role":"assistant","content":null}],"max_tokens":8}`,
			`{"max_tokens":8,"messages":[{"content":"Be brief.","role":"system"},{"content":[{"text":"Hi","type":"text"},{"image_url":{"url":"data:x"},"type":"image_url"}],"role":"user"},{"content":null,"role":"assistant"}],"stream":false}`,
			false, OpenAI, "Be brief.\nHi"},
		{"OpenAI streamed asks for usage", Config{API: InvokeEndpointWithResponseStream}, `{"messages":[{"role":"user","content":"Hi"}]}`,
			`{"messages":[{"content":"Hi","role":"user"}],"stream":true,"stream_options":{"include_usage":true}}`, true, OpenAI, "Hi"},
		{"OpenAI stream_options kept", Config{}, `{"messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":false}}`,
			`{"messages":[{"content":"Hi","role":"user"}],"stream":true,"stream_options":{"include_usage":false}}`, true, OpenAI, "Hi"},
		{"explicit style", Config{Style: OpenAI}, `{"messages":[{"role":"user","content":"Hi"}],"inputs":"ignored"}`,
			`{"inputs":"ignored","messages":[{"content":"Hi","role":"user"}],"stream":false}`, false, OpenAI, "Hi"},
		{"big numbers kept", Config{}, `{"inputs":"Hi","parameters":{"seed":12345678901234567890}}`,
			`{"inputs":"Hi","parameters":{"seed":12345678901234567890},"stream":false}`, false, TGI, "Hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := offline(t, tt.cfg)
			p := payload(t, tt.payload)
			before, err := json.Marshal(p)
			require.NoError(t, err)
			req, err := e.Prepare(p)
			require.NoError(t, err)
			after, err := json.Marshal(p)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "Prepare must not modify the payload")

			assert.Equal(t, tt.body, string(req.Body))
			assert.Equal(t, tt.stream, req.Stream)
			assert.Equal(t, tt.prompt, req.Prompt)
			got, err := json.Marshal(req.Payload)
			require.NoError(t, err)
			assert.Equal(t, tt.body, string(got))
			d := req.Data.(*prepared)
			assert.Equal(t, tt.style, d.style)
			if tt.stream {
				require.NotNil(t, d.stream)
				assert.Nil(t, d.invoke)
				assert.Equal(t, testEndpoint, aws.ToString(d.stream.EndpointName))
				assert.Equal(t, req.Body, d.stream.Body)
			} else {
				require.NotNil(t, d.invoke)
				assert.Nil(t, d.stream)
				assert.Equal(t, req.Body, d.invoke.Body)
			}
		})
	}
}

func TestPrepareErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		payload string
		want    string
	}{
		{"neither shape", Config{}, `{"prompt":"Hi"}`, `sagemaker: payload: want "inputs" (TGI style) or "messages" (OpenAI style), or set Config.Style`},
		{"stream not a boolean", Config{}, `{"inputs":"Hi","stream":"yes"}`, "sagemaker: payload: stream: want a boolean, got a string"},
		{"TGI without inputs", Config{Style: TGI}, `{"messages":[]}`, "sagemaker: payload: inputs: missing (the TGI style needs it)"},
		{"TGI empty inputs", Config{}, `{"inputs":""}`, "sagemaker: payload: inputs: want a non-empty string, got an empty string"},
		{"TGI inputs list", Config{}, `{"inputs":["a"]}`, "sagemaker: payload: inputs: want a non-empty string, got a list"},
		{"TGI parameters", Config{}, `{"inputs":"Hi","parameters":[1]}`, "sagemaker: payload: parameters: want an object, got a list"},
		{"TGI max_new_tokens", Config{}, `{"inputs":"Hi","parameters":{"max_new_tokens":0}}`, "sagemaker: payload: parameters.max_new_tokens: want a positive whole number, got the number 0"},
		{"TGI max_new_tokens fraction", Config{}, `{"inputs":"Hi","parameters":{"max_new_tokens":1.5}}`, "sagemaker: payload: parameters.max_new_tokens: want a positive whole number, got the number 1.5"},
		{"OpenAI without messages", Config{Style: OpenAI}, `{"inputs":"Hi"}`, "sagemaker: payload: messages: missing (the OpenAI style needs it)"},
		{"OpenAI empty messages", Config{}, `{"messages":[]}`, "sagemaker: payload: messages: want a non-empty list of messages, got an empty list"},
		{"OpenAI message not an object", Config{}, `{"messages":["Hi"]}`, "sagemaker: payload: messages[0]: want an object, got a string"},
		{"OpenAI role", Config{}, `{"messages":[{"role":"user","content":"a"},{"content":"b"}]}`, "sagemaker: payload: messages[1].role: want a non-empty string, got null or nothing"},
		{"OpenAI content", Config{}, `{"messages":[{"role":"user","content":7}]}`, "sagemaker: payload: messages[0].content: want a string, a list of parts or null, got the number 7"},
		{"OpenAI part", Config{}, `{"messages":[{"role":"user","content":["a"]}]}`, "sagemaker: payload: messages[0].content[0]: want an object, got a string"},
		{"OpenAI max_tokens", Config{}, `{"messages":[{"role":"user","content":"a"}],"max_tokens":-1}`, "sagemaker: payload: max_tokens: want a positive whole number, got the number -1"},
		{"OpenAI max_completion_tokens", Config{}, `{"messages":[{"role":"user","content":"a"}],"max_completion_tokens":"8"}`, "sagemaker: payload: max_completion_tokens: want a positive whole number, got a string"},
		{"OpenAI stream_options", Config{}, `{"messages":[{"role":"user","content":"a"}],"stream_options":true}`, "sagemaker: payload: stream_options: want an object, got a boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := offline(t, tt.cfg).Prepare(payload(t, tt.payload))
			assert.EqualError(t, err, tt.want)
		})
	}
	t.Run("nil", func(t *testing.T) {
		_, err := offline(t, Config{}).Prepare(nil)
		assert.EqualError(t, err, "sagemaker: payload: empty")
	})
	t.Run("not JSON", func(t *testing.T) {
		_, err := offline(t, Config{}).Prepare(endpoints.Payload{"inputs": make(chan int)})
		assert.ErrorContains(t, err, "sagemaker: payload: json: unsupported type")
	})
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no endpoint", Config{}, "sagemaker: Config.EndpointName: required"},
		{"bad endpoint", Config{EndpointName: "my endpoint"}, `sagemaker: Config.EndpointName: "my endpoint" is not a SageMaker name: want letters, digits and inner hyphens, at most 63`},
		{"endpoint too long", Config{EndpointName: strings.Repeat("a", 64)}, "sagemaker: Config.EndpointName: \"" + strings.Repeat("a", 64) + "\" is not a SageMaker name: want letters, digits and inner hyphens, at most 63"},
		{"bad component", Config{EndpointName: "ep", InferenceComponentName: "-ic"}, `sagemaker: Config.InferenceComponentName: "-ic" is not a SageMaker name: want letters, digits and inner hyphens, at most 63`},
		{"bad variant", Config{EndpointName: "ep", TargetVariant: "v/1"}, `sagemaker: Config.TargetVariant: "v/1" is not a SageMaker name: want letters, digits and inner hyphens, at most 63`},
		{"bad API", Config{EndpointName: "ep", API: "async"}, `sagemaker: Config.API: unknown API "async", want "invoke" or "invoke-stream"`},
		{"bad style", Config{EndpointName: "ep", Style: "djl"}, `sagemaker: Config.Style: unknown style "djl", want "tgi", "openai" or empty (chosen by the payload)`},
		{"bad custom attributes", Config{EndpointName: "ep", CustomAttributes: "a\nb"}, "sagemaker: Config.CustomAttributes: want printable ASCII, got byte 0x0a at offset 1"},
		{"long accept", Config{EndpointName: "ep", Accept: strings.Repeat("a", 1025)}, "sagemaker: Config.Accept: want at most 1024 characters, got 1025"},
		{"bad content type", Config{EndpointName: "ep", ContentType: "é"}, "sagemaker: Config.ContentType: want printable ASCII, got byte 0xc3 at offset 0"},
		{"negative attempts", Config{EndpointName: "ep", MaxAttempts: -1}, "sagemaker: Config.MaxAttempts: want a positive number or zero, got -1"},
		{"negative backoff", Config{EndpointName: "ep", MaxBackoff: -1}, "sagemaker: Config.MaxBackoff: want a positive duration or zero, got -1ns"},
		{"negative idle", Config{EndpointName: "ep", MaxIdleConnsPerHost: -1}, "sagemaker: Config.MaxIdleConnsPerHost: want a positive number or zero, got -1"},
		{"bad scheme", Config{EndpointName: "ep", BaseEndpoint: "ftp://x"}, `sagemaker: Config.BaseEndpoint: want an http or https URL, got scheme "ftp"`},
		{"user info", Config{EndpointName: "ep", BaseEndpoint: "https://user:" + awstest.SecretAccessKey + "@x"}, "sagemaker: Config.BaseEndpoint: must not hold user information"},
		{"bad path", Config{EndpointName: "ep", StreamTextPath: "a..b"}, "sagemaker: Config.StreamTextPath: "},
		{"no region", Config{EndpointName: "ep"}, "sagemaker: Config.Region: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(t.Context(), tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			awstest.AssertNoSecret(t, err.Error())
		})
	}
}

func TestInfo(t *testing.T) {
	e := offline(t, Config{API: InvokeEndpointWithResponseStream})
	assert.Equal(t, endpoints.Info{Provider: "sagemaker", Model: testEndpoint, Name: testEndpoint, URL: "http://127.0.0.1:1"}, e.Info())

	e, err := New(t.Context(), Config{
		EndpointName: "ep", InferenceComponentName: "ic-1", Region: awstest.Region, Credentials: awstest.Credentials(),
		BaseEndpoint: "https://runtime.sagemaker.us-east-1.amazonaws.com/?X-Amz-Security-Token=" + awstest.SessionToken,
	})
	require.NoError(t, err)
	assert.Equal(t, endpoints.Info{Provider: "sagemaker", Model: "ic-1", Name: "ep", URL: "https://runtime.sagemaker.us-east-1.amazonaws.com/"}, e.Info())
	awstest.AssertNoSecret(t, e.Info().URL)
}

func TestPayloadBuilders(t *testing.T) {
	p, err := TGIPayload("Hi", 8)
	require.NoError(t, err)
	assert.Equal(t, endpoints.Payload{"inputs": "Hi", "parameters": map[string]any{"max_new_tokens": 8, "details": true}}, p)
	p, err = ChatPayload("Hi", 8)
	require.NoError(t, err)
	assert.Equal(t, endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "Hi"}}, "max_tokens": 8}, p)
	for _, s := range []string{"", "  \n"} {
		_, err = TGIPayload(s, 8)
		assert.EqualError(t, err, "sagemaker: TGIPayload: prompt is empty")
		_, err = ChatPayload(s, 8)
		assert.EqualError(t, err, "sagemaker: ChatPayload: text is empty")
	}
	_, err = TGIPayload("Hi", 0)
	assert.EqualError(t, err, "sagemaker: TGIPayload: maxNewTokens: want a positive number, got 0")
	_, err = ChatPayload("Hi", -2)
	assert.EqualError(t, err, "sagemaker: ChatPayload: maxTokens: want a positive number, got -2")
}
