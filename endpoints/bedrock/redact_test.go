package bedrock_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/bedrock"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/internal/awstest"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// runTexts runs ep twice through llmtest.Runner into a run folder and
// returns every text the run let out: the invocation errors and response
// texts, the result's line, the summary as Markdown and JUnit render it,
// and every file of the run folder, responses.jsonl among them.
func runTexts(t *testing.T, ep endpoints.Endpoint, p endpoints.Payload) (texts []string, responses string) {
	t.Helper()
	dir := t.TempDir()
	r := llmtest.NewRunner(llmtest.Config{Endpoint: ep, Payloads: []endpoints.Payload{p}, OutputPath: dir, RunName: "run"})
	res, err := r.Run(t.Context(), llmtest.Config{Clients: 1, Requests: 2})
	require.NoError(t, err)
	require.Len(t, res.Invocations, 2)
	for _, inv := range res.Invocations {
		texts = append(texts, inv.Error, inv.ResponseText)
	}
	texts = append(texts, res.String())
	// The endpoint's own error, as a caller of Invoke sees it, before the
	// engine redacts it once more.
	req, err := ep.Prepare(p)
	require.NoError(t, err)
	if ierr := ep.Invoke(t.Context(), req, &endpointstest.Recorder{}); ierr != nil {
		texts = append(texts, ierr.Error())
	}
	var md, junit bytes.Buffer
	require.NoError(t, reporters.NewMarkdown(&md).Write(res.Report()))
	require.NoError(t, reporters.NewJUnit(&junit).Write(res.Report()))
	texts = append(texts, md.String(), junit.String())
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if filepath.Base(path) == "responses.jsonl" {
			responses = string(b)
		}
		texts = append(texts, string(b))
		return err
	}))
	require.NotEmpty(t, responses, "the run wrote responses.jsonl")
	return texts, responses
}

// TestNoCredentialInErrorsRecordsOrSummary points every API at a hostile
// service that echoes the session token and the secret access key,
// upper-cased, in an error response, in a stream exception and as the
// model's output: nothing of them reaches an error, the record or the
// summary. With credentials from a provider the endpoint cannot read
// ahead, the session token is learned when the first request is signed.
func TestNoCredentialInErrorsRecordsOrSummary(t *testing.T) {
	payload := endpoints.Payload{"messages": []any{map[string]any{"role": "user", "content": "hi"}}}
	invokePayload := endpoints.Payload{"prompt": "hi"}
	output := map[bedrock.API]func(echo string) awstest.Handler{
		bedrock.Converse: func(echo string) awstest.Handler {
			return awstest.Reply(200, awstest.ConverseBody("said "+echo, "", awstest.Usage{Input: 3, Output: 2}))
		},
		bedrock.ConverseStream: func(echo string) awstest.Handler {
			return awstest.Stream(awstest.MessageStart(), awstest.TextDelta("said "), awstest.TextDelta(echo),
				awstest.ContentBlockStop(), awstest.MessageStop("end_turn"), awstest.Metadata(awstest.Usage{Input: 3, Output: 2}, 5))
		},
		bedrock.InvokeModel: func(echo string) awstest.Handler {
			return awstest.Reply(200, `{"choices":[{"message":{"content":"said `+echo+`"}}]}`)
		},
		bedrock.InvokeModelWithResponseStream: func(echo string) awstest.Handler {
			return awstest.Stream(awstest.Chunk(`{"choices":[{"delta":{"content":"said ` + echo + `"}}],"amazon-bedrock-invocationMetrics":{"inputTokenCount":3,"outputTokenCount":2}}`))
		},
	}
	credentials := map[string]struct {
		provider  aws.CredentialsProvider
		secretKey bool // whether the endpoint can know the secret key to redact it
	}{
		"static": {awstest.Credentials(), true},
		"provider": {aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
			return awstest.Credentials().Retrieve(ctx)
		}), false},
	}
	for api, answer := range output {
		p := payload
		if api == bedrock.InvokeModel || api == bedrock.InvokeModelWithResponseStream {
			p = invokePayload
		}
		stream := api == bedrock.ConverseStream || api == bedrock.InvokeModelWithResponseStream
		for credName, creds := range credentials {
			channels := map[string]awstest.Handler{
				"error response": func(x *awstest.Exchange) {
					x.Error(http.StatusForbidden, "UnrecognizedClientException", awstest.Echo(x, creds.secretKey))
				},
				"model output": func(x *awstest.Exchange) { answer(awstest.Echo(x, creds.secretKey))(x) },
			}
			if stream {
				channels["stream exception"] = func(x *awstest.Exchange) {
					_ = x.Send(awstest.MessageStart(), awstest.Exception("internalServerException", awstest.Echo(x, creds.secretKey)))
				}
				channels["stream exception type"] = func(x *awstest.Exchange) {
					_ = x.Send(awstest.MessageStart(), awstest.Exception(awstest.Echo(x, creds.secretKey), "boom"))
				}
			}
			for channel, h := range channels {
				t.Run(string(api)+"/"+credName+"/"+channel, func(t *testing.T) {
					srv := awstest.New(t, h)
					ep, err := bedrock.New(t.Context(), bedrock.Config{
						ModelID: "m", API: api, Region: awstest.Region, Credentials: creds.provider, BaseEndpoint: srv.URL,
					})
					require.NoError(t, err)
					t.Cleanup(func() { _ = ep.Close() })
					texts, responses := runTexts(t, ep, p)
					awstest.AssertNoSecret(t, texts...)
					assert.Contains(t, responses, "[REDACTED]", "the echo was recorded, redacted")
					if channel == "model output" {
						assert.Contains(t, responses, `"response_text":"said echo: [REDACTED]`)
					}
				})
			}
		}
	}
}

// TestRedact checks the endpoint's Redactor on its own: it knows static
// credentials at once and ignores case.
func TestRedact(t *testing.T) {
	ep, err := bedrock.New(t.Context(), bedrock.Config{ModelID: "m", Region: awstest.Region, Credentials: awstest.Credentials()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	var r endpoints.Redactor = ep
	assert.Equal(t, "a [REDACTED] b [REDACTED] c", r.Redact("a "+strings.ToUpper(awstest.SecretAccessKey)+" b "+awstest.SessionToken+" c"))
	assert.Equal(t, "nothing secret", r.Redact("nothing secret"))
}
