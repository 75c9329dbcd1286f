package awsrt

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/internal/jsonpath"
	"github.com/llmtest/llmtest/internal/redact"
	"github.com/llmtest/llmtest/internal/wholebody"
)

func TestSecrets(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "envsecret-0123456789")
	t.Setenv("AWS_SESSION_TOKEN", "abc") // too short to redact safely
	t.Setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-0123456789")
	r := Secrets(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "static-secret-abcdef", "session-token-xyz"),
		"https://vpce.example.com/?token=query-secret-0123")
	s := r.Redact("a envsecret-0123456789 b STATIC-SECRET-ABCDEF c Session-Token-Xyz d abc e BEDROCK-API-KEY-0123456789 f query-secret-0123")
	assert.Equal(t, "a [REDACTED] b [REDACTED] c [REDACTED] d abc e [REDACTED] f [REDACTED]", s,
		"every channel, whatever its case")
	assert.Equal(t, "x [REDACTED] y", Message(r, "x\n  static-secret-abcdef\ty"))
	assert.LessOrEqual(t, len(Message(r, strings.Repeat("m", 5000))), endpoints.MaxErrorMessage+len("…"))
}

// TestLearn checks that the middleware teaches the redactor the session
// token and the bearer token a request is signed with, once signed.
func TestLearn(t *testing.T) {
	r := redact.New()
	stack := middleware.NewStack("test", smithyhttp.NewStackRequest)
	require.NoError(t, Learn(r)(stack))
	handler := middleware.DecorateHandler(middleware.HandlerFunc(func(ctx context.Context, in any) (any, middleware.Metadata, error) {
		return nil, middleware.Metadata{}, nil
	}), stack)
	sign := stack.Finalize
	require.NoError(t, sign.Add(middleware.FinalizeMiddlewareFunc("sign", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
		middleware.FinalizeOutput, middleware.Metadata, error,
	) {
		req := in.Request.(*smithyhttp.Request)
		req.Header.Set("X-Amz-Security-Token", "learned-session-token-1")
		req.Header.Set("Authorization", "Bearer learned-bearer-token-2")
		return next.HandleFinalize(ctx, in)
	}), middleware.Before))
	_, _, err := handler.Handle(t.Context(), struct{}{})
	require.NoError(t, err)
	assert.Equal(t, "[REDACTED] [REDACTED]", r.Redact("LEARNED-SESSION-TOKEN-1 Learned-Bearer-Token-2"))
}

func TestCallError(t *testing.T) {
	r := redact.New("sekrit-value-1")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := CallError(ctx, r, "sagemaker", "invoke", errors.New("boom"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "sagemaker: invoke")

	cause := errors.New("dial SEKRIT-VALUE-1 failed")
	err = CallError(t.Context(), r, "bedrock", "converse", cause)
	assert.EqualError(t, err, "bedrock: converse: dial [REDACTED] failed")
	assert.ErrorIs(t, err, cause)
}

func TestNewRetryer(t *testing.T) {
	assert.Equal(t, 1, NewRetryer(0, 0).MaxAttempts())
	assert.Equal(t, 4, NewRetryer(4, time.Millisecond).MaxAttempts())
}

func TestSettingsCheck(t *testing.T) {
	for s, want := range map[Settings]string{
		{Service: "bedrock", MaxAttempts: -1}:                       "bedrock: Config.MaxAttempts: want a positive number or zero, got -1",
		{Service: "sagemaker", MaxBackoff: -time.Second}:            "sagemaker: Config.MaxBackoff: want a positive duration or zero, got -1s",
		{Service: "bedrock", MaxIdleConnsPerHost: -2}:               "bedrock: Config.MaxIdleConnsPerHost: want a positive number or zero, got -2",
		{Service: "bedrock", BaseEndpoint: "ftp://x"}:               `bedrock: Config.BaseEndpoint: want an http or https URL, got scheme "ftp"`,
		{Service: "bedrock", BaseEndpoint: "https://u:p@x.example"}: "bedrock: Config.BaseEndpoint: must not hold user information",
	} {
		_, err := s.Check()
		assert.EqualError(t, err, want)
	}
	shown, err := Settings{Service: "bedrock", BaseEndpoint: "https://x.example/p?token=abc#f"}.Check()
	require.NoError(t, err)
	assert.Equal(t, "https://x.example/p", shown, "no query: it could hold a credential")
}

func TestLoad(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	_, err := Load(t.Context(), Settings{Service: "bedrock"})
	assert.EqualError(t, err, "bedrock: Config.Region: required: no region in Config, AWSConfig, AWS_REGION or the shared config file")

	creds := credentials.NewStaticCredentialsProvider("AKID", "load-secret-0123456789", "")
	st, err := Load(t.Context(), Settings{Service: "sagemaker", Region: "eu-west-1", Credentials: creds, MaxAttempts: 3})
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", st.Config.Region)
	assert.Equal(t, 3, st.Retryer.MaxAttempts())
	assert.Same(t, st.Retryer, st.Config.Retryer(), "the client gets the retryer")
	assert.Zero(t, st.Config.RetryMaxAttempts)
	assert.IsType(t, wholebody.Client(nil), st.Config.HTTPClient)
	require.NotNil(t, st.owned, "the endpoint owns the client it built")
	assert.Equal(t, DefaultMaxIdleConnsPerHost, st.owned.Transport.(*http.Transport).MaxIdleConnsPerHost)
	assert.Len(t, st.Config.APIOptions, 1, "Learn")
	assert.Equal(t, "[REDACTED]", st.Secrets.Redact("LOAD-SECRET-0123456789"))
	st.CloseIdleConnections()
	st.CloseIdleConnections()

	// An AWSConfig keeps its retryer unless MaxAttempts says otherwise, and
	// its HTTP client, wrapped, which the endpoint does not own.
	theirs := aws.Config{Region: "us-west-2", Retryer: func() aws.Retryer { return NewRetryer(5, 0) }, HTTPClient: http.DefaultClient}
	st, err = Load(t.Context(), Settings{Service: "bedrock", AWSConfig: &theirs})
	require.NoError(t, err)
	assert.Nil(t, st.Retryer)
	assert.Equal(t, 5, st.Config.Retryer().MaxAttempts())
	assert.Equal(t, wholebody.Client(http.DefaultClient), st.Config.HTTPClient)
	assert.Nil(t, st.owned)
	assert.Empty(t, theirs.APIOptions, "the caller's AWSConfig is not changed")
	st.CloseIdleConnections() // does nothing to the caller's client
	st, err = Load(t.Context(), Settings{Service: "bedrock", AWSConfig: &theirs, MaxAttempts: 2})
	require.NoError(t, err)
	assert.Equal(t, 2, st.Retryer.MaxAttempts())
}

// TestNewHTTPClientFollowsNoRedirect checks that a redirect comes back as
// the response it is.
func TestNewHTTPClientFollowsNoRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	c := NewHTTPClient(4)
	t.Cleanup(c.CloseIdleConnections)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader("{}"))
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
}

func TestParsePaths(t *testing.T) {
	ps, err := ParsePaths("bedrock", PathConfig{Text: "generation"}, PathConfig{Text: "choices[0].text", InputTokens: "usage.in", StreamEnd: "end"})
	require.NoError(t, err)
	assert.Equal(t, "generation", ps.Text.String(), "the Config's path wins")
	assert.Equal(t, "usage.in", ps.InputTokens.String(), "else the default")
	assert.Nil(t, ps.Reasoning, "neither: not looked for")
	assert.Equal(t, "end", ps.StreamEnd.String())

	_, err = ParsePaths("sagemaker", PathConfig{StreamOutputTokens: "a..b"}, PathConfig{})
	assert.EqualError(t, err, `sagemaker: Config.StreamOutputTokensPath: jsonpath: parse "a..b": empty key at byte 2`)
}

func TestReadBody(t *testing.T) {
	ps, err := ParsePaths("bedrock", PathConfig{}, PathConfig{
		Text: "choices[0].message.content", Reasoning: "choices[0].message.reasoning_content|choices[0].message.reasoning",
		InputTokens: "usage.prompt_tokens", OutputTokens: "usage.completion_tokens",
	})
	require.NoError(t, err)
	var rec endpointstest.Recorder
	u, err := ps.ReadBody([]byte(`{"choices":[{"message":{"content":"Hi\n","reasoning":"hmm"}}],"usage":{"prompt_tokens":7,"completion_tokens":-1}}`), &rec)
	require.NoError(t, err)
	assert.Equal(t, endpoints.Usage{InputTokens: 7}, u, "a negative count is none")
	assert.Equal(t, "Hi\n", rec.Completed)
	assert.Equal(t, []string{"hmm"}, rec.ReasoningChunks)

	rec = endpointstest.Recorder{}
	_, err = ps.ReadBody([]byte(`{"choices":[{"message":{"content":null}}]}`), &rec)
	require.NoError(t, err, "a null text is empty")
	_, err = ps.ReadBody([]byte(`{"choices":[]}`), &rec)
	assert.EqualError(t, err, `path "choices[0].message.content": at "choices[0]": not found (the array has 0 elements)`)
	_, err = ps.ReadBody([]byte(`falsey`), &rec)
	assert.ErrorIs(t, err, jsonpath.ErrSyntax)
}

func TestChunkReader(t *testing.T) {
	ps, err := ParsePaths("bedrock", PathConfig{}, PathConfig{
		StreamText: "choices[0].delta.content", StreamReasoning: "choices[0].delta.reasoning",
		StreamInputTokens: "usage.prompt_tokens", StreamOutputTokens: "usage.completion_tokens", StreamEnd: "metrics",
	}, jsonpath.MustParse("error"))
	require.NoError(t, err)
	r := ps.NewChunkReader()
	c, err := r.ReadChunk([]byte(`{"choices":[{"delta":{"content":"a\"b","reasoning":"r"}}],"usage":{"prompt_tokens":3,"completion_tokens":2},"metrics":{},"error":null}`))
	require.NoError(t, err)
	assert.Equal(t, Chunk{Text: []byte(`a"b`), TextFound: true, Reasoning: []byte("r"), Usage: endpoints.Usage{InputTokens: 3, OutputTokens: 2}, End: true}, c)
	v, found := r.Values.Lookup(ChunkExtra)
	assert.True(t, found)
	assert.Equal(t, jsonpath.Null, v.Kind(), "the extra path is read too")

	c, err = r.ReadChunk([]byte(`{"choices":[{"delta":{}}],"metrics":null}`))
	require.NoError(t, err)
	assert.Equal(t, Chunk{}, c)

	_, err = r.ReadChunk([]byte(`{"choices":[{"delta":{"content":7}}]}`))
	assert.ErrorIs(t, err, jsonpath.ErrType)
	_, err = r.ReadChunk([]byte(`[1,`))
	assert.ErrorIs(t, err, jsonpath.ErrSyntax)

	chunk := []byte(`{"choices":[{"delta":{"content":"tok\n"}}]}`)
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := r.ReadChunk(chunk); err != nil {
			panic(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestDecodePayload(t *testing.T) {
	q, raw, err := DecodePayload("bedrock", endpoints.Payload{"n": 1.5, "stream": true})
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":1.5,"stream":true}`, string(raw))
	assert.Equal(t, "1.5", string(q["n"].(interface{ String() string }).String()), "numbers as json.Number")
	stream, present, err := StreamFlag("bedrock", q, false)
	require.NoError(t, err)
	assert.True(t, stream)
	assert.True(t, present)

	stream, present, err = StreamFlag("sagemaker", map[string]any{"stream": nil}, true)
	require.NoError(t, err)
	assert.True(t, stream, "null: the default")
	assert.False(t, present)
	_, _, err = StreamFlag("sagemaker", map[string]any{"stream": "yes"}, true)
	assert.EqualError(t, err, "sagemaker: payload: stream: want a boolean, got a string")

	_, _, err = DecodePayload("sagemaker", nil)
	assert.EqualError(t, err, "sagemaker: payload: empty")
	_, _, err = DecodePayload("bedrock", endpoints.Payload{"f": func() {}})
	assert.ErrorContains(t, err, "bedrock: payload: json: unsupported type")
}
