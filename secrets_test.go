package llmtest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/anthropic"
	"github.com/llmtest/llmtest/endpoints/bedrock"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/endpoints/sagemaker"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/internal/awstest"
	"github.com/llmtest/llmtest/llmtest"
)

// TestMain keeps the machine's AWS settings out of the tests, and the
// tests off the instance metadata service.
func TestMain(m *testing.M) {
	awstest.IsolateEnv()
	os.Exit(m.Run())
}

// fakeKey is a recognisable API key that must appear nowhere.
const fakeKey = "sk-llmtest-FAKE-SECRET-7f3a9c1e5b2d"

// leakCase runs one endpoint twice: against a server that answers, and
// against a hostile one that echoes the credentials it receives into its
// error messages, in the status body and in the stream.
type leakCase struct {
	name    string
	secrets []string
	// endpoint returns the endpoint under test, pointed at a server that
	// answers when hostile is false.
	endpoint func(t *testing.T, hostile bool) endpoints.Endpoint
	payload  endpoints.Payload
}

func TestNoSecretInAnyArtifactLogOrError(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", awstest.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awstest.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", awstest.SessionToken)
	t.Setenv("AWS_REGION", awstest.Region)

	chat, err := openai.ChatPayload("Say hello.", 8)
	require.NoError(t, err)
	responses, err := openai.ResponsesPayload("Say hello.", 8)
	require.NoError(t, err)
	messages, err := anthropic.MessagesPayload("Say hello.", 8, 0)
	require.NoError(t, err)
	converse, err := bedrock.ConversePayload("Say hello.", 8)
	require.NoError(t, err)
	tgi, err := sagemaker.TGIPayload("Say hello.", 8)
	require.NoError(t, err)
	smChat, err := sagemaker.ChatPayload("Say hello.", 8)
	require.NoError(t, err)

	cases := []leakCase{
		{"openai-chat", []string{fakeKey}, openaiEndpoint(openai.Chat), chat},
		{"openai-responses", []string{fakeKey}, openaiEndpoint(openai.Responses), responses},
		{"anthropic", []string{fakeKey}, anthropicEndpoint, messages},
		{"bedrock-converse-stream", awstest.Secrets(), bedrockEndpoint(bedrock.ConverseStream), converse},
		{"bedrock-invoke-stream", awstest.Secrets(), bedrockEndpoint(bedrock.InvokeModelWithResponseStream), chat},
		{"sagemaker-tgi-stream", awstest.Secrets(), sagemakerEndpoint(sagemaker.TGI), tgi},
		{"sagemaker-openai-stream", awstest.Secrets(), sagemakerEndpoint(sagemaker.OpenAI), smChat},
	}
	for _, c := range cases {
		for _, hostile := range []bool{false, true} {
			name := c.name
			if hostile {
				name += "/hostile"
			}
			t.Run(name, func(t *testing.T) {
				texts, dir, res := runCapturing(t, c.endpoint(t, hostile), c.payload)
				if hostile {
					assert.Equal(t, res.Stats.TotalRequests, res.Stats.FailedRequests, "the hostile server fails every request")
				} else {
					assert.Zero(t, res.Stats.FailedRequests, "%v", texts)
				}
				assert.Equal(t, 4, res.Stats.TotalRequests)
				files := scanDir(t, dir, c.secrets)
				assert.GreaterOrEqual(t, files, 5, "run folder files scanned")
				for _, s := range c.secrets {
					for _, text := range texts {
						assert.NotContains(t, text, s)
					}
				}
				if hostile {
					assert.Contains(t, strings.Join(texts, "\n"), "echo", "the hostile server's errors reach the result")
				}
			})
		}
	}
}

// runCapturing runs p through llmtest.Run in a subtest and returns what
// the run let out — the log lines, test attributes, step summary, returned
// invocation errors — and the run folder.
func runCapturing(t *testing.T, ep endpoints.Endpoint, p endpoints.Payload) (texts []string, dir string, res *llmtest.Result) {
	dir = filepath.Join(t.TempDir(), "run")
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	ct := &captureTB{}
	t.Run("run", func(t *testing.T) {
		ct.TB = t
		res = llmtest.Run(ct, llmtest.Config{
			Endpoint:   ep,
			Payloads:   []endpoints.Payload{p},
			Clients:    2,
			Requests:   2,
			OutputPath: dir,
		})
	})
	require.NotNil(t, res)
	texts = append(texts, ct.text())
	for _, inv := range res.Invocations {
		texts = append(texts, inv.Error)
	}
	texts = append(texts, fmt.Sprintf("%+v", ep.Info()))
	b, err := os.ReadFile(summary)
	require.NoError(t, err, "llmtest.Run appends to GITHUB_STEP_SUMMARY")
	texts = append(texts, string(b))
	return texts, dir, res
}

// scanDir fails when a secret appears in a file under dir, and returns
// the number of files scanned.
func scanDir(t *testing.T, dir string, secrets []string) int {
	t.Helper()
	n := 0
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for _, s := range secrets {
			assert.NotContains(t, string(b), s, "a secret in %s", path)
		}
		return nil
	}))
	return n
}

// captureTB records what a test would log or report.
type captureTB struct {
	testing.TB
	mu  sync.Mutex
	buf strings.Builder
}

func (c *captureTB) record(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.WriteString(s)
	c.buf.WriteByte('\n')
}

func (c *captureTB) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func (c *captureTB) Log(args ...any) { c.record(fmt.Sprint(args...)); c.TB.Log(args...) }
func (c *captureTB) Logf(format string, args ...any) {
	c.record(fmt.Sprintf(format, args...))
	c.TB.Logf(format, args...)
}
func (c *captureTB) Error(args ...any) { c.record(fmt.Sprint(args...)); c.TB.Error(args...) }
func (c *captureTB) Errorf(format string, args ...any) {
	c.record(fmt.Sprintf(format, args...))
	c.TB.Errorf(format, args...)
}
func (c *captureTB) Fatal(args ...any) { c.record(fmt.Sprint(args...)); c.TB.Fatal(args...) }
func (c *captureTB) Fatalf(format string, args ...any) {
	c.record(fmt.Sprintf(format, args...))
	c.TB.Fatalf(format, args...)
}
func (c *captureTB) Attr(key, value string) { c.record(key + "=" + value); c.TB.Attr(key, value) }

// hostileHTTP is a server that rejects every request with a 401 whose
// message echoes the credential headers, in the error shape of openai
// (anthropicShape false) or anthropic, or, for every other request,
// starts a stream and puts them into an error event.
func hostileHTTP(t *testing.T, anthropicShape bool) string {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		echo := "echo: " + r.Header.Get("Authorization") + " " + r.Header.Get("X-Api-Key")
		mu.Lock()
		n++
		odd := n%2 == 1
		mu.Unlock()
		if odd {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			if anthropicShape {
				fmt.Fprintf(w, `{"type":"error","error":{"type":"authentication_error","message":%q}}`, echo)
			} else {
				fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error"}}`, echo)
			}
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		if anthropicShape {
			fmt.Fprintf(w, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":%q}}\n\n", echo)
		} else {
			fmt.Fprintf(w, "data: {\"error\":{\"message\":%q}}\n\n", echo)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// simURL starts the simulator with fakeKey as its key.
func simURL(t *testing.T) string {
	srv, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Seed: 1}, APIKey: fakeKey})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv.URL
}

func openaiEndpoint(api openai.API) func(t *testing.T, hostile bool) endpoints.Endpoint {
	return func(t *testing.T, hostile bool) endpoints.Endpoint {
		base := simURL(t)
		if hostile {
			base = hostileHTTP(t, false)
		}
		ep, err := openai.New(openai.Config{BaseURL: base + "/v1", APIKey: fakeKey, Model: "m", API: api})
		require.NoError(t, err)
		return ep
	}
}

func anthropicEndpoint(t *testing.T, hostile bool) endpoints.Endpoint {
	base := simURL(t)
	if hostile {
		base = hostileHTTP(t, true)
	}
	ep, err := anthropic.New(anthropic.Config{BaseURL: base, APIKey: fakeKey, Model: "m"})
	require.NoError(t, err)
	return ep
}

// awsHandler answers as Bedrock would, or, hostile, echoes the session
// token and the secret key into a status error and an exception event.
func awsHandler(api string, hostile bool) []awstest.Handler {
	if hostile {
		echo := func(x *awstest.Exchange) string {
			return "echo: " + x.Request.Header.Get("X-Amz-Security-Token") + " " + awstest.SecretAccessKey
		}
		return []awstest.Handler{
			func(x *awstest.Exchange) { x.Error(http.StatusForbidden, "UnrecognizedClientException", echo(x)) },
			func(x *awstest.Exchange) {
				_ = x.Send(awstest.MessageStart(), awstest.Exception("internalServerException", echo(x)))
			},
		}
	}
	switch api {
	case awstest.InvokeModelWithResponseStream:
		return []awstest.Handler{awstest.Stream(
			awstest.Chunk(`{"choices":[{"delta":{"content":"Hello"}}]}`),
			awstest.Chunk(`{"choices":[{"delta":{"content":" there"}}],"amazon-bedrock-invocationMetrics":{"inputTokenCount":3,"outputTokenCount":2}}`),
		)}
	default:
		return []awstest.Handler{awstest.Stream(
			awstest.MessageStart(), awstest.TextDelta("Hello"), awstest.TextDelta(" there"),
			awstest.ContentBlockStop(), awstest.MessageStop("end_turn"),
			awstest.Metadata(awstest.Usage{Input: 3, Output: 2}, 5),
		)}
	}
}

func bedrockEndpoint(api bedrock.API) func(t *testing.T, hostile bool) endpoints.Endpoint {
	op := awstest.ConverseStream
	if api == bedrock.InvokeModelWithResponseStream {
		op = awstest.InvokeModelWithResponseStream
	}
	return func(t *testing.T, hostile bool) endpoints.Endpoint {
		srv := awstest.New(t, awsHandler(op, hostile)...)
		// Credentials and region from the default chain: the environment.
		ep, err := bedrock.New(t.Context(), bedrock.Config{ModelID: "m", API: api, BaseEndpoint: srv.URL})
		require.NoError(t, err)
		return ep
	}
}

// sagemakerHandler answers as a TGI or an OpenAI-style container behind
// SageMaker would, its lines split across payload parts, or, hostile,
// echoes the credentials into a status error and an exception event.
func sagemakerHandler(style sagemaker.Style, hostile bool) []awstest.Handler {
	if hostile {
		echo := func(x *awstest.Exchange) string {
			return "echo: " + x.Request.Header.Get("X-Amz-Security-Token") + " " + awstest.SecretAccessKey
		}
		return []awstest.Handler{
			func(x *awstest.Exchange) { x.Error(http.StatusBadRequest, "ValidationError", echo(x)) },
			func(x *awstest.Exchange) {
				_ = x.Send(awstest.PayloadPart([]byte("data:")), awstest.Exception("ModelStreamError", echo(x)))
			},
		}
	}
	body := "data: {\"token\":{\"text\":\"Hello\"},\"generated_text\":null}\n\n" +
		"data: {\"token\":{\"text\":\" there\"},\"generated_text\":\"Hello there\",\"details\":{\"generated_tokens\":2}}\n\n"
	if style == sagemaker.OpenAI {
		body = "data: {\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}\n\n" +
			"data: {\"choices\":[{\"delta\":{\"content\":\" there\"}}]}\n\n" +
			"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n"
	}
	var parts []awstest.Event
	for i := 0; i < len(body); i += 7 {
		parts = append(parts, awstest.PayloadPart([]byte(body[i:min(i+7, len(body))])))
	}
	return []awstest.Handler{awstest.Stream(parts...)}
}

func sagemakerEndpoint(style sagemaker.Style) func(t *testing.T, hostile bool) endpoints.Endpoint {
	return func(t *testing.T, hostile bool) endpoints.Endpoint {
		srv := awstest.New(t, sagemakerHandler(style, hostile)...)
		ep, err := sagemaker.New(t.Context(), sagemaker.Config{
			EndpointName: "llm-endpoint", Style: style, API: sagemaker.InvokeEndpointWithResponseStream, BaseEndpoint: srv.URL,
		})
		require.NoError(t, err)
		return ep
	}
}

// TestNoSessionTokenFromAnyCredentialSource checks the session token of
// credentials that come from the shared credentials file, which the
// endpoints cannot know before a request is signed: a server echoing it
// back must not get it into an error or the run folder.
func TestNoSessionTokenFromAnyCredentialSource(t *testing.T) {
	const token = "FILE-session-token-FAKE-55aa77cc99ee"
	const secret = "FILE-secret-key-FAKE-0011223344"
	file := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(file, []byte("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = "+
		secret+"\naws_session_token = "+token+"\n"), 0o600))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", file)
	t.Setenv("AWS_REGION", awstest.Region)
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	converse, err := bedrock.ConversePayload("Say hello.", 8)
	require.NoError(t, err)
	tgi, err := sagemaker.TGIPayload("Say hello.", 8)
	require.NoError(t, err)

	echo := func(x *awstest.Exchange) string {
		return "the request had x-amz-security-token:" + x.Request.Header.Get("X-Amz-Security-Token")
	}
	hostile := []awstest.Handler{
		func(x *awstest.Exchange) { x.Error(http.StatusForbidden, "InvalidSignatureException", echo(x)) },
		func(x *awstest.Exchange) { _ = x.Send(awstest.Exception("internalServerException", echo(x))) },
	}
	for _, c := range []struct {
		name    string
		payload endpoints.Payload
		build   func(url string) (endpoints.Endpoint, error)
	}{
		{"bedrock", converse, func(url string) (endpoints.Endpoint, error) {
			return bedrock.New(t.Context(), bedrock.Config{ModelID: "m", API: bedrock.ConverseStream, BaseEndpoint: url})
		}},
		{"sagemaker", tgi, func(url string) (endpoints.Endpoint, error) {
			return sagemaker.New(t.Context(), sagemaker.Config{EndpointName: "e", API: sagemaker.InvokeEndpointWithResponseStream, BaseEndpoint: url})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := awstest.New(t, hostile...)
			ep, err := c.build(srv.URL)
			require.NoError(t, err)
			texts, dir, res := runCapturing(t, ep, c.payload)
			assert.Equal(t, 4, res.Stats.FailedRequests)
			assert.Contains(t, strings.Join(texts, "\n"), "x-amz-security-token:[REDACTED]", "the echo arrived, redacted")
			assert.Equal(t, token, srv.Requests()[0].Header.Get("X-Amz-Security-Token"), "signed with the file's credentials")
			scanDir(t, dir, []string{token, secret})
			for _, text := range texts {
				assert.NotContains(t, text, token)
				assert.NotContains(t, text, secret)
			}
		})
	}
}
