package httpx

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/llmtest/llmtest/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetHeaders(t *testing.T) {
	h := http.Header{"Accept": {"text/event-stream"}}
	secrets, err := SetHeaders(h, map[string]string{"accept": "*/*", "X-Api-Token": "tok-123456789", "OpenAI-Organization": "org-1"}, "p")
	require.NoError(t, err)
	assert.Equal(t, []string{"tok-123456789"}, secrets)
	assert.Equal(t, http.Header{"Accept": {"*/*"}, "X-Api-Token": {"tok-123456789"}, "Openai-Organization": {"org-1"}}, h)

	_, err = SetHeaders(http.Header{}, map[string]string{"Bad Name": "x"}, "p")
	assert.EqualError(t, err, `p: Config.Headers: invalid header name "Bad Name"`)
	_, err = SetHeaders(http.Header{}, map[string]string{"X-Key": "a\r\nX: y"}, "p")
	assert.EqualError(t, err, `p: Config.Headers["X-Key"]: value contains a line break or NUL`)
}

func TestHeaderChecks(t *testing.T) {
	for name, want := range map[string]bool{"X-Api-Key": true, "a!#$%&'*+-.^_`|~z": true, "": false, "a b": false, "a:b": false, "é": false} {
		assert.Equal(t, want, ValidHeaderName(name), "%q", name)
	}
	for v, want := range map[string]bool{"Bearer x": true, "": true, "a\rb": false, "a\nb": false, "a\x00b": false} {
		assert.Equal(t, want, ValidHeaderValue(v), "%q", v)
	}
	for name, want := range map[string]bool{"Authorization": true, "api-key": true, "X-Auth-Token": true, "Cookie": true,
		"X-Amz-Signature": true, "X-Password": true, "Client-Secret": true, "OpenAI-Organization": false, "anthropic-beta": false} {
		assert.Equal(t, want, SecretHeader(name), "%q", name)
	}
}

func TestURLErrorHidesCredentials(t *testing.T) {
	raw := "http://user:super/secret@127.0.0.1:9/v1" // an unencoded '/' in the password
	_, perr := url.Parse(raw)
	require.Error(t, perr)
	err := URLError("openai: Config.BaseURL", raw, perr, nil)
	assert.NotContains(t, err.Error(), "super")
	assert.NotContains(t, err.Error(), "secret")
	assert.Contains(t, err.Error(), "openai: Config.BaseURL: not a valid URL (percent-encode")

	raw = "http://127.0.0.1:80a/v1"
	_, perr = url.Parse(raw)
	require.Error(t, perr)
	assert.EqualError(t, URLError("f", raw, perr, nil), `f: not a valid URL: invalid port ":80a" after host`)
	raw = "http://127.0.0.1:key-in-the-port/v1"
	_, perr = url.Parse(raw)
	assert.EqualError(t, URLError("f", raw, perr, redact.New("key-in-the-port")), `f: not a valid URL: invalid port ":[REDACTED]" after host`)
}
