package kube

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validConfig returns a Config that Validate accepts.
func validConfig() Config {
	return Config{
		Name:    "load",
		Image:   "registry.example.com/llmtest:v1",
		Shards:  3,
		StartAt: time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC),
		Out:     "s3://bucket/run",
	}
}

func TestValidateNamesTheField(t *testing.T) {
	require.NoError(t, func() error { c := validConfig(); return c.Validate() }())
	for _, c := range []struct {
		field  string
		change func(*Config)
	}{
		{"Name", func(c *Config) { c.Name = "" }},
		{"Name", func(c *Config) { c.Name = "-x" }},
		{"Name", func(c *Config) { c.Name = strings.Repeat("a", 58) }},
		{"Namespace", func(c *Config) { c.Namespace = "A" }},
		{"Image", func(c *Config) { c.Image = "" }},
		{"Image", func(c *Config) { c.Image = "a\tb" }},
		{"Shards", func(c *Config) { c.Shards = 0 }},
		{"Shards", func(c *Config) { c.Shards = MaxShards + 1 }},
		{"StartAt", func(c *Config) { c.StartAt = time.Time{} }},
		{"Out", func(c *Config) { c.Out = "" }},
		{"Out", func(c *Config) { c.Out = "/abs" }},
		{"Out", func(c *Config) { c.Out = "rel"; c.VolumeClaim = "pvc" }},
		{"Out", func(c *Config) { c.Out = "ftp://x/y" }},
		{"Out", func(c *Config) { c.Out = "gs:///y" }},
		{"Out", func(c *Config) { c.Out = "s3://u:p@b/y" }},
		{"Out", func(c *Config) { c.Out = "s3://b/%zz" }},
		{"Out", func(c *Config) { c.Out = "file:///r" }},
		{"VolumeClaim", func(c *Config) { c.VolumeClaim = "pvc" }},
		{"VolumeClaim", func(c *Config) { c.Out = "/r"; c.VolumeClaim = "P" }},
		{"CPU", func(c *Config) { c.CPU = "x" }},
		{"CPU", func(c *Config) { c.CPU = "-1" }},
		{"Memory", func(c *Config) { c.Memory = "0" }},
		{"SecretEnv", func(c *Config) { c.SecretEnv = []SecretEnv{{Name: "A", Secret: "S", Key: "k"}} }},
		{"SecretEnv", func(c *Config) { c.SecretEnv = []SecretEnv{{Name: "A", Secret: "s", Key: "k/x"}} }},
		{"SecretEnv", func(c *Config) { c.SecretEnv = []SecretEnv{{Name: IndexEnv, Secret: "s", Key: "k"}} }},
		{"SecretEnv", func(c *Config) {
			c.SecretEnv = []SecretEnv{{Name: "A", Secret: "s", Key: "k"}, {Name: "A", Secret: "t", Key: "k"}}
		}},
		{"Labels", func(c *Config) { c.Labels = map[string]string{"a b": "x"} }},
		{"Labels", func(c *Config) { c.Labels = map[string]string{"k": "a b"} }},
		{"Labels", func(c *Config) { c.Labels = map[string]string{"batch.kubernetes.io/job-name": "x"} }},
		{"Labels", func(c *Config) { c.Labels = map[string]string{"node.kubernetes.io/x": "x"} }},
		{"ServiceAccount", func(c *Config) { c.ServiceAccount = "A_B" }},
		{"Retries", func(c *Config) { c.Retries = -1 }},
	} {
		cfg := validConfig()
		c.change(&cfg)
		err := cfg.Validate()
		var ce *ConfigError
		if assert.True(t, errors.As(err, &ce), "%s: %v", c.field, err) {
			assert.Equal(t, c.field, ce.Field, "%v", err)
			assert.True(t, strings.HasPrefix(err.Error(), "kube: Config."+c.field+": "), "%v", err)
		}
		_, _, jerr := Jobs(cfg)
		assert.Equal(t, err, jerr, "Jobs validates")
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, change := range []func(*Config){
		func(c *Config) { c.Out = "gs://bucket" },
		func(c *Config) { c.Out = "azblob://container/a/b?storage_account=x" },
		func(c *Config) { c.Out = "/results"; c.VolumeClaim = "shared" },
		func(c *Config) { c.Out = "file:///results"; c.VolumeClaim = "shared" },
		func(c *Config) { c.Shards = MaxShards },
		func(c *Config) { c.Name = strings.Repeat("a", 57) },
		func(c *Config) { c.CPU, c.Memory = "500m", "512Mi" },
		func(c *Config) { c.Labels = map[string]string{"example.com/team": "ml", "empty": ""} },
	} {
		c := validConfig()
		change(&c)
		assert.NoError(t, c.Validate(), "%+v", c)
	}
}

func TestRunFolder(t *testing.T) {
	for _, c := range []struct{ out, want string }{
		{"s3://b", "s3://b/x"},
		{"s3://b/", "s3://b/x"},
		{"s3://b/runs/a/", "s3://b/runs/a/x"},
		{"s3://b/runs?region=eu-west-1&endpoint=http%3A%2F%2Fminio%3A9000", "s3://b/runs/x?region=eu-west-1&endpoint=http%3A%2F%2Fminio%3A9000"},
		{"file:///data/r", "file:///data/r/x"},
		{"/data/r/", "/data/r/x"},
	} {
		assert.Equal(t, c.want, RunFolder(c.out, "x"), c.out)
	}
	assert.Equal(t, "gs://b/r/run-shard-7", ShardFolder("gs://b/r", 7))
}

func TestStartAtTextRoundsUp(t *testing.T) {
	at := time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)
	assert.Equal(t, "2026-12-04T05:00:00Z", StartAtText(at))
	assert.Equal(t, "2026-12-04T05:00:01Z", StartAtText(at.Add(time.Nanosecond)))
	assert.Equal(t, "2026-12-04T05:00:01Z", StartAtText(at.Add(999*time.Millisecond)))
	assert.Equal(t, "2026-12-04T05:00:00Z", StartAtText(at.In(time.FixedZone("CET", 3600))), "in UTC")
}

func TestParseSecretEnv(t *testing.T) {
	e, err := ParseSecretEnv("OPENAI_API_KEY=openai.keys:api-key")
	require.NoError(t, err)
	assert.Equal(t, SecretEnv{Name: "OPENAI_API_KEY", Secret: "openai.keys", Key: "api-key"}, e)
	assert.Equal(t, "OPENAI_API_KEY=openai.keys:api-key", e.String())

	const secret = "sk-Proj-Secret-Value-123"
	for _, s := range []string{
		secret, "K=" + secret, "K=" + secret + ":k", "K=s:" + secret + "/x", "K=s:", "K=:k", "K=s:k:" + secret,
	} {
		_, err := ParseSecretEnv(s)
		require.Error(t, err, s)
		assert.NotContains(t, err.Error(), secret, s)
		assert.Contains(t, err.Error(), "not shown", s)
	}
}
