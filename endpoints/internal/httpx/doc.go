// Package httpx holds the HTTP plumbing that the providers speaking HTTP
// share: reading the delay an error response asks for, and (as providers
// move onto it) the transport, status errors and body reading.
package httpx
