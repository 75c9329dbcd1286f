package llmtest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/assertions"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/internal/keepalivetest"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// firstTokenDelay is how long the test server waits, after sending its
// headers, before the stream's first event.
const firstTokenDelay = 5 * time.Millisecond

// TestConnPhases runs one client × 3 requests against a 127.0.0.1 server
// that answers headers at once and the first token later: the first
// request dials (a connect, not reused), the next two go on the kept-alive
// connection (reused, no connect), and every request's first byte comes
// no later than its first token. (The first byte is read before the body is, so
// TTFB ≤ TTFT holds however the goroutines are scheduled; the server's
// delay only makes the gap visible.)
func TestConnPhases(t *testing.T) {
	for _, k := range httpKinds() {
		t.Run(k.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.WriteHeader(http.StatusOK)
				w.(http.Flusher).Flush()
				time.Sleep(firstTokenDelay)
				_, _ = w.Write([]byte(k.stream))
			}))
			t.Cleanup(srv.Close)
			res := runLoad(t, k.endpoint(t, srv.URL), k.payload(t), 1, 3)
			require.Len(t, res.Invocations, 3)
			for i, inv := range res.Invocations {
				c := inv.Conn
				require.True(t, c.Traced, "request %d traced", i)
				assert.Equal(t, i > 0, c.Reused, "request %d: only the first dials", i)
				if i == 0 {
					assert.Positive(t, c.Connect, "a fresh connection has a connect")
				} else {
					assert.Zero(t, c.Connect, "a reused connection has none")
				}
				assert.Zero(t, c.DNS, "127.0.0.1 needs no lookup")
				assert.Zero(t, c.TLS, "plain HTTP has no handshake")
				assert.Positive(t, c.GotConn)
				assert.LessOrEqual(t, c.GotConn, c.WroteRequest, "request %d: connection, then request written", i)
				assert.Positive(t, c.WroteRequest)
				assert.Positive(t, c.FirstByte)
				assert.LessOrEqual(t, c.FirstByte, inv.TimeToFirstToken, "request %d: TTFB ≤ TTFT", i)
			}
			assert.Equal(t, &reporters.Connections{Traced: 3, Reused: 2}, res.Run.Connections)
			stats := res.Run.Stats()
			assert.Equal(t, 1.0, stats["connections_new"])
			assert.Equal(t, 2.0, stats["connections_reused"])
			assert.Contains(t, stats, "time_to_first_byte-p50")
			assert.Contains(t, stats, "connect_time-max")
			assert.Contains(t, res.SummaryText(), "connections: 3 traced, 2 reused, 1 new (connect p50 ")
			assert.Contains(t, res.SummaryText(), "\n     time_to_first_byte ", "a row of the summary's table")
			th, err := assertions.Parse("ttfb p99 < 10s")
			require.NoError(t, err)
			c := th.Evaluate(res)
			assert.True(t, c.Pass, c.Message)
			assert.Equal(t, 3, c.Samples, "an SLO on the time to first byte")
		})
	}
}

// TestConnPhasesOverTLS checks that a new TLS connection has its
// handshake traced, with a client given in the endpoint's Config.
func TestConnPhasesOverTLS(t *testing.T) {
	k := httpKinds()[0]
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte(k.stream))
	}))
	t.Cleanup(srv.Close)
	ep, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "m", HTTPClient: srv.Client()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	res := runLoad(t, ep, k.payload(t), 1, 2)
	first, second := res.Invocations[0].Conn, res.Invocations[1].Conn
	assert.Positive(t, first.TLS, "a new connection's handshake")
	assert.Positive(t, first.Connect)
	assert.True(t, second.Reused)
	assert.Zero(t, second.TLS, "none on a reused connection")
}

// TestConnPhasesOfAResentRequest checks that a request resent after its
// kept-alive connection was closed is traced by the attempt that
// answered: a fresh connection.
func TestConnPhasesOfAResentRequest(t *testing.T) {
	k := httpKinds()[0]
	srv := keepalivetest.NewServer(t, keepalivetest.OnNextRequest, "text/event-stream", k.stream)
	res := runLoad(t, k.endpoint(t, srv.URL), k.payload(t), 1, 4)
	resent := 0
	for _, inv := range res.Invocations {
		require.True(t, inv.Conn.Traced)
		if inv.Retries > 0 {
			resent++
			assert.False(t, inv.Conn.Reused, "the resend dials afresh")
			assert.Positive(t, inv.Conn.Connect)
		}
		assert.Positive(t, inv.Conn.FirstByte)
	}
	assert.Positive(t, resent, "the server closed kept connections")
}

// TestConnPhasesInResponsesFile checks that the phases are written to
// responses.jsonl and read back.
func TestConnPhasesInResponsesFile(t *testing.T) {
	k := httpKinds()[0]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte(k.stream))
	}))
	t.Cleanup(srv.Close)
	out := t.TempDir()
	res, err := llmtest.NewRunner(llmtest.Config{Endpoint: k.endpoint(t, srv.URL), Payloads: k.payload(t), Clients: 1, Requests: 2,
		OutputPath: out, RunName: "traced"}).Run(t.Context(), llmtest.Config{})
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(out, "traced", llmtest.ResponsesFile))
	require.NoError(t, err)
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	require.Len(t, lines, 2)
	var first map[string]any
	require.NoError(t, json.Unmarshal(lines[0], &first))
	for _, key := range []string{"conn_reused", "dns_time", "connect_time", "tls_time", "time_to_conn", "time_to_request_written", "time_to_first_byte"} {
		assert.Contains(t, first, key)
	}
	assert.Equal(t, false, first["conn_reused"])
	assert.Nil(t, first["tls_time"], "absent: null")
	loaded, err := llmtest.LoadResult(filepath.Join(out, "traced"))
	require.NoError(t, err)
	require.Len(t, loaded.Invocations, 2)
	for i := range loaded.Invocations {
		assert.Equal(t, res.Invocations[i].Conn, loaded.Invocations[i].Conn, "record %d", i)
	}
	assert.Equal(t, res.Run.Connections, loaded.Run.Connections)
}
