package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/internal/awstest"
	"github.com/llmtest/llmtest/llmtest"
)

// awsEnv gives the command fake credentials the standard way, through the
// environment, with nothing else of the machine's AWS settings.
func awsEnv(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_BEARER_TOKEN_BEDROCK", "")
	t.Setenv("AWS_ACCESS_KEY_ID", awstest.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awstest.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", awstest.SessionToken)
	t.Setenv("AWS_REGION", "")
}

func TestRunBedrockConverse(t *testing.T) {
	awsEnv(t)
	srv := awstest.New(t,
		awstest.Stream(awstest.MessageStart(), awstest.TextDelta("Hello"), awstest.TextDelta(" there"),
			awstest.ContentBlockStop(), awstest.MessageStop("end_turn"), awstest.Metadata(awstest.Usage{Input: 5, Output: 2}, 3)),
		awstest.Reply(200, awstest.ConverseBody("Hello there", "", awstest.Usage{Input: 5, Output: 2})),
	)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--api", "bedrock-converse", "--url", srv.URL, "--region", awstest.Region,
		"--model", "us.amazon.nova-lite-v1:0", "--clients", "1", "--requests", "1", "--out", out, "--run-name", "stream")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "bedrock us.amazon.nova-lite-v1:0 converse-stream")
	assert.Contains(t, stdout, "1 request, 0 failed")
	res, err := llmtest.LoadResult(filepath.Join(out, "stream"))
	require.NoError(t, err)
	require.Len(t, res.Invocations, 1)
	inv := res.Invocations[0]
	assert.Equal(t, "Hello there", inv.ResponseText)
	assert.Equal(t, 2, inv.NumTokensOutput)
	assert.Equal(t, llmtest.FromServer, inv.OutputTokensFrom)
	assert.Positive(t, inv.TimeToFirstToken)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, awstest.ConverseStream, reqs[0].Operation)
	assert.True(t, reqs[0].Signed("bedrock"), "signed with the credentials from the environment")
	assertNoSecret(t, awstest.SecretAccessKey, filepath.Join(out, "stream"), stdout, stderr)
	assertNoSecret(t, awstest.SessionToken, filepath.Join(out, "stream"), stdout, stderr)

	// --stream=false calls Converse.
	code, stdout, stderr = runCLI(t, "run", "--api", "bedrock-converse", "--url", srv.URL, "--region", awstest.Region,
		"--model", "m", "--clients", "1", "--requests", "1", "--stream=false")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "0 failed")
	assert.Equal(t, awstest.Converse, srv.Requests()[1].Operation)
}

func TestRunBedrockInvokeWithPaths(t *testing.T) {
	awsEnv(t)
	srv := awstest.New(t, awstest.Stream(
		awstest.Chunk(`{"outputText":"Hi","stop":null}`),
		awstest.Chunk(`{"outputText":" you","stop":"end","amazon-bedrock-invocationMetrics":{"inputTokenCount":4,"outputTokenCount":2}}`),
	))
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--api", "bedrock-invoke", "--url", srv.URL, "--region", awstest.Region,
		"--model", "amazon.titan-text-express-v1", "--stream-text-path", "outputText",
		"--stream-output-tokens-path", "amazon-bedrock-invocationMetrics.outputTokenCount",
		"--clients", "1", "--requests", "1", "--out", out, "--run-name", "invoke")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	res, err := llmtest.LoadResult(filepath.Join(out, "invoke"))
	require.NoError(t, err)
	require.Len(t, res.Invocations, 1)
	assert.Equal(t, "Hi you", res.Invocations[0].ResponseText)
	assert.Equal(t, 2, res.Invocations[0].NumTokensOutput)
	assert.Equal(t, awstest.InvokeModelWithResponseStream, srv.Requests()[0].Operation)
}

func TestRunBedrockWithoutRegion(t *testing.T) {
	awsEnv(t)
	code, _, stderr := runCLI(t, "run", "--api", "bedrock-converse", "--model", "m", "--requests", "1")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--region: required: no region in --region, AWS_REGION or the shared config file")
}

func TestRunSageMaker(t *testing.T) {
	awsEnv(t)
	tgi := "data:{\"token\":{\"text\":\"Hi\",\"special\":false},\"generated_text\":null}\n\n" +
		"data:{\"token\":{\"text\":\" you\",\"special\":false},\"generated_text\":\"Hi you\",\"details\":{\"generated_tokens\":2}}\n\n"
	var parts []awstest.Event
	for i := 0; i < len(tgi); i += 5 {
		parts = append(parts, awstest.PayloadPart([]byte(tgi[i:min(i+5, len(tgi))])))
	}
	srv := awstest.New(t, awstest.Stream(parts...))
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--api", "sagemaker", "--url", srv.URL, "--region", awstest.Region,
		"--endpoint-name", "my-tgi", "--style", "tgi", "--prompt", "Say hi", "--max-tokens", "2",
		"--clients", "1", "--requests", "2", "--out", out, "--run-name", "sm")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "sagemaker my-tgi my-tgi")
	res, err := llmtest.LoadResult(filepath.Join(out, "sm"))
	require.NoError(t, err)
	require.Len(t, res.Invocations, 2)
	for _, inv := range res.Invocations {
		assert.Equal(t, "Hi you", inv.ResponseText)
		assert.Equal(t, 2, inv.NumTokensOutput)
		assert.Equal(t, "Say hi", inv.InputPrompt)
	}
	r := srv.Requests()[0]
	assert.Equal(t, awstest.InvokeEndpointWithResponseStream, r.Operation)
	assert.Equal(t, "my-tgi", r.Target)
	assert.True(t, r.Signed("sagemaker"))
	assert.Contains(t, string(r.Body), `"inputs":"Say hi"`)
	assertNoSecret(t, awstest.SecretAccessKey, filepath.Join(out, "sm"), stdout, stderr)
}
