package sim_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
)

const slowStream = `{"messages":[{"role":"user","content":"x"}],"max_tokens":5,"stream":true}`

func TestServerClientCancel(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Capacity: 1, InterTokenLatency: time.Hour, FirstTokenLatency: time.Millisecond}})
	m := s.Model()
	c := client(t)

	t.Run("streaming", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		res := send(t, ctx, c, "POST", s.URL+"/v1/chat/completions", slowStream)
		firstEvent(t, res.Body)
		require.Equal(t, 1, m.InFlight())
		cancel()
		waitFor(t, "the cancelled stream to free its slot", func() bool { return m.InFlight() == 0 })
	})

	t.Run("queued", func(t *testing.T) {
		ctx1, cancel1 := context.WithCancel(t.Context())
		defer cancel1()
		res := send(t, ctx1, c, "POST", s.URL+"/v1/messages", `{"messages":[{"role":"user","content":"x"}],"max_tokens":5,"stream":true}`)
		firstEvent(t, res.Body)

		ctx2, cancel2 := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx2, "POST", s.URL+"/v1/completions", strings.NewReader(`{"prompt":"x"}`))
			res, err := c.Do(req)
			if err == nil {
				res.Body.Close()
			}
			done <- err
		}()
		waitFor(t, "the second request to queue", func() bool { return m.Queued() == 1 })
		cancel2()
		assert.ErrorIs(t, <-done, context.Canceled)
		waitFor(t, "the cancelled request to leave the queue", func() bool { return m.Queued() == 0 })
		assert.Equal(t, 1, m.InFlight(), "the first request still generates")
		cancel1()
		waitFor(t, "the slot to be freed", func() bool { return m.InFlight() == 0 })
	})

	t.Run("not streaming", func(t *testing.T) {
		s := sim.Start(t, sim.ServerConfig{Config: sim.Config{FirstTokenLatency: time.Hour}})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "POST", s.URL+"/v1/chat/completions", strings.NewReader(`{"messages":[{"role":"user","content":"x"}]}`))
			res, err := c.Do(req)
			if err == nil {
				res.Body.Close()
			}
			done <- err
		}()
		waitFor(t, "the request to be admitted", func() bool { return s.Model().InFlight() == 1 })
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
		waitFor(t, "the slot to be freed", func() bool { return s.Model().InFlight() == 0 })
	})
}

// serverGoroutines returns the stacks of the goroutines that belong to a
// sim server: connection and Serve goroutines of net/http, and anything
// running the package's own code.
func serverGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "net/http.(*conn).serve") ||
			strings.Contains(g, "net/http.(*Server).Serve") ||
			strings.Contains(g, "llmtest/endpoints/sim.") {
			found = append(found, g)
		}
	}
	return found
}

func TestServerClose(t *testing.T) {
	s, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Capacity: 1, InterTokenLatency: time.Hour}})
	require.NoError(t, err)
	m := s.Model()
	c := client(t)
	assert.NotEmpty(t, serverGoroutines(), "the server runs goroutines the check can see")

	// One stream generating, one request queued behind it, one idle
	// keep-alive connection.
	res, out := do(t, c, "GET", s.URL+"/v1/models", "")
	require.Equal(t, 200, res.StatusCode, out)
	streaming := send(t, t.Context(), c, "POST", s.URL+"/v1/chat/completions", slowStream)
	firstEvent(t, streaming.Body)
	queued := make(chan error, 1)
	go func() {
		res, err := c.Post(s.URL+"/v1/messages", "application/json", strings.NewReader(`{"messages":[{"role":"user","content":"x"}],"max_tokens":5}`))
		if err == nil {
			res.Body.Close()
		}
		queued <- err
	}()
	waitFor(t, "the second request to queue", func() bool { return m.Queued() == 1 })

	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return")
	}
	_, err = io.ReadAll(streaming.Body)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the stream is cut")
	assert.Error(t, <-queued, "the queued request fails")
	assert.Equal(t, 0, m.InFlight())
	assert.Equal(t, 0, m.Queued())

	// No goroutine of the server is left. A connection goroutine reports
	// its end just before it returns, so allow it that instant.
	var left []string
	for range 100 {
		if left = serverGoroutines(); len(left) == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	assert.Empty(t, left, "goroutines outlived Close")

	_, err = c.Get(s.URL + "/v1/models")
	assert.Error(t, err, "nothing listens any more")
	s.Close() // twice is fine
}

// TestStart checks that Start's server serves, and is closed by the
// cleanup of the test that started it.
func TestStart(t *testing.T) {
	var url string
	t.Run("serving", func(t *testing.T) {
		s := sim.Start(t, sim.ServerConfig{})
		url = s.URL
		res, out := do(t, client(t), "GET", s.URL+"/v1/models", "")
		assert.Equal(t, 200, res.StatusCode, out)
	})
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, err := c.Get(url + "/v1/models")
	assert.Error(t, err, "the subtest's cleanup closed the server")
}

// fatalTB is a testing.TB whose Fatalf records its message and returns.
type fatalTB struct {
	testing.TB
	fatal string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }

func TestStartInvalidConfig(t *testing.T) {
	f := &fatalTB{TB: t}
	assert.Nil(t, sim.Start(f, sim.ServerConfig{Config: sim.Config{Jitter: 2}}))
	assert.Contains(t, f.fatal, "sim: Config.Jitter: must be in [0, 1), got 2")
}

// TestServerAbortIsSilent mounts the handler in a server whose error log
// the test reads: cutting a stream must not log a panic or a stack trace.
func TestServerAbortIsSilent(t *testing.T) {
	m, err := sim.NewModel(sim.Config{MidStreamFailureRate: 1})
	require.NoError(t, err)
	logged := &logBuffer{ch: make(chan string, 16)}
	ts := httptest.NewUnstartedServer(sim.NewHandler(m, sim.ServerConfig{}))
	ts.Config.ErrorLog = log.New(logged, "", 0)
	ts.Start()
	defer ts.Close()

	for range 3 {
		res := send(t, t.Context(), client(t), "POST", ts.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"max_tokens":9,"stream":true}`)
		_, err := io.ReadAll(res.Body)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	}
	ts.Close()
	select {
	case line := <-logged.ch:
		t.Errorf("the server logged: %s", line)
	default:
	}

	// The check can fail: another panic is logged.
	ts2 := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	ts2.Config.ErrorLog = log.New(logged, "", 0)
	ts2.Start()
	defer ts2.Close()
	if res, err := http.Get(ts2.URL); err == nil {
		res.Body.Close()
	}
	ts2.Close()
	select {
	case line := <-logged.ch:
		assert.Contains(t, line, "panic serving")
	default:
		t.Error("a real panic was not logged: the check above proves nothing")
	}
}

// logBuffer is an io.Writer for the server's error log, safe for its
// goroutines.
type logBuffer struct {
	ch chan string
}

func (l *logBuffer) Write(p []byte) (int, error) {
	select {
	case l.ch <- string(p):
	default:
	}
	return len(p), nil
}
