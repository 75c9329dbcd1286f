package llmtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
)

// TestStatusKeptWhenItsBodyOutlastsTheTimeout sends requests that get a
// 429 whose body trickles past the request's timeout: each is recorded
// with status code 429 and the timeout as its reason, in the result and in
// responses.jsonl.
func TestStatusKeptWhenItsBodyOutlastsTheTimeout(t *testing.T) {
	for _, k := range httpKinds() {
		t.Run(k.name, func(t *testing.T) {
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "2")
				w.WriteHeader(http.StatusTooManyRequests)
				for _, b := range []byte(`{"error":{"message":"rate limited"}}`) {
					_, _ = w.Write([]byte{b})
					w.(http.Flusher).Flush()
					select { // a byte every 100ms: the 36-byte body takes 3.6s
					case <-time.After(100 * time.Millisecond):
					case <-r.Context().Done():
						return
					case <-done:
						return
					}
				}
			}))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(done) })

			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			dir := t.TempDir()
			res, err := llmtest.NewRunner(llmtest.Config{
				Endpoint:   k.endpoint(t, srv.URL),
				Payloads:   k.payload(t),
				Clients:    2,
				Requests:   1,
				Timeout:    300 * time.Millisecond,
				OutputPath: dir,
				RunName:    "run",
			}).Run(ctx, llmtest.Config{})
			require.NoError(t, err)
			require.Len(t, res.Invocations, 2)
			for _, inv := range res.Invocations {
				assert.Equal(t, http.StatusTooManyRequests, inv.StatusCode)
				assert.True(t, strings.HasPrefix(inv.Error, llmtest.ErrTimeout.Error()+": "), "the timeout is the reason: %q", inv.Error)
			}

			b, err := os.ReadFile(filepath.Join(dir, "run", llmtest.ResponsesFile))
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			require.Len(t, lines, 2)
			for _, line := range lines {
				var rec struct {
					StatusCode int    `json:"status_code"`
					Error      string `json:"error"`
				}
				require.NoError(t, json.Unmarshal([]byte(line), &rec))
				assert.Equal(t, http.StatusTooManyRequests, rec.StatusCode, line)
				assert.Contains(t, rec.Error, "no complete response within 300ms", line)
			}
		})
	}
}
