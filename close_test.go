package llmtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestEndpointsReleaseWhatTheyHold runs 20 load tests of 8 clients, each
// with a new openai or anthropic endpoint, against one server, and checks
// that once the endpoints are closed, the process's goroutines and file
// descriptors return to what they were before the runs.
func TestEndpointsReleaseWhatTheyHold(t *testing.T) {
	if _, err := os.ReadDir("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd to count file descriptors:", err)
	}
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
			goroutines, fds := steady()

			var eps []io.Closer
			for range 20 {
				ep := k.endpoint(t, srv.URL)
				res := runLoad(t, ep, p, 8, 2)
				require.Zero(t, res.Stats.FailedRequests)
				eps = append(eps, ep.(io.Closer))
			}
			t.Logf("20 open endpoints hold %d goroutines and %d file descriptors",
				runtime.NumGoroutine()-goroutines, countFDs(t)-fds)
			for _, ep := range eps {
				require.NoError(t, ep.Close())
			}
			settle(t, goroutines, fds)
		})
	}
}

// settle waits, for at most 10 seconds, until the process has no more
// than goroutines goroutines and fds file descriptors, failing t if it
// does not get there, and returns the counts it saw last.
func settle(t *testing.T, goroutines, fds int) (int, int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g, f := runtime.NumGoroutine(), countFDs(t)
		if g <= goroutines && f <= fds {
			return g, f
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10s, %d goroutines and %d file descriptors, want at most %d and %d", g, f, goroutines, fds)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// steady returns the process's goroutine and file descriptor counts once
// they have stopped falling (for 100ms, waiting 2s at most), as what the
// warm-up run let go of winds down.
func steady() (goroutines, fds int) {
	g, f := runtime.NumGoroutine(), fdCount()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		g2, f2 := runtime.NumGoroutine(), fdCount()
		if g2 >= g && f2 >= f {
			break
		}
		g, f = min(g, g2), min(f, f2)
	}
	return g, f
}

// countFDs returns the number of open file descriptors of the process.
func countFDs(t *testing.T) int {
	t.Helper()
	n := fdCount()
	require.Positive(t, n, "/proc/self/fd can be read")
	return n
}

func fdCount() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}
