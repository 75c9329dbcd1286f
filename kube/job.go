package kube

import (
	"maps"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Jobs returns the shard Job and the merge Job of c, or the *ConfigError
// of its first field that is not valid. The package doc says what each
// runs.
func Jobs(c Config) (shards, merge *batchv1.Job, err error) {
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	return c.shardJob(), c.mergeJob(), nil
}

// Component label values of the two Jobs.
const (
	componentShard = "shard"
	componentMerge = "merge"
)

// StartAtText returns t as the Jobs pass it to --start-at: RFC 3339 in
// UTC, rounded up to the second, so it is never before t.
func StartAtText(t time.Time) string {
	s := t.UTC().Truncate(time.Second)
	if s.Before(t) {
		s = s.Add(time.Second)
	}
	return s.Format(time.RFC3339)
}

func (c *Config) shardJob() *batchv1.Job {
	n := int32(c.Shards)
	args := []string{"run"}
	args = append(args, escapeAll(c.RunArgs)...)
	args = append(args,
		"--out", escape(c.Out),
		"--run-name", ShardsRunName,
		"--start-at", StartAtText(c.StartAt),
	)
	env := []corev1.EnvVar{
		// Kubernetes sets it in every Indexed Job's pod; set here too, so
		// that the manifest shows where $(JOB_COMPLETION_INDEX) comes from.
		{Name: IndexEnv, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
			FieldPath: "metadata.annotations['" + batchv1.JobCompletionIndexAnnotation + "']",
		}}},
		{Name: CompletionsEnv, Value: strconv.Itoa(c.Shards)},
	}
	job := c.job(c.Name, componentShard, args, env)
	job.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
	job.Spec.Completions = ptr(n)
	job.Spec.Parallelism = ptr(n)
	job.Spec.BackoffLimitPerIndex = ptr(int32(c.Retries))
	job.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		{
			// A usage error: the same arguments fail the same way again.
			Action: batchv1.PodFailurePolicyActionFailIndex,
			OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
				ContainerName: ptr(ContainerName),
				Operator:      batchv1.PodFailurePolicyOnExitCodesOpIn,
				Values:        []int32{2},
			},
		},
		{
			// An eviction is not the shard's failure.
			Action: batchv1.PodFailurePolicyActionIgnore,
			OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
				{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue},
			},
		},
	}}
	// Load from more than one place: spread the shards over the nodes
	// when the scheduler can.
	job.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       corev1.LabelHostname,
		WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
			batchv1.JobNameLabel: c.Name,
		}},
	}}
	return job
}

func (c *Config) mergeJob() *batchv1.Job {
	args := []string{"merge"}
	for i := range c.Shards {
		args = append(args, escape(ShardFolder(c.Out, i)))
	}
	args = append(args, "--out", escape(c.Out), "--run-name", MergedRunName)
	for _, s := range c.SLOs {
		args = append(args, "--slo", escape(s))
	}
	job := c.job(c.Name+MergeSuffix, componentMerge, args, nil)
	job.Spec.Completions = ptr(int32(1))
	job.Spec.Parallelism = ptr(int32(1))
	// The gate's verdict is the same on a retry.
	job.Spec.BackoffLimit = ptr(int32(0))
	// Resumed once the shard Job completes.
	job.Spec.Suspend = ptr(true)
	return job
}

// job returns a Job of c named name running `llmtest args...` with env
// and the secrets.
func (c *Config) job(name, component string, args []string, env []corev1.EnvVar) *batchv1.Job {
	labels := maps.Clone(c.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels["app.kubernetes.io/name"] = "llmtest"
	labels["app.kubernetes.io/instance"] = c.Name
	labels["app.kubernetes.io/component"] = component

	for _, s := range c.SecretEnv {
		env = append(env, corev1.EnvVar{Name: s.Name, ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: s.Secret},
				Key:                  s.Key,
			},
		}})
	}
	container := corev1.Container{
		Name:    ContainerName,
		Image:   c.Image,
		Command: []string{"llmtest"},
		Args:    args,
		Env:     env,
	}
	if c.CPU != "" || c.Memory != "" {
		rl := corev1.ResourceList{}
		if c.CPU != "" {
			rl[corev1.ResourceCPU] = resource.MustParse(c.CPU) // Validate parsed it
		}
		if c.Memory != "" {
			rl[corev1.ResourceMemory] = resource.MustParse(c.Memory)
		}
		container.Resources = corev1.ResourceRequirements{Requests: rl, Limits: rl.DeepCopy()}
	}
	pod := corev1.PodSpec{
		RestartPolicy:      corev1.RestartPolicyNever,
		ServiceAccountName: c.ServiceAccount,
		Containers:         []corev1.Container{container},
	}
	if c.VolumeClaim != "" {
		const volume = "out"
		pod.Volumes = []corev1.Volume{{Name: volume, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.VolumeClaim},
		}}}
		pod.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: volume, MountPath: c.mountPath()}}
	}
	return &batchv1.Job{
		TypeMeta: metav1.TypeMeta{APIVersion: batchv1.SchemeGroupVersion.String(), Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: c.Namespace,
			Labels:    labels,
		},
		Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: maps.Clone(labels)},
				Spec:       pod,
			},
		},
	}
}

// escape escapes every "$" of s as "$$", so that Kubernetes' $(VAR)
// expansion of a container's arguments leaves s as it is.
func escape(s string) string { return strings.ReplaceAll(s, "$", "$$") }

func escapeAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = escape(a)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
