package blob_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gcblob "gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
	"github.com/llmtest/llmtest/storage/blob"
)

// The fake S3's static credentials: they must never appear in an error or
// an artifact.
const (
	accessKey = "AKIDLLMTESTFAKE0001"
	secretKey = "s3cr3t-LLMTEST-never-shown"
	region    = "eu-west-3"
)

// The fake S3 server, shared by the tests of this binary (see TestMain),
// and its in-memory backend, where each test creates its own bucket.
var (
	fakeURL string
	backend *s3mem.Backend
)

// childEnv names the environment variable that makes the test binary a
// run to be killed (see TestAKilledRunKeepsItsCompletedParts); it holds
// the parent's fake S3 URL.
const childEnv = "LLMTEST_BLOB_CHILD_S3"

func TestMain(m *testing.M) {
	// No AWS configuration of the machine is read.
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "",
	} {
		os.Setenv(k, v)
	}
	if u := os.Getenv(childEnv); u != "" {
		fakeURL = u
		register()
		os.Exit(child())
	}
	backend = s3mem.New()
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	srv := httptest.NewServer(faker.Server())
	fakeURL = srv.URL
	register()
	code := m.Run()
	srv.Close()
	os.Exit(code)
}

// register registers "fakes3", gocloud's s3blob on an aws-sdk-go-v2 client
// pointed at the fake server: path-style, static credentials, a region.
func register() {
	blob.Register("fakes3", func(ctx context.Context, u *url.URL) (*gcblob.Bucket, error) {
		client := s3.New(s3.Options{
			BaseEndpoint: aws.String(fakeURL),
			UsePathStyle: true,
			Region:       region,
			Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
			// gofakes3 reads no aws-chunked bodies with trailing checksums.
			RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
			ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		})
		return s3blob.OpenBucket(ctx, client, u.Host, &s3blob.Options{RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired})
	})
}

var buckets atomic.Int64

// newBucket creates a bucket named after the test (and numbered, for
// -count).
func newBucket(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	name += fmt.Sprintf("-%d", buckets.Add(1))
	require.NoError(t, backend.CreateBucket(name))
	return name
}

// objects returns the keys under prefix of the bucket, sorted, read
// through the AWS SDK.
func objects(t *testing.T, bucket, prefix string) map[string][]byte {
	t.Helper()
	b, err := openFake(bucket)
	require.NoError(t, err)
	defer b.Close()
	out := map[string][]byte{}
	it := b.List(&gcblob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		data, err := b.ReadAll(context.Background(), obj.Key)
		require.NoError(t, err)
		out[strings.TrimPrefix(obj.Key, prefix)] = data
	}
}

func openFake(bucket string) (*gcblob.Bucket, error) {
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(fakeURL), UsePathStyle: true, Region: region,
		Credentials:                credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	return s3blob.OpenBucket(context.Background(), client, bucket, nil)
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// localFiles returns the files of a local run folder, relative and sorted.
func localFiles(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return err
	}))
	sort.Strings(names)
	return names
}

func config(t *testing.T, out, name string, requests int) llmtest.Config {
	t.Helper()
	ep, err := sim.New(sim.Config{Seed: 7, MinOutputTokens: 3, MaxOutputTokens: 9})
	require.NoError(t, err)
	payloads := make([]map[string]any, requests)
	for i := range payloads {
		payloads[i] = map[string]any{"prompt": fmt.Sprintf("prompt %d of the test", i)}
	}
	return llmtest.Config{
		Endpoint: ep, Payloads: payloads, Clients: 2, Requests: requests / 2,
		OutputPath: out, RunName: name, ResponseParts: llmtest.ResponseParts{Records: 4, Interval: time.Hour},
	}
}

// TestRunToS3WritesTheFilesOfALocalRun runs one load to a local folder and
// to the fake S3: the same files, the records in parts, the same model;
// and LoadResult reads the S3 run back equal to what the run returned.
func TestRunToS3WritesTheFilesOfALocalRun(t *testing.T) {
	bucket := newBucket(t)
	local := t.TempDir()
	lres, err := (&llmtest.Runner{}).Run(t.Context(), config(t, local, "r1", 10))
	require.NoError(t, err)
	sres, err := (&llmtest.Runner{}).Run(t.Context(), config(t, "fakes3://"+bucket+"/runs", "r1", 10))
	require.NoError(t, err)
	assert.Equal(t, "fakes3://"+bucket+"/runs/r1", sres.OutputPath)

	got := objects(t, bucket, "runs/r1/")
	want := []string{}
	for _, n := range localFiles(t, filepath.Join(local, "r1")) {
		if n != llmtest.ResponsesFile {
			want = append(want, n)
		}
	}
	want = append(want, "responses/part-00000.jsonl", "responses/part-00001.jsonl", "responses/part-00002.jsonl")
	sort.Strings(want)
	assert.Equal(t, want, sortedKeys(got), "the files of a local run, the records in parts of 4")

	// The same model: identity, load shape, counts and token totals.
	var lrun, srun reporters.Run
	lb, err := os.ReadFile(filepath.Join(local, "r1", llmtest.ReportJSONFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(lb, &lrun))
	require.NoError(t, json.Unmarshal(got[llmtest.ReportJSONFile], &srun))
	assert.Equal(t, lrun.Name, srun.Name)
	assert.Equal(t, lrun.Endpoint, srun.Endpoint)
	assert.Equal(t, lrun.Config, srun.Config)
	assert.Equal(t, lrun.Counts, srun.Counts)
	assert.Equal(t, lrun.Tokens, srun.Tokens)
	assert.Equal(t, lres.TotalRequests(), sres.TotalRequests())

	// The parts hold every record, in order of completion.
	var lines []string
	for _, p := range []string{"responses/part-00000.jsonl", "responses/part-00001.jsonl", "responses/part-00002.jsonl"} {
		lines = append(lines, strings.SplitAfter(strings.TrimSuffix(string(got[p]), "\n"), "\n")...)
	}
	require.Len(t, lines, 10)

	back, err := llmtest.LoadResult(sres.OutputPath)
	require.NoError(t, err)
	assert.Equal(t, sres.Run.Stats(), back.Run.Stats())
	assert.Equal(t, sres.Run.Counts, back.Run.Counts)
	require.Len(t, back.Invocations, len(sres.Invocations))
	for i := range sres.Invocations {
		assert.Equal(t, sres.Invocations[i].ID, back.Invocations[i].ID)
		assert.Equal(t, sres.Invocations[i].TimeToLastToken, back.Invocations[i].TimeToLastToken)
	}
	assert.Len(t, back.Checks(), len(sres.Checks()))

	// OpenResult streams the records from the parts.
	opened, err := llmtest.OpenResult(sres.OutputPath)
	require.NoError(t, err)
	n := 0
	for _, err := range opened.Responses() {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 10, n)
	noSecrets(t, got)
}

// TestMergeReadsShardsFromS3 merges two shards written to the fake S3 and
// saves the merge there too.
func TestMergeReadsShardsFromS3(t *testing.T) {
	bucket := newBucket(t)
	base := "fakes3://" + bucket + "/shards"
	for _, name := range []string{"s0", "s1"} {
		_, err := (&llmtest.Runner{}).Run(t.Context(), config(t, base, name, 6))
		require.NoError(t, err)
	}
	merged, err := llmtest.Merge([]string{base + "/s0", base + "/s1"}, llmtest.MergeOptions{RunName: "all"})
	require.NoError(t, err)
	assert.Equal(t, 12, merged.TotalRequests())
	merged.OutputPath = llmtest.JoinOutputPath(base, "all")
	require.NoError(t, merged.Save())
	back, err := llmtest.LoadResult(merged.OutputPath)
	require.NoError(t, err)
	assert.Equal(t, 12, back.TotalRequests())
	assert.Len(t, back.Invocations, 12, "the merged folder holds every shard's records")
	assert.Contains(t, objects(t, bucket, "shards/all/"), llmtest.PayloadFile, "a merged folder is a run folder")
}

// TestAKilledRunKeepsItsCompletedParts runs the load in a child process,
// kills it once two parts are in the bucket, and reads what was kept: an
// interrupted run of every record of the uploaded parts.
func TestAKilledRunKeepsItsCompletedParts(t *testing.T) {
	bucket := newBucket(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+fakeURL, "LLMTEST_BLOB_CHILD_BUCKET="+bucket)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start())
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	var parts int
	for time.Now().Before(deadline) {
		parts = 0
		for k := range objects(t, bucket, "runs/crash/responses/") {
			if strings.HasPrefix(k, "part-") {
				parts++
			}
		}
		if parts >= 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.GreaterOrEqual(t, parts, 2, "the child uploaded two parts within a minute")
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	killed = true

	kept := objects(t, bucket, "runs/crash/")
	assert.NotContains(t, kept, llmtest.SummaryFile, "the run never ended")
	var uploaded int
	for k := range kept {
		if strings.HasPrefix(k, "responses/part-") {
			uploaded++
		}
	}
	res, err := llmtest.LoadResult("fakes3://" + bucket + "/runs/crash")
	require.NoError(t, err)
	assert.True(t, res.Run.Interrupted, "a folder without summary.json is an interrupted run")
	assert.Equal(t, 3*uploaded, res.TotalRequests(), "every record of each uploaded part of 3")
	assert.Len(t, res.Invocations, 3*uploaded)
	noSecrets(t, kept)
}

// child is the run TestAKilledRunKeepsItsCompletedParts kills: slow
// requests, a part every 3 records, until killed (or a minute passes).
func child() int {
	ep, err := sim.New(sim.Config{Seed: 1, FirstTokenLatency: 20 * time.Millisecond, MinOutputTokens: 2, MaxOutputTokens: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg := llmtest.Config{
		Endpoint: ep, Payloads: map[string]any{"prompt": "hello"}, Clients: 1, Duration: time.Minute,
		OutputPath: "fakes3://" + os.Getenv("LLMTEST_BLOB_CHILD_BUCKET") + "/runs", RunName: "crash",
		ResponseParts: llmtest.ResponseParts{Records: 3, Interval: time.Hour},
	}
	if _, err := (&llmtest.Runner{}).Run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestErrorsNameTheURLAndNoSecret checks the errors of a missing bucket,
// a missing run and a URL with credentials in it.
func TestErrorsNameTheURLAndNoSecret(t *testing.T) {
	_, err := (&llmtest.Runner{}).Run(t.Context(), config(t, "fakes3://no-such-bucket/runs", "r", 2))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fakes3://no-such-bucket/runs/r/")
	assert.Contains(t, err.Error(), "NoSuchBucket")
	assertNoSecret(t, err.Error())

	_, err = llmtest.LoadResult("fakes3://" + newBucket(t) + "/nothing")
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "/nothing/run_config.json")
	assertNoSecret(t, err.Error())

	err = llmtest.CheckOutputPath("s3://" + accessKey + ":" + secretKey + "@bucket/runs")
	require.Error(t, err)
	assert.Equal(t, "s3://bucket/runs: user information in a URL is refused, as it may hold a secret; give credentials the driver's way (environment, profile)", err.Error())
	assertNoSecret(t, err.Error())

	err = llmtest.CheckOutputPath("s4://bucket/runs")
	require.ErrorIs(t, err, llmtest.ErrNoBucketDriver)
	assert.Contains(t, err.Error(), "registered: azblob, fakes3, gs, s3")
}

// TestS3URLOpensThroughGocloud opens the fake through the s3:// scheme
// this package registers, configured by the URL's query and the
// environment's credentials, as `llmtest run --out s3://…` does.
func TestS3URLOpensThroughGocloud(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	bucket := newBucket(t)
	out := "s3://" + bucket + "/runs?endpoint=" + url.QueryEscape(fakeURL) + "&use_path_style=true&disable_https=true&region=" + region +
		"&request_checksum_calculation=when_required&response_checksum_validation=when_required"
	res, err := (&llmtest.Runner{}).Run(t.Context(), config(t, out, "viaurl", 4))
	require.NoError(t, err)
	got := objects(t, bucket, "runs/viaurl/")
	assert.Contains(t, got, llmtest.ReportJSONFile)
	var summary map[string]any
	require.NoError(t, json.Unmarshal(got[llmtest.SummaryFile], &summary))
	assert.Equal(t, "s3://"+bucket+"/runs/viaurl", summary["output_path"], "written without the query")
	back, err := llmtest.LoadResult(res.OutputPath)
	require.NoError(t, err)
	assert.Equal(t, 4, back.TotalRequests())
	noSecrets(t, got)

	_, err = llmtest.LoadResult("s3://" + bucket + "/runs/viaurl?endpoint=" + url.QueryEscape(fakeURL) + "&region=" + region + "&use_path_style=maybe")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), fakeURL, "the query is not shown")
	assertNoSecret(t, err.Error())
}

func noSecrets(t *testing.T, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		for _, s := range []string{accessKey, secretKey} {
			assert.NotContains(t, string(data), s, name)
		}
	}
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	assert.NotContains(t, s, accessKey)
	assert.NotContains(t, s, secretKey)
}
