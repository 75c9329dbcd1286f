package endpoints

import "time"

// ConnTrace is what net/http/httptrace saw of one request's HTTP exchange,
// on the client: when each phase began and ended, by the monotonic clock.
// A zero time means the phase did not happen (a reused connection has no
// DNS lookup, connect or TLS handshake; a plain-HTTP one no handshake) or
// was not seen (the request failed before it).
type ConnTrace struct {
	// Reused reports that the request was sent on a connection that had
	// served an earlier request (kept alive).
	Reused bool
	// GotConn is when the request had its connection, new or reused.
	GotConn time.Time
	// DNSStart and DNSDone bound the DNS lookup of a new connection, when
	// its host was a name; ConnectStart and ConnectDone its TCP connect;
	// TLSStart and TLSDone its TLS handshake. They are those of the dial
	// the request started, reported only when the request had a new
	// connection and the phase ended before it did.
	DNSStart, DNSDone         time.Time
	ConnectStart, ConnectDone time.Time
	TLSStart, TLSDone         time.Time
	// WroteRequest is when the request, headers and body, was written.
	WroteRequest time.Time
	// FirstByte is when the first byte of the response (its status line)
	// arrived.
	FirstByte time.Time
}

// ConnTracer is implemented by a Recorder that keeps the client-side
// phases of a request (the engine's does). An endpoint that sends its
// requests over net/http reports each request's ConnTrace once, from the
// Invoke goroutine, when the response's headers have arrived or the
// request failed; after a Resend, once more for the attempt sent again.
// An endpoint that cannot trace its requests never calls it.
type ConnTracer interface {
	ConnTrace(t ConnTrace)
}
