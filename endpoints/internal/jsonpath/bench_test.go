package jsonpath

import "testing"

var (
	streamChunk = []byte(`{"id":"chatcmpl-9f8e7d6c5b4a","object":"chat.completion.chunk","created":1718000000,"model":"meta-llama/Llama-3.1-8B-Instruct","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}`)
	tgiChunk    = []byte(`{"index":12,"token":{"id":1820,"text":" the","logprob":-0.31,"special":false},"generated_text":null,"details":null}`)
)

// BenchmarkStreamChunk reads a chunk's text, usage and finish reason as
// the decoders do: with one Set.Read, which checks the whole chunk.
func BenchmarkStreamChunk(b *testing.B) {
	st := NewSet(MustParse("choices[0].delta.content"), MustParse("usage.prompt_tokens"), MustParse("choices[0].finish_reason"))
	v := st.NewValues()
	buf := make([]byte, 0, 64)
	b.SetBytes(int64(len(streamChunk)))
	b.ReportAllocs()
	for b.Loop() {
		if err := st.Read(streamChunk, v); err != nil {
			b.Fatal(err)
		}
		if _, _, err := v.Text(0, buf); err != nil {
			b.Fatal(err)
		}
		if _, _, err := v.Int(1); err != nil {
			b.Fatal(err)
		}
		_ = v.Present(2)
	}
}

// BenchmarkStreamChunkPaths reads the same three values with a lookup
// each, every one checking the whole chunk.
func BenchmarkStreamChunkPaths(b *testing.B) {
	text := MustParse("choices[0].delta.content")
	usage := MustParse("usage.prompt_tokens")
	end := MustParse("choices[0].finish_reason")
	buf := make([]byte, 0, 64)
	b.SetBytes(int64(len(streamChunk)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := text.Text(streamChunk, buf); err != nil {
			b.Fatal(err)
		}
		if _, _, err := usage.Int(streamChunk); err != nil {
			b.Fatal(err)
		}
		if _, err := end.Present(streamChunk); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTGIChunk reads one path, the text, from a TGI stream line.
func BenchmarkTGIChunk(b *testing.B) {
	text := MustParse("token.text")
	buf := make([]byte, 0, 64)
	b.SetBytes(int64(len(tgiChunk)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := text.Text(tgiChunk, buf); err != nil {
			b.Fatal(err)
		}
	}
}
