package llmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memBucket is a Bucket in memory: the objects of every bucket of the
// "mem" scheme, keyed by bucket name and key. Objects appear on Close.
type memBucket struct {
	name string
}

var memStore struct {
	sync.Mutex
	objects map[string][]byte // "bucket/key" → data
	failPut string            // a key prefix whose writes fail
}

func init() {
	memStore.objects = map[string][]byte{}
	RegisterBucket("mem", func(_ context.Context, u *url.URL) (Bucket, error) {
		if u.Path != "" {
			return nil, fmt.Errorf("opener given a path %q", u.Path)
		}
		if u.Host == "missing" {
			return nil, errors.New("no such bucket")
		}
		return &memBucket{name: u.Host}, nil
	})
}

type memWriter struct {
	bytes.Buffer
	key string
}

func (w *memWriter) Close() error {
	memStore.Lock()
	defer memStore.Unlock()
	if memStore.failPut != "" && strings.HasPrefix(w.key, memStore.failPut) {
		return errors.New("put refused")
	}
	memStore.objects[w.key] = bytes.Clone(w.Bytes())
	return nil
}

func (b *memBucket) NewWriter(_ context.Context, key string) (io.WriteCloser, error) {
	return &memWriter{key: b.name + "/" + key}, nil
}

func (b *memBucket) NewReader(_ context.Context, key string) (io.ReadCloser, error) {
	memStore.Lock()
	defer memStore.Unlock()
	d, ok := memStore.objects[b.name+"/"+key]
	if !ok {
		return nil, fmt.Errorf("object %q: %w", key, fs.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(d)), nil
}

func (b *memBucket) List(_ context.Context, prefix string) ([]string, error) {
	memStore.Lock()
	defer memStore.Unlock()
	var keys []string
	for k := range memStore.objects {
		if k, ok := strings.CutPrefix(k, b.name+"/"); ok && strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

func (b *memBucket) Delete(_ context.Context, key string) error {
	memStore.Lock()
	defer memStore.Unlock()
	delete(memStore.objects, b.name+"/"+key)
	return nil
}

func (b *memBucket) Close() error { return nil }

// memKeys returns the keys under prefix of bucket b, sorted.
func memKeys(b, prefix string) []string {
	keys, _ := (&memBucket{name: b}).List(context.Background(), prefix)
	sort.Strings(keys)
	return keys
}

func TestJoinAndRedactOutputPath(t *testing.T) {
	assert.Equal(t, filepath.Join("runs", "r1"), JoinOutputPath("runs", "r1"))
	assert.Equal(t, "s3://b/runs/r1?region=eu-west-1", JoinOutputPath("s3://b/runs?region=eu-west-1", "r1"))
	assert.Equal(t, "s3://b/r1", JoinOutputPath("s3://b", "r1"))
	assert.Equal(t, "s3://b/runs/r1", RedactOutputPath("s3://key:secret@b/runs/r1?role_external_id=x"))
	assert.Equal(t, "runs/r1", RedactOutputPath("runs/r1"))
	assert.Equal(t, "gs://", RedactOutputPath("gs://?token=x"))
}

func TestPartNamesAreInNumberOrder(t *testing.T) {
	got := partNames([]string{"responses/part-100000.jsonl", "responses/part-99999.jsonl", "responses/part-00000.jsonl",
		"responses/notes.txt", "responses/part-x.jsonl", "summary.json", "responses/sub/part-00001.jsonl"})
	assert.Equal(t, []string{"responses/part-00000.jsonl", "responses/part-99999.jsonl", "responses/part-100000.jsonl"}, got)
}

// TestBucketRunWritesPartsAndLoadsBack runs to a bucket: the same files as
// a local folder, the records in parts of Records records, and LoadResult
// reads the run back equal to what the run returned.
func TestBucketRunWritesPartsAndLoadsBack(t *testing.T) {
	cfg := validConfig()
	cfg.Payloads = prompts(5)
	cfg.Clients, cfg.Requests = 1, 5
	cfg.RunName = "r1"
	cfg.OutputPath = "mem://parts/runs?opt=1"
	cfg.ResponseParts = ResponseParts{Records: 2, Interval: time.Hour}
	res, err := (&Runner{}).Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, "mem://parts/runs/r1?opt=1", res.OutputPath)
	assert.Equal(t, []string{
		"runs/r1/junit.xml", "runs/r1/payload.jsonl", "runs/r1/report.json", "runs/r1/report.md",
		"runs/r1/responses/part-00000.jsonl", "runs/r1/responses/part-00001.jsonl", "runs/r1/responses/part-00002.jsonl",
		"runs/r1/run_config.json", "runs/r1/stats.json", "runs/r1/summary.json",
	}, memKeys("parts", "runs/"))

	got, err := LoadResult(res.OutputPath)
	require.NoError(t, err)
	assert.Equal(t, res.Run.Stats(), got.Run.Stats())
	sameRecords(t, res.Invocations, got.Invocations)

	// output_path is written without the URL's query.
	var summary map[string]any
	memStore.Lock()
	b := memStore.objects["parts/runs/r1/summary.json"]
	memStore.Unlock()
	require.NoError(t, json.Unmarshal(b, &summary))
	assert.Equal(t, "mem://parts/runs/r1", summary["output_path"])

	// A second run of the same name leaves none of the first one's parts.
	cfg.Payloads, cfg.Requests = prompts(1), 1
	_, err = (&Runner{}).Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, []string{"runs/r1/responses/part-00000.jsonl"}, memKeys("parts", "runs/r1/responses/"))
}

// TestPartsCloseOnTheInterval pins the time roll: a part open longer than
// Interval is uploaded though it is not full.
func TestPartsCloseOnTheInterval(t *testing.T) {
	f, err := openFolder("mem://tick/r")
	require.NoError(t, err)
	w := newPartWriter(f, ResponseParts{Records: 1000, Interval: 5 * time.Millisecond})
	require.NoError(t, w.write([]byte("{}\n")))
	deadline := time.Now().Add(5 * time.Second)
	for len(memKeys("tick", "r/responses/")) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, []string{"r/responses/part-00000.jsonl"}, memKeys("tick", "r/responses/"), "the part is uploaded before close")
	require.NoError(t, w.close())
	assert.Equal(t, []string{"r/responses/part-00000.jsonl"}, memKeys("tick", "r/responses/"), "close adds no empty part")
}

// TestLoadResultReadsBothLayouts reads one run saved as one
// responses.jsonl and as parts, from a local folder and from a bucket.
func TestLoadResultReadsBothLayouts(t *testing.T) {
	src := goldenResult()
	local := t.TempDir()
	require.NoError(t, src.SaveTo(local))
	want, err := LoadResult(local)
	require.NoError(t, err)

	// The bucket layout, copied into a local folder.
	parts := t.TempDir()
	require.NoError(t, src.SaveTo(parts))
	data, err := os.ReadFile(filepath.Join(parts, ResponsesFile))
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(parts, ResponsesFile)))
	lines := bytes.SplitAfter(data, []byte("\n"))
	require.NoError(t, os.Mkdir(filepath.Join(parts, ResponsesDir), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(parts, partName(0)), bytes.Join(lines[:5], nil), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(parts, partName(1)), bytes.Join(lines[5:], nil), 0o644))
	got, err := LoadResult(parts)
	require.NoError(t, err)
	sameRecords(t, want.Invocations, got.Invocations)

	// The local layout, in a bucket.
	for _, name := range []string{ReportJSONFile, SummaryFile, ResponsesFile} {
		b, err := os.ReadFile(filepath.Join(local, name))
		require.NoError(t, err)
		memStore.Lock()
		memStore.objects["layouts/one/"+name] = b
		memStore.Unlock()
	}
	got, err = LoadResult("mem://layouts/one")
	require.NoError(t, err)
	sameRecords(t, want.Invocations, got.Invocations)

	// OpenResult streams the parts.
	opened, err := OpenResult(parts)
	require.NoError(t, err)
	n := 0
	for _, err := range opened.Responses() {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, len(want.Invocations), n)
}

func TestBucketErrorsNameTheURL(t *testing.T) {
	_, err := LoadResult("mem://missing/runs/r1?token=hunter2")
	require.Error(t, err)
	assert.Equal(t, "llmtest: opening mem://missing/runs/r1: no such bucket", err.Error())

	_, err = LoadResult("mem://empty/runs/r1")
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "mem://empty/runs/r1/run_config.json")

	_, err = LoadResult("nope://b/r")
	require.ErrorIs(t, err, ErrNoBucketDriver)
	assert.Contains(t, err.Error(), "nope://b/r: no storage driver for this URL scheme nope:// (registered: mem;")

	// A failing upload fails the run, naming the object.
	memStore.Lock()
	memStore.failPut = "fail/r/responses/"
	memStore.Unlock()
	t.Cleanup(func() { memStore.Lock(); memStore.failPut = ""; memStore.Unlock() })
	cfg := validConfig()
	cfg.OutputPath, cfg.RunName = "mem://fail", "r"
	_, err = (&Runner{}).Run(context.Background(), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "llmtest: writing mem://fail/r/responses/part-00000.jsonl: put refused")
}

func TestFileURLIsALocalFolder(t *testing.T) {
	dir := t.TempDir()
	cfg := validConfig()
	cfg.OutputPath, cfg.RunName = "file://"+filepath.ToSlash(dir), "r"
	res, err := (&Runner{}).Run(context.Background(), cfg)
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "r", ResponsesFile))
	require.NoError(t, err, "a file:// folder holds one responses.jsonl")
	got, err := LoadResult(res.OutputPath)
	require.NoError(t, err)
	sameRecords(t, res.Invocations, got.Invocations)
}

// sameRecords asserts that two lists of records are the same as
// responses.jsonl writes them.
func sameRecords(t *testing.T, want, got []Invocation) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, string(want[i].appendJSON(nil)), string(got[i].appendJSON(nil)), "record %d", i)
	}
}

// TestWriteAndReadOutputFile checks the two forms of an output folder: a
// local one, created when missing, and a bucket URL's prefix; a missing
// file wraps fs.ErrNotExist, and an error shows no URL query.
func TestWriteAndReadOutputFile(t *testing.T) {
	local := filepath.Join(t.TempDir(), "new", "hm")
	for _, dir := range []string{local, "mem://files/runs/hm?token=hunter2"} {
		require.NoError(t, WriteOutputFile(dir, "heatmap.json", []byte(`{"a":1}`)), dir)
		got, err := ReadOutputFile(dir, "heatmap.json")
		require.NoError(t, err, dir)
		assert.Equal(t, `{"a":1}`, string(got), dir)

		_, err = ReadOutputFile(dir, "sweep.json")
		require.ErrorIs(t, err, fs.ErrNotExist, dir)
		assert.Contains(t, err.Error(), "sweep.json", dir)
		assert.NotContains(t, err.Error(), "hunter2", dir)
	}
	memStore.Lock()
	assert.Equal(t, `{"a":1}`, string(memStore.objects["files/runs/hm/heatmap.json"]))
	memStore.Unlock()
	b, err := os.ReadFile(filepath.Join(local, "heatmap.json"))
	require.NoError(t, err)
	assert.Equal(t, `{"a":1}`, string(b))

	err = WriteOutputFile("mem://missing/x?token=hunter2", "f", nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
}

// TestLocalFilesAreWrittenWhole checks that a local folder's file is
// replaced by a rename: a reader never sees it truncated, and no
// temporary file is left behind.
func TestLocalFilesAreWrittenWhole(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, RunConfigFile)
	require.NoError(t, os.WriteFile(name, []byte("old"), 0o600))
	before, err := os.Stat(name)
	require.NoError(t, err)
	require.NoError(t, WriteOutputFile(dir, RunConfigFile, []byte(`{"new":true}`)))
	after, err := os.Stat(name)
	require.NoError(t, err)
	assert.False(t, os.SameFile(before, after), "a new file renamed onto the name, not the old one rewritten")
	assert.Equal(t, os.FileMode(0o644), after.Mode().Perm())
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	assert.Equal(t, `{"new":true}`, string(b))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left")

	require.NoError(t, os.Chmod(dir, 0o500))
	defer os.Chmod(dir, 0o700)
	if os.Geteuid() != 0 { // root writes anywhere
		err = WriteOutputFile(dir, RunConfigFile, []byte("x"))
		require.Error(t, err)
		b, _ = os.ReadFile(name)
		assert.Equal(t, `{"new":true}`, string(b), "a failed write keeps the file")
	}
}
