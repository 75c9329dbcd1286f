package jsonpath

import "testing"

func BenchmarkStreamChunk(b *testing.B) {
	chunk := []byte(`{"id":"chatcmpl-9f8e7d6c5b4a","object":"chat.completion.chunk","created":1718000000,"model":"meta-llama/Llama-3.1-8B-Instruct","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}`)
	text := MustParse("choices[0].delta.content")
	usage := MustParse("usage.prompt_tokens")
	end := MustParse("choices[0].finish_reason")
	buf := make([]byte, 0, 64)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := text.Text(chunk, buf); err != nil {
			b.Fatal(err)
		}
		if _, _, err := usage.Int(chunk); err != nil {
			b.Fatal(err)
		}
		if _, err := end.Present(chunk); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTGIChunk(b *testing.B) {
	chunk := []byte(`{"index":12,"token":{"id":1820,"text":" the","logprob":-0.31,"special":false},"generated_text":null,"details":null}`)
	text := MustParse("token.text")
	buf := make([]byte, 0, 64)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := text.Text(chunk, buf); err != nil {
			b.Fatal(err)
		}
	}
}
