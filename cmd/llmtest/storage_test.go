package main

import (
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocloud.dev/blob"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/internal/awstest"
	"github.com/llmtest/llmtest/llmtest"
)

// fakeS3 starts an S3-compatible server on 127.0.0.1 with one bucket,
// sets the AWS environment's static credentials, and returns the s3://
// URL of the bucket's prefix "runs", configured by its query as a user
// would configure an S3-compatible store.
func fakeS3(t *testing.T) (base string) {
	t.Helper()
	awsEnv(t)
	t.Setenv("AWS_SESSION_TOKEN", "")
	be := s3mem.New()
	require.NoError(t, be.CreateBucket("llmtest-runs"))
	srv := httptest.NewServer(gofakes3.New(be, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	q := url.Values{
		"endpoint": {srv.URL}, "use_path_style": {"true"}, "disable_https": {"true"}, "region": {awstest.Region},
		"request_checksum_calculation": {"when_required"}, "response_checksum_validation": {"when_required"},
	}
	return "s3://llmtest-runs/runs?" + q.Encode()
}

// objects returns the objects of the bucket under prefix, by key less
// the prefix.
func objects(t *testing.T, base, prefix string) map[string]string {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = ""
	b, err := blob.OpenBucket(context.Background(), u.String())
	require.NoError(t, err)
	defer b.Close()
	out := map[string]string{}
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(context.Background())
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		data, err := b.ReadAll(context.Background(), obj.Key)
		require.NoError(t, err)
		out[strings.TrimPrefix(obj.Key, prefix)] = string(data)
	}
}

// TestRunReportMergeOnS3 runs two shards with --out s3://…, reports one
// from the bucket, and merges both into the bucket.
func TestRunReportMergeOnS3(t *testing.T) {
	base := fakeS3(t)
	srv, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Seed: 3, FirstTokenLatency: 2e6, InterTokenLatency: 1e5}, APIKey: shardKey})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	t.Setenv("LLMTEST_SHARD_KEY", shardKey)
	var dirs []string
	for _, name := range []string{"s0", "s1"} {
		code, stdout, stderr := runCLI(t, "run", "--url", srv.URL+"/v1", "--api-key-env", "LLMTEST_SHARD_KEY", "--model", "m",
			"--clients", "2", "--requests", "3", "--max-tokens", "8", "--out", base, "--run-name", name)
		require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		assert.Contains(t, stdout, "results: s3://llmtest-runs/runs/"+name+"\n", "shown without the query")
		assertNoS3Secret(t, stdout, stderr)
		dirs = append(dirs, llmtest.JoinOutputPath(base, name))
	}
	var names []string
	for k := range objects(t, base, "runs/s0/") {
		names = append(names, k)
	}
	assert.ElementsMatch(t, []string{"junit.xml", "payload.jsonl", "report.html", "report.json", "report.md", "responses/part-00000.jsonl",
		"run_config.json", "stats.json", "summary.json"}, names)

	code, stdout, stderr := runCLI(t, "report", "--slo", "error_rate < 50%", dirs[0])
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "llmtest run s0:")
	assert.Contains(t, stdout, "6 requests, 0 failed")

	local := t.TempDir()
	report := filepath.Join(local, "merged.json")
	code, stdout, stderr = runCLI(t, append([]string{"merge", "--out", base, "--run-name", "all", "--json", report}, dirs...)...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "12 requests")
	merged, err := llmtest.LoadResult(llmtest.JoinOutputPath(base, "all"))
	require.NoError(t, err)
	assert.Equal(t, 12, merged.TotalRequests())
	assert.Len(t, merged.Invocations, 12)
	assertNoS3Secret(t, stdout, stderr)

	// The merged folder exists: a second merge of that name is refused.
	code, _, stderr = runCLI(t, append([]string{"merge", "--out", base, "--run-name", "all"}, dirs...)...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--out: s3://llmtest-runs/runs/all already exists")

	// A folder with nothing under it is no run folder.
	code, _, stderr = runCLI(t, "report", llmtest.JoinOutputPath(base, "none"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "s3://llmtest-runs/runs/none: no such run folder (no object under it)")
	assertNoS3Secret(t, stderr)
	assert.NotContains(t, stderr, "endpoint=", "the query is not shown")

	// No artifact holds a credential.
	all := objects(t, base, "runs/")
	assert.Contains(t, all, "all/responses/part-00000.jsonl")
	for k, v := range all {
		assertNoS3Secret(t, k, v)
	}
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	assertNoS3Secret(t, string(data))
}

func assertNoS3Secret(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		assert.NotContains(t, s, awstest.AccessKeyID)
		assert.NotContains(t, s, awstest.SecretAccessKey)
		assert.NotContains(t, s, shardKey)
	}
}
