package servermetrics_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/internal/leaktest"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/servermetrics"
)

// TestScrapesLeaveNoConnection scrapes twice through a Callback without a
// Client, as the CLI does: the connections close with each scrape, so no
// kept-alive connection's goroutines (the client's read and write loops,
// the server's connection) nor descriptors are left once the run is over.
func TestScrapesLeaveNoConnection(t *testing.T) {
	srv := pages(t, vllmPage, 0, 12)
	base := leaktest.Baseline(t)
	cb := &servermetrics.Callback{URL: srv.URL + "/metrics"}
	require.NoError(t, cb.BeforeRun(t.Context(), llmtest.Config{}))
	res := &llmtest.Result{}
	require.NoError(t, cb.AfterRun(t.Context(), res))
	require.NotNil(t, res.Run.ServerMetrics)
	assert.Empty(t, res.Run.ServerMetrics.Warnings)
	assert.Equal(t, 12.0, res.Run.ServerMetrics.Get("vllm:request_success_total").Delta)
	leaktest.Settle(t, base)
}
