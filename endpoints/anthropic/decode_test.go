package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refEvent is what an event holds, as the tests compare it.
type refEvent struct {
	Type, ID            string
	HasMessage          bool
	MsgID               string
	MsgUsage, Usage     usage
	Delta, Block        refBlock
	HasContent          bool
	Text                string
	Thinking            []string
	HasError            bool
	ErrType, ErrMessage string
}

type refBlock struct{ Type, Text, Thinking string }

func fromDecoder(ev *event) refEvent {
	r := refEvent{
		Type: string(ev.typ), ID: string(ev.id),
		HasMessage: ev.hasMessage, MsgID: string(ev.msgID), MsgUsage: ev.msgUsage, Usage: ev.usage,
		Delta:      refBlock{string(ev.delta.typ), string(ev.delta.text), string(ev.delta.thinking)},
		Block:      refBlock{string(ev.cblock.typ), string(ev.cblock.text), string(ev.cblock.thinking)},
		HasContent: ev.hasContent, Text: string(ev.text),
		HasError: ev.hasError, ErrType: string(ev.errType), ErrMessage: string(ev.errMessage),
	}
	ev.thinkingBlocks(func(t []byte) { r.Thinking = append(r.Thinking, string(t)) })
	return r
}

// refDecode is the specification of the decoder: encoding/json decodes the
// text into interface values (with UseNumber, so that no number is
// rejected for its size), and the fields are read from those.
func refDecode(data []byte) (refEvent, error) {
	var r refEvent
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
	var errs []error
	fail := func(what string) { errs = append(errs, errors.New(what)) }
	str := func(v any) string { s, _ := v.(string); return s }
	text := func(v any) string {
		switch v := v.(type) {
		case nil:
		case string:
			return v
		default:
			fail("text: not a string")
		}
		return ""
	}
	count := func(v any, u *usage, bit uint8) int {
		switch v := v.(type) {
		case nil:
			return 0
		case json.Number:
			if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
				if i < 0 {
					fail("negative")
					return 0
				}
				u.has |= bit
				return int(i)
			}
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil || f < 0 || f != math.Trunc(f) || f >= 1<<63 {
				fail("not a whole number")
				return 0
			}
			u.has |= bit
			return int(f)
		}
		fail("not a number")
		return 0
	}
	readUsage := func(v any) usage {
		var u usage
		switch v := v.(type) {
		case nil:
		case map[string]any:
			u.input = count(v["input_tokens"], &u, hasInput)
			u.cacheRead = count(v["cache_read_input_tokens"], &u, hasCacheRead)
			u.cacheCreation = count(v["cache_creation_input_tokens"], &u, hasCacheCreation)
			u.output = count(v["output_tokens"], &u, hasOutput)
		default:
			fail("usage: not an object")
		}
		return u
	}
	readBlock := func(v any) (refBlock, bool) {
		switch v := v.(type) {
		case nil:
			return refBlock{}, true
		case map[string]any:
			n := len(errs)
			b := refBlock{str(v["type"]), text(v["text"]), text(v["thinking"])}
			return b, len(errs) == n
		}
		fail("block: not an object")
		return refBlock{}, false
	}

	r.Type, r.ID = str(m["type"]), str(m["id"])
	switch msg := m["message"].(type) {
	case nil:
	case map[string]any:
		r.HasMessage, r.MsgID, r.MsgUsage = true, str(msg["id"]), readUsage(msg["usage"])
	default:
		fail("message: not an object")
	}
	r.Usage = readUsage(m["usage"])
	r.Delta, _ = readBlock(m["delta"])
	r.Block, _ = readBlock(m["content_block"])
	switch c := m["content"].(type) {
	case nil:
	case []any:
		r.HasContent = true
		for _, el := range c {
			b, ok := readBlock(el)
			if !ok {
				continue
			}
			switch b.Type {
			case "text":
				r.Text += b.Text
			case "thinking":
				r.Thinking = append(r.Thinking, b.Thinking)
			}
		}
	default:
		fail("content: not a list")
	}
	switch e := m["error"].(type) {
	case nil:
	case string:
		r.HasError, r.ErrMessage = true, e
	case map[string]any:
		r.HasError, r.ErrType, r.ErrMessage = true, str(e["type"]), str(e["message"])
	default:
		r.HasError = true
	}
	return r, errors.Join(errs...)
}

// Events as Anthropic sends them.
const (
	evStart         = `{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`
	evStartCached   = `{"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","usage":{"input_tokens":12,"cache_creation_input_tokens":30,"cache_read_input_tokens":2000,"output_tokens":1}}}`
	evBlockStart    = `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`
	evThinkingStart = `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}`
	evTextDelta     = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`
	evThinkingDelta = `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}`
	evSignature     = `{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}}`
	evInputJSON     = `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}`
	evBlockStop     = `{"type":"content_block_stop","index":0}`
	evMsgDelta      = `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}`
	evStop          = `{"type":"message_stop"}`
	evPing          = `{"type": "ping"}`
	evOverloaded    = `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`
	wholeMessage    = `{"id":"msg_9","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"thinking","thinking":"Hmm.","signature":"abc"},{"type":"redacted_thinking","data":"xyz"},{"type":"text","text":"Hello"},{"type":"tool_use","id":"t","name":"f","input":{"a":[1,2]}},{"type":"text","text":" there","citations":null},{"type":"thinking","thinking":"Done."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":9,"cache_read_input_tokens":4,"cache_creation_input_tokens":null,"output_tokens":12}}`
)

func TestDecode(t *testing.T) {
	u := func(in, read, create, out int, has uint8) usage { return usage{in, read, create, out, has} }
	tests := []struct {
		name string
		in   string
		want refEvent
	}{
		{"message_start", evStart, refEvent{Type: "message_start", HasMessage: true, MsgID: "msg_01XFDUDYJgAACzvnptvVoYEL",
			MsgUsage: u(25, 0, 0, 1, hasInput|hasCacheRead|hasCacheCreation|hasOutput)}},
		{"message_start cached", evStartCached, refEvent{Type: "message_start", HasMessage: true, MsgID: "msg_2",
			MsgUsage: u(12, 2000, 30, 1, hasInput|hasCacheRead|hasCacheCreation|hasOutput)}},
		{"content_block_start", evBlockStart, refEvent{Type: "content_block_start", Block: refBlock{Type: "text"}}},
		{"thinking start", evThinkingStart, refEvent{Type: "content_block_start", Block: refBlock{Type: "thinking"}}},
		{"text_delta", evTextDelta, refEvent{Type: "content_block_delta", Delta: refBlock{Type: "text_delta", Text: "Hello"}}},
		{"thinking_delta", evThinkingDelta, refEvent{Type: "content_block_delta", Delta: refBlock{Type: "thinking_delta", Thinking: "Let me think"}}},
		{"signature_delta", evSignature, refEvent{Type: "content_block_delta", Delta: refBlock{Type: "signature_delta"}}},
		{"input_json_delta", evInputJSON, refEvent{Type: "content_block_delta", Delta: refBlock{Type: "input_json_delta"}}},
		{"content_block_stop", evBlockStop, refEvent{Type: "content_block_stop"}},
		{"message_delta", evMsgDelta, refEvent{Type: "message_delta", Usage: u(0, 0, 0, 15, hasOutput)}},
		{"message_delta cumulative", `{"type":"message_delta","delta":{},"usage":{"input_tokens":7,"cache_read_input_tokens":null,"output_tokens":3}}`,
			refEvent{Type: "message_delta", Usage: u(7, 0, 0, 3, hasInput|hasOutput)}},
		{"message_stop", evStop, refEvent{Type: "message_stop"}},
		{"ping", evPing, refEvent{Type: "ping"}},
		{"error", evOverloaded, refEvent{Type: "error", HasError: true, ErrType: "overloaded_error", ErrMessage: "Overloaded"}},
		{"whole message", wholeMessage, refEvent{Type: "message", ID: "msg_9", HasContent: true, Text: "Hello there",
			Thinking: []string{"Hmm.", "Done."}, Usage: u(9, 4, 0, 12, hasInput|hasCacheRead|hasOutput)}},
		{"escapes", `{"delta":{"type":"text_delta","text":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\u0000"}}`,
			refEvent{Delta: refBlock{Type: "text_delta", Text: "a\"b\\c/d\b\f\n\r\t\u00e9\U0001F600\x00"}}},
		{"lone surrogate and invalid UTF-8", "{\"delta\":{\"text\":\"\\ud800x\xff\"}}", refEvent{Delta: refBlock{Text: "\uFFFDx\uFFFD"}}},
		{"last key wins", `{"type":"a","type":"b","delta":{"text":"x"},"delta":{"text":"y","text":"z"}}`, refEvent{Type: "b", Delta: refBlock{Text: "z"}}},
		{"nulls are absent", `{"type":null,"message":null,"usage":null,"delta":null,"content_block":null,"content":null,"error":null}`, refEvent{}},
		{"numbers in any form", `{"usage":{"output_tokens":1.5e1,"input_tokens":-0}}`, refEvent{Usage: u(0, 0, 0, 15, hasInput|hasOutput)}},
		{"white space", " {\n\t\"type\" : \"ping\" } \r\n", refEvent{Type: "ping"}},
	}
	var d decoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := refDecode([]byte(tt.in))
			require.NoError(t, err, "reference")
			require.Equal(t, tt.want, ref, "reference")
			require.NoError(t, d.decode([]byte(tt.in)))
			require.Equal(t, tt.want, fromDecoder(&d.ev))
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", ``, "invalid JSON: unexpected end of input"},
		{"not an object", `[1]`, "want a JSON object, got an array"},
		{"string", `"x"`, "want a JSON object, got a string"},
		{"truncated", `{"type":"content_block_delta","delta":{"text":"Hel`, "invalid JSON: unexpected end of input"},
		{"trailing", `{"type":"ping"} x`, "want the end of the text"},
		{"text type", `{"delta":{"type":"text_delta","text":5}}`, "delta.text: want a string, got a number"},
		{"thinking type", `{"content_block":{"thinking":[]}}`, "content_block.thinking: want a string, got an array"},
		{"delta type", `{"delta":"x"}`, "delta: want an object, got a string"},
		{"usage type", `{"usage":[]}`, "usage: want an object, got an array"},
		{"tokens type", `{"usage":{"output_tokens":"15"}}`, "usage.output_tokens: want a number, got a string"},
		{"tokens fraction", `{"usage":{"output_tokens":1.5}}`, "usage.output_tokens: want a non-negative whole number, got 1.5"},
		{"tokens negative", `{"message":{"usage":{"input_tokens":-3}}}`, "message.usage.input_tokens: want a non-negative whole number, got -3"},
		{"message type", `{"message":true}`, "message: want an object, got a boolean"},
		{"content type", `{"content":{}}`, "content: want a list, got an object"},
		{"content block type", `{"content":[{"type":"text","text":"a"},7]}`, "content[1]: want an object, got a number"},
		{"content text type", `{"content":[{"type":"text","text":null},{"type":"text","text":false}]}`, "content[1].text: want a string, got a boolean"},
		{"syntax error after a type error", `{"delta":{"text":1},"x":}`, "invalid JSON at offset 24"},
	}
	var d decoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, refErr := refDecode([]byte(tt.in))
			require.Error(t, refErr, "reference")
			err := d.decode([]byte(tt.in))
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDecodeAllocs(t *testing.T) {
	var d decoder
	for _, in := range []string{evStart, evBlockStart, evTextDelta, evThinkingDelta, evSignature, evMsgDelta, evStop, evPing, wholeMessage} {
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

func TestUsageCounts(t *testing.T) {
	var u usage
	u.merge(usage{input: 12, cacheRead: 2000, cacheCreation: 30, output: 1, has: hasInputParts})
	assert.Equal(t, 2042, u.counts(true).InputTokens, "the whole prompt")
	assert.Equal(t, 2000, u.counts(true).CachedInputTokens)
	assert.Zero(t, u.counts(true).OutputTokens, "not reported")
	u.merge(usage{output: 40, has: hasOutput})
	assert.Equal(t, 40, u.counts(true).OutputTokens)
	assert.Zero(t, u.counts(false).OutputTokens)
	u.merge(usage{input: 20, has: hasInput}) // a cumulative count in message_delta
	assert.Equal(t, 2050, u.counts(true).InputTokens)
	var none usage
	assert.Zero(t, none.counts(true))
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		evStart, evStartCached, evBlockStart, evThinkingStart, evTextDelta, evThinkingDelta, evSignature, evInputJSON,
		evBlockStop, evMsgDelta, evStop, evPing, evOverloaded, wholeMessage,
		`{"delta":{"text":"\ud83d\ude00\u00e9\n"}}`, `{"type":"a","type":1,"usage":{"output_tokens":1},"usage":{"output_tokens":null}}`,
		`{"content":[{"type":"text","text":"a"},null,{"type":"thinking","thinking":"b"}]}`,
		`{"usage":{"input_tokens":1e2,"cache_read_input_tokens":-0,"output_tokens":9223372036854775807}}`,
		`[]`, `"x"`, `{"error":"boom"}`, `{"error":{"type":7}}`, `{"error":[1]}`,
	} {
		f.Add([]byte(s))
	}
	var d decoder
	f.Fuzz(func(t *testing.T, in []byte) {
		want, wantErr := refDecode(in)
		err := d.decode(in)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("decode error %v, encoding/json error %v", err, wantErr)
		}
		if err == nil {
			require.Equal(t, want, fromDecoder(&d.ev))
		}
	})
}

// jsonEvent is how encoding/json would be used instead of the walker: a
// struct with the fields that matter, unmarshalled into again and again.
type jsonEvent struct {
	Type    string `json:"type"`
	Message *struct {
		ID    string         `json:"id"`
		Usage map[string]int `json:"usage"`
	} `json:"message"`
	Delta *struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Thinking string `json:"thinking"`
	} `json:"delta"`
	Usage *struct {
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// BenchmarkDecodeEvent compares the walker with encoding/json on a
// text_delta event (86 bytes).
func BenchmarkDecodeEvent(b *testing.B) {
	data := []byte(evTextDelta)
	b.Run("walker", func(b *testing.B) {
		var d decoder
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := d.decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		var ev jsonEvent
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			ev.Delta = nil
			if err := json.Unmarshal(data, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
}
