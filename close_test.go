package llmtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/llmtest/llmtest/internal/leaktest"
	"github.com/stretchr/testify/require"
)

// TestEndpointsReleaseWhatTheyHold runs 20 load tests of 8 clients, each
// with a new openai or anthropic endpoint, against one server, and checks
// that once the endpoints are closed, the process's goroutines and file
// descriptors return to what they were before the runs.
func TestEndpointsReleaseWhatTheyHold(t *testing.T) {
	for _, k := range httpKinds() {
		if k.name != "openai-chat" && k.name != "anthropic" {
			continue
		}
		t.Run(k.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = io.WriteString(w, k.stream)
			}))
			t.Cleanup(srv.Close)
			p := k.payload(t)
			// A first run starts whatever the process starts once.
			warm := k.endpoint(t, srv.URL)
			runLoad(t, warm, p, 8, 2)
			require.NoError(t, warm.(io.Closer).Close())
			base := leaktest.Baseline(t)

			var eps []io.Closer
			for range 20 {
				ep := k.endpoint(t, srv.URL)
				res := runLoad(t, ep, p, 8, 2)
				require.Zero(t, res.Stats.FailedRequests)
				eps = append(eps, ep.(io.Closer))
			}
			open := leaktest.Now(t)
			t.Logf("20 open endpoints hold %d goroutines and %d file descriptors",
				open.Goroutines-base.Goroutines, open.FDs-base.FDs)
			for _, ep := range eps {
				require.NoError(t, ep.Close())
			}
			leaktest.Settle(t, base)
		})
	}
}
