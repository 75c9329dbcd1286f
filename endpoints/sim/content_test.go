package sim_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/sim"
)

// A media part for every wire format: image, audio and file parts as the
// APIs send them, by URL, inline data or file id.
const (
	chatImageURL  = `{"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"low"}}`
	chatImageData = `{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}`
	chatAudio     = `{"type":"input_audio","input_audio":{"data":"UklGRiQAAABXQVZF","format":"wav"}}`
	chatFile      = `{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0x"}}`
	chatFileID    = `{"type":"file","file":{"file_id":"file-abc"}}`

	respImageURL = `{"type":"input_image","image_url":"https://example.com/cat.png","detail":"auto"}`
	respImageID  = `{"type":"input_image","file_id":"file-abc"}`
	respFileData = `{"type":"input_file","filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0x"}`
	respFileURL  = `{"type":"input_file","file_url":"https://example.com/a.pdf"}`

	anthImageData = `{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}`
	anthImageURL  = `{"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}}`
	anthDocData   = `{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"}}`
	anthDocURL    = `{"type":"document","source":{"type":"url","url":"https://example.com/a.pdf"},"title":"A"}`
	anthDocText   = `{"type":"document","source":{"type":"text","media_type":"text/plain","data":"three plain words"}}`
)

// TestPrepareMedia checks the in-process endpoint's count: the words of the
// text parts plus MediaTokens per image, audio or file part.
func TestPrepareMedia(t *testing.T) {
	ep := newEndpoint(t, sim.Config{MaxOutputTokens: 2})
	req, err := ep.Prepare(decode(t, `{"messages":[
		{"role":"system","content":"be brief"},
		{"role":"user","content":[{"type":"text","text":"what is in"},`+chatImageURL+`,`+chatImageData+`,{"type":"text","text":"these"}]},
		{"role":"user","content":[`+chatAudio+`,`+chatFile+`,`+chatFileID+`]}]}`))
	require.NoError(t, err)
	assert.Equal(t, "be brief\nwhat is in\nthese\n", req.Prompt, "the prompt holds the text, not the media")
	var rec endpointstest.Recorder
	require.NoError(t, ep.Invoke(t.Context(), req, &rec))
	assert.Equal(t, 6+5*sim.MediaTokens, rec.LastUsage.InputTokens)
}

// TestServerMedia sends media parts on every route that takes them and
// checks the input tokens the usage reports.
func TestServerMedia(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{MaxOutputTokens: 2}})
	c := client(t)
	tests := []struct {
		name, route, body string
		usage             []any // the path of the input token count in the response
		want              int
	}{
		{"chat", "/v1/chat/completions",
			`{"messages":[{"role":"user","content":[{"type":"text","text":"describe"},` + chatImageURL + `,` + chatImageData + `,` + chatAudio + `,` + chatFile + `,` + chatFileID + `]}]}`,
			[]any{"usage", "prompt_tokens"}, 1 + 5*sim.MediaTokens},
		{"responses", "/v1/responses",
			`{"instructions":"be brief","input":[{"role":"user","content":[{"type":"input_text","text":"compare"},` + respImageURL + `,` + respImageID + `,` + respFileData + `,` + respFileURL + `]}]}`,
			[]any{"usage", "input_tokens"}, 3 + 4*sim.MediaTokens},
		{"messages", "/v1/messages",
			`{"max_tokens":4,"system":"be brief","messages":[{"role":"user","content":[` + anthImageData + `,` + anthImageURL + `,` + anthDocData + `,` + anthDocURL + `,` + anthDocText + `,{"type":"text","text":"summarize"}]}]}`,
			[]any{"usage", "input_tokens"}, 2 + 3 + 1 + 4*sim.MediaTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, out := do(t, c, "POST", s.URL+tt.route, tt.body)
			require.Equal(t, http.StatusOK, res.StatusCode, out)
			assert.EqualValues(t, tt.want, path(obj(t, out), tt.usage...), out)
		})
	}
}
