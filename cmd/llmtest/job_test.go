package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// fakeJobKey is an API key that must appear nowhere in a manifest or an
// error.
const fakeJobKey = "sk-llmtest-FAKE-JOB-SECRET-4b1d9e"

// decodeJobs splits a multi-document manifest and decodes each document
// strictly into a batchv1.Job: an unknown or duplicate field fails.
func decodeJobs(t *testing.T, manifest string) []*batchv1.Job {
	t.Helper()
	var jobs []*batchv1.Job
	for i, doc := range strings.Split(manifest, "\n---\n") {
		if i == 0 {
			// The recipe's comment lines and the first separator.
			for line := range strings.SplitSeq(doc, "\n") {
				require.True(t, strings.HasPrefix(line, "#") || line == "---", "before the first document: %q", line)
			}
			continue
		}
		var job batchv1.Job
		require.NoError(t, yaml.UnmarshalStrict([]byte(doc), &job), "document %d:\n%s", i, doc)
		jobs = append(jobs, &job)
	}
	return jobs
}

// expandK8s expands a container argument as Kubernetes does: $(VAR) is
// the value of VAR when env defines it, kept as written otherwise; $$ is
// a $; any other $ is kept.
func expandK8s(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func TestExpandK8s(t *testing.T) {
	env := map[string]string{"I": "3"}
	for in, want := range map[string]string{
		"shard-$(I)": "shard-3", "$$(I)": "$(I)", "$(J)": "$(J)", "a$": "a$", "$$$$": "$$", "$x": "$x", "$(I": "$(I",
	} {
		assert.Equal(t, want, expandK8s(in, env), in)
	}
}

// envOf returns the container's environment variables by name.
func envOf(c corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

// flagValue returns the value that follows --name in args, and whether
// --name is there.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if a == "--"+name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

func TestJobManifests(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", fakeJobKey) // never read: only its name is written
	const n = 4
	before := time.Now()
	code, stdout, stderr := runCLI(t, "job", "--shards", fmt.Sprint(n), "--image", "registry.example.com/llmtest:v1.2.3",
		"--name", "vllm-load", "--namespace", "perf", "--out", "s3://bucket/runs/a?region=eu-west-1",
		"--secret-env", "OPENAI_API_KEY=openai:api-key", "--cpu", "2", "--memory", "4Gi", "--label", "team=ml",
		"--start-delay", "90s", "--service-account", "loader", "--",
		"--url", "http://vllm:8000/v1", "--model", "m", "--clients", "16", "--duration", "5m",
		"--slo", "ttft p99 < 800ms", "--prompt", "cost $(HOME) $$5", "--slo=error_rate < 1%", "--stream=false")
	after := time.Now()
	require.Equal(t, exitOK, code, "stderr:\n%s", stderr)
	assert.Empty(t, stderr)
	assert.NotContains(t, stdout, fakeJobKey)

	jobs := decodeJobs(t, stdout)
	require.Len(t, jobs, 2)
	shard, merge := jobs[0], jobs[1]

	// The Indexed Job's invariants.
	assert.Equal(t, "batch/v1", shard.APIVersion)
	assert.Equal(t, "Job", shard.Kind)
	assert.Equal(t, "vllm-load", shard.Name)
	assert.Equal(t, "perf", shard.Namespace)
	spec := shard.Spec
	require.NotNil(t, spec.CompletionMode)
	assert.Equal(t, batchv1.IndexedCompletion, *spec.CompletionMode)
	require.NotNil(t, spec.Completions)
	require.NotNil(t, spec.Parallelism)
	assert.EqualValues(t, n, *spec.Completions)
	assert.EqualValues(t, n, *spec.Parallelism)
	require.NotNil(t, spec.BackoffLimitPerIndex)
	assert.EqualValues(t, 0, *spec.BackoffLimitPerIndex)
	assert.Nil(t, spec.Suspend, "the shards start at once")
	require.NotNil(t, spec.PodFailurePolicy)
	require.Len(t, spec.PodFailurePolicy.Rules, 2)
	assert.Equal(t, batchv1.PodFailurePolicyActionFailIndex, spec.PodFailurePolicy.Rules[0].Action)
	assert.Equal(t, []int32{2}, spec.PodFailurePolicy.Rules[0].OnExitCodes.Values)
	assert.Equal(t, corev1.DisruptionTarget, spec.PodFailurePolicy.Rules[1].OnPodConditions[0].Type)
	pod := spec.Template.Spec
	assert.Equal(t, corev1.RestartPolicyNever, pod.RestartPolicy)
	assert.Equal(t, "loader", pod.ServiceAccountName)
	assert.Equal(t, "ml", spec.Template.Labels["team"])
	assert.Equal(t, "shard", spec.Template.Labels["app.kubernetes.io/component"])
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	assert.Equal(t, "registry.example.com/llmtest:v1.2.3", c.Image)
	assert.Equal(t, []string{"llmtest"}, c.Command)
	assert.Equal(t, "2", c.Resources.Requests.Cpu().String())
	assert.Equal(t, "4Gi", c.Resources.Limits.Memory().String())
	assert.Equal(t, c.Resources.Requests, c.Resources.Limits)

	env := envOf(c)
	assert.Equal(t, fmt.Sprint(n), env["JOB_COMPLETIONS"].Value)
	require.NotNil(t, env["JOB_COMPLETION_INDEX"].ValueFrom)
	assert.Equal(t, "metadata.annotations['batch.kubernetes.io/job-completion-index']", env["JOB_COMPLETION_INDEX"].ValueFrom.FieldRef.FieldPath)
	key := env["OPENAI_API_KEY"]
	assert.Empty(t, key.Value, "a secret by reference only")
	require.NotNil(t, key.ValueFrom)
	require.NotNil(t, key.ValueFrom.SecretKeyRef)
	assert.Equal(t, "openai", key.ValueFrom.SecretKeyRef.Name)
	assert.Equal(t, "api-key", key.ValueFrom.SecretKeyRef.Key)
	for _, e := range c.Env {
		assert.True(t, e.Value == "" || e.Name == "JOB_COMPLETIONS", "%s has a value", e.Name)
	}

	// Each pod's arguments, as Kubernetes expands them with its index:
	// its own run name, one start time, and the run args as given, less
	// the SLOs.
	var starts []string
	for i := range n {
		args := make([]string, len(c.Args))
		for j, a := range c.Args {
			args[j] = expandK8s(a, map[string]string{"JOB_COMPLETION_INDEX": fmt.Sprint(i), "JOB_COMPLETIONS": fmt.Sprint(n)})
		}
		require.Equal(t, "run", args[0])
		name, _ := flagValue(args, "run-name")
		assert.Equal(t, "run", name)
		out, _ := flagValue(args, "out")
		assert.Equal(t, "s3://bucket/runs/a?region=eu-west-1", out)
		prompt, _ := flagValue(args, "prompt")
		assert.Equal(t, "cost $(HOME) $$5", prompt, "reaches llmtest run verbatim")
		start, ok := flagValue(args, "start-at")
		require.True(t, ok)
		starts = append(starts, start)
		assert.NotContains(t, strings.Join(args, " "), "slo")

		// The arguments parse with the flags of llmtest run (less
		// --start-at while it has none).
		cmd, o := newRunFlags()
		if cmd.Flags().Lookup("start-at") == nil {
			k := indexOf(args, "--start-at")
			args = append(args[:k:k], args[k+2:]...)
		}
		require.NoError(t, cmd.Flags().Parse(args[1:]))
		assert.Empty(t, cmd.Flags().Args())
		assert.Equal(t, "http://vllm:8000/v1", o.url)
		assert.Equal(t, 16, o.clients)
		assert.Equal(t, 5*time.Minute, o.duration)
		assert.False(t, o.stream)
		assert.Equal(t, "run", o.runName)
		assert.Empty(t, o.slos)
	}
	for _, s := range starts {
		assert.Equal(t, starts[0], s, "every shard starts at one moment")
	}
	startAt, err := time.Parse(time.RFC3339, starts[0])
	require.NoError(t, err)
	assert.False(t, startAt.Before(before.Add(90*time.Second).Truncate(time.Second)), "start %s, generated at %s", startAt, before)
	assert.False(t, startAt.After(after.Add(91*time.Second)), "start %s, generated at %s", startAt, after)
	assert.Contains(t, stdout, "starting at "+starts[0])

	// The merge Job: suspended, every shard's folder, the SLOs.
	assert.Equal(t, "vllm-load-merge", merge.Name)
	assert.Equal(t, "perf", merge.Namespace)
	require.NotNil(t, merge.Spec.Suspend)
	assert.True(t, *merge.Spec.Suspend)
	assert.Nil(t, merge.Spec.CompletionMode)
	assert.EqualValues(t, 1, *merge.Spec.Completions)
	assert.EqualValues(t, 0, *merge.Spec.BackoffLimit)
	mc := merge.Spec.Template.Spec.Containers[0]
	assert.Equal(t, corev1.RestartPolicyNever, merge.Spec.Template.Spec.RestartPolicy)
	assert.Equal(t, []string{"llmtest"}, mc.Command)
	assert.Equal(t, []string{"merge",
		"s3://bucket/runs/a/run-shard-0?region=eu-west-1", "s3://bucket/runs/a/run-shard-1?region=eu-west-1",
		"s3://bucket/runs/a/run-shard-2?region=eu-west-1", "s3://bucket/runs/a/run-shard-3?region=eu-west-1",
		"--out", "s3://bucket/runs/a?region=eu-west-1", "--run-name", "merged",
		"--slo", "ttft p99 < 800ms", "--slo", "error_rate < 1%"}, mc.Args)
	assert.Equal(t, "openai", envOf(mc)["OPENAI_API_KEY"].ValueFrom.SecretKeyRef.Name)

	// The merge's arguments parse with the flags of llmtest merge.
	mcmd := newMergeCommand(nil, nil)
	require.NoError(t, mcmd.Flags().Parse(mc.Args[1:]))
	assert.Len(t, mcmd.Flags().Args(), n)

	// The recipe names the Jobs and the namespace.
	assert.Contains(t, stdout, "#   kubectl wait -n perf --for=condition=complete --timeout=24h job/vllm-load\n")
	assert.Contains(t, stdout, `#   kubectl patch -n perf job/vllm-load-merge --type=merge -p '{"spec":{"suspend":false}}'`)
}

func indexOf(args []string, s string) int {
	for i, a := range args {
		if a == s {
			return i
		}
	}
	return -1
}

// TestJobStructure checks the manifest's structure as a whole: two Job
// documents, the shard Job's pod fields, and nothing else.
func TestJobStructure(t *testing.T) {
	code, stdout, stderr := runCLI(t, "job", "--shards", "2", "--out", "gs://b", "--cpu", "", "--memory", "", "--", "--url", "http://s:8000/v1", "--model", "m")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "no --image: the manifests name the placeholder registry.example.com/llmtest:")
	assert.Equal(t, 2, strings.Count(stdout, "\n---\n"))
	assert.Equal(t, 2, strings.Count(stdout, "\nkind: Job\n"))
	assert.NotContains(t, stdout, "\nstatus:", "a manifest sets no status")
	assert.NotContains(t, stdout, "creationTimestamp")
	jobs := decodeJobs(t, stdout)
	require.Len(t, jobs, 2)
	assert.Empty(t, jobs[0].Namespace)
	c := jobs[0].Spec.Template.Spec.Containers[0]
	assert.Empty(t, c.Resources.Requests, "--cpu '' --memory '' set no resources")
	assert.Equal(t, "llmtest", jobs[0].Name)
	assert.Equal(t, []string{"run", "--url", "http://s:8000/v1", "--model", "m", "--out", "gs://b", "--run-name", "run"}, c.Args[:9])
	assert.Equal(t, []string{"merge", "gs://b/run-shard-0", "gs://b/run-shard-1", "--out", "gs://b", "--run-name", "merged"},
		jobs[1].Spec.Template.Spec.Containers[0].Args)
	assert.Equal(t, "kubernetes.io/hostname", jobs[0].Spec.Template.Spec.TopologySpreadConstraints[0].TopologyKey)
	assert.Equal(t, "llmtest", jobs[0].Spec.Template.Spec.TopologySpreadConstraints[0].LabelSelector.MatchLabels["batch.kubernetes.io/job-name"])
	assert.Contains(t, stdout, "#   kubectl apply -f -\n")
}

func TestJobVolumeClaim(t *testing.T) {
	code, stdout, stderr := runCLI(t, "job", "--shards", "2", "--image", "i:1", "--out", "/results/run1", "--volume-claim", "shared", "--", "--url", "http://s/v1", "--model", "m")
	require.Equal(t, exitOK, code, stderr)
	for _, job := range decodeJobs(t, stdout) {
		pod := job.Spec.Template.Spec
		require.Len(t, pod.Volumes, 1, job.Name)
		assert.Equal(t, "shared", pod.Volumes[0].PersistentVolumeClaim.ClaimName)
		assert.Equal(t, "/results/run1", pod.Containers[0].VolumeMounts[0].MountPath)
	}
}

func TestJobWritesTheFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "job.yaml")
	code, stdout, stderr := runCLI(t, "job", "--shards", "3", "--image", "i:1", "--out", "s3://b/r", "-o", file, "--", "--url", "http://s/v1", "--model", "m")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	jobs := decodeJobs(t, string(b))
	require.Len(t, jobs, 2)
	assert.EqualValues(t, 3, *jobs[0].Spec.Completions)
	assert.Contains(t, string(b), "#   kubectl apply -f "+file+"\n")

	// A name the recipe cannot show as it is.
	odd := filepath.Join(t.TempDir(), "job\nkind: x.yaml")
	code, _, stderr = runCLI(t, "job", "--shards", "3", "--image", "i:1", "--out", "s3://b/r", "-o", odd, "--", "--url", "http://s/v1", "--model", "m")
	require.Equal(t, exitOK, code, stderr)
	b, err = os.ReadFile(odd)
	require.NoError(t, err)
	assert.Len(t, decodeJobs(t, string(b)), 2)
	assert.Contains(t, string(b), "#   kubectl apply -f FILE\n")

	code, _, stderr = runCLI(t, "job", "--shards", "3", "--image", "i:1", "--out", "s3://b/r", "-o", filepath.Join(t.TempDir(), "no", "such", "dir.yaml"), "--", "--url", "http://s/v1", "--model", "m")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "llmtest job: -o: open ")
}

func TestJobFlagErrors(t *testing.T) {
	ok := []string{"--shards", "2", "--image", "i:1", "--out", "s3://b/r"}
	run := []string{"--", "--url", "http://s/v1", "--model", "m"}
	with := func(job []string, runArgs ...string) []string {
		args := append([]string{"job"}, ok...)
		args = append(args, job...)
		if runArgs == nil {
			runArgs = run
		}
		return append(args, runArgs...)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"job", "--out", "s3://b/r", "--", "--url", "http://s/v1", "--model", "m"}, "--shards: give the number of shard pods, 1 to 1000"},
		{with([]string{"--shards", "1001"}), "--shards: 1001: want 1 to 1000"},
		{with([]string{"--shards", "-1"}), "--shards: -1: want 1 to 1000"},
		{with([]string{"--name", "Big_Name"}), `--name: "Big_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{with([]string{"--name", strings.Repeat("a", 58)}), `--name: "` + strings.Repeat("a", 58) + `": at most 57 characters, so that the merge Job's name ` + strings.Repeat("a", 58) + `-merge is a label too`},
		{with([]string{"--namespace", "a b"}), `--namespace: "a b": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{with([]string{"--image", "a b"}), `--image: "a b": holds a space or control character`},
		{with([]string{"--start-delay", "0s"}), "--start-delay 0s: want a positive duration, time for the pods to start"},
		{with([]string{"--out", ""}), "--out: empty: the shards need one place to write their run folders, which the merge reads"},
		{with([]string{"--out", "results"}), `--out: "results": a path must be absolute, in the VolumeClaim mounted at it`},
		{with([]string{"--out", "/results"}), `--out: "/results": a path is the pod's own, which the merge cannot read: give a bucket URL (s3://, gs://, azblob://) or a VolumeClaim mounted at it`},
		{with([]string{"--out", "http://host/x"}), "--out: http:// URLs are not object storage: give s3://, gs:// or azblob://"},
		{with([]string{"--out", "s3://"}), "--out: the s3:// URL names no bucket"},
		{with([]string{"--out", "s3://AKIA:" + fakeJobKey + "@b/r"}), "--out: the URL holds a user or password, which a manifest must not: give credentials as SecretEnv"},
		{with([]string{"--out", "file:///r"}), "--out: a file:// URL is the pod's own file system: give a VolumeClaim mounted at its path, or a bucket URL (s3://, gs://, azblob://)"},
		{with([]string{"--volume-claim", "pvc"}), "--volume-claim: applies to a path or file:// Out, not to a bucket URL"},
		{with([]string{"--cpu", "lots"}), `--cpu: "lots": not a Kubernetes quantity, such as 500m, 2, 512Mi or 4Gi`},
		{with([]string{"--memory", "0"}), `--memory: "0": want more than 0`},
		{with([]string{"--retries", "-1"}), "--retries: -1: want 0 to 100"},
		{with([]string{"--label", "team"}), `--label "team": want KEY=VALUE`},
		{with([]string{"--label", "team=a", "--label", "team=b"}), "--label team: given twice"},
		{with([]string{"--label", "app.kubernetes.io/name=x"}), `--label: key "app.kubernetes.io/name": the prefix app.kubernetes.io/ is for the Jobs' and Kubernetes' own labels`},
		{with([]string{"--label", "team=a b"}), `--label: team="a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`},
		{with([]string{"--service-account", "A"}), `--service-account: "A": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		{with([]string{"--secret-env", "OPENAI_API_KEY=openai:k", "--secret-env", "OPENAI_API_KEY=other:k"}), "--secret-env: OPENAI_API_KEY: set twice, or set by the Job"},
		{with([]string{"--secret-env", "JOB_COMPLETIONS=s:k"}), "--secret-env: JOB_COMPLETIONS: set twice, or set by the Job"},
		{with([]string{"--secret-env", "1X=s:k"}), `--secret-env: variable name "1X": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`},
		{[]string{"job", "--shards", "2", "extra"}, `unexpected argument "extra" (the arguments of llmtest run follow --)`},
		{with(nil, "--"), "after --: give --url: without it every shard would test a built-in simulator of its own"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--bogus"), "after --: flag provided but not defined: --bogus"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--clients", "x"), `after --: invalid value "x" for flag --clients: parse error`},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "stray"), `after --: unexpected argument "stray" (llmtest run takes flags only)`},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "-h"), "after --: -h is not a flag of llmtest run here; run 'llmtest run -h' for them"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--out", "/x"), "after --: --out: give --out to llmtest job: each shard writes <out>/run-shard-<i>"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--run-name", "x"), "after --: --run-name: llmtest job names the shards' run \"run\" (folders run-shard-<i>) and the merge merged"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "-f", "plan.yaml"), "after --: --file: a plan file is not in the container: give its flags after --"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--sweep-clients", "1,2"), "after --: --sweep-clients: a sweep is not sharded"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--heatmap-inputs", "10"), "after --: --heatmap-inputs: a heatmap is not sharded"},
		{with(nil, "--", "--url", "http://u:"+fakeJobKey+"@s/v1"), "after --: --url holds a user or password, which a manifest must not: give the key with --secret-env"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--slo", "ttft p99 <"), "after --: --slo: "},
		// What every pod's llmtest run would refuse is refused here.
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--clients", "0"), "after --: --clients must be at least 1, got 0"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--input-tokens", "normal:5"), `after --: --input-tokens: lengths "normal:5": normal takes MEAN,STDDEV`},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--requests", "5", "--duration", "1m"), "after --: --requests and --duration are mutually exclusive"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--rate", "5", "--clients", "3"), "after --: --clients is for a closed loop; an open loop (--rate) has none"},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--stage", "10s:x"), `after --: --stage: want stages DURATION:TARGET`},
		{with(nil, "--", "--url", "http://s/v1", "--model", "m", "--warmup", "bogus"), `after --: --warmup: want a warm-up duration`},
		// Without --model, the prompts llmtest builds name no model, and every pod would refuse them.
		{with(nil, "--", "--url", "http://s/v1"), "after --: --model: missing: the prompts llmtest builds name no model, so every shard would exit 2"},
		{with(nil, "--", "--url", "http://s/v1", "--api", "anthropic", "--input-tokens", "100"), "after --: --model: missing"},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		assert.Equal(t, exitUsage, code, "%q", c.args)
		assert.Empty(t, stdout, "%q", c.args)
		assert.True(t, strings.HasPrefix(stderr, "llmtest job: "+c.want), "%q\n got: %s\nwant: llmtest job: %s", c.args, stderr, c.want)
		first, rest, _ := strings.Cut(stderr, "\n")
		assert.NotEmpty(t, first, "%q", c.args)
		assert.Contains(t, []string{"", "Run 'llmtest job -h' for the flags.\n"}, rest, "%q: one line, and cobra's hint: %s", c.args, stderr)
		assert.NotContains(t, stderr, fakeJobKey, "%q", c.args)
	}
}

// TestJobRefusesAnInlineSecret checks that a --secret-env that is not a
// reference is refused, and that the error does not repeat it.
func TestJobRefusesAnInlineSecret(t *testing.T) {
	for _, v := range []string{
		"OPENAI_API_KEY=" + fakeJobKey,
		"OPENAI_API_KEY=" + fakeJobKey + ":x",
		"OPENAI_API_KEY=openai:" + fakeJobKey + "/x",
		fakeJobKey,
	} {
		code, stdout, stderr := runCLI(t, "job", "--shards", "2", "--image", "i:1", "--out", "s3://b/r", "--secret-env", v, "--", "--url", "http://s/v1", "--model", "m")
		assert.Equal(t, exitUsage, code, v)
		assert.Empty(t, stdout, v)
		assert.Contains(t, stderr, "llmtest job: --secret-env: ", v)
		assert.Contains(t, stderr, "not shown", v)
		assert.NotContains(t, stderr, fakeJobKey, v)
	}
}

// TestJobRefusesARunArgWithASecret checks that a run argument that would
// put a secret in the manifest — an OTLP header, a URL with user
// information or a query, one that does not parse — is refused, and that
// neither the manifest nor the error holds the secret.
func TestJobRefusesARunArgWithASecret(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--otlp-endpoint", "http://c:4318", "--otlp-header", "Authorization=Bearer " + fakeJobKey},
			"--otlp-header: its value is a secret, which a manifest must not hold: give the headers as OTEL_EXPORTER_OTLP_HEADERS with --secret-env"},
		{[]string{"--otlp-endpoint", "http://c:4318", "--otlp-header=X-Key=" + fakeJobKey}, "--otlp-header: its value is a secret"},
		{[]string{"--url", "http://s/v1?key=" + fakeJobKey}, "--url holds a query, whose values llmtest takes for secrets, which a manifest must not: give the key with --secret-env"},
		{[]string{"--url", "http://u:" + fakeJobKey + "/x@s/v1"}, "--url is not a valid URL (not shown: it may hold credentials)"},
		{[]string{"--otlp-endpoint", "http://u:" + fakeJobKey + "@c:4318"}, "--otlp-endpoint holds a user or password, which a manifest must not: give credentials as OTEL_EXPORTER_OTLP_HEADERS with --secret-env"},
		{[]string{"--otlp-endpoint=http://c:4318/v1/metrics?token=" + fakeJobKey}, "--otlp-endpoint holds a query"},
		{[]string{"--server-metrics", "http://u:" + fakeJobKey + "@s:8000/metrics"}, "--server-metrics holds a user or password, which a manifest must not: give a URL without credentials"},
		{[]string{"--server-metrics", "/metrics?token=" + fakeJobKey}, "--server-metrics holds a query"},
	} {
		args := append([]string{"job", "--shards", "2", "--image", "i:1", "--out", "s3://b/r", "--", "--url", "http://s/v1", "--model", "m"}, c.args...)
		code, stdout, stderr := runCLI(t, args...)
		assert.Equal(t, exitUsage, code, "%q", c.args)
		assert.Empty(t, stdout, "%q: no manifest", c.args)
		assert.True(t, strings.HasPrefix(stderr, "llmtest job: after --: "+c.want), "%q\n got: %s\nwant: llmtest job: after --: %s", c.args, stderr, c.want)
		assert.NotContains(t, stderr, fakeJobKey, "%q", c.args)
	}
	// Without credentials, the same flags reach the manifest. So do the
	// flags whose files and environment are the pods': a key variable
	// unset here, a trace file and report folders that are not here.
	code, stdout, stderr := runCLI(t, "job", "--shards", "2", "--image", "i:1", "--out", "s3://b/r", "--secret-env", "LLM_KEY=llm:key",
		"--", "--url", "http://s/v1", "--model", "m", "--api-key-env", "LLM_KEY", "--trace", "/data/trace.jsonl",
		"--junit", "/pods-only/junit.xml", "--md", "/pods-only/report.md")
	require.Equal(t, exitOK, code, stderr)
	args := decodeJobs(t, stdout)[0].Spec.Template.Spec.Containers[0].Args
	assert.Contains(t, args, "/data/trace.jsonl")
	assert.Contains(t, args, "/pods-only/junit.xml", "a report file is the pods' too")
	// Azure OpenAI's api-version is a query that holds no secret.
	code, stdout, stderr = runCLI(t, "job", "--shards", "2", "--image", "i:1", "--out", "s3://b/r",
		"--", "--url", "https://r.openai.azure.com/openai/deployments/d?api-version=2024-10-21", "--model", "m")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, decodeJobs(t, stdout)[0].Spec.Template.Spec.Containers[0].Args, "https://r.openai.azure.com/openai/deployments/d?api-version=2024-10-21")
	// A payload file, the pods', may name the model itself: no --model needed.
	code, stdout, stderr = runCLI(t, "job", "--shards", "2", "--image", "i:1", "--out", "s3://b/r",
		"--", "--url", "http://s/v1", "--payload", "/data/payloads.jsonl")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, decodeJobs(t, stdout)[0].Spec.Template.Spec.Containers[0].Args, "/data/payloads.jsonl")

	code, stdout, stderr = runCLI(t, "job", "--shards", "2", "--image", "i:1", "--out", "s3://b/r", "--secret-env", "OTEL_EXPORTER_OTLP_HEADERS=otlp:headers",
		"--", "--url", "http://s/v1", "--model", "m", "--otlp-endpoint", "http://c:4318", "--server-metrics", "/metrics")
	require.Equal(t, exitOK, code, stderr)
	args = decodeJobs(t, stdout)[0].Spec.Template.Spec.Containers[0].Args
	assert.Contains(t, args, "http://c:4318")
	assert.Contains(t, args, "/metrics")
}

// TestSplitFlags checks that splitFlags groups each flag with the
// arguments pflag reads for it, whatever those arguments look like.
func TestSplitFlags(t *testing.T) {
	cmd, _ := newRunFlags()
	args := []string{"--prompt", "--slo", "--slo=x", "--stream", "--clients", "3", "--slo", "--prompt", "-fplan.yaml", "-f", "p.yaml", "--stream=false"}
	require.NoError(t, cmd.Flags().Parse(args))
	var got [][]string
	var names []string
	for _, item := range splitFlags(cmd.Flags(), args) {
		got = append(got, item.tokens)
		names = append(names, item.name)
	}
	assert.Equal(t, [][]string{{"--prompt", "--slo"}, {"--slo=x"}, {"--stream"}, {"--clients", "3"}, {"--slo", "--prompt"}, {"-fplan.yaml"}, {"-f", "p.yaml"}, {"--stream=false"}}, got)
	assert.Equal(t, []string{"prompt", "slo", "stream", "clients", "slo", "", "", "stream"}, names)
}

func TestJobHelp(t *testing.T) {
	code, stdout, _ := runCLI(t, "help", "job")
	require.Equal(t, exitOK, code)
	assert.Equal(t, []string{"Job:", "Pods:", "Output:", "Example:", "Exit status:"}, helpSections(stdout))
	var b bytes.Buffer
	writeHelp(&b, subcommand(t, "job"))
	assert.Contains(t, b.String(), "--secret-env")
}
