package llmtest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
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
				// A merge of the run folder with itself, saved, holds none either.
				merged, err := llmtest.Merge([]string{res.OutputPath, res.OutputPath}, llmtest.MergeOptions{RunName: "merged"})
				require.NoError(t, err)
				mergedDir := filepath.Join(t.TempDir(), "merged")
				require.NoError(t, merged.SaveTo(mergedDir))
				assert.GreaterOrEqual(t, scanDir(t, mergedDir, c.secrets), 8, "merged run folder files scanned")
				texts = append(texts, merged.SummaryText())
				assertNoSecret(t, texts, c.secrets)
				if hostile {
					assert.Contains(t, strings.Join(texts, "\n"), "echo", "the hostile server's errors reach the result")
				}
			})
		}
	}
}

// runCapturing runs p through llmtest.Run in a subtest and returns what
// the run let out — the log lines, test attributes, summary text, step
// summary, returned invocation errors and response texts — and the run
// folder.
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
	texts = append(texts, ct.text(), res.SummaryText())
	for _, inv := range res.Invocations {
		texts = append(texts, inv.Error, inv.ResponseText)
	}
	texts = append(texts, fmt.Sprintf("%+v", ep.Info()))
	b, err := os.ReadFile(summary)
	require.NoError(t, err, "llmtest.Run appends to GITHUB_STEP_SUMMARY")
	texts = append(texts, string(b))
	return texts, dir, res
}

// assertNoSecret fails when one of secrets appears in one of texts, in
// any ASCII case.
func assertNoSecret(t *testing.T, texts, secrets []string, where ...string) {
	t.Helper()
	for _, text := range texts {
		low := strings.ToLower(text)
		for _, s := range secrets {
			if strings.Contains(low, strings.ToLower(s)) {
				t.Errorf("secret %q leaked %s into %q", s, strings.Join(where, " "), text)
			}
		}
	}
}

// scanDir fails when a secret appears in a file under dir, in any ASCII
// case, and returns the number of files scanned.
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
		assertNoSecret(t, []string{string(b)}, secrets, "in "+path)
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
		t.Cleanup(func() { _ = ep.Close() })
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
	t.Cleanup(func() { _ = ep.Close() })
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

// redacted replaces a secret in every text.
const redacted = "[REDACTED]"

// Secrets of the echo tests: a base URL's password and a key in its query
// string.
const (
	urlUser     = "llmtest-user"
	urlPassword = "pw-llmtest-FAKE-4c1d9e77"
	queryKey    = "qk-llmtest-FAKE-a83b2f60"
)

// TestNoEchoedSecretInAnyChannel runs the HTTP endpoints against servers
// that echo a secret the endpoint sent — the Basic Authorization Go
// derives from a base URL's user information, a key in the base URL's
// query, the API key as sent and upper-cased — into an error status, an error in a
// stream and the model's output, split across two chunks. Neither the
// secret nor its upper-cased form reaches an error, a response text, the
// summary text, a log line or a file of the run folder.
func TestNoEchoedSecretInAnyChannel(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(urlUser + ":" + urlPassword))
	const gatewayToken = "gw-token-0123456789abcdef"
	echoes := []struct {
		name    string
		secrets []string
		// base returns the base URL for a server's URL.
		base func(srv string) string
		echo func(r *http.Request) string
		// headers are the endpoint's extra headers; with them, no API key.
		headers map[string]string
	}{
		{"basic-auth", []string{urlPassword, basic}, func(srv string) string {
			return strings.Replace(srv, "http://", "http://"+urlUser+":"+urlPassword+"@", 1)
		}, func(r *http.Request) string { return r.Header.Get("Authorization") }, nil},
		{"query-key", []string{queryKey}, func(srv string) string { return srv + "?key=" + queryKey },
			func(r *http.Request) string { return "key=" + r.URL.Query().Get("key") }, nil},
		{"key", []string{fakeKey}, func(srv string) string { return srv },
			func(r *http.Request) string { return r.Header.Get("Authorization") + r.Header.Get("X-Api-Key") }, nil},
		{"upper-cased-key", []string{fakeKey}, func(srv string) string { return srv },
			func(r *http.Request) string {
				return strings.ToUpper(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + r.Header.Get("X-Api-Key"))
			}, nil},
		// A gateway's token in an Authorization header of the user's: the
		// server echoes the token alone, without its scheme.
		{"gateway-token", []string{gatewayToken}, func(srv string) string { return srv },
			func(r *http.Request) string { return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") },
			map[string]string{"Authorization": "Bearer " + gatewayToken}},
	}
	providers := []struct {
		shape    string
		payload  endpoints.Payload
		endpoint func(t *testing.T, base string, key string, headers map[string]string) endpoints.Endpoint
	}{
		{"openai-chat", mustPayload(openai.ChatPayload("Say hello.", 8)), func(t *testing.T, base, key string, headers map[string]string) endpoints.Endpoint {
			ep, err := openai.New(openai.Config{BaseURL: base, APIKey: key, Model: "m", Headers: headers})
			require.NoError(t, err)
			t.Cleanup(func() { _ = ep.Close() })
			return ep
		}},
		{"openai-responses", mustPayload(openai.ResponsesPayload("Say hello.", 8)), func(t *testing.T, base, key string, headers map[string]string) endpoints.Endpoint {
			ep, err := openai.New(openai.Config{BaseURL: base, APIKey: key, Model: "m", API: openai.Responses, Headers: headers})
			require.NoError(t, err)
			t.Cleanup(func() { _ = ep.Close() })
			return ep
		}},
		{"anthropic", mustPayload(anthropic.MessagesPayload("Say hello.", 8, 0)), func(t *testing.T, base, key string, headers map[string]string) endpoints.Endpoint {
			ep, err := anthropic.New(anthropic.Config{BaseURL: base, APIKey: key, Model: "m", Headers: headers})
			require.NoError(t, err)
			t.Cleanup(func() { _ = ep.Close() })
			return ep
		}},
	}
	for _, p := range providers {
		for _, e := range echoes {
			t.Run(p.shape+"/"+e.name, func(t *testing.T) {
				key := fakeKey
				if (e.name == "basic-auth" && p.shape != "anthropic") || e.headers != nil {
					key = "" // a Bearer key would take the place of Basic or the header's token
				}
				srv := echoHTTP(t, p.shape, e.echo)
				ep := p.endpoint(t, e.base(srv+"/v1"), key, e.headers)
				texts, dir, res := runCapturing(t, ep, p.payload)
				assert.Equal(t, 4, res.Stats.TotalRequests)
				assert.Equal(t, 3, res.Stats.FailedRequests, "two error statuses and an error in a stream")
				secrets := e.secrets
				if key != "" {
					secrets = append(secrets, key)
				}
				assertNoSecret(t, texts, secrets)
				assert.GreaterOrEqual(t, scanDir(t, dir, secrets), 5, "run folder files scanned")

				var outputs, errs []string
				for _, inv := range res.Invocations {
					if inv.Failed() {
						errs = append(errs, inv.Error)
					} else {
						outputs = append(outputs, inv.ResponseText)
					}
				}
				require.Len(t, outputs, 1)
				assert.Contains(t, outputs[0], "echo: ", "the model's output arrived")
				assert.Contains(t, outputs[0], redacted, "the echoed secret in it was redacted")
				for _, msg := range errs {
					assert.Contains(t, msg, redacted, "the echo in each error was redacted")
				}
				assert.Contains(t, res.SummaryText(), redacted, "the summary shows the errors, redacted")
			})
		}
	}
}

func mustPayload(p endpoints.Payload, err error) endpoints.Payload {
	if err != nil {
		panic(err)
	}
	return p
}

// echoHTTP is a server that puts what echo returns for each request into
// its answer, in turn: an error status (401), an error in a stream, and a
// successful stream whose model output is "echo: " and the echo, split in
// the middle of it across two chunks; shape is the wire format:
// "openai-chat", "openai-responses" or "anthropic".
func echoHTTP(t *testing.T, shape string, echo func(r *http.Request) string) string {
	var mu sync.Mutex
	n := 0
	q := func(s string) string {
		b, err := json.Marshal(s)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		text := "echo: " + echo(r)
		mu.Lock()
		kind := n % 3
		n++
		mu.Unlock()
		switch kind {
		case 0:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			if shape == "anthropic" {
				fmt.Fprintf(w, `{"type":"error","error":{"type":"authentication_error","message":%s}}`, q(text))
			} else {
				fmt.Fprintf(w, `{"error":{"message":%s,"type":"invalid_request_error"}}`, q(text))
			}
			return
		case 1:
			w.Header().Set("Content-Type", "text/event-stream")
			if shape == "anthropic" {
				fmt.Fprintf(w, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":%s}}\n\n", q(text))
			} else {
				fmt.Fprintf(w, "data: {\"error\":{\"message\":%s}}\n\n", q(text))
			}
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		half := len(text) - len(text)/3 // inside the secret
		for _, part := range []string{text[:half], text[half:]} {
			switch shape {
			case "openai-chat":
				fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":%s}}]}\n\n", q(part))
			case "openai-responses":
				fmt.Fprintf(w, "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":%s}\n\n", q(part))
			case "anthropic":
				fmt.Fprintf(w, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":%s}}\n\n", q(part))
			}
		}
		switch shape {
		case "openai-chat":
			fmt.Fprint(w, "data: [DONE]\n\n")
		case "openai-responses":
			fmt.Fprint(w, "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r1\",\"status\":\"completed\",\"output\":[]}}\n\n")
		case "anthropic":
			fmt.Fprint(w, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
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
			assertNoSecret(t, texts, []string{token, secret})
		})
	}
}
