package sagemaker

import (
	"fmt"
	"strings"
	"testing"

	"github.com/llmtest/llmtest/endpoints"
)

// countRecorder is an endpoints.Recorder that only counts, allocating
// nothing, so that benchmarks measure the decoder alone.
type countRecorder struct{ text, bytes, usage int }

func (r *countRecorder) Text(d string)         { r.text++; r.bytes += len(d) }
func (r *countRecorder) TextBytes(d []byte)    { r.text++; r.bytes += len(d) }
func (r *countRecorder) Reasoning(string)      {}
func (r *countRecorder) Complete(string)       {}
func (r *countRecorder) Usage(endpoints.Usage) { r.usage++ }
func (r *countRecorder) ID(string)             {}
func (r *countRecorder) Retries(int)           {}
func (r *countRecorder) Resend()               {}

// benchParts returns a realistic stream of n tokens in the given style,
// split into PayloadParts of size bytes (0: one part per line, as a
// container flushing every line sends it).
func benchParts(style Style, n, size int) [][]byte {
	var lines []string
	for i := range n {
		if style == TGI {
			lines = append(lines, fmt.Sprintf(`data:{"token":{"id":%d,"text":" tok%d","logprob":-0.52,"special":false},"generated_text":null,"details":null}`+"\n\n", 1000+i, i%100))
		} else {
			lines = append(lines, fmt.Sprintf(`data: {"id":"chatcmpl-8f2a1c9e","object":"chat.completion.chunk","created":1718000000,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"delta":{"content":" tok%d"},"logprobs":null,"finish_reason":null}],"usage":null}`+"\n\n", i%100))
		}
	}
	if style == TGI {
		lines = append(lines, fmt.Sprintf(`data:{"token":{"id":2,"text":"</s>","logprob":-0.01,"special":true},"generated_text":"...","details":{"finish_reason":"length","generated_tokens":%d,"seed":null,"input_length":32}}`+"\n\n", n))
	} else {
		lines = append(lines, fmt.Sprintf(`data: {"id":"chatcmpl-8f2a1c9e","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":32,"completion_tokens":%d}}`+"\n\n", n), "data: [DONE]\n\n")
	}
	if size == 0 {
		out := make([][]byte, len(lines))
		for i, l := range lines {
			out[i] = []byte(l)
		}
		return out
	}
	body := strings.Join(lines, "")
	var out [][]byte
	for len(body) > 0 {
		k := min(size, len(body))
		out = append(out, []byte(body[:k]))
		body = body[k:]
	}
	return out
}

// BenchmarkDecode decodes a 256-token stream per op, in parts/op
// PayloadParts: one per line, or 37-byte parts that split lines. Once the
// decoder's line buffer has grown, allocs/op is zero: no part allocates.
func BenchmarkDecode(b *testing.B) {
	e := offline(b, Config{})
	for _, style := range []Style{TGI, OpenAI} {
		for _, size := range []int{0, 37} {
			name := fmt.Sprintf("%s/line-per-part", style)
			if size != 0 {
				name = fmt.Sprintf("%s/parts-of-%d", style, size)
			}
			b.Run(name, func(b *testing.B) {
				ps := e.tgi
				if style == OpenAI {
					ps = e.openai
				}
				parts := benchParts(style, 256, size)
				var bytes int64
				for _, p := range parts {
					bytes += int64(len(p))
				}
				var rec countRecorder
				d := newDecoder(ps, style == TGI, &rec)
				b.SetBytes(bytes)
				b.ReportAllocs()
				for b.Loop() {
					rec = countRecorder{}
					d.ended, d.lines = false, 0
					for _, p := range parts {
						if err := d.part(p); err != nil {
							b.Fatal(err)
						}
					}
					if err := d.finish(); err != nil || !d.ended || rec.text != 256 || rec.usage != 1 {
						b.Fatalf("err %v, ended %v, %d texts, %d usage", err, d.ended, rec.text, rec.usage)
					}
				}
				b.ReportMetric(float64(len(parts)), "parts/op")
			})
		}
	}
}

// TestDecodeAllocs checks that decoding a part allocates nothing once the
// line buffer has grown.
func TestDecodeAllocs(t *testing.T) {
	e := offline(t, Config{})
	for _, style := range []Style{TGI, OpenAI} {
		ps := e.tgi
		if style == OpenAI {
			ps = e.openai
		}
		parts := benchParts(style, 64, 37)
		var rec countRecorder
		d := newDecoder(ps, style == TGI, &rec)
		for _, p := range parts { // grows the line buffer
			if err := d.part(p); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(20, func() {
			for _, p := range parts {
				if err := d.part(p); err != nil {
					t.Fatal(err)
				}
			}
		})
		if allocs != 0 {
			t.Errorf("%s: decoding %d parts allocates %v times, want 0", style, len(parts), allocs)
		}
	}
}
