package llmtest

import (
	"strconv"
	"time"
)

// ConnPhases are the client-side phases of a request's HTTP exchange, as
// net/http/httptrace saw them (endpoints.ConnTrace), for the endpoints that
// send over net/http (openai, anthropic, bedrock, sagemaker, and the
// simulator over HTTP; an HTTPClient whose transport is not an
// *http.Transport is not traced). They split a slow time to first token
// into the network's share — waiting for a connection, dialing, writing
// the request — and the server's: from the request written to its first
// byte, and from the first byte to the first token.
//
// Milestones are durations since the send time t0; phases are durations.
// A zero duration is absent (null in responses.jsonl): a phase that did
// not happen (no DNS, connect or TLS on a reused connection, no TLS over
// plain HTTP) or a milestone the request did not reach.
type ConnPhases struct {
	// Traced reports that the endpoint traced the request; every other
	// field is zero otherwise.
	Traced bool
	// Reused reports that the request went on a kept-alive connection.
	Reused bool
	// DNS, Connect and TLS are the DNS lookup, TCP connect and TLS
	// handshake of a new connection.
	DNS, Connect, TLS time.Duration
	// GotConn is when the request had its connection, new or reused.
	GotConn time.Duration
	// WroteRequest is when the request was written, headers and body.
	WroteRequest time.Duration
	// FirstByte is when the response's first byte (its status line)
	// arrived: the time to first byte. It is at most the time to first
	// token, which also waits for the first token's event.
	FirstByte time.Duration
}

// appendJSON appends the phases' members of a responses.jsonl line,
// nothing when the request was not traced.
func (c *ConnPhases) appendJSON(b []byte) []byte {
	if !c.Traced {
		return b
	}
	b = append(b, `,"conn_reused":`...)
	b = strconv.AppendBool(b, c.Reused)
	b = appendSeconds(b, `,"dns_time":`, c.DNS)
	b = appendSeconds(b, `,"connect_time":`, c.Connect)
	b = appendSeconds(b, `,"tls_time":`, c.TLS)
	b = appendSeconds(b, `,"time_to_conn":`, c.GotConn)
	b = appendSeconds(b, `,"time_to_request_written":`, c.WroteRequest)
	return appendSeconds(b, `,"time_to_first_byte":`, c.FirstByte)
}

// connPhasesJSON are the phases' members of a responses.jsonl line.
type connPhasesJSON struct {
	Reused       *bool    `json:"conn_reused"`
	DNS          *float64 `json:"dns_time"`
	Connect      *float64 `json:"connect_time"`
	TLS          *float64 `json:"tls_time"`
	GotConn      *float64 `json:"time_to_conn"`
	WroteRequest *float64 `json:"time_to_request_written"`
	FirstByte    *float64 `json:"time_to_first_byte"`
}
