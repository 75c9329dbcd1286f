// Package wholebody keeps the AWS SDK for Go v2 from breaking a connection
// under the response it is reading.
//
// # The race
//
// The SDK (smithy-go) wraps a request body in a reader that reports io.EOF
// from WriteTo once it is closed, and closes it as soon as the HTTP
// client's Do returns, that is, as soon as the response headers have
// arrived. net/http's write loop, after writing ContentLength bytes, makes
// one more read of the body to check that nothing follows. When the server
// answers before that read (a fast server does: it has the whole body, and
// a streaming response starts at once), the read meets the closed body,
// the write loop takes its io.EOF for a failed write and closes the
// connection, and the response body, an event stream still being read,
// ends with "use of closed network connection". Under CPU load, which
// delays the write loop, this happens a few times in a thousand requests
// (aws/aws-sdk-go-v2 issues 1825 and 2737 describe it).
//
// [Client] removes the race: it reads the body into memory before the
// request is sent, and net/http's final read of an in-memory body cannot
// fail. The request bodies of the Bedrock and SageMaker runtime APIs are
// JSON documents, read once into a buffer of their length.
package wholebody

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Client wraps c so that every request whose body has a known length goes
// out with its body read into memory first (see the package
// documentation). A request without a body, or with a body of unknown
// length (a stream, sent chunked, which net/http does not read past its
// end), goes through as it is. An error reading the body fails the request
// without sending it.
func Client(c aws.HTTPClient) aws.HTTPClient { return client{c} }

type client struct{ c aws.HTTPClient }

// Do reads r's body, closes it, and sends a shallow copy of r whose body
// is the bytes read.
func (w client) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 {
		return w.c.Do(r)
	}
	b := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, b)
	r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	r2 := r.WithContext(r.Context()) // a shallow copy
	r2.Body = io.NopCloser(bytes.NewReader(b))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r2.ContentLength = int64(len(b))
	return w.c.Do(r2)
}
