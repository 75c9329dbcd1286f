package bedrock

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/internal/jsonpath"
	"github.com/llmtest/llmtest/internal/awstest"
)

func prompt() endpoints.Payload {
	return endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "Hi"}}, "max_tokens": 16}
}

func TestInvokeModel(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		handler awstest.Handler
		text    string
		reason  []string
		usage   endpoints.Usage
		err     string
		errIs   error
	}{
		{"OpenAI shape", Config{}, awstest.Reply(200,
			`{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Hello \"you\"","reasoning_content":"hmm"}}],"usage":{"prompt_tokens":9,"completion_tokens":3}}`),
			`Hello "you"`, []string{"hmm"}, endpoints.Usage{InputTokens: 9, OutputTokens: 3}, "", nil},
		{"Llama shape with header counts", Config{TextPath: "generation"}, func(x *awstest.Exchange) {
			x.Header().Set("X-Amzn-Bedrock-Input-Token-Count", "11")
			x.Header().Set("X-Amzn-Bedrock-Output-Token-Count", "4")
			x.JSON(200, `{"generation":"Once upon","prompt_token_count":null,"stop_reason":"length"}`)
		}, "Once upon", nil, endpoints.Usage{InputTokens: 11, OutputTokens: 4}, "", nil},
		{"Anthropic shape", Config{TextPath: "content[0].text", InputTokensPath: "usage.input_tokens", OutputTokensPath: "usage.output_tokens"},
			awstest.Reply(200, `{"id":"msg_1","type":"message","content":[{"type":"text","text":"Bonjour"}],"usage":{"input_tokens":5,"output_tokens":2}}`),
			"Bonjour", nil, endpoints.Usage{InputTokens: 5, OutputTokens: 2}, "", nil},
		{"Mistral shape", Config{TextPath: "outputs[0].text"}, awstest.Reply(200, `{"outputs":[{"text":"Ciao","stop_reason":"stop"}]}`),
			"Ciao", nil, endpoints.Usage{}, "", nil},
		{"token list as a count", Config{TextPath: "[0].generated_text", OutputTokensPath: "[0].details.tokens"},
			awstest.Reply(200, `[{"generated_text":"ab","details":{"tokens":[{"id":1},{"id":2}]}}]`),
			"ab", nil, endpoints.Usage{OutputTokens: 2}, "", nil},
		{"null text is empty", Config{}, awstest.Reply(200, `{"choices":[{"message":{"content":null}}]}`), "", nil, endpoints.Usage{}, "", nil},
		{"text not found", Config{}, awstest.Reply(200, `{"choices":[]}`), "", nil, endpoints.Usage{},
			`bedrock: invoke: response: path "choices[0].message.content": at "choices[0]": not found (the array has 0 elements)`, jsonpath.ErrNotFound},
		{"wrong path for the model", Config{}, awstest.Reply(200, `{"generation":"x"}`), "", nil, endpoints.Usage{},
			`bedrock: invoke: response: path "choices[0].message.content": at "choices": not found (no such key)`, jsonpath.ErrNotFound},
		{"text of the wrong type", Config{}, awstest.Reply(200, `{"choices":[{"message":{"content":["a"]}}]}`), "", nil, endpoints.Usage{},
			`bedrock: invoke: response: path "choices[0].message.content": at "choices[0].message.content": wrong type (want a string, got an array)`, jsonpath.ErrType},
		{"not JSON", Config{}, func(x *awstest.Exchange) { x.Body(200, "text/plain", []byte("plain words")) }, "", nil, endpoints.Usage{},
			`bedrock: invoke: response: invalid JSON at offset 0: want a JSON value, found 'p'`, jsonpath.ErrSyntax},
		{"usage of the wrong type", Config{}, awstest.Reply(200, `{"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":"9"}}`), "", nil, endpoints.Usage{},
			`bedrock: invoke: response: path "usage.prompt_tokens": at "usage.prompt_tokens": wrong type (want a number, got a string)`, jsonpath.ErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New(t, tt.handler)
			tt.cfg.API = InvokeModel
			e := newEndpoint(t, srv, tt.cfg)
			var rec endpointstest.Recorder
			err := invoke(t, e, prompt(), &rec)
			if tt.err != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.err)
				assert.ErrorIs(t, err, tt.errIs)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.text, rec.Output())
			assert.Equal(t, 1, rec.CompleteCalls)
			assert.Equal(t, tt.reason, rec.ReasoningChunks)
			assert.Equal(t, tt.usage, rec.LastUsage)
			assert.Equal(t, "awstest-1", rec.ResponseID)

			r := srv.Requests()[0]
			assert.Equal(t, awstest.InvokeModel, r.Operation)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.JSONEq(t, `{"messages":[{"role":"user","content":"Hi"}],"max_tokens":16}`, string(r.Body))
			assert.True(t, r.Signed("bedrock"))
		})
	}
}

func TestInvokeModelStream(t *testing.T) {
	const (
		c1     = `{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}`
		c2     = `{"id":"c","choices":[{"index":0,"delta":{"content":"Hel"}}]}`
		c3     = `{"id":"c","choices":[{"index":0,"delta":{"reasoning_content":"think"}}]}`
		c4     = `{"id":"c","choices":[{"index":0,"delta":{"content":"lo\n"},"finish_reason":"stop"}]}`
		usage  = `{"id":"c","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":2}}`
		final  = `{"id":"c","choices":[],"amazon-bedrock-invocationMetrics":{"inputTokenCount":12,"outputTokenCount":2,"invocationLatency":300,"firstByteLatency":100}}`
		claude = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`
	)
	tests := []struct {
		name    string
		cfg     Config
		handler awstest.Handler
		chunks  []string
		reason  []string
		usage   endpoints.Usage
		err     string
		errIs   error
	}{
		{"OpenAI chunks with usage", Config{}, awstest.Stream(awstest.Chunk(c1), awstest.Chunk(c2), awstest.Chunk(c3), awstest.Chunk(c4), awstest.Chunk(usage), awstest.Chunk(final)),
			[]string{"Hel", "lo\n"}, []string{"think"}, endpoints.Usage{InputTokens: 12, OutputTokens: 2}, "", nil},
		{"usage from the invocation metrics", Config{}, awstest.Stream(awstest.Chunk(c2), awstest.Chunk(final)),
			[]string{"Hel"}, nil, endpoints.Usage{InputTokens: 12, OutputTokens: 2}, "", nil},
		{"Claude chunks", Config{StreamTextPath: "delta.text"}, awstest.Stream(
			awstest.Chunk(`{"type":"message_start","message":{"usage":{"input_tokens":5}}}`),
			awstest.Chunk(claude),
			awstest.Chunk(`{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":5,"outputTokenCount":1}}`)),
			[]string{"Hi"}, nil, endpoints.Usage{InputTokens: 5, OutputTokens: 1}, "", nil},
		{"ends without the invocation metrics", Config{}, awstest.Stream(awstest.Chunk(c2), awstest.Chunk(c4)),
			[]string{"Hel", "lo\n"}, nil, endpoints.Usage{},
			"bedrock: invoke-stream: incomplete stream: the stream ended after 2 events without a chunk with amazon-bedrock-invocationMetrics", endpoints.ErrIncompleteStream},
		{"IgnoreStreamEnd", Config{IgnoreStreamEnd: true}, awstest.Stream(awstest.Chunk(c2), awstest.Chunk(c4)),
			[]string{"Hel", "lo\n"}, nil, endpoints.Usage{}, "", nil},
		{"custom end path", Config{StreamEndPath: "choices[0].finish_reason"}, awstest.Stream(awstest.Chunk(c2), awstest.Chunk(c4)),
			[]string{"Hel", "lo\n"}, nil, endpoints.Usage{}, "", nil},
		{"cut inside a frame", Config{}, func(x *awstest.Exchange) {
			_ = x.Send(awstest.Chunk(c2))
			f := awstest.Chunk(final).Frame()
			_ = x.Write(f[:len(f)-5])
			x.Cut()
		}, []string{"Hel"}, nil, endpoints.Usage{}, "incomplete stream", endpoints.ErrIncompleteStream},
		{"exception", Config{}, awstest.Stream(awstest.Chunk(c2), awstest.Exception("modelTimeoutException", "Model took too long")),
			[]string{"Hel"}, nil, endpoints.Usage{}, "bedrock: stream exception ModelTimeoutException: Model took too long (after 1 events)", nil},
		{"chunk of another shape has no text", Config{}, awstest.Stream(awstest.Chunk(c2), awstest.Chunk(`{"choices":{"delta":1}}`), awstest.Chunk(final)),
			[]string{"Hel"}, nil, endpoints.Usage{InputTokens: 12, OutputTokens: 2}, "", nil},
		{"text of the wrong type", Config{}, awstest.Stream(awstest.Chunk(c2), awstest.Chunk(`{"choices":[{"delta":{"content":7}}]}`)),
			[]string{"Hel"}, nil, endpoints.Usage{}, `bedrock: invoke-stream: chunk 2: path "choices[0].delta.content": at "choices[0].delta.content": wrong type (want a string, got a number)`, jsonpath.ErrType},
		{"chunk not JSON", Config{}, awstest.Stream(awstest.Chunk(`data: {}`)),
			nil, nil, endpoints.Usage{}, `bedrock: invoke-stream: chunk 1: invalid JSON at offset 0: want a JSON value, found 'd'`, jsonpath.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New(t, tt.handler)
			tt.cfg.API = InvokeModelWithResponseStream
			e := newEndpoint(t, srv, tt.cfg)
			var rec endpointstest.Recorder
			err := invoke(t, e, prompt(), &rec)
			if tt.err != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.err)
				if tt.errIs != nil {
					assert.ErrorIs(t, err, tt.errIs)
				}
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.chunks, rec.Chunks)
			assert.Equal(t, tt.reason, rec.ReasoningChunks)
			assert.Equal(t, tt.usage, rec.LastUsage)
			assert.Equal(t, awstest.InvokeModelWithResponseStream, srv.Requests()[0].Operation)
		})
	}
}

func TestInvokeStreamExceptionIsStreamError(t *testing.T) {
	srv := awstest.New(t, awstest.Stream(awstest.Exception("throttlingException", "Rate exceeded")))
	e := newEndpoint(t, srv, Config{API: InvokeModelWithResponseStream})
	err := invoke(t, e, prompt(), &endpointstest.Recorder{})
	var se *StreamError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, "ThrottlingException", se.Type)
	assert.Equal(t, 0, se.Events)
}
