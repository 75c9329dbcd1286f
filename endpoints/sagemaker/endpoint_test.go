package sagemaker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/internal/awstest"
	"github.com/llmtest/llmtest/internal/redact"
)

func TestMain(m *testing.M) {
	awstest.IsolateEnv()
	os.Exit(m.Run())
}

const testEndpoint = "llama-3-8b-instruct"

// newEndpoint returns an Endpoint for srv with the fake credentials, and
// cfg's other fields.
func newEndpoint(t testing.TB, srv *awstest.Server, cfg Config) *Endpoint {
	t.Helper()
	cfg.BaseEndpoint = srv.URL
	if cfg.EndpointName == "" {
		cfg.EndpointName = testEndpoint
	}
	if cfg.Region == "" {
		cfg.Region = awstest.Region
	}
	if cfg.Credentials == nil {
		cfg.Credentials = awstest.Credentials()
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = time.Millisecond
	}
	e, err := New(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// invoke prepares p and invokes it, bounded in time.
func invoke(t testing.TB, e *Endpoint, p endpoints.Payload, rec endpoints.Recorder) error {
	t.Helper()
	req, err := e.Prepare(p)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return e.Invoke(ctx, req, rec)
}

func tgi() endpoints.Payload {
	return endpoints.Payload{"inputs": "Say hello", "parameters": map[string]any{"max_new_tokens": 16}}
}

func chat() endpoints.Payload {
	return endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "Say hello"}}, "max_tokens": 16}
}

func streamed(p endpoints.Payload) endpoints.Payload {
	p["stream"] = true
	return p
}

// parts splits body into PayloadPart events of at most size bytes.
func parts(body string, size int) []awstest.Event {
	var evs []awstest.Event
	for len(body) > 0 {
		n := min(size, len(body))
		evs = append(evs, awstest.PayloadPart([]byte(body[:n])))
		body = body[n:]
	}
	return evs
}

// tgiLine is one line of a TGI stream.
func tgiLine(text string, special bool) string {
	b, _ := json.Marshal(map[string]any{
		"token":          map[string]any{"id": 7, "text": text, "logprob": -0.25, "special": special},
		"generated_text": nil, "details": nil,
	})
	return "data:" + string(b) + "\n\n"
}

// tgiFinal is the last line of a TGI stream.
func tgiFinal(full string, details string) string {
	b, _ := json.Marshal(map[string]any{
		"token":          map[string]any{"id": 2, "text": "</s>", "logprob": -0.01, "special": true},
		"generated_text": full,
	})
	s := string(b)
	if details != "" {
		s = s[:len(s)-1] + `,"details":` + details + "}"
	}
	return "data:" + s + "\n\n"
}

// chatLine is one chunk of an OpenAI stream.
func chatLine(delta string) string {
	return `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":` + delta + `,"finish_reason":null}]}` + "\n\n"
}

const (
	chatUsage = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}` + "\n\n"
	chatDone  = "data: [DONE]\n\n"
)

var (
	tgiTokens  = []string{"Hé", "llo", " wörld", " 日本", "\n", `"q"`}
	tgiBody    = tgiLine("Hé", false) + tgiLine("llo", false) + tgiLine(" wörld", false) + tgiLine(" 日本", false) + tgiLine("\n", false) + tgiLine(`"q"`, false) + tgiFinal(`Héllo wörld 日本`+"\n"+`"q"`, `{"finish_reason":"eos_token","generated_tokens":6,"seed":null,"input_length":4}`)
	chatTokens = []string{"Hé", "llo", " wörld", " 日本", "\n", `"q"`}
	chatBody   = chatLine(`{"role":"assistant","content":""}`) + chatLine(`{"reasoning_content":"hmm"}`) + chatLine(`{"content":"Hé"}`) + chatLine(`{"content":"llo"}`) + ": keep-alive\n\n" +
		chatLine(`{"content":" wörld"}`) + chatLine(`{"content":" \u65e5\u672c"}`) + chatLine(`{"content":"\n"}`) + chatLine(`{"content":"\"q\""}`) + chatUsage + chatDone
)

func TestStream(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		payload endpoints.Payload
		body    string
		chunks  []string
		reason  []string
		usage   endpoints.Usage
	}{
		{"TGI", Config{}, tgi(), tgiBody, tgiTokens, nil, endpoints.Usage{InputTokens: 4, OutputTokens: 6}},
		{"TGI without details", Config{}, tgi(), tgiLine("a", false) + tgiFinal("a", ""), []string{"a"}, nil, endpoints.Usage{}},
		{"TGI CRLF and other fields", Config{}, tgi(), "event: message\r\n" + strings.ReplaceAll(tgiLine("a", false), "\n", "\r\n") + "id: 1\r\n" + tgiFinal("a", ""), []string{"a"}, nil, endpoints.Usage{}},
		{"TGI as JSON lines", Config{}, tgi(), `{"token":{"text":"a"}}` + "\n" + `{"token":{"text":"b"},"generated_text":"ab"}` + "\n", []string{"a", "b"}, nil, endpoints.Usage{}},
		{"TGI last line without newline", Config{}, tgi(), tgiLine("a", false) + strings.TrimSpace(tgiFinal("a", "")), []string{"a"}, nil, endpoints.Usage{}},
		{"OpenAI", Config{}, chat(), chatBody, chatTokens, []string{"hmm"}, endpoints.Usage{InputTokens: 9, OutputTokens: 3}},
		{"OpenAI without usage", Config{}, chat(), chatLine(`{"content":"a"}`) + chatDone, []string{"a"}, nil, endpoints.Usage{}},
		{"OpenAI data without space", Config{}, chat(), strings.ReplaceAll(chatLine(`{"content":"a"}`)+chatDone, "data: ", "data:"), []string{"a"}, nil, endpoints.Usage{}},
		{"explicit style and paths", Config{Style: TGI, StreamTextPath: "outputs[0]", StreamEndPath: "done"},
			endpoints.Payload{"inputs": "x"}, `{"outputs":["a"]}` + "\n" + `{"outputs":["b"],"done":true}` + "\n", []string{"a", "b"}, nil, endpoints.Usage{}},
		{"IgnoreStreamEnd", Config{IgnoreStreamEnd: true}, chat(), chatLine(`{"content":"a"}`), []string{"a"}, nil, endpoints.Usage{}},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 2, 3, 7, 64, 1 << 20} {
			t.Run(fmt.Sprintf("%s/parts of %d", tt.name, size), func(t *testing.T) {
				srv := awstest.New(t, awstest.Stream(parts(tt.body, size)...))
				tt.cfg.API = InvokeEndpointWithResponseStream
				e := newEndpoint(t, srv, tt.cfg)
				var rec endpointstest.Recorder
				require.NoError(t, invoke(t, e, tt.payload, &rec))
				assert.Equal(t, tt.chunks, rec.Chunks)
				assert.Equal(t, tt.reason, rec.ReasoningChunks)
				assert.Equal(t, tt.usage, rec.LastUsage)
				assert.Equal(t, "awstest-1", rec.ResponseID)
				assert.Zero(t, rec.CompleteCalls)
				assert.Equal(t, []string{"retries", "id"}, rec.Events[:2])

				r := srv.Requests()[0]
				assert.Equal(t, awstest.InvokeEndpointWithResponseStream, r.Operation)
				assert.Equal(t, testEndpoint, r.Target)
				assert.True(t, r.Signed("sagemaker"), "SigV4 Authorization: %q", r.Header.Get("Authorization"))
				var body map[string]any
				require.NoError(t, json.Unmarshal(r.Body, &body))
				assert.Equal(t, true, body["stream"])
			})
		}
	}
}

func TestInvoke(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		payload endpoints.Payload
		body    string
		text    string
		reason  []string
		usage   endpoints.Usage
	}{
		{"TGI list", Config{}, tgi(), `[{"generated_text":"Hello \"you\"","details":{"finish_reason":"length","generated_tokens":3,"seed":null,"prefill":[{"id":1},{"id":2}],"tokens":[]}}]`,
			`Hello "you"`, nil, endpoints.Usage{InputTokens: 2, OutputTokens: 3}},
		{"TGI object", Config{}, tgi(), `{"generated_text":"Hi"}`, "Hi", nil, endpoints.Usage{}},
		{"TGI empty prefill", Config{}, tgi(), `[{"generated_text":"Hi","details":{"generated_tokens":1,"prefill":[]}}]`, "Hi", nil, endpoints.Usage{OutputTokens: 1}},
		{"OpenAI", Config{}, chat(), `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!","reasoning_content":"greet"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":2}}`,
			"Hi!", []string{"greet"}, endpoints.Usage{InputTokens: 7, OutputTokens: 2}},
		{"OpenAI null content", Config{}, chat(), `{"choices":[{"message":{"content":null}}]}`, "", nil, endpoints.Usage{}},
		{"custom path", Config{TextPath: "outputs[0].text", OutputTokensPath: "outputs[0].token_ids"}, chat(), `{"outputs":[{"text":"Ciao","token_ids":[1,2,3]}]}`,
			"Ciao", nil, endpoints.Usage{OutputTokens: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New(t, awstest.Reply(200, tt.body))
			e := newEndpoint(t, srv, tt.cfg)
			var rec endpointstest.Recorder
			require.NoError(t, invoke(t, e, tt.payload, &rec))
			assert.Equal(t, tt.text, rec.Completed)
			assert.Equal(t, 1, rec.CompleteCalls)
			assert.Empty(t, rec.Chunks)
			assert.Equal(t, tt.reason, rec.ReasoningChunks)
			assert.Equal(t, tt.usage, rec.LastUsage)
			if tt.usage == (endpoints.Usage{}) {
				assert.Zero(t, rec.UsageCalls, "no usage reported when the response has none")
			}
			assert.Equal(t, "awstest-1", rec.ResponseID)
			r := srv.Requests()[0]
			assert.Equal(t, awstest.InvokeEndpoint, r.Operation)
			assert.True(t, r.Signed("sagemaker"))
			var body map[string]any
			require.NoError(t, json.Unmarshal(r.Body, &body))
			assert.Equal(t, false, body["stream"])
			assert.NotContains(t, body, "stream_options")
		})
	}
}

func TestInvokeResponseErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"text not found", `{"choices":[]}`, `sagemaker: invoke: response: path "choices[0].message.content": at "choices[0]": not found (the array has 0 elements)`},
		{"not JSON", `plain words`, `sagemaker: invoke: response: invalid JSON at offset 0: want a JSON value, found 'p'`},
		{"usage of the wrong type", `{"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":"9"}}`,
			`sagemaker: invoke: response: path "usage.prompt_tokens": at "usage.prompt_tokens": wrong type (want a number, got a string)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New(t, func(x *awstest.Exchange) { x.Body(200, "application/json", []byte(tt.body)) })
			e := newEndpoint(t, srv, Config{})
			err := invoke(t, e, chat(), &endpointstest.Recorder{})
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestStreamChoice(t *testing.T) {
	tests := []struct {
		api    API
		stream any // the payload's "stream"; nil for none
		op     string
	}{
		{InvokeEndpoint, nil, awstest.InvokeEndpoint},
		{InvokeEndpoint, true, awstest.InvokeEndpointWithResponseStream},
		{InvokeEndpointWithResponseStream, nil, awstest.InvokeEndpointWithResponseStream},
		{InvokeEndpointWithResponseStream, false, awstest.InvokeEndpoint},
	}
	for _, tt := range tests {
		for _, style := range []Style{TGI, OpenAI} {
			t.Run(fmt.Sprintf("%s/%v/%s", tt.api, tt.stream, style), func(t *testing.T) {
				srv := awstest.New(t, awstest.Fail(400, "ValidationError", "stop here"))
				e := newEndpoint(t, srv, Config{API: tt.api})
				p := tgi()
				if style == OpenAI {
					p = chat()
				}
				if tt.stream != nil {
					p["stream"] = tt.stream
				}
				req, err := e.Prepare(p)
				require.NoError(t, err)
				isStream := tt.op == awstest.InvokeEndpointWithResponseStream
				assert.Equal(t, isStream, req.Stream)
				_ = e.Invoke(t.Context(), req, &endpointstest.Recorder{})
				require.Equal(t, 1, srv.Hits())
				r := srv.Requests()[0]
				assert.Equal(t, tt.op, r.Operation)
				var body map[string]any
				require.NoError(t, json.Unmarshal(r.Body, &body))
				assert.Equal(t, isStream, body["stream"], "the body's stream matches the operation")
				assert.Equal(t, testEndpoint, e.Info().Name)
			})
		}
	}
}

func TestRequestHeaders(t *testing.T) {
	for _, api := range []API{InvokeEndpoint, InvokeEndpointWithResponseStream} {
		t.Run(string(api), func(t *testing.T) {
			srv := awstest.New(t, awstest.Fail(400, "ValidationError", "stop here"))
			e := newEndpoint(t, srv, Config{
				API:                    api,
				ContentType:            "application/json; charset=utf-8",
				Accept:                 "text/event-stream",
				CustomAttributes:       "accept_eula=true",
				InferenceComponentName: "llama-ic-1",
				TargetVariant:          "variant-b",
			})
			_ = invoke(t, e, chat(), &endpointstest.Recorder{})
			r := srv.Requests()[0]
			assert.True(t, r.Signed("sagemaker"))
			assert.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
			accept := "Accept"
			if api == InvokeEndpointWithResponseStream {
				accept = "X-Amzn-Sagemaker-Accept"
			}
			assert.Equal(t, "text/event-stream", r.Header.Get(accept))
			assert.Equal(t, "accept_eula=true", r.Header.Get("X-Amzn-Sagemaker-Custom-Attributes"))
			assert.Equal(t, "llama-ic-1", r.Header.Get("X-Amzn-Sagemaker-Inference-Component"))
			assert.Equal(t, "variant-b", r.Header.Get("X-Amzn-Sagemaker-Target-Variant"))
			assert.Equal(t, "llama-ic-1", e.Info().Model)
		})
	}
	t.Run("defaults", func(t *testing.T) {
		srv := awstest.New(t, awstest.Fail(400, "ValidationError", "stop here"))
		e := newEndpoint(t, srv, Config{})
		_ = invoke(t, e, chat(), &endpointstest.Recorder{})
		r := srv.Requests()[0]
		assert.Equal(t, DefaultContentType, r.Header.Get("Content-Type"))
		for _, h := range []string{"X-Amzn-Sagemaker-Custom-Attributes", "X-Amzn-Sagemaker-Inference-Component", "X-Amzn-Sagemaker-Target-Variant"} {
			assert.Empty(t, r.Header.Get(h), h)
		}
	})
}

func TestStreamExceptions(t *testing.T) {
	codeEvent := awstest.JSONEvent("ModelStreamError", map[string]any{"Message": "Model took too long", "ErrorCode": "ModelInvocationTimeExceeded"})
	codeEvent.Exception = true
	tests := []struct {
		name   string
		events []awstest.Event
		want   string
		typ    string
		chunks []string
	}{
		{"ModelStreamError", []awstest.Event{awstest.PayloadPart([]byte(tgiLine("Hel", false))), codeEvent},
			"sagemaker: stream exception ModelStreamError: Model took too long (code ModelInvocationTimeExceeded, after 1 events)", "ModelStreamError", []string{"Hel"}},
		{"InternalStreamFailure", []awstest.Event{awstest.PayloadPart([]byte(tgiLine("Hel", false))), awstest.Exception("InternalStreamFailure", "Something went wrong."), awstest.PayloadPart([]byte(tgiLine("never", false)))},
			"sagemaker: stream exception InternalStreamFailure: Something went wrong. (after 1 events)", "InternalStreamFailure", []string{"Hel"}},
		{"at once", []awstest.Event{awstest.Exception("InternalStreamFailure", "no")},
			"sagemaker: stream exception InternalStreamFailure: no (after 0 events)", "InternalStreamFailure", nil},
		{"TGI error line", parts(tgiLine("Hel", false)+`data:{"error":"Request failed during generation: Server error: CUDA out of memory","error_type":"generation"}`+"\n\n", 5),
			"sagemaker: model error in the stream: Request failed during generation: Server error: CUDA out of memory (code generation, after ", ModelErrorType, []string{"Hel"}},
		{"OpenAI error chunk", []awstest.Event{awstest.PayloadPart([]byte(chatLine(`{"content":"Hel"}`))), awstest.PayloadPart([]byte(`data: {"error":{"message":"overloaded","type":"server_error","code":503}}` + "\n\n"))},
			"sagemaker: model error in the stream: overloaded (code server_error, after 1 events)", ModelErrorType, []string{"Hel"}},
		{"vLLM error object", []awstest.Event{awstest.PayloadPart([]byte(chatLine(`{"content":"Hel"}`))), awstest.PayloadPart([]byte(`data: {"object":"error","message":"too long","type":"BadRequestError","code":400}` + "\n\n"))},
			"sagemaker: model error in the stream: too long (code BadRequestError, after 1 events)", ModelErrorType, []string{"Hel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New(t, awstest.Stream(tt.events...))
			e := newEndpoint(t, srv, Config{API: InvokeEndpointWithResponseStream})
			p := tgi()
			if strings.HasPrefix(tt.name, "OpenAI") || strings.HasPrefix(tt.name, "vLLM") {
				p = chat()
			}
			var rec endpointstest.Recorder
			err := invoke(t, e, p, &rec)
			var se *StreamError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.typ, se.Type)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.chunks, rec.Chunks)
			assert.NotErrorIs(t, err, endpoints.ErrIncompleteStream)
		})
	}
}

func TestStreamIncomplete(t *testing.T) {
	frame := awstest.PayloadPart([]byte(tgiLine(" world", false))).Frame()
	tests := []struct {
		name    string
		payload endpoints.Payload
		handler awstest.Handler
		chunks  []string
		want    string
	}{
		{"TGI without the final line", tgi(), awstest.Stream(parts(tgiLine("Hello", false), 4)...), []string{"Hello"},
			"sagemaker: invoke-stream: incomplete stream: the stream ended after 28 events without [DONE] or a line with generated_text"},
		{"OpenAI without [DONE]", chat(), awstest.Stream(parts(chatLine(`{"content":"Hello"}`)+chatUsage, 1000)...), []string{"Hello"},
			"sagemaker: invoke-stream: incomplete stream: the stream ended after 1 events without [DONE]"},
		{"ends inside a line", chat(), awstest.Stream(parts(chatLine(`{"content":"Hello"}`)+`data: {"choices":[{"delta":{"content":"wor`, 1000)...), []string{"Hello"},
			"sagemaker: invoke-stream: incomplete stream: the stream ended inside line 2 after 1 events: invalid JSON"},
		{"cut inside a frame", tgi(), func(x *awstest.Exchange) {
			_ = x.Send(awstest.PayloadPart([]byte(tgiLine("Hello", false))))
			_ = x.Write(frame[:len(frame)/2])
			x.Cut()
		}, []string{"Hello"}, "incomplete stream"},
		{"cut between frames", tgi(), func(x *awstest.Exchange) {
			_ = x.Send(awstest.PayloadPart([]byte(tgiLine("Hello", false))))
			x.Cut()
		}, []string{"Hello"}, "incomplete stream"},
		{"corrupt frame", tgi(), func(x *awstest.Exchange) {
			_ = x.Send(awstest.PayloadPart([]byte(tgiLine("Hello", false))))
			bad := append([]byte(nil), frame...)
			bad[len(bad)-6] ^= 0xff // the payload, so that the CRC fails
			_ = x.Write(bad)
			_ = x.Send(awstest.PayloadPart([]byte(tgiFinal("Hello world", ""))))
		}, []string{"Hello"}, "incomplete stream after 1 events"},
		{"empty stream", tgi(), awstest.Stream(), nil, "the stream ended after 0 events without"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New(t, tt.handler)
			e := newEndpoint(t, srv, Config{API: InvokeEndpointWithResponseStream})
			var rec endpointstest.Recorder
			err := invoke(t, e, tt.payload, &rec)
			require.Error(t, err)
			assert.ErrorIs(t, err, endpoints.ErrIncompleteStream)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.chunks, rec.Chunks)
		})
	}
}

func TestStreamBadLines(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"text of the wrong type", chatLine(`{"content":"a"}`) + chatLine(`{"content":7}`) + chatDone,
			`sagemaker: invoke-stream: line 2 (event 1): path "choices[0].delta.content": at "choices[0].delta.content": wrong type (want a string, got a number)`},
		{"line not JSON", "data: hello\n\n", `sagemaker: invoke-stream: line 1 (event 1): invalid JSON at offset 0: want a JSON value, found 'h'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New(t, awstest.Stream(awstest.PayloadPart([]byte(tt.body))))
			e := newEndpoint(t, srv, Config{})
			err := invoke(t, e, streamed(chat()), &endpointstest.Recorder{})
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestHTTPErrors(t *testing.T) {
	modelError := func(x *awstest.Exchange) {
		x.Header().Set("X-Amzn-Errortype", "ModelError:http://internal.amazon.com/coral/com.amazonaws.sagemaker/")
		x.JSON(424, `{"ErrorCode":"CLIENT_ERROR_FROM_MODEL","LogStreamArn":"arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/x",`+
			`"Message":"Received client error (400) from primary with message \"Input validation error\". See the log.","OriginalMessage":"Input validation error: inputs must have less than 4096 tokens","OriginalStatusCode":400}`)
	}
	tests := []struct {
		name    string
		handler awstest.Handler
		status  int
		message string
		after   time.Duration
	}{
		{"throttling", func(x *awstest.Exchange) {
			x.Header().Set("Retry-After", "3")
			x.Error(429, "ThrottlingException", "Rate exceeded")
		}, 429, "ThrottlingException: Rate exceeded", 3 * time.Second},
		{"validation", awstest.Fail(400, "ValidationError", "Endpoint x of account y not found."), 400, "ValidationError: Endpoint x of account y not found.", 0},
		{"internal", awstest.Fail(500, "InternalFailure", "Internal error"), 500, "InternalFailure: Internal error", 0},
		{"unavailable", awstest.Fail(503, "ServiceUnavailable", "Service unavailable"), 503, "ServiceUnavailable: Service unavailable", 0},
		{"model error", modelError, 424, "ModelError: model status 400: Input validation error: inputs must have less than 4096 tokens", 0},
		{"not JSON", func(x *awstest.Exchange) { x.Body(502, "text/html", []byte("<html>Bad Gateway</html>")) }, 502, "Bad Gateway", 0},
		{"long message", awstest.Fail(400, "ValidationError", strings.Repeat("x", 2000)), 400, "ValidationError: " + strings.Repeat("x", 512-len("ValidationError: ")) + "…", 0},
	}
	for _, tt := range tests {
		for _, api := range []API{InvokeEndpoint, InvokeEndpointWithResponseStream} {
			t.Run(tt.name+"/"+string(api), func(t *testing.T) {
				srv := awstest.New(t, tt.handler)
				e := newEndpoint(t, srv, Config{API: api})
				var rec endpointstest.Recorder
				err := invoke(t, e, tgi(), &rec)
				require.Error(t, err)
				var se *endpoints.StatusError
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tt.status, se.StatusCode)
				assert.Equal(t, tt.message, se.Message)
				assert.Equal(t, tt.after, se.RetryAfter)
				assert.Equal(t, 1, srv.Hits(), "no retry by default")
				assert.Equal(t, 0, rec.RetryCount)
				assert.Empty(t, rec.Chunks)
				assert.Zero(t, rec.CompleteCalls)

				var me *ModelError
				if tt.status != 424 {
					assert.False(t, errors.As(err, &me))
					return
				}
				require.ErrorAs(t, err, &me)
				assert.Equal(t, 400, me.OriginalStatusCode)
				assert.Equal(t, "Input validation error: inputs must have less than 4096 tokens", me.OriginalMessage)
				assert.Contains(t, me.Message, "Received client error (400)")
				assert.Contains(t, me.LogStreamARN, "/aws/sagemaker/Endpoints/x")
				assert.Equal(t, "HTTP 424: "+tt.message, err.Error())
			})
		}
	}
}

func TestRetries(t *testing.T) {
	unavailable := awstest.Fail(503, "ServiceUnavailable", "try again")
	ok := awstest.Stream(parts(chatLine(`{"content":"OK"}`)+chatDone, 10)...)

	t.Run("succeeds on the second attempt", func(t *testing.T) {
		srv := awstest.New(t, unavailable, ok)
		e := newEndpoint(t, srv, Config{API: InvokeEndpointWithResponseStream, MaxAttempts: 3})
		var rec endpointstest.Recorder
		require.NoError(t, invoke(t, e, chat(), &rec))
		assert.Equal(t, 2, srv.Hits())
		assert.Equal(t, 1, rec.RetryCount)
		assert.Equal(t, []string{"OK"}, rec.Chunks)
		for _, r := range srv.Requests() {
			assert.True(t, r.Signed("sagemaker"))
		}
	})
	t.Run("throttling is retried too", func(t *testing.T) {
		srv := awstest.New(t, awstest.Fail(429, "ThrottlingException", "slow down"), awstest.Fail(429, "ThrottlingException", "slow down"), awstest.Reply(200, `[{"generated_text":"OK"}]`))
		e := newEndpoint(t, srv, Config{MaxAttempts: 3})
		var rec endpointstest.Recorder
		require.NoError(t, invoke(t, e, tgi(), &rec))
		assert.Equal(t, 3, srv.Hits())
		assert.Equal(t, 2, rec.RetryCount)
		assert.Equal(t, "OK", rec.Completed)
	})
	t.Run("no retry by default", func(t *testing.T) {
		srv := awstest.New(t, unavailable, ok)
		e := newEndpoint(t, srv, Config{API: InvokeEndpointWithResponseStream})
		var rec endpointstest.Recorder
		var se *endpoints.StatusError
		require.ErrorAs(t, invoke(t, e, chat(), &rec), &se)
		assert.Equal(t, 503, se.StatusCode)
		assert.Equal(t, 1, srv.Hits())
		assert.Equal(t, 0, rec.RetryCount)
		assert.Contains(t, rec.Events, "retries")
	})
	t.Run("attempts exhausted", func(t *testing.T) {
		srv := awstest.New(t, unavailable)
		e := newEndpoint(t, srv, Config{MaxAttempts: 2})
		var rec endpointstest.Recorder
		var se *endpoints.StatusError
		require.ErrorAs(t, invoke(t, e, tgi(), &rec), &se)
		assert.Equal(t, 2, srv.Hits())
		assert.Equal(t, 1, rec.RetryCount, "retries are counted on failures too")
	})
	t.Run("a model error is not retried", func(t *testing.T) {
		srv := awstest.New(t, func(x *awstest.Exchange) {
			x.Header().Set("X-Amzn-Errortype", "ModelError")
			x.JSON(424, `{"Message":"model failed","OriginalStatusCode":500}`)
		}, ok)
		e := newEndpoint(t, srv, Config{MaxAttempts: 3})
		var me *ModelError
		require.ErrorAs(t, invoke(t, e, tgi(), &endpointstest.Recorder{}), &me)
		assert.Equal(t, 500, me.OriginalStatusCode)
		assert.Equal(t, "ModelError: model status 500: model failed", me.Status.Message)
		assert.Equal(t, 1, srv.Hits())
	})
	t.Run("exception events are not retried", func(t *testing.T) {
		srv := awstest.New(t, awstest.Stream(awstest.Exception("InternalStreamFailure", "later")), ok)
		e := newEndpoint(t, srv, Config{API: InvokeEndpointWithResponseStream, MaxAttempts: 3})
		var se *StreamError
		require.ErrorAs(t, invoke(t, e, chat(), &endpointstest.Recorder{}), &se)
		assert.Equal(t, 1, srv.Hits())
	})
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		api     API
		payload endpoints.Payload
		handler awstest.Handler
		chunks  []string
	}{
		{"stall before the response", InvokeEndpoint, tgi(), func(x *awstest.Exchange) { x.Stall() }, nil},
		{"stall before the stream", InvokeEndpointWithResponseStream, tgi(), func(x *awstest.Exchange) { x.Stall() }, nil},
		{"stall mid-stream TGI", InvokeEndpointWithResponseStream, tgi(), func(x *awstest.Exchange) {
			_ = x.Send(awstest.PayloadPart([]byte(tgiLine("Hi", false))))
			x.Stall()
		}, []string{"Hi"}},
		{"stall mid-line OpenAI", InvokeEndpointWithResponseStream, chat(), func(x *awstest.Exchange) {
			_ = x.Send(parts(chatLine(`{"content":"Hi"}`)+`data: {"choi`, 1000)...)
			x.Stall()
		}, []string{"Hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New(t, tt.handler)
			e := newEndpoint(t, srv, Config{API: tt.api, MaxAttempts: 3})
			req, err := e.Prepare(tt.payload)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			var rec endpointstest.Recorder
			start := time.Now()
			err = e.Invoke(ctx, req, &rec)
			elapsed := time.Since(start)
			require.Error(t, err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.NotErrorIs(t, err, endpoints.ErrIncompleteStream)
			assert.Less(t, elapsed, 3*time.Second, "Invoke must return promptly")
			assert.Equal(t, tt.chunks, rec.Chunks)
			assert.Equal(t, 1, srv.Hits(), "a timeout is not retried")
		})
	}
}

func TestSecretsNeverShow(t *testing.T) {
	echo := func(x *awstest.Exchange) string {
		return "denied for " + x.Request.Header.Get("Authorization") + " token " +
			x.Request.Header.Get("X-Amz-Security-Token") + " secret " + awstest.SecretAccessKey
	}
	handlers := map[string]awstest.Handler{
		"status error": func(x *awstest.Exchange) { x.Error(403, "AccessDeniedException", echo(x)) },
		"model error": func(x *awstest.Exchange) {
			b, _ := json.Marshal(map[string]any{"Message": echo(x), "OriginalMessage": echo(x), "OriginalStatusCode": 401})
			x.Header().Set("X-Amzn-Errortype", "ModelError")
			x.JSON(424, string(b))
		},
		"exception event": func(x *awstest.Exchange) {
			_ = x.Send(awstest.PayloadPart([]byte(tgiLine("a", false))), awstest.Exception("ModelStreamError", echo(x)))
		},
		"error line": func(x *awstest.Exchange) {
			b, _ := json.Marshal(map[string]any{"error": echo(x), "error_type": echo(x)})
			_ = x.Send(awstest.PayloadPart([]byte("data:" + string(b) + "\n\n")))
		},
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			srv := awstest.New(t, h)
			e := newEndpoint(t, srv, Config{API: InvokeEndpointWithResponseStream})
			err := invoke(t, e, tgi(), &endpointstest.Recorder{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), redact.Redacted)
			awstest.AssertNoSecret(t, err.Error(), fmt.Sprintf("%+v", e.Info()), fmt.Sprintf("%#v", err))
			var me *ModelError
			if errors.As(err, &me) {
				awstest.AssertNoSecret(t, me.Message, me.OriginalMessage, me.Status.Message)
			}
		})
	}
	t.Run("transport error", func(t *testing.T) {
		srv := awstest.New(t)
		e := newEndpoint(t, srv, Config{})
		srv.Close()
		err := invoke(t, e, tgi(), &endpointstest.Recorder{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "sagemaker: invoke: ")
		awstest.AssertNoSecret(t, err.Error())
	})
}

func TestConcurrentInvokes(t *testing.T) {
	srv := awstest.New(t, awstest.Stream(parts(chatBody, 7)...))
	e := newEndpoint(t, srv, Config{API: InvokeEndpointWithResponseStream})
	req, err := e.Prepare(chat())
	require.NoError(t, err)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			var rec endpointstest.Recorder
			if err := e.Invoke(t.Context(), req, &rec); err != nil {
				errs <- err
				return
			}
			if got := strings.Join(rec.Chunks, "|"); got != strings.Join(chatTokens, "|") || rec.LastUsage.OutputTokens != 3 {
				errs <- errors.New("wrong output " + got)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, n, srv.Hits())
	bodies := map[string]bool{}
	for _, r := range srv.Requests() {
		bodies[string(r.Body)] = true
	}
	assert.Len(t, bodies, 1, "every request sends the same body")
}

func TestNotPrepared(t *testing.T) {
	srv := awstest.New(t)
	e := newEndpoint(t, srv, Config{})
	assert.ErrorIs(t, e.Invoke(t.Context(), nil, &endpointstest.Recorder{}), errNotPrepared)
	assert.ErrorIs(t, e.Invoke(t.Context(), &endpoints.Request{Body: []byte("{}")}, &endpointstest.Recorder{}), errNotPrepared)
	assert.ErrorIs(t, e.Invoke(t.Context(), &endpoints.Request{Data: &prepared{}}, &endpointstest.Recorder{}), errNotPrepared)
	assert.Equal(t, 0, srv.Hits())
}

// recordingClient is a user's HTTP client that notes what it sends.
type recordingClient struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (c *recordingClient) Do(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.reqs = append(c.reqs, r)
	c.mu.Unlock()
	return http.DefaultClient.Do(r)
}

func TestHTTPClientAndAWSConfig(t *testing.T) {
	srv := awstest.New(t, awstest.Stream(parts(tgiBody, 16)...))
	var hc recordingClient
	cfg := aws.Config{Region: awstest.Region, Credentials: awstest.Credentials()}
	e, err := New(t.Context(), Config{
		EndpointName: testEndpoint, API: InvokeEndpointWithResponseStream,
		BaseEndpoint: srv.URL, HTTPClient: &hc, AWSConfig: &cfg,
	})
	require.NoError(t, err)
	var rec endpointstest.Recorder
	require.NoError(t, invoke(t, e, tgi(), &rec))
	assert.Equal(t, tgiTokens, rec.Chunks)
	require.Len(t, hc.reqs, 1)
	r := hc.reqs[0]
	assert.NotNil(t, r.GetBody, "the body is sent from memory (wholebody.Client)")
	assert.Equal(t, int64(len(srv.Requests()[0].Body)), r.ContentLength)
	assert.True(t, srv.Requests()[0].Signed("sagemaker"))
}

// TestInvokeIsTraced checks that the SDK's HTTP exchange is traced: a new
// connection for the first request, the kept-alive one for the next.
func TestInvokeIsTraced(t *testing.T) {
	srv := awstest.New(t, awstest.Reply(200, `{"generated_text":"Hi"}`))
	e := newEndpoint(t, srv, Config{})
	var rec endpointstest.Recorder
	require.NoError(t, invoke(t, e, tgi(), &rec))
	require.NoError(t, invoke(t, e, tgi(), &rec))
	require.Len(t, rec.Traces, 2, "one trace per request")
	assert.False(t, rec.Traces[0].Reused)
	assert.False(t, rec.Traces[0].ConnectDone.IsZero(), "a new connection's connect")
	assert.True(t, rec.Traces[1].Reused)
	assert.True(t, rec.Traces[1].ConnectDone.IsZero())
	assert.False(t, rec.Traces[1].GotConn.After(rec.Traces[1].WroteRequest), "the connection, then the request")
	assert.False(t, rec.Traces[1].FirstByte.IsZero())
}
