package main

import (
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/openai"
)

// closingEndpoint is an endpoint with a Close method that counts its calls.
type closingEndpoint struct {
	endpoints.Endpoint
	closed *atomic.Int32
	err    error
}

func (e closingEndpoint) Close() error {
	e.closed.Add(1)
	return e.err
}

// withClosingAPI registers an API, "test-closing", whose endpoints are
// OpenAI chat endpoints with a Close method, for the test's duration.
func withClosingAPI(t *testing.T, closeErr error) (built, closed *atomic.Int32) {
	t.Helper()
	built, closed = new(atomic.Int32), new(atomic.Int32)
	const name api = "test-closing"
	apis[name] = apiSpec{
		simulated: true,
		keyEnv:    "OPENAI_API_KEY",
		build: func(o *runOptions, baseURL, key string) (endpoints.Endpoint, error) {
			ep, err := openai.New(openai.Config{BaseURL: baseURL, APIKey: key, Model: o.model, API: openai.Chat})
			if err != nil {
				return nil, err
			}
			built.Add(1)
			return closingEndpoint{Endpoint: ep, closed: closed, err: closeErr}, nil
		},
		payload: fixed(openai.ChatPayload),
	}
	t.Cleanup(func() { delete(apis, name) })
	return built, closed
}

// TestEveryEndpointIsClosed checks that the command closes every endpoint
// it builds that is an io.Closer: the stand-in that checks the payloads
// before the simulator starts, and the one that ran the load.
func TestEveryEndpointIsClosed(t *testing.T) {
	built, closed := withClosingAPI(t, nil)
	code, stdout, stderr := runCLI(t, append([]string{"run", "--api", "test-closing", "--clients", "2", "--requests", "2"}, fastSim...)...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, int32(2), built.Load(), "the stand-in and the simulator's endpoint")
	assert.Equal(t, built.Load(), closed.Load(), "every endpoint built is closed once")

	// A run refused before the simulator starts closes the stand-in.
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte(`{"prompt":"hi"}`+"\n"), 0o644))
	built.Store(0)
	closed.Store(0)
	code, _, _ = runCLI(t, "run", "--api", "test-closing", "--payload", bad)
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, int32(1), built.Load())
	assert.Equal(t, int32(1), closed.Load())
}

// TestCloseErrorIsReported checks that an endpoint's failing Close is
// reported and changes nothing else: the run is over.
func TestCloseErrorIsReported(t *testing.T) {
	_, closed := withClosingAPI(t, errors.New("test-closing: idle connections would not go"))
	code, stdout, stderr := runCLI(t, append([]string{"run", "--api", "test-closing", "--requests", "1"}, fastSim...)...)
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, int32(2), closed.Load())
	assert.Contains(t, stderr, "llmtest run: closing the endpoint: test-closing: idle connections would not go\n")
}
