package wholebody

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sdkBody is a request body as the SDK hands it to the HTTP client: an
// in-memory reader, hidden behind a wrapper that net/http cannot tell is
// in memory, whose WriteTo reports io.EOF once closed (smithy-go's
// safeReadCloser). Its WriteTo, which net/http calls for its final read
// after ContentLength bytes, waits until the body is closed, as a write
// loop delayed under load reaches it only after the SDK closed the body;
// the wait is bounded so that the test cannot hang.
type sdkBody struct {
	r      *bytes.Reader
	once   sync.Once
	closed chan struct{}
}

func newSDKBody(s string) *sdkBody {
	return &sdkBody{r: bytes.NewReader([]byte(s)), closed: make(chan struct{})}
}

func (b *sdkBody) Read(p []byte) (int, error) {
	select {
	case <-b.closed:
		return 0, io.EOF
	default:
		return b.r.Read(p)
	}
}

func (b *sdkBody) WriteTo(w io.Writer) (int64, error) {
	select {
	case <-b.closed:
	case <-time.After(10 * time.Second):
	}
	return 0, io.EOF
}

func (b *sdkBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// streamingServer reads the whole request body, answers at once with the
// first part of a response, and sends the rest once release is closed.
func streamingServer(t *testing.T, release <-chan struct{}) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			return
		}
		_, _ = io.WriteString(w, "first part;")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		case <-time.After(10 * time.Second):
		}
		_, _ = io.WriteString(w, "second part")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// call sends a request as the SDK does: it closes the body as soon as Do
// returns, then reads the streamed response. It returns the response
// body, the error reading it, and the write error net/http reported for
// the request.
func call(t *testing.T, c aws.HTTPClient, url string) (body string, readErr, writeErr error) {
	t.Helper()
	release := make(chan struct{})
	srv := streamingServer(t, release)
	if url == "" {
		url = srv.URL
	}
	wrote := make(chan error, 1)
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) { wrote <- i.Err },
	})
	const payload = `{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, newSDKBody(payload))
	require.NoError(t, err)
	req.ContentLength = int64(len(payload))
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	req.Body.Close() // what smithy-go does once Do returns
	select {
	case writeErr = <-wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("the request was never written")
	}
	close(release)
	b, readErr := io.ReadAll(resp.Body)
	return string(b), readErr, writeErr
}

// TestClientKeepsTheConnection sends a request whose server answers
// before net/http's final read of the body, and checks that closing the
// body then, as the SDK does, neither fails the write nor cuts the
// response. Without Client (see TestTheRaceWithoutClient) the write fails
// with io.EOF and the transport closes the connection under the response.
func TestClientKeepsTheConnection(t *testing.T) {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	body, readErr, writeErr := call(t, Client(&http.Client{Transport: tr}), "")
	assert.NoError(t, writeErr)
	require.NoError(t, readErr)
	assert.Equal(t, "first part;second part", body)
}

// TestTheRaceWithoutClient shows the race Client removes, deterministically:
// the bare client's write loop meets the closed body, fails and closes the
// connection, and the response then ends with "use of closed network
// connection" (not asserted: the close races the second part's arrival).
// Should net/http or smithy-go change so that this test fails, Client may
// no longer be needed.
func TestTheRaceWithoutClient(t *testing.T) {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	_, _, writeErr := call(t, &http.Client{Transport: tr}, "")
	assert.ErrorIs(t, writeErr, io.EOF, "net/http's final read met the body the SDK had closed")
}

// failingBody fails its first read.
type failingBody struct{ closed bool }

func (b *failingBody) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
func (b *failingBody) Close() error             { b.closed = true; return nil }

func TestClient(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+string(b))
	}))
	t.Cleanup(srv.Close)
	c := Client(srv.Client())

	// The body goes out whole, and the caller's body is closed.
	body := &sdkBody{r: bytes.NewReader([]byte(`{"a":1}`)), closed: make(chan struct{})}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, body)
	require.NoError(t, err)
	req.ContentLength = 7
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	select {
	case <-body.closed:
	default:
		t.Error("the caller's body is not closed")
	}

	// A request without a body goes through as it is.
	req, err = http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, http.NoBody)
	require.NoError(t, err)
	resp, err = c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{`POST {"a":1}`, "GET "}, got)

	// A body that cannot be read fails the request before it is sent.
	fb := &failingBody{}
	req, err = http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, fb)
	require.NoError(t, err)
	req.ContentLength = 10
	_, err = c.Do(req)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "reading the request body: "), err.Error())
	assert.True(t, fb.closed)
	assert.Len(t, got, 2, "nothing was sent")

	// A body of unknown length (a stream) goes through as it is, unread.
	req, err = http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, io.NopCloser(strings.NewReader("streamed")))
	require.NoError(t, err)
	req.ContentLength = -1
	resp, err = c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, `POST streamed`, got[2])
}
