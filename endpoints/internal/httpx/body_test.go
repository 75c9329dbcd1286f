package httpx

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadBody(t *testing.T) {
	buf := make([]byte, 0, 4)
	got, err := ReadBody(buf[:0], strings.NewReader("hello world"), 11)
	require.NoError(t, err)
	assert.Equal(t, "hello world", string(got))

	got, err = ReadBody(got[:0], strings.NewReader("hello world!"), 11)
	assert.EqualError(t, err, "response body larger than 11 bytes")
	assert.Equal(t, "hello world!", string(got))

	r := strings.NewReader("")
	allocs := testing.AllocsPerRun(10, func() {
		r.Reset("hello world")
		got, err = ReadBody(got[:0], r, 11)
	})
	assert.Zero(t, allocs, "a grown buffer is reused")
}

func TestContentType(t *testing.T) {
	assert.True(t, IsJSON("application/json; charset=utf-8"))
	assert.True(t, IsJSON("application/problem+json"))
	assert.False(t, IsJSON("text/event-stream"))
	assert.False(t, IsJSON(""))

	assert.Equal(t, ` (the response's Content-Type is "text/html")`, ContentTypeHint("text/html", 0))
	assert.Equal(t, "", ContentTypeHint("text/html", 1), "events arrived: it is a stream")
	assert.Equal(t, "", ContentTypeHint("text/event-stream; charset=utf-8", 0))
}
