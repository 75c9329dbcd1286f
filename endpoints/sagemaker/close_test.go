package sagemaker_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/sagemaker"
	"github.com/llmtest/llmtest/internal/awstest"
	"github.com/llmtest/llmtest/internal/leaktest"
	"github.com/llmtest/llmtest/llmtest"
)

// streamRun sends 8 streamed requests from 4 clients through ep, so that
// its HTTP client keeps up to 4 idle connections.
func streamRun(t *testing.T, ep endpoints.Endpoint) {
	t.Helper()
	r := llmtest.NewRunner(llmtest.Config{Endpoint: ep, Payloads: []endpoints.Payload{
		{"inputs": "hi", "parameters": map[string]any{"max_new_tokens": 8}},
	}})
	res, err := r.Run(t.Context(), llmtest.Config{Clients: 4, Requests: 8})
	require.NoError(t, err)
	require.Equal(t, 0, res.Stats.FailedRequests, "%v", res.Invocations[0].Error)
}

// TestCloseReleasesConnections uses 20 endpoints for a run each and closes
// them: the goroutines and file descriptors of their connections, on both
// ends, go back to the baseline. Without Close, each endpoint's idle
// connections would stay open for the transport's 90-second idle timeout.
func TestCloseReleasesConnections(t *testing.T) {
	srv := awstest.New(t, awstest.Stream(awstest.PayloadPart([]byte("data:{\"token\":{\"text\":\"Hi\"},\"generated_text\":\"Hi\"}\n\n"))))
	cfg := sagemaker.Config{EndpointName: "llm", API: sagemaker.InvokeEndpointWithResponseStream, Region: awstest.Region,
		Credentials: awstest.Credentials(), BaseEndpoint: srv.URL}
	use := func() {
		ep, err := sagemaker.New(t.Context(), cfg)
		require.NoError(t, err)
		streamRun(t, ep)
		require.NoError(t, ep.Close())
		require.NoError(t, ep.Close(), "Close is idempotent")
	}
	use() // what the first use starts once and keeps (none is known) is not a leak
	base := leaktest.Baseline(t)
	for range 20 {
		use()
	}
	leaktest.Settle(t, base)
}

// TestCloseLeavesTheCallersClient checks that Close does not close the
// connections of an HTTP client given in Config.HTTPClient: a second
// endpoint on the same client reuses the first one's connection.
func TestCloseLeavesTheCallersClient(t *testing.T) {
	srv := awstest.New(t, awstest.Reply(200, `[{"generated_text":"Hi"}]`))
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	payload := endpoints.Payload{"inputs": "hi"}
	for range 2 {
		ep, err := sagemaker.New(t.Context(), sagemaker.Config{EndpointName: "llm", Region: awstest.Region, Credentials: awstest.Credentials(),
			BaseEndpoint: srv.URL, HTTPClient: client})
		require.NoError(t, err)
		r := llmtest.NewRunner(llmtest.Config{Endpoint: ep, Payloads: []endpoints.Payload{payload}})
		res, err := r.Run(t.Context(), llmtest.Config{Clients: 1, Requests: 1})
		require.NoError(t, err)
		require.Empty(t, res.Invocations[0].Error)
		require.NoError(t, ep.Close())
	}
	assert.EqualValues(t, 1, dials.Load(), "the caller's idle connection outlived the first endpoint's Close")
}
