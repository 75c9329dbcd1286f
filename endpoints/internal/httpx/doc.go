// Package httpx is the toolkit of the providers that speak HTTP (openai and
// anthropic): the transport they send with ([NewTransport]), a [Client]
// that posts a request, resends it once when a kept-alive connection died
// under it, and turns an error status or a transport failure into the
// request's error with every secret taken out; the message of an error
// body ([ErrorMessage]) and the delay it asks for ([RetryAfter]); header
// checks ([ValidHeaderName], [ValidHeaderValue], [SecretHeader]); and body
// reading ([ReadBody], [Drain]).
package httpx
