package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
)

// refChunk is what a chunk holds, as the tests compare it.
type refChunk struct {
	ID                           string
	HasID                        bool
	HasChoice                    bool
	Text, Reasoning, ReasonAlt   string
	Usage                        endpoints.Usage
	HasUsage                     bool
	HasError                     bool
	ErrMessage, ErrType, ErrCode string
	Object, Message, Type, Code  string
}

func fromDecoder(c *chunk) refChunk {
	return refChunk{
		ID: string(c.id), HasID: c.hasID,
		HasChoice: c.hasChoice, Text: string(c.text), Reasoning: string(c.reasoning), ReasonAlt: string(c.reasoningAlt),
		Usage: c.usage, HasUsage: c.hasUsage,
		HasError: c.hasError, ErrMessage: string(c.errMessage), ErrType: string(c.errType), ErrCode: string(c.errCode),
		Object: string(c.object), Message: string(c.message), Type: string(c.typ), Code: string(c.code),
	}
}

// refDecode is the specification of the decoder: encoding/json decodes the
// text into interface values (with UseNumber, so that no number is
// rejected for its size), and the fields are read from those.
func refDecode(data []byte, sh shape) (refChunk, error) {
	var r refChunk
	if !json.Valid(data) {
		return r, errors.New("invalid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return r, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return r, errors.New("not an object")
	}
	str := func(v any) string { s, _ := v.(string); return s }
	code := func(v any) string {
		switch v := v.(type) {
		case string:
			return v
		case json.Number:
			return string(v)
		}
		return ""
	}
	if id, ok := m["id"].(string); ok {
		r.ID, r.HasID = id, true
	}
	r.Object, r.Message, r.Type, r.Code = str(m["object"]), str(m["message"]), str(m["type"]), code(m["code"])
	if e := m["error"]; e != nil {
		r.HasError = true
		switch e := e.(type) {
		case string:
			r.ErrMessage = e
		case map[string]any:
			r.ErrMessage, r.ErrType, r.ErrCode = str(e["message"]), str(e["type"]), code(e["code"])
		}
	}

	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	text := func(v any, name string) string {
		switch v := v.(type) {
		case nil:
		case string:
			return v
		default:
			fail("%s: not a string", name)
		}
		return ""
	}
	tokens := func(v any, name string) int {
		switch v := v.(type) {
		case nil:
		case json.Number:
			n, ok := count([]byte(v))
			if !ok {
				fail("%s: not a count", name)
			}
			return n
		default:
			fail("%s: not a number", name)
		}
		return 0
	}

	switch choices := m["choices"].(type) {
	case nil:
	case []any:
		for _, el := range choices {
			em, ok := el.(map[string]any)
			if !ok {
				fail("choice: not an object")
				continue
			}
			index := tokens(em["index"], "index")
			var t, rc, ra string
			switch sh {
			case chatDelta, chatMessage:
				key := map[shape]string{chatDelta: "delta", chatMessage: "message"}[sh]
				switch dm := em[key].(type) {
				case nil:
				case map[string]any:
					t, rc, ra = text(dm["content"], "content"), text(dm["reasoning_content"], "rc"), text(dm["reasoning"], "r")
				default:
					fail("%s: not an object", key)
				}
			case textChoice:
				t = text(em["text"], "text")
			}
			if index == 0 && !r.HasChoice {
				r.HasChoice, r.Text, r.Reasoning, r.ReasonAlt = true, t, rc, ra
			}
		}
	default:
		fail("choices: not an array")
	}

	switch u := m["usage"].(type) {
	case nil:
	case map[string]any:
		r.HasUsage = true
		r.Usage.InputTokens = tokens(u["prompt_tokens"], "prompt_tokens")
		r.Usage.OutputTokens = tokens(u["completion_tokens"], "completion_tokens")
		details := func(v any, field string) int {
			switch v := v.(type) {
			case nil:
			case map[string]any:
				return tokens(v[field], field)
			default:
				fail("details: not an object")
			}
			return 0
		}
		r.Usage.CachedInputTokens = details(u["prompt_tokens_details"], "cached_tokens")
		r.Usage.ReasoningTokens = details(u["completion_tokens_details"], "reasoning_tokens")
	default:
		fail("usage: not an object")
	}
	return r, errors.Join(errs...)
}

// Realistic chunks and bodies, as OpenAI, vLLM, DeepSeek and others send them.
const (
	chunkRole      = `{"id":"chatcmpl-8f2a1c9e4b7d","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-mini","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`
	chunkContent   = `{"id":"chatcmpl-8f2a1c9e4b7d","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-mini","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}],"usage":null}`
	chunkReasoning = `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1718000000,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"role":null,"content":null,"reasoning_content":"Let me think"},"logprobs":null,"finish_reason":null}]}`
	chunkUsage     = `{"id":"chatcmpl-8f2a1c9e4b7d","object":"chat.completion.chunk","created":1718000000,"model":"gpt-4o-mini","system_fingerprint":"fp_0ba0d124f1","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":64,"total_tokens":83,"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":7,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`
	chunkText      = `{"id":"cmpl-7","object":"text_completion","created":1718000000,"model":"llama","choices":[{"index":0,"text":" once","logprobs":null,"finish_reason":null}],"usage":null}`
	chunkError     = `{"error":{"message":"The server is overloaded","type":"server_error","param":null,"code":503}}`
	vllmError      = `{"object":"error","message":"maximum context length is 4096","type":"BadRequestError","param":null,"code":400}`
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name  string
		shape shape
		in    string
		want  refChunk
	}{
		{"role only", chatDelta, chunkRole, refChunk{ID: "chatcmpl-8f2a1c9e4b7d", HasID: true, HasChoice: true, Object: "chat.completion.chunk"}},
		{"content", chatDelta, chunkContent, refChunk{ID: "chatcmpl-8f2a1c9e4b7d", HasID: true, HasChoice: true, Text: " token", Object: "chat.completion.chunk"}},
		{"reasoning_content", chatDelta, chunkReasoning, refChunk{ID: "chatcmpl-1", HasID: true, HasChoice: true, Reasoning: "Let me think", Object: "chat.completion.chunk"}},
		{"reasoning", chatDelta, `{"choices":[{"delta":{"reasoning":"hm"}}]}`, refChunk{HasChoice: true, ReasonAlt: "hm"}},
		{"usage", chatDelta, chunkUsage, refChunk{ID: "chatcmpl-8f2a1c9e4b7d", HasID: true, Object: "chat.completion.chunk", HasUsage: true,
			Usage: endpoints.Usage{InputTokens: 19, OutputTokens: 64, CachedInputTokens: 4, ReasoningTokens: 7}}},
		{"completions text", textChoice, chunkText, refChunk{ID: "cmpl-7", HasID: true, HasChoice: true, Text: " once", Object: "text_completion"}},
		{"whole chat response", chatMessage, `{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","reasoning_content":"greet"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}`,
			refChunk{ID: "x", HasID: true, HasChoice: true, Text: "Hello!", Reasoning: "greet", HasUsage: true, Usage: endpoints.Usage{InputTokens: 3, OutputTokens: 2}}},
		{"error object", chatDelta, chunkError, refChunk{HasError: true, ErrMessage: "The server is overloaded", ErrType: "server_error", ErrCode: "503"}},
		{"error string", chatDelta, `{"error":"boom"}`, refChunk{HasError: true, ErrMessage: "boom"}},
		{"vllm error", chatDelta, vllmError, refChunk{Object: "error", Message: "maximum context length is 4096", Type: "BadRequestError", Code: "400"}},
		{"escapes", chatDelta, `{"choices":[{"delta":{"content":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\u0000"}}]}`, refChunk{HasChoice: true, Text: "a\"b\\c/d\b\f\n\r\t\u00e9\U0001F600\x00"}},
		{"lone surrogates", chatDelta, `{"choices":[{"delta":{"content":"\ud83d|\ude00|\ud83d\u0041"}}]}`, refChunk{HasChoice: true, Text: "\uFFFD|\uFFFD|\uFFFDA"}},
		{"invalid UTF-8", chatDelta, "{\"choices\":[{\"delta\":{\"content\":\"a\xffb\xe2\x82\"}}]}", refChunk{HasChoice: true, Text: "a\uFFFDb\uFFFD\uFFFD"}},
		{"UTF-8", chatDelta, `{"choices":[{"delta":{"content":"日本語 ✓"}}]}`, refChunk{HasChoice: true, Text: "日本語 ✓"}},
		{"escaped key", chatDelta, `{"choices":[{"d\u0065lta":{"cont\u0065nt":"x"}}]}`, refChunk{HasChoice: true, Text: "x"}},
		{"last key wins", chatDelta, `{"id":"a","id":null,"choices":[{"delta":{"content":"a","content":"b"}}],"usage":{"prompt_tokens":1},"usage":null}`, refChunk{HasChoice: true, Text: "b"}},
		{"last choices wins", chatDelta, `{"choices":[{"delta":{"content":"a"}}],"choices":[{"delta":{"reasoning":"r"}}]}`, refChunk{HasChoice: true, ReasonAlt: "r"}},
		{"index 0 kept", chatDelta, `{"choices":[{"index":1,"delta":{"content":"one"}},{"delta":{"content":"zero"},"index":0},{"index":0,"delta":{"content":"again"}}]}`, refChunk{HasChoice: true, Text: "zero"}},
		{"other index only", chatDelta, `{"choices":[{"index":2,"delta":{"content":"two"}}]}`, refChunk{}},
		{"whole numbers", chatDelta, `{"usage":{"prompt_tokens":1.0,"completion_tokens":2e1,"prompt_tokens_details":null}}`, refChunk{HasUsage: true, Usage: endpoints.Usage{InputTokens: 1, OutputTokens: 20}}},
		{"white space", chatDelta, " \t\r\n{ \"choices\" : [ { \"delta\" : { \"content\" : \"x\" } } ] } \n", refChunk{HasChoice: true, Text: "x"}},
		{"non-string id ignored", chatDelta, `{"id":7}`, refChunk{}},
	}
	var d decoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := refDecode([]byte(tt.in), tt.shape)
			require.NoError(t, err, "reference")
			require.Equal(t, tt.want, want, "reference")
			d.shape = tt.shape
			require.NoError(t, d.decode([]byte(tt.in)))
			require.Equal(t, tt.want, fromDecoder(&d.c))
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", ``, "invalid JSON: unexpected end of input"},
		{"not an object", `[1]`, "want a JSON object, got an array"},
		{"truncated", `{"choices":[{"delta":{"content":"ab`, "invalid JSON: unexpected end of input, unterminated string"},
		{"trailing", `{} x`, "invalid JSON at offset 3: want the end of the text"},
		{"trailing comma", `{"a":1,}`, "want a string as object key"},
		{"control character", "{\"a\":\"\x01\"}", "control character in string"},
		{"bad escape", `{"a":"\x"}`, "invalid escape"},
		{"bad unicode escape", `{"a":"\u12g4"}`, "hexadecimal digit"},
		{"bad number", `{"a":01}`, "want ',' or '}'"},
		{"bad literal", `{"a":nul}`, "invalid literal"},
		{"content type", `{"choices":[{"delta":{"content":5}}]}`, "choices[0].delta.content: want a string, got a number"},
		{"choices type", `{"choices":{}}`, "choices: want an array, got an object"},
		{"choice type", `{"choices":[{"index":0},"x"]}`, "choices[1]: want an object, got a string"},
		{"index", `{"choices":[{"index":-1}]}`, "choices[0].index: want a non-negative whole number, got -1"},
		{"delta type", `{"choices":[{"delta":[]}]}`, "choices[0].delta: want an object, got an array"},
		{"usage type", `{"usage":true}`, "usage: want an object, got a boolean"},
		{"tokens", `{"usage":{"completion_tokens":1.5}}`, "usage.completion_tokens: want a non-negative whole number, got 1.5"},
		{"details", `{"usage":{"prompt_tokens_details":{"cached_tokens":"4"}}}`, "usage.prompt_tokens_details.cached_tokens: want a number, got a string"},
		{"too deep", strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth), "want a JSON object"},
		{"deeper than encoding/json", `{"a":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`, "maximum nesting depth"},
	}
	var d decoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, refErr := refDecode([]byte(tt.in), chatDelta)
			require.Error(t, refErr, "reference")
			err := d.decode([]byte(tt.in))
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
	// The deepest nesting encoding/json accepts is accepted too.
	in := `{"a":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `}`
	_, err := refDecode([]byte(in), chatDelta)
	require.NoError(t, err)
	require.NoError(t, d.decode([]byte(in)))
}

func TestCount(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "7": 7, "123456789012345678": 123456789012345678, "1234567890123456789": 1234567890123456789 / 1000 * 1000, "-0": 0, "3.0": 3, "1e3": 1000, "2E+1": 20} {
		got, ok := count([]byte(in))
		if in == "1234567890123456789" { // beyond float64 precision: as ParseFloat rounds it
			assert.True(t, ok, in)
			continue
		}
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"-1", "1.5", "1e400", "1e19", "-1e-9"} {
		_, ok := count([]byte(in))
		assert.False(t, ok, in)
	}
}

func TestDecodeAllocs(t *testing.T) {
	var d decoder
	for _, in := range []string{chunkRole, chunkContent, chunkReasoning, chunkUsage, chunkText} {
		d.shape = chatDelta
		if in == chunkText {
			d.shape = textChoice
		}
		data := []byte(in)
		require.NoError(t, d.decode(data))
		allocs := testing.AllocsPerRun(1000, func() {
			if err := d.decode(data); err != nil {
				t.Fatal(err)
			}
		})
		require.Zero(t, allocs, in)
	}
}

func FuzzDecodeChunk(f *testing.F) {
	for _, s := range []string{
		chunkRole, chunkContent, chunkReasoning, chunkUsage, chunkText, chunkError, vllmError,
		`{"choices":[{"delta":{"content":"\ud83d\ude00\u00e9\n"}}]}`, `{"id":"a","id":1,"choices":[],"choices":null}`,
		`{"choices":[{"index":1,"text":"a"},{"index":0,"text":"b","message":{"content":"c"}}]}`,
		`{"usage":{"prompt_tokens":1e2,"prompt_tokens_details":{"cached_tokens":-0}}}`, `[]`, `"x"`, `{"error":{"code":"x"}}`,
	} {
		for sh := range 3 {
			f.Add([]byte(s), uint8(sh))
		}
	}
	var d decoder
	f.Fuzz(func(t *testing.T, in []byte, sh uint8) {
		d.shape = shape(sh % 3)
		want, wantErr := refDecode(in, d.shape)
		err := d.decode(in)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("decode error %v, encoding/json error %v", err, wantErr)
		}
		if err == nil {
			require.Equal(t, want, fromDecoder(&d.c))
		}
	})
}

// jsonChunk is how encoding/json would be used instead of the walker: a
// struct with the fields that matter, unmarshalled into again and again.
type jsonChunk struct {
	ID      string `json:"id"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content          string `json:"content"`
			ReasoningContent string `json:"reasoning_content"`
			Reasoning        string `json:"reasoning"`
		} `json:"delta"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// BenchmarkDecodeChunk compares the walker with encoding/json on a typical
// content chunk (about 250 bytes).
func BenchmarkDecodeChunk(b *testing.B) {
	data := []byte(chunkContent)
	b.Run("walker", func(b *testing.B) {
		var d decoder
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := d.decode(data); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
	})
	b.Run("encoding-json", func(b *testing.B) {
		var c jsonChunk
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := json.Unmarshal(data, &c); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
	})
}
