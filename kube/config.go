package kube

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Limits and names of the manifests.
const (
	// MaxShards is the most shards of a Config: the merge Job names every
	// shard's folder in its arguments, which must fit in a Job object.
	MaxShards = 1000
	// ContainerName is the name of the container of both Jobs.
	ContainerName = "llmtest"
	// MergeSuffix ends the name of the merge Job: NAME-merge.
	MergeSuffix = "-merge"
	// ShardsRunName is the run name every shard is given (--run-name):
	// `llmtest run --shard` names shard i's folder ShardsRunName-shard-i
	// and records the run it belongs to, so that the merge can check it
	// has every shard of one run.
	ShardsRunName = "run"
	// ShardRunPrefix starts the folder name of each shard: run-shard-0,
	// run-shard-1...
	ShardRunPrefix = ShardsRunName + "-shard-"
	// MergedRunName is the run name of the merged run, OUT/merged.
	MergedRunName = "merged"
	// IndexEnv is the variable Kubernetes sets to a pod's completion
	// index in an Indexed Job, 0 to N-1.
	IndexEnv = "JOB_COMPLETION_INDEX"
	// CompletionsEnv is the variable that holds the number of shards N.
	CompletionsEnv = "JOB_COMPLETIONS"
)

// Config describes a sharded run and its merge. The zero value is not
// valid: Name, Image, Shards, StartAt and Out are required.
type Config struct {
	// Name is the shard Job's name, a DNS-1123 label; the merge Job is
	// Name+MergeSuffix.
	Name string
	// Namespace of both Jobs; empty leaves it to kubectl (the current
	// context's namespace).
	Namespace string
	// Image is the container image, which runs `llmtest` from its PATH.
	Image string
	// Shards is the number of shard pods N, 1 to MaxShards.
	Shards int
	// StartAt is the wall-clock moment every shard starts its load,
	// written in RFC 3339 to the second (rounded up).
	StartAt time.Time
	// Out is where the run folders go: a bucket URL (s3://, gs://,
	// azblob://) or, with VolumeClaim, an absolute path or file:// URL in
	// the claim. Shard i writes Out/run-shard-i, the merge Out/merged.
	Out string
	// VolumeClaim, when set, is a PersistentVolumeClaim mounted at the path
	// of Out in every pod (ReadWriteMany, for pods on many nodes).
	VolumeClaim string
	// RunArgs are the arguments of `llmtest run` beyond those the Job sets
	// (--out, --run-name, --start-at), which follow them and so win. They
	// should hold no --slo: a shard that fails an SLO fails its index, and
	// SLOs gate the merged run (SLOs).
	RunArgs []string
	// SLOs are the --slo checks of the merged run.
	SLOs []string
	// CPU and Memory are each container's resource requests and limits,
	// equal (Guaranteed QoS, so the load generator is neither throttled
	// below nor starved by neighbours beyond its request), as Kubernetes
	// quantities such as "2" or "1Gi"; empty sets none.
	CPU, Memory string
	// SecretEnv are environment variables from Kubernetes Secrets, in
	// both Jobs' containers (the merge may need the storage credentials).
	SecretEnv []SecretEnv
	// Labels are added to both Jobs and their pods.
	Labels map[string]string
	// ServiceAccount is the pods' service account (such as one bound to a
	// cloud role for the bucket); empty: the namespace's default.
	ServiceAccount string
	// Retries is how many times a failed shard index is retried
	// (backoffLimitPerIndex); 0 retries none. A retried shard starts late.
	Retries int
}

// ConfigError is a field of a Config that is not valid.
type ConfigError struct {
	Field  string // the Config field, such as "Shards"
	Reason string
}

func (e *ConfigError) Error() string { return "kube: Config." + e.Field + ": " + e.Reason }

func configErrorf(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// reservedLabelPrefixes are label key prefixes that the Jobs or Kubernetes
// set.
var reservedLabelPrefixes = []string{"app.kubernetes.io/", "batch.kubernetes.io/", "kubernetes.io/", "k8s.io/"}

// Validate reports the first field of c that is not valid, as a
// *ConfigError, checked as the API server would check the Jobs built
// from it.
func (c *Config) Validate() error {
	if errs := validation.IsDNS1123Label(c.Name); len(errs) > 0 {
		return configErrorf("Name", "%q: %s", c.Name, errs[0])
	}
	if max := validation.DNS1123LabelMaxLength - len(MergeSuffix); len(c.Name) > max {
		return configErrorf("Name", "%q: at most %d characters, so that the merge Job's name %s%s is a label too", c.Name, max, c.Name, MergeSuffix)
	}
	if c.Namespace != "" {
		if errs := validation.IsDNS1123Label(c.Namespace); len(errs) > 0 {
			return configErrorf("Namespace", "%q: %s", c.Namespace, errs[0])
		}
	}
	if c.Image == "" {
		return configErrorf("Image", "empty")
	}
	if strings.ContainsFunc(c.Image, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return configErrorf("Image", "%q: holds a space or control character", c.Image)
	}
	if c.Shards < 1 || c.Shards > MaxShards {
		return configErrorf("Shards", "%d: want 1 to %d", c.Shards, MaxShards)
	}
	if c.StartAt.IsZero() {
		return configErrorf("StartAt", "not set")
	}
	if err := c.validateOut(); err != nil {
		return err
	}
	for _, q := range []struct{ field, value string }{{"CPU", c.CPU}, {"Memory", c.Memory}} {
		if q.value == "" {
			continue
		}
		v, err := resource.ParseQuantity(q.value)
		if err != nil {
			return configErrorf(q.field, "%q: not a Kubernetes quantity, such as 500m, 2, 512Mi or 4Gi", q.value)
		}
		if v.Sign() <= 0 {
			return configErrorf(q.field, "%q: want more than 0", q.value)
		}
	}
	seen := map[string]bool{IndexEnv: true, CompletionsEnv: true}
	for _, e := range c.SecretEnv {
		if _, err := ParseSecretEnv(e.String()); err != nil {
			return configErrorf("SecretEnv", "%v", err)
		}
		if seen[e.Name] {
			return configErrorf("SecretEnv", "%s: set twice, or set by the Job", e.Name)
		}
		seen[e.Name] = true
	}
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		v := c.Labels[k]
		if errs := content.IsLabelKey(k); len(errs) > 0 {
			return configErrorf("Labels", "key %q: %s", k, errs[0])
		}
		for _, p := range reservedLabelPrefixes {
			if strings.HasPrefix(k, p) || strings.Contains(k, "."+p) {
				return configErrorf("Labels", "key %q: the prefix %s is for the Jobs' and Kubernetes' own labels", k, p)
			}
		}
		if errs := content.IsLabelValue(v); len(errs) > 0 {
			return configErrorf("Labels", "%s=%q: %s", k, v, errs[0])
		}
	}
	if c.ServiceAccount != "" {
		if errs := validation.IsDNS1123Subdomain(c.ServiceAccount); len(errs) > 0 {
			return configErrorf("ServiceAccount", "%q: %s", c.ServiceAccount, errs[0])
		}
	}
	if c.Retries < 0 || c.Retries > 100 {
		return configErrorf("Retries", "%d: want 0 to 100", c.Retries)
	}
	return nil
}

// bucketSchemes are the URL schemes of object storage that Out may name
// without a VolumeClaim.
var bucketSchemes = map[string]bool{"s3": true, "gs": true, "azblob": true}

// validateOut checks Out and VolumeClaim. Out's value is quoted only when
// it is a path: a URL may hold credentials.
func (c *Config) validateOut() error {
	if c.VolumeClaim != "" {
		if errs := validation.IsDNS1123Subdomain(c.VolumeClaim); len(errs) > 0 {
			return configErrorf("VolumeClaim", "%q: %s", c.VolumeClaim, errs[0])
		}
	}
	if c.Out == "" {
		return configErrorf("Out", "empty: the shards need one place to write their run folders, which the merge reads")
	}
	if !strings.Contains(c.Out, "://") {
		if !path.IsAbs(c.Out) {
			return configErrorf("Out", "%q: a path must be absolute, in the VolumeClaim mounted at it", c.Out)
		}
		if c.VolumeClaim == "" {
			return configErrorf("Out", "%q: a path is the pod's own, which the merge cannot read: give a bucket URL (s3://, gs://, azblob://) or a VolumeClaim mounted at it", c.Out)
		}
		return nil
	}
	u, err := url.Parse(c.Out)
	if err != nil {
		return configErrorf("Out", "not a URL: %v", errors.Unwrap(err))
	}
	if u.User != nil {
		return configErrorf("Out", "the URL holds a user or password, which a manifest must not: give credentials as SecretEnv")
	}
	switch {
	case u.Scheme == "file":
		if c.VolumeClaim == "" || !path.IsAbs(u.Path) {
			return configErrorf("Out", "a file:// URL is the pod's own file system: give a VolumeClaim mounted at its path, or a bucket URL (s3://, gs://, azblob://)")
		}
	case !bucketSchemes[u.Scheme]:
		return configErrorf("Out", "%s:// URLs are not object storage: give s3://, gs:// or azblob://", u.Scheme)
	case u.Host == "":
		return configErrorf("Out", "the %s:// URL names no bucket", u.Scheme)
	case c.VolumeClaim != "":
		return configErrorf("VolumeClaim", "applies to a path or file:// Out, not to a bucket URL")
	}
	return nil
}

// mountPath returns the path of Out in the pods, where VolumeClaim is
// mounted.
func (c *Config) mountPath() string {
	if u, err := url.Parse(c.Out); err == nil && u.Scheme == "file" {
		return path.Clean(u.Path)
	}
	return path.Clean(c.Out)
}

// RunFolder returns the run folder name under out, as `llmtest run --out
// out --run-name name` writes it: out/name, with name joined to the path
// of a URL (before its query, such as ?region=us-east-1).
func RunFolder(out, name string) string {
	if strings.Contains(out, "://") {
		if u, err := url.Parse(out); err == nil {
			u.Path = path.Join("/", u.Path, name)
			u.RawPath = ""
			return u.String()
		}
	}
	return path.Join(out, name)
}

// ShardFolder returns the run folder of shard i under out, out/run-shard-i.
func ShardFolder(out string, i int) string {
	return RunFolder(out, ShardRunPrefix+strconv.Itoa(i))
}
