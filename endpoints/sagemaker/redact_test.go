package sagemaker_test

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
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/sagemaker"
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

// TestNoCredentialInErrorsRecordsOrSummary points both APIs, in both
// styles, at a hostile service that echoes the session token and the
// secret access key, upper-cased, in an error response, in a stream
// exception, in an error object of the model server's stream and as the
// model's output: nothing of them reaches an error, the record or the
// summary. With credentials from a provider the endpoint cannot read
// ahead, the session token is learned when the first request is signed.
func TestNoCredentialInErrorsRecordsOrSummary(t *testing.T) {
	payloads := map[sagemaker.Style]endpoints.Payload{
		sagemaker.TGI:    {"inputs": "hi", "parameters": map[string]any{"max_new_tokens": 8}},
		sagemaker.OpenAI: {"messages": []any{map[string]any{"role": "user", "content": "hi"}}},
	}
	body := map[sagemaker.Style]func(echo string) string{
		sagemaker.TGI:    func(echo string) string { return `[{"generated_text":"said ` + echo + `"}]` },
		sagemaker.OpenAI: func(echo string) string { return `{"choices":[{"message":{"content":"said ` + echo + `"}}]}` },
	}
	lines := map[sagemaker.Style]func(echo string) string{
		sagemaker.TGI: func(echo string) string {
			return "data:{\"token\":{\"text\":\"said " + echo + "\"},\"generated_text\":\"x\"}\n\n"
		},
		sagemaker.OpenAI: func(echo string) string {
			return "data: {\"choices\":[{\"delta\":{\"content\":\"said " + echo + "\"}}]}\n\ndata: [DONE]\n\n"
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
	for _, style := range []sagemaker.Style{sagemaker.TGI, sagemaker.OpenAI} {
		for _, api := range []sagemaker.API{sagemaker.InvokeEndpoint, sagemaker.InvokeEndpointWithResponseStream} {
			stream := api == sagemaker.InvokeEndpointWithResponseStream
			for credName, creds := range credentials {
				echo := func(x *awstest.Exchange) string { return awstest.Echo(x, creds.secretKey) }
				channels := map[string]awstest.Handler{
					"error response": func(x *awstest.Exchange) { x.Error(http.StatusBadRequest, "ValidationError", echo(x)) },
					"model error": func(x *awstest.Exchange) {
						x.Header().Set("X-Amzn-Errortype", "ModelError:http://internal.amazon.com/coral/com.amazonaws.sagemaker/")
						x.JSON(http.StatusFailedDependency, `{"message":"`+echo(x)+`","OriginalStatusCode":400,"OriginalMessage":"`+echo(x)+`"}`)
					},
				}
				if stream {
					channels["model output"] = func(x *awstest.Exchange) {
						_ = x.Send(awstest.PayloadPart([]byte(lines[style](echo(x)))))
					}
					channels["stream exception"] = func(x *awstest.Exchange) {
						_ = x.Send(awstest.PayloadPart([]byte("data:")), awstest.Exception("ModelStreamError", echo(x)))
					}
					channels["stream exception type"] = func(x *awstest.Exchange) {
						_ = x.Send(awstest.PayloadPart([]byte("data:")), awstest.Exception(echo(x), "boom"))
					}
					channels["error object in the stream"] = func(x *awstest.Exchange) {
						_ = x.Send(awstest.PayloadPart([]byte(`data: {"error":"` + echo(x) + `","error_type":"` + echo(x) + `"}` + "\n\n")))
					}
				} else {
					channels["model output"] = func(x *awstest.Exchange) { x.JSON(200, body[style](echo(x))) }
				}
				for channel, h := range channels {
					t.Run(string(style)+"/"+string(api)+"/"+credName+"/"+channel, func(t *testing.T) {
						srv := awstest.New(t, h)
						ep, err := sagemaker.New(t.Context(), sagemaker.Config{
							EndpointName: "llm", API: api, Style: style, Region: awstest.Region, Credentials: creds.provider, BaseEndpoint: srv.URL,
						})
						require.NoError(t, err)
						t.Cleanup(func() { _ = ep.Close() })
						texts, responses := runTexts(t, ep, payloads[style])
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
}

// TestRedact checks the endpoint's Redactor on its own: it knows static
// credentials at once and ignores case.
func TestRedact(t *testing.T) {
	ep, err := sagemaker.New(t.Context(), sagemaker.Config{EndpointName: "llm", Region: awstest.Region, Credentials: awstest.Credentials()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	var r endpoints.Redactor = ep
	assert.Equal(t, "a [REDACTED] b [REDACTED] c", r.Redact("a "+strings.ToUpper(awstest.SecretAccessKey)+" b "+awstest.SessionToken+" c"))
	assert.Equal(t, "nothing secret", r.Redact("nothing secret"))
}
