package httpx

import (
	"net/http"
	"testing"

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
