package bedrock

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

const testModel = "us.anthropic.claude-3-5-haiku-20241022-v1:0"

// newEndpoint returns an Endpoint for srv with the fake credentials, and
// cfg's other fields.
func newEndpoint(t testing.TB, srv *awstest.Server, cfg Config) *Endpoint {
	t.Helper()
	cfg.BaseEndpoint = srv.URL
	if cfg.ModelID == "" {
		cfg.ModelID = testModel
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

func hello() endpoints.Payload {
	return endpoints.Payload{
		"messages":        []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "Say hello"}}}},
		"inferenceConfig": map[string]any{"maxTokens": 32},
	}
}

func streamed(p endpoints.Payload) endpoints.Payload {
	p["stream"] = true
	return p
}

func TestConverseStream(t *testing.T) {
	srv := awstest.New(t, awstest.Stream(
		awstest.MessageStart(),
		awstest.ReasoningDelta("Let me think."),
		awstest.TextDelta("Hello"),
		awstest.TextDelta(""),
		awstest.TextDelta(" there!"),
		awstest.ContentBlockStop(),
		awstest.MessageStop("end_turn"),
		awstest.Metadata(awstest.Usage{Input: 10, Output: 3, CacheRead: 100, CacheWrite: 5}, 250),
	))
	e := newEndpoint(t, srv, Config{API: ConverseStream})
	var rec endpointstest.Recorder
	require.NoError(t, invoke(t, e, hello(), &rec))

	assert.Equal(t, []string{"Hello", " there!"}, rec.Chunks)
	assert.Equal(t, []string{"Let me think."}, rec.ReasoningChunks)
	assert.Equal(t, endpoints.Usage{InputTokens: 115, OutputTokens: 3, CachedInputTokens: 100}, rec.LastUsage)
	assert.Equal(t, "awstest-1", rec.ResponseID)
	assert.Equal(t, 0, rec.RetryCount)
	assert.Equal(t, []string{"retries", "id", "reasoning", "text", "text", "usage"}, rec.Events)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, awstest.ConverseStream, r.Operation)
	assert.Equal(t, testModel, r.Target)
	assert.True(t, r.Signed("bedrock"), "SigV4 Authorization: %q", r.Header.Get("Authorization"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &body))
	assert.Equal(t, map[string]any{"maxTokens": float64(32)}, body["inferenceConfig"])
	assert.NotContains(t, body, "stream", "Converse has no stream field")
}

func TestConverse(t *testing.T) {
	srv := awstest.New(t, awstest.Reply(200, awstest.ConverseBody("Hi!", "User greets me.", awstest.Usage{Input: 7, Output: 2})))
	e := newEndpoint(t, srv, Config{})
	var rec endpointstest.Recorder
	require.NoError(t, invoke(t, e, hello(), &rec))
	assert.Equal(t, "Hi!", rec.Output())
	assert.Equal(t, 1, rec.CompleteCalls)
	assert.Empty(t, rec.Chunks)
	assert.Equal(t, []string{"User greets me."}, rec.ReasoningChunks)
	assert.Equal(t, endpoints.Usage{InputTokens: 7, OutputTokens: 2}, rec.LastUsage)
	assert.Equal(t, []string{"retries", "id", "reasoning", "complete", "usage"}, rec.Events)
	assert.Equal(t, awstest.Converse, srv.Requests()[0].Operation)
}

func TestStreamChoice(t *testing.T) {
	tests := []struct {
		api    API
		stream any // the payload's "stream"; nil for none
		op     string
	}{
		{Converse, nil, awstest.Converse},
		{Converse, true, awstest.ConverseStream},
		{ConverseStream, nil, awstest.ConverseStream},
		{ConverseStream, false, awstest.Converse},
		{InvokeModel, nil, awstest.InvokeModel},
		{InvokeModel, true, awstest.InvokeModelWithResponseStream},
		{InvokeModelWithResponseStream, nil, awstest.InvokeModelWithResponseStream},
		{InvokeModelWithResponseStream, false, awstest.InvokeModel},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.api, tt.stream), func(t *testing.T) {
			srv := awstest.New(t, awstest.Fail(400, "ValidationException", "stop here"))
			e := newEndpoint(t, srv, Config{API: tt.api})
			p := hello()
			if tt.api == InvokeModel || tt.api == InvokeModelWithResponseStream {
				p = endpoints.Payload{"prompt": "hi"}
			}
			if tt.stream != nil {
				p["stream"] = tt.stream
			}
			req, err := e.Prepare(p)
			require.NoError(t, err)
			assert.Equal(t, strings.HasSuffix(tt.op, "Stream"), req.Stream)
			_ = e.Invoke(t.Context(), req, &endpointstest.Recorder{})
			require.Equal(t, 1, srv.Hits())
			assert.Equal(t, tt.op, srv.Requests()[0].Operation)
			assert.Equal(t, string(tt.api), e.Info().Name)
		})
	}
}

func TestConverseStreamExceptions(t *testing.T) {
	tests := []struct {
		exception, typ string
	}{
		{"internalServerException", "InternalServerException"},
		{"modelStreamErrorException", "ModelStreamErrorException"},
		{"validationException", "ValidationException"},
		{"throttlingException", "ThrottlingException"},
		{"serviceUnavailableException", "ServiceUnavailableException"},
		{"someNewException", "someNewException"},
	}
	for _, tt := range tests {
		t.Run(tt.exception, func(t *testing.T) {
			srv := awstest.New(t, awstest.Stream(
				awstest.MessageStart(),
				awstest.TextDelta("Hel"),
				awstest.Exception(tt.exception, "Something went wrong."),
				awstest.TextDelta("never"),
			))
			e := newEndpoint(t, srv, Config{API: ConverseStream})
			var rec endpointstest.Recorder
			err := invoke(t, e, hello(), &rec)
			require.Error(t, err)
			var se *StreamError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.typ, se.Type)
			assert.Equal(t, "Something went wrong.", se.Message)
			assert.Equal(t, 2, se.Events)
			assert.Equal(t, "bedrock: stream exception "+tt.typ+": Something went wrong. (after 2 events)", err.Error())
			assert.Equal(t, []string{"Hel"}, rec.Chunks)
		})
	}
}

func TestModelStreamErrorOriginalStatus(t *testing.T) {
	ev := awstest.JSONEvent("modelStreamErrorException", map[string]any{
		"message": "Model failed", "originalStatusCode": 429, "originalMessage": "busy",
	})
	ev.Exception = true
	srv := awstest.New(t, awstest.Stream(awstest.MessageStart(), ev))
	e := newEndpoint(t, srv, Config{API: ConverseStream})
	err := invoke(t, e, hello(), &endpointstest.Recorder{})
	var se *StreamError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 429, se.OriginalStatusCode)
	assert.EqualError(t, err, "bedrock: stream exception ModelStreamErrorException: Model failed (model status 429, after 1 events)")
}

func TestConverseStreamIncomplete(t *testing.T) {
	frame := awstest.TextDelta(" world").Frame()
	tests := []struct {
		name    string
		handler awstest.Handler
		chunks  []string
		want    string
	}{
		{"ends without messageStop", awstest.Stream(awstest.MessageStart(), awstest.TextDelta("Hello")),
			[]string{"Hello"}, "bedrock: converse-stream: incomplete stream: the stream ended after 2 events without messageStop"},
		{"cut inside a frame", func(x *awstest.Exchange) {
			_ = x.Send(awstest.MessageStart(), awstest.TextDelta("Hello"))
			_ = x.Write(frame[:len(frame)/2])
			x.Cut()
		}, []string{"Hello"}, "incomplete stream"},
		{"cut between frames", func(x *awstest.Exchange) {
			_ = x.Send(awstest.MessageStart(), awstest.TextDelta("Hello"))
			x.Cut()
		}, []string{"Hello"}, "incomplete stream"},
		{"corrupt frame", func(x *awstest.Exchange) {
			_ = x.Send(awstest.MessageStart())
			bad := append([]byte(nil), frame...)
			bad[len(bad)-6] ^= 0xff // the payload, so that the CRC fails
			_ = x.Write(bad)
			_ = x.Send(awstest.MessageStop("end_turn"))
		}, nil, "incomplete stream after 1 events"},
		{"empty stream", awstest.Stream(), nil, "the stream ended after 0 events without messageStop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New(t, tt.handler)
			e := newEndpoint(t, srv, Config{API: ConverseStream})
			var rec endpointstest.Recorder
			err := invoke(t, e, hello(), &rec)
			require.Error(t, err)
			assert.ErrorIs(t, err, endpoints.ErrIncompleteStream)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.chunks, rec.Chunks)
		})
	}
}

func TestHTTPErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler awstest.Handler
		status  int
		message string
		after   time.Duration
	}{
		{"throttling", func(x *awstest.Exchange) {
			x.Header().Set("Retry-After", "3")
			x.Error(429, "ThrottlingException", "Too many requests, please wait before trying again.")
		}, 429, "ThrottlingException: Too many requests, please wait before trying again.", 3 * time.Second},
		{"validation", awstest.Fail(400, "ValidationException", "The provided model identifier is invalid."),
			400, "ValidationException: The provided model identifier is invalid.", 0},
		{"access denied", awstest.Fail(403, "AccessDeniedException", "You don't have access to the model."),
			403, "AccessDeniedException: You don't have access to the model.", 0},
		{"internal", awstest.Fail(500, "InternalServerException", "Internal error"), 500, "InternalServerException: Internal error", 0},
		{"unavailable", awstest.Fail(503, "ServiceUnavailableException", "Service unavailable"), 503, "ServiceUnavailableException: Service unavailable", 0},
		{"not JSON", func(x *awstest.Exchange) { x.Body(502, "text/html", []byte("<html>Bad Gateway</html>")) }, 502, "Bad Gateway", 0},
		{"long message", awstest.Fail(400, "ValidationException", strings.Repeat("x", 2000)), 400, "ValidationException: " + strings.Repeat("x", 512-len("ValidationException: ")) + "…", 0},
	}
	for _, tt := range tests {
		for _, api := range []API{Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream} {
			t.Run(tt.name+"/"+string(api), func(t *testing.T) {
				srv := awstest.New(t, tt.handler)
				e := newEndpoint(t, srv, Config{API: api})
				p := hello()
				if api == InvokeModel || api == InvokeModelWithResponseStream {
					p = endpoints.Payload{"prompt": "hi"}
				}
				var rec endpointstest.Recorder
				err := invoke(t, e, p, &rec)
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
			})
		}
	}
}

func TestRetries(t *testing.T) {
	unavailable := awstest.Fail(503, "ServiceUnavailableException", "try again")
	ok := awstest.Stream(awstest.MessageStart(), awstest.TextDelta("OK"), awstest.MessageStop("end_turn"))

	t.Run("succeeds on the third attempt", func(t *testing.T) {
		srv := awstest.New(t, unavailable, unavailable, ok)
		e := newEndpoint(t, srv, Config{API: ConverseStream, MaxAttempts: 3})
		var rec endpointstest.Recorder
		require.NoError(t, invoke(t, e, hello(), &rec))
		assert.Equal(t, 3, srv.Hits())
		assert.Equal(t, 2, rec.RetryCount)
		assert.Equal(t, []string{"OK"}, rec.Chunks)
		for _, r := range srv.Requests() {
			assert.True(t, r.Signed("bedrock"))
		}
	})
	t.Run("throttling is retried too", func(t *testing.T) {
		srv := awstest.New(t, awstest.Fail(429, "ThrottlingException", "slow down"), awstest.Reply(200, awstest.ConverseBody("OK", "", awstest.Usage{Input: 1, Output: 1})))
		e := newEndpoint(t, srv, Config{MaxAttempts: 3})
		var rec endpointstest.Recorder
		require.NoError(t, invoke(t, e, hello(), &rec))
		assert.Equal(t, 2, srv.Hits())
		assert.Equal(t, 1, rec.RetryCount)
	})
	t.Run("no retry by default", func(t *testing.T) {
		srv := awstest.New(t, unavailable, unavailable, ok)
		e := newEndpoint(t, srv, Config{API: ConverseStream})
		var rec endpointstest.Recorder
		err := invoke(t, e, hello(), &rec)
		var se *endpoints.StatusError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, 503, se.StatusCode)
		assert.Equal(t, 1, srv.Hits())
		assert.Equal(t, 0, rec.RetryCount)
		assert.Contains(t, rec.Events, "retries")
	})
	t.Run("attempts exhausted", func(t *testing.T) {
		srv := awstest.New(t, unavailable)
		e := newEndpoint(t, srv, Config{MaxAttempts: 2})
		var rec endpointstest.Recorder
		err := invoke(t, e, hello(), &rec)
		var se *endpoints.StatusError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, 503, se.StatusCode)
		assert.Equal(t, 2, srv.Hits())
		assert.Equal(t, 1, rec.RetryCount, "retries are counted on failures too")
	})
	t.Run("a client error is not retried", func(t *testing.T) {
		srv := awstest.New(t, awstest.Fail(400, "ValidationException", "bad"), ok)
		e := newEndpoint(t, srv, Config{MaxAttempts: 3})
		var rec endpointstest.Recorder
		require.Error(t, invoke(t, e, hello(), &rec))
		assert.Equal(t, 1, srv.Hits())
		assert.Equal(t, 0, rec.RetryCount)
	})
	t.Run("exception events are not retried", func(t *testing.T) {
		srv := awstest.New(t, awstest.Stream(awstest.MessageStart(), awstest.Exception("throttlingException", "later")), ok)
		e := newEndpoint(t, srv, Config{API: ConverseStream, MaxAttempts: 3})
		var rec endpointstest.Recorder
		var se *StreamError
		require.ErrorAs(t, invoke(t, e, hello(), &rec), &se)
		assert.Equal(t, 1, srv.Hits())
	})
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		api     API
		handler awstest.Handler
		chunks  []string
	}{
		{"stall before the response", Converse, func(x *awstest.Exchange) { x.Stall() }, nil},
		{"stall before the stream", ConverseStream, func(x *awstest.Exchange) { x.Stall() }, nil},
		{"stall mid-stream", ConverseStream, func(x *awstest.Exchange) {
			_ = x.Send(awstest.MessageStart(), awstest.TextDelta("Hi"))
			x.Stall()
		}, []string{"Hi"}},
		{"stall mid invoke stream", InvokeModelWithResponseStream, func(x *awstest.Exchange) {
			_ = x.Send(awstest.Chunk(`{"choices":[{"delta":{"content":"Hi"}}]}`))
			x.Stall()
		}, []string{"Hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New(t, tt.handler)
			e := newEndpoint(t, srv, Config{API: tt.api, MaxAttempts: 3})
			p := hello()
			if tt.api == InvokeModelWithResponseStream {
				p = endpoints.Payload{"prompt": "hi"}
			}
			req, err := e.Prepare(p)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			var rec endpointstest.Recorder
			start := time.Now()
			err = e.Invoke(ctx, req, &rec)
			elapsed := time.Since(start)
			require.Error(t, err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
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
		"exception event": func(x *awstest.Exchange) {
			_ = x.Send(awstest.MessageStart(), awstest.Exception("validationException", echo(x)))
		},
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			srv := awstest.New(t, h)
			e := newEndpoint(t, srv, Config{API: ConverseStream})
			err := invoke(t, e, hello(), &endpointstest.Recorder{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), redact.Redacted)
			awstest.AssertNoSecret(t, err.Error(), fmt.Sprintf("%+v", e.Info()), fmt.Sprintf("%#v", err))
		})
	}
	t.Run("transport error", func(t *testing.T) {
		srv := awstest.New(t)
		e := newEndpoint(t, srv, Config{})
		srv.Close()
		err := invoke(t, e, hello(), &endpointstest.Recorder{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "bedrock: converse: ")
		awstest.AssertNoSecret(t, err.Error())
	})
}

func TestConcurrentInvokes(t *testing.T) {
	srv := awstest.New(t, awstest.Stream(
		awstest.MessageStart(), awstest.TextDelta("a"), awstest.TextDelta("b"),
		awstest.MessageStop("end_turn"), awstest.Metadata(awstest.Usage{Input: 1, Output: 2}, 1),
	))
	e := newEndpoint(t, srv, Config{API: ConverseStream})
	req, err := e.Prepare(ConversePayloadMust(t, "hi", 8, WithImage("png", []byte{1, 2, 3})))
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			var rec endpointstest.Recorder
			if err := e.Invoke(t.Context(), req, &rec); err != nil {
				errs <- err
				return
			}
			if rec.Output() != "ab" || rec.LastUsage.OutputTokens != 2 {
				errs <- errors.New("wrong output " + rec.Output())
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, 16, srv.Hits())
	bodies := map[string]bool{}
	for _, r := range srv.Requests() {
		bodies[string(r.Body)] = true
	}
	assert.Len(t, bodies, 1, "every request sends the same body")
}

func ConversePayloadMust(t testing.TB, text string, maxTokens int, opts ...PayloadOption) endpoints.Payload {
	t.Helper()
	p, err := ConversePayload(text, maxTokens, opts...)
	require.NoError(t, err)
	return p
}

func TestNotPrepared(t *testing.T) {
	srv := awstest.New(t)
	e := newEndpoint(t, srv, Config{})
	assert.ErrorIs(t, e.Invoke(t.Context(), nil, &endpointstest.Recorder{}), errNotPrepared)
	assert.ErrorIs(t, e.Invoke(t.Context(), &endpoints.Request{Body: []byte("{}")}, &endpointstest.Recorder{}), errNotPrepared)
	assert.Equal(t, 0, srv.Hits())
	_ = http.StatusOK
}

// TestConverseIsTraced checks that the SDK's HTTP exchange is traced: a
// new connection for the first request, the kept-alive one for the next.
func TestConverseIsTraced(t *testing.T) {
	srv := awstest.New(t, awstest.Reply(200, awstest.ConverseBody("Hi!", "", awstest.Usage{Input: 7, Output: 2})))
	e := newEndpoint(t, srv, Config{})
	var rec endpointstest.Recorder
	require.NoError(t, invoke(t, e, hello(), &rec))
	require.NoError(t, invoke(t, e, hello(), &rec))
	require.Len(t, rec.Traces, 2, "one trace per request")
	first, second := rec.Traces[0], rec.Traces[1]
	assert.False(t, first.Reused)
	assert.False(t, first.ConnectStart.IsZero(), "a new connection's connect")
	assert.True(t, first.ConnectStart.Before(first.ConnectDone))
	assert.True(t, second.Reused)
	assert.True(t, second.ConnectStart.IsZero(), "none on a kept-alive one")
	for _, tr := range rec.Traces {
		assert.False(t, tr.GotConn.After(tr.WroteRequest), "the connection, then the request")
		assert.False(t, tr.FirstByte.IsZero())
	}
}
