package sagemaker

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/endpointstest"
)

func TestDecoderReportsACompleteLineBeforeItsLineEnd(t *testing.T) {
	e := offline(t, Config{})
	for _, c := range []struct {
		style Style
		line  string
	}{
		{TGI, `data:{"token":{"text":"Hi","special":false},"generated_text":null}`},
		{TGI, `{"token":{"text":"Hi"},"generated_text":null}`},
		{OpenAI, `data: {"choices":[{"delta":{"content":"Hi"}}]}`},
	} {
		ps := e.tgi
		if c.style == OpenAI {
			ps = e.openai
		}
		var rec endpointstest.Recorder
		d := newDecoder(ps, c.style == TGI, &rec)
		// The JSON arrives whole, split in two parts; the line end comes
		// in a later part, as a container that flushes them apart sends.
		half := len(c.line) / 2
		require.NoError(t, d.part([]byte(c.line[:half])))
		assert.Empty(t, rec.Chunks, "%s: half a line is not decoded", c.line)
		require.NoError(t, d.part([]byte(c.line[half:])))
		assert.Equal(t, []string{"Hi"}, rec.Chunks, "%s: decoded when its JSON closed", c.line)
		require.NoError(t, d.part([]byte("\n\n")))
		require.NoError(t, d.finish())
		assert.Equal(t, []string{"Hi"}, rec.Chunks, "%s: the line end does not decode it again", c.line)
	}

	// Braces inside strings do not close the value early.
	var rec endpointstest.Recorder
	d := newDecoder(e.tgi, true, &rec)
	require.NoError(t, d.part([]byte(`data:{"token":{"text":"a}"}`)))
	assert.Empty(t, rec.Chunks)
	require.NoError(t, d.part([]byte(`,"generated_text":"x\"}]"}`)))
	assert.Equal(t, []string{"a}"}, rec.Chunks)
}

func TestDecoderRejectsLinesThatAreNotJSON(t *testing.T) {
	e := offline(t, Config{})
	var rec endpointstest.Recorder
	d := newDecoder(e.tgi, true, &rec)
	require.NoError(t, d.part([]byte("event: token\nid: 7\nretry: 10\n: a comment\n\n")), "SSE fields and comments are skipped")
	err := d.part([]byte("Hello world\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid JSON")
	assert.NotContains(t, err.Error(), "Hello", "the server's text is not quoted")
}

func TestDecoderBoundsALine(t *testing.T) {
	e := offline(t, Config{})
	var rec endpointstest.Recorder
	d := newDecoder(e.tgi, true, &rec)
	chunk := []byte(strings.Repeat("x", 1<<20))
	var err error
	for i := 0; i <= MaxLine>>20 && err == nil; i++ {
		err = d.part(chunk)
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a line longer than")
	assert.LessOrEqual(t, len(d.line), MaxLine)
}
