package kube

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"
)

func TestJobsEscapeTheRunArgs(t *testing.T) {
	c := validConfig()
	c.RunArgs = []string{"--prompt", "$(JOB_COMPLETION_INDEX) costs $5"}
	c.SLOs = []string{"ttft p99 < 1s"}
	c.Out = "s3://b/$x"
	shards, merge, err := Jobs(c)
	require.NoError(t, err)
	args := shards.Spec.Template.Spec.Containers[0].Args
	assert.Equal(t, []string{"run", "--prompt", "$$(JOB_COMPLETION_INDEX) costs $$5", "--out", "s3://b/$$x",
		"--run-name", "run", "--start-at", "2026-12-04T05:00:00Z"}, args)
	assert.Equal(t, []string{"merge", "s3://b/$$x/run-shard-0", "s3://b/$$x/run-shard-1", "s3://b/$$x/run-shard-2",
		"--out", "s3://b/$$x", "--run-name", "merged", "--slo", "ttft p99 < 1s"}, merge.Spec.Template.Spec.Containers[0].Args)
}

func TestJobsLeaveTheConfigAlone(t *testing.T) {
	c := validConfig()
	c.Labels = map[string]string{"team": "ml"}
	shards, merge, err := Jobs(c)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"team": "ml"}, c.Labels)
	assert.Equal(t, "shard", shards.Labels["app.kubernetes.io/component"])
	assert.Equal(t, "merge", merge.Labels["app.kubernetes.io/component"])
	assert.Equal(t, "load", merge.Labels["app.kubernetes.io/instance"])
	assert.Equal(t, "ml", merge.Spec.Template.Labels["team"])
}

func TestJobsRetries(t *testing.T) {
	c := validConfig()
	c.Retries = 3
	shards, _, err := Jobs(c)
	require.NoError(t, err)
	assert.EqualValues(t, 3, *shards.Spec.BackoffLimitPerIndex)
	assert.Nil(t, shards.Spec.BackoffLimit, "Kubernetes' default with backoffLimitPerIndex")
}

func TestWriteIsMultiDocumentYAML(t *testing.T) {
	shards, merge, err := Jobs(validConfig())
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, Write(&b, shards, merge))
	docs := strings.Split(b.String(), "---\n")
	require.Len(t, docs, 3)
	assert.Empty(t, docs[0])
	for i, want := range []*batchv1.Job{shards, merge} {
		var got batchv1.Job
		require.NoError(t, yaml.UnmarshalStrict([]byte(docs[i+1]), &got))
		assert.Equal(t, *want, got)
	}
}
