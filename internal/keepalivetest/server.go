// Package keepalivetest provides an HTTP/1.1 server on 127.0.0.1 that closes
// kept-alive connections under its clients, as some LLM servers do, for
// testing how the providers resend.
package keepalivetest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Closing says when a Server closes a connection.
type Closing int

const (
	// AfterResponse closes each connection as soon as a response is
	// written, although the response announced Keep-Alive, as llama.cpp's
	// llama-server does after every streamed response. Whether the
	// client's next request meets the closed connection is a race.
	AfterResponse Closing = iota

	// OnNextRequest keeps each connection open after a response until the
	// next request on it begins to arrive, then closes it unanswered: the
	// race AfterResponse starts, always lost, so that every request sent
	// on a reused connection fails before the first byte of a response.
	OnNextRequest

	// Fresh closes each new connection, unanswered, as soon as its first
	// request begins to arrive: a failure on a fresh connection.
	Fresh

	// CutNextResponse answers the first request of a connection, then
	// writes the start of a status line for the next one and closes the
	// connection: a failure after the first byte of a response.
	CutNextResponse
)

// connTimeout bounds how long a connection waits for a request.
const connTimeout = 10 * time.Second

// Server answers every request it answers with one response, announcing
// Keep-Alive, and closes connections as its Closing says. It stops when the
// test ends, and no goroutine of it outlives the test.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:<port>".
	URL string

	closing     Closing
	contentType string
	body        string

	ln net.Listener
	wg sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	conns    map[net.Conn]struct{}
	answered int
	dropped  []time.Time // when each unanswered request's connection was closed
}

// NewServer starts a Server that answers every request with status 200,
// contentType and body (sent chunked), closing connections as closing
// says, and stops it when t ends.
func NewServer(t testing.TB, closing Closing, contentType, body string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("keepalivetest: listen: %v", err)
	}
	s := &Server{
		URL:         "http://" + ln.Addr().String(),
		closing:     closing,
		contentType: contentType,
		body:        body,
		ln:          ln,
		conns:       map[net.Conn]struct{}{},
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

// Answered returns the number of requests the server has answered.
func (s *Server) Answered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answered
}

// Dropped returns when the server closed a connection on a request it
// did not answer, in order.
func (s *Server) Dropped() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.dropped...)
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // the listener is closed
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.handle(c)
	}
}

// handle serves one connection.
func (s *Server) handle(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		_ = c.Close()
	}()
	br := bufio.NewReader(c)
	for n := 0; ; n++ {
		_ = c.SetDeadline(time.Now().Add(connTimeout))
		if _, err := br.Peek(1); err != nil {
			return // the client closed the connection, or went quiet
		}
		if s.closing == Fresh && n == 0 || s.closing == OnNextRequest && n > 0 {
			s.drop()
			return
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		if s.closing == CutNextResponse && n > 0 {
			_, _ = io.WriteString(c, "HTTP/1.1 2")
			s.drop()
			return
		}
		if err := s.respond(c); err != nil {
			return
		}
		if s.closing == AfterResponse || req.Close {
			return
		}
	}
}

// respond writes the response.
func (s *Server) respond(c net.Conn) error {
	w := bufio.NewWriter(c)
	fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5, max=100\r\n"+
		"Transfer-Encoding: chunked\r\n\r\n", s.contentType)
	if len(s.body) > 0 {
		fmt.Fprintf(w, "%x\r\n%s\r\n", len(s.body), s.body)
	}
	_, _ = io.WriteString(w, "0\r\n\r\n")
	s.mu.Lock()
	s.answered++ // before the client can see the response
	s.mu.Unlock()
	return w.Flush()
}

// drop records the close of a connection on an unanswered request; the
// caller closes it.
func (s *Server) drop() {
	s.mu.Lock()
	s.dropped = append(s.dropped, time.Now())
	s.mu.Unlock()
}

// close stops the server: it closes the listener and every connection,
// and waits for their goroutines.
func (s *Server) close() {
	_ = s.ln.Close()
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
