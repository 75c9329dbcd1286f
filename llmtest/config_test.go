package llmtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/tokenizers"
)

func validConfig() Config {
	return Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(2)}
}

func TestConfigRules(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Config)
		field string
		text  string
	}{
		{"endpoint required", func(c *Config) { c.Endpoint = nil }, "Endpoint", "is required"},
		{"negative clients", func(c *Config) { c.Clients = -1 }, "Clients", "must be at least 1, got -1"},
		{"negative requests", func(c *Config) { c.Requests = -5 }, "Requests", "got -5"},
		{"negative duration", func(c *Config) { c.Duration = -time.Second }, "Duration", "got -1s"},
		{"requests and duration", func(c *Config) { c.Requests, c.Duration = 3, time.Second }, "Requests", "mutually exclusive"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "Timeout", "got -1s"},
		{"payloads required", func(c *Config) { c.Payloads = nil }, "Payloads", "is required"},
		{"run name with slash", func(c *Config) { c.RunName = "a/b" }, "RunName", "path separator"},
		{"run name dot-dot", func(c *Config) { c.RunName = ".." }, "RunName", "not a folder name"},
		{"nil callback", func(c *Config) { c.Callbacks = []Callback{NopCallback{}, nil} }, "Callbacks[1]", "is nil"},
		{"bucket URL without a driver", func(c *Config) { c.OutputPath = "s3://bucket/runs" }, "OutputPath", "s3://bucket/runs: no storage driver for this URL scheme s3:// (registered: mem; import github.com/llmtest/llmtest/storage/blob"},
		{"file URL of a host", func(c *Config) { c.OutputPath = "file://server/tmp/runs" }, "OutputPath", `file://server/tmp/runs: a file:// URL names a local folder, not host "server"`},
		{"file URL with a query", func(c *Config) { c.OutputPath = "file:///tmp/runs?x=1" }, "OutputPath", "file:///tmp/runs: a file:// URL takes no query"},
		{"URL with user information", func(c *Config) { c.OutputPath = "s3://AKIDSECRET:hunter2@bucket/runs" }, "OutputPath", "s3://bucket/runs: user information in a URL is refused"},
		{"negative part records", func(c *Config) { c.ResponseParts.Records = -1 }, "ResponseParts.Records", "must not be negative, got -1"},
		{"negative part interval", func(c *Config) { c.ResponseParts.Interval = -time.Second }, "ResponseParts.Interval", "must not be negative, got -1s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			c.edit(&cfg)
			err := cfg.Validate()
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, c.field, ce.Field)
			assert.Contains(t, err.Error(), "Config."+c.field)
			assert.Contains(t, err.Error(), c.text)
			assert.NotContains(t, err.Error(), "hunter2", "a URL's password is never shown")
			// Runner.Run reports the same error before sending anything.
			ep := &fakeEndpoint{Chunks: []string{"a"}}
			if cfg.Endpoint != nil {
				cfg.Endpoint = ep
			}
			res, err := (&Runner{}).Run(context.Background(), cfg)
			assert.Nil(t, res)
			require.ErrorAs(t, err, &ce)
			assert.Zero(t, ep.calls.Load(), "no request sent")
		})
	}
	assert.NoError(t, validConfig().Validate())
	for _, local := range []string{"runs", "/tmp/a://b", `C:\runs`, "./3s://x"} {
		cfg := validConfig()
		cfg.OutputPath = local
		assert.NoError(t, cfg.Validate(), local)
	}
}

func TestConfigDefaults(t *testing.T) {
	c := validConfig().withDefaults()
	assert.Equal(t, DefaultClients, c.Clients)
	assert.Equal(t, DefaultTimeout, c.Timeout)
	assert.Equal(t, 60*time.Second, DefaultTimeout)
	assert.Equal(t, tokenizers.Whitespace{}, c.Tokenizer)
	assert.Regexp(t, `^\d{8}-\d{6}-[0-9a-f]{6}$`, c.RunName)

	e, err := newEngine(validConfig())
	require.NoError(t, err)
	assert.Equal(t, 2, e.cfg.Requests, "Requests defaults to the number of payloads")
	cfg := validConfig()
	cfg.Duration = time.Second
	e, err = newEngine(cfg)
	require.NoError(t, err)
	assert.Zero(t, e.cfg.Requests, "no request count with a Duration")
}

func TestRunNamesAreUnique(t *testing.T) {
	now := time.Now()
	seen := map[string]bool{}
	for range 1000 {
		n := newRunName(now) // the same instant: LLMeter's names would collide
		assert.False(t, seen[n], "duplicate run name %s", n)
		seen[n] = true
	}
}

func TestConfigMerge(t *testing.T) {
	ep1, ep2 := &fakeEndpoint{}, &fakeEndpoint{}
	cb := []Callback{NopCallback{}}
	base := Config{
		Endpoint: ep1, OutputPath: "out", Clients: 4, Requests: 10, Payloads: "a.jsonl",
		RunName: "base", Description: "d", Timeout: time.Second,
	}
	got := base.merge(Config{Clients: 8, RunName: "over"})
	assert.Same(t, ep1, got.Endpoint.(*fakeEndpoint))
	assert.Equal(t, 8, got.Clients)
	assert.Equal(t, "over", got.RunName)
	assert.Equal(t, 10, got.Requests)
	assert.Equal(t, "out", got.OutputPath)
	assert.Equal(t, time.Second, got.Timeout)

	got = base.merge(Config{Endpoint: ep2, Duration: time.Minute, Callbacks: cb, Tokenizer: tokenizers.Whitespace{}})
	assert.Same(t, ep2, got.Endpoint.(*fakeEndpoint))
	assert.Equal(t, time.Minute, got.Duration)
	assert.Zero(t, got.Requests, "Duration in the override replaces the base's Requests")
	assert.NoError(t, got.Validate())
	assert.Len(t, got.Callbacks, 1)
}

func TestPrepareErrorNamesPayload(t *testing.T) {
	cfg := validConfig()
	cfg.Payloads = []endpoints.Payload{{"prompt": "ok"}, {"prompt": 3}}
	_, err := (&Runner{}).Run(context.Background(), cfg)
	var pe *PayloadError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 1, pe.Index)
	assert.Contains(t, err.Error(), `payload 1: "prompt" must be a string`)

	cfg.Endpoint = &fakeEndpoint{PrepErr: errors.New("bad max_tokens")}
	cfg.Payloads = writeFile(t, "p.jsonl", `{"prompt":"a"}`+"\n\n"+`{"prompt":"b"}`+"\n")
	_, err = (&Runner{}).Run(context.Background(), cfg)
	require.ErrorAs(t, err, &pe)
	assert.True(t, strings.HasSuffix(pe.Source, "p.jsonl"))
	assert.Equal(t, 1, pe.Line)
	assert.Contains(t, err.Error(), "p.jsonl:1: bad max_tokens")
}

func TestCheckSendsNothing(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	assert.NoError(t, Config{Endpoint: ep, Payloads: prompts(2)}.Check())

	err := Config{Endpoint: ep, Payloads: prompts(1), Clients: -1}.Check()
	var ce *ConfigError
	assert.ErrorAs(t, err, &ce)

	p := writeFile(t, "p.jsonl", "{\"prompt\":\"a\"}\n{\"prompt\":3}\n")
	err = Config{Endpoint: ep, Payloads: p}.Check()
	var pe *PayloadError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 2, pe.Line, "the endpoint's refusal names the file and line")
	assert.Zero(t, ep.calls.Load())
}
