package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
)

// refRespObject is what a response object holds, as the tests compare it.
type refRespObject struct {
	ID                  string
	HasID               bool
	Status              string
	HasError            bool
	ErrMessage, ErrType string
	ErrCode             string
	Reason              string
	Usage               endpoints.Usage
	HasUsage            bool
	Text, Summary       string
	Reasoning           string
}

// refEvent is what an event holds, as the tests compare it.
type refEvent struct {
	Type                string
	Delta               string
	DeltaKind           byte
	RespKind            byte
	Resp                refRespObject
	Message, Code       string
	HasError            bool
	ErrMessage, ErrType string
	ErrCode             string
}

func fromRespObject(o *respObject) refRespObject {
	return refRespObject{
		ID: string(o.id), HasID: o.hasID, Status: string(o.status),
		HasError: o.err.has, ErrMessage: string(o.err.message), ErrType: string(o.err.typ), ErrCode: string(o.err.code),
		Reason: string(o.reason), Usage: o.usage, HasUsage: o.hasUsage,
		Text: string(o.text), Summary: string(o.summary), Reasoning: string(o.reasoning),
	}
}

func fromEvent(ev *respEvent) refEvent {
	return refEvent{
		Type: string(ev.typ), Delta: string(ev.delta), DeltaKind: ev.deltaKind,
		RespKind: ev.respKind, Resp: fromRespObject(&ev.resp),
		Message: string(ev.message), Code: string(ev.code),
		HasError: ev.err.has, ErrMessage: string(ev.err.message), ErrType: string(ev.err.typ), ErrCode: string(ev.err.code),
	}
}

// refJSON decodes data as encoding/json does into interface values, with
// UseNumber so that no number is rejected for its size, and wants an
// object.
func refJSON(data []byte) (map[string]any, error) {
	if !json.Valid(data) {
		return nil, errors.New("invalid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not an object")
	}
	return m, nil
}

// refKind is scanner.kind for a decoded value; 0 for null.
func refKind(v any) byte {
	switch v.(type) {
	case nil:
		return 0
	case string:
		return '"'
	case json.Number:
		return '0'
	case bool:
		return 't'
	case map[string]any:
		return '{'
	case []any:
		return '['
	}
	panic(fmt.Sprintf("unexpected %T", v))
}

func refStr(v any) string { s, _ := v.(string); return s }

func refCode(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	}
	return ""
}

// refError reads an error value as errorObject does.
func refError(v any) (has bool, message, typ, code string) {
	switch e := v.(type) {
	case nil:
		return false, "", "", ""
	case string:
		return true, e, "", ""
	case map[string]any:
		return true, refStr(e["message"]), refStr(e["type"]), refCode(e["code"])
	}
	return true, "", "", ""
}

// refTokens reads a token count as decoder.tokens does.
func refTokens(v any, errs *[]error) int {
	switch v := v.(type) {
	case nil:
	case json.Number:
		n, ok := count([]byte(v))
		if !ok {
			*errs = append(*errs, errors.New("not a count"))
		}
		return n
	default:
		*errs = append(*errs, errors.New("not a number"))
	}
	return 0
}

// refResponse is the specification of the response object decoder.
func refResponse(m map[string]any, output bool) (refRespObject, error) {
	var r refRespObject
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if id, ok := m["id"].(string); ok {
		r.ID, r.HasID = id, true
	}
	r.Status = refStr(m["status"])
	r.HasError, r.ErrMessage, r.ErrType, r.ErrCode = refError(m["error"])
	if d, ok := m["incomplete_details"].(map[string]any); ok {
		r.Reason = refStr(d["reason"])
	}
	switch u := m["usage"].(type) {
	case nil:
	case map[string]any:
		r.HasUsage = true
		r.Usage.InputTokens = refTokens(u["input_tokens"], &errs)
		r.Usage.OutputTokens = refTokens(u["output_tokens"], &errs)
		details := func(v any, field string) int {
			switch v := v.(type) {
			case nil:
			case map[string]any:
				return refTokens(v[field], &errs)
			default:
				fail("details: not an object")
			}
			return 0
		}
		r.Usage.CachedInputTokens = details(u["input_tokens_details"], "cached_tokens")
		r.Usage.ReasoningTokens = details(u["output_tokens_details"], "reasoning_tokens")
	default:
		fail("usage: not an object")
	}
	if !output {
		return r, errors.Join(errs...)
	}
	parts := func(v any, want string) string {
		var b strings.Builder
		switch ps := v.(type) {
		case nil:
		case []any:
			for _, p := range ps {
				pm, ok := p.(map[string]any)
				if !ok {
					fail("part: not an object")
					continue
				}
				var text string
				switch t := pm["text"].(type) {
				case nil:
				case string:
					text = t
				default:
					fail("text: not a string")
				}
				if refStr(pm["type"]) == want {
					b.WriteString(text)
				}
			}
		default:
			fail("parts: not an array")
		}
		return b.String()
	}
	switch items := m["output"].(type) {
	case nil:
	case []any:
		for _, it := range items {
			im, ok := it.(map[string]any)
			if !ok {
				fail("item: not an object")
				continue
			}
			text, reasoning := parts(im["content"], "output_text"), parts(im["content"], "reasoning_text")
			summary := parts(im["summary"], "summary_text")
			switch refStr(im["type"]) {
			case "message":
				r.Text += text
			case "reasoning":
				r.Summary += summary
				r.Reasoning += reasoning
			}
		}
	default:
		fail("output: not an array")
	}
	return r, errors.Join(errs...)
}

// refDecodeEvent is the specification of decodeEvent.
func refDecodeEvent(data []byte) (refEvent, error) {
	var r refEvent
	m, err := refJSON(data)
	if err != nil {
		return r, err
	}
	r.Type = refStr(m["type"])
	r.DeltaKind = refKind(m["delta"])
	r.Delta = refStr(m["delta"])
	r.Message, r.Code = refStr(m["message"]), refCode(m["code"])
	r.HasError, r.ErrMessage, r.ErrType, r.ErrCode = refError(m["error"])
	r.RespKind = refKind(m["response"])
	if rm, ok := m["response"].(map[string]any); ok {
		r.Resp, err = refResponse(rm, false)
	}
	return r, err
}

// refDecodeResponse is the specification of decodeResponse.
func refDecodeResponse(data []byte) (refRespObject, error) {
	m, err := refJSON(data)
	if err != nil {
		return refRespObject{}, err
	}
	return refResponse(m, true)
}

// Realistic Responses API events and responses, as OpenAI sends them.
const (
	respID         = "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b"
	msgID          = "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b"
	respInProgress = `{"id":"` + respID + `","object":"response","created_at":1741476542,"status":"in_progress","background":false,"error":null,"incomplete_details":null,"instructions":null,"max_output_tokens":null,"model":"gpt-4.1-2025-04-14","output":[],"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":true,"temperature":1.0,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled","usage":null,"user":null,"metadata":{}}`
	evCreatedData  = `{"type":"response.created","sequence_number":0,"response":` + respInProgress + `}`
	evDeltaData    = `{"type":"response.output_text.delta","sequence_number":4,"item_id":"` + msgID + `","output_index":0,"content_index":0,"delta":" token","logprobs":[]}`
	evSummaryData  = `{"type":"response.reasoning_summary_text.delta","sequence_number":3,"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"**Thinking** about it"}`
	respCompleted  = `{"id":"` + respID + `","object":"response","created_at":1741476542,"status":"completed","error":null,"incomplete_details":null,"instructions":null,"max_output_tokens":null,"model":"gpt-4.1-2025-04-14",` +
		`"output":[{"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"**Thinking** about it"}]},` +
		`{"type":"message","id":"` + msgID + `","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi there!","annotations":[]}]}],` +
		`"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":"low","summary":"auto"},"store":true,"temperature":1.0,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1.0,"truncation":"disabled",` +
		`"usage":{"input_tokens":37,"input_tokens_details":{"cached_tokens":5},"output_tokens":11,"output_tokens_details":{"reasoning_tokens":3},"total_tokens":48},"user":null,"metadata":{}}`
	evCompletedData = `{"type":"response.completed","sequence_number":9,"response":` + respCompleted + `}`
	evErrorData     = `{"type":"error","code":"server_error","message":"The model is overloaded","param":null,"sequence_number":5}`
)

var completedUsage = endpoints.Usage{InputTokens: 37, OutputTokens: 11, CachedInputTokens: 5, ReasoningTokens: 3}

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want refEvent
	}{
		{"created", evCreatedData, refEvent{Type: "response.created", RespKind: '{', Resp: refRespObject{ID: respID, HasID: true, Status: "in_progress"}}},
		{"text delta", evDeltaData, refEvent{Type: "response.output_text.delta", Delta: " token", DeltaKind: '"'}},
		{"summary delta", evSummaryData, refEvent{Type: "response.reasoning_summary_text.delta", Delta: "**Thinking** about it", DeltaKind: '"'}},
		{"completed: output skipped", evCompletedData, refEvent{Type: "response.completed", RespKind: '{', Resp: refRespObject{ID: respID, HasID: true, Status: "completed", HasUsage: true, Usage: completedUsage}}},
		{"failed", `{"type":"response.failed","response":{"id":"r","status":"failed","error":{"code":"server_error","message":"boom"}}}`,
			refEvent{Type: "response.failed", RespKind: '{', Resp: refRespObject{ID: "r", HasID: true, Status: "failed", HasError: true, ErrCode: "server_error", ErrMessage: "boom"}}},
		{"incomplete", `{"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"usage":{"input_tokens":1,"output_tokens":2}}}`,
			refEvent{Type: "response.incomplete", RespKind: '{', Resp: refRespObject{Status: "incomplete", Reason: "max_output_tokens", HasUsage: true, Usage: endpoints.Usage{InputTokens: 1, OutputTokens: 2}}}},
		{"error event", evErrorData, refEvent{Type: "error", Code: "server_error", Message: "The model is overloaded"}},
		{"nested error", `{"type":"error","error":{"type":"invalid_request_error","code":400,"message":"bad"}}`, refEvent{Type: "error", HasError: true, ErrType: "invalid_request_error", ErrCode: "400", ErrMessage: "bad"}},
		{"delta of another type", `{"type":"x","delta":{"a":1}}`, refEvent{Type: "x", DeltaKind: '{'}},
		{"null delta", `{"type":"response.output_text.delta","delta":null}`, refEvent{Type: "response.output_text.delta"}},
		{"response of another type", `{"response":[1]}`, refEvent{RespKind: '['}},
		{"last key wins", `{"type":"a","type":7,"delta":"x","delta":null,"response":{"id":"r"},"response":null}`, refEvent{}},
		{"escapes", `{"delta":"\u00e9\ud83d\ude00\n\"","typ\u0065":"t"}`, refEvent{Type: "t", Delta: "é\U0001F600\n\"", DeltaKind: '"'}},
	}
	var d decoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := refDecodeEvent([]byte(tt.in))
			require.NoError(t, err, "reference")
			require.Equal(t, tt.want, want, "reference")
			require.NoError(t, d.decodeEvent([]byte(tt.in)))
			require.Equal(t, tt.want, fromEvent(&d.ev))
		})
	}
}

func TestDecodeResponse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want refRespObject
	}{
		{"completed", respCompleted, refRespObject{ID: respID, HasID: true, Status: "completed", HasUsage: true, Usage: completedUsage,
			Text: "Hi there!", Summary: "**Thinking** about it"}},
		{"reasoning text and several parts", `{"output":[{"type":"reasoning","content":[{"type":"reasoning_text","text":"a"},{"type":"reasoning_text","text":"b"}],"summary":[]},` +
			`{"content":[{"text":"Hel","type":"output_text"},{"type":"refusal","refusal":"no"},{"type":"output_text","text":"lo"}],"type":"message"},` +
			`{"type":"message","content":[{"type":"output_text","text":"!"}]}]}`,
			refRespObject{Text: "Hello!", Reasoning: "ab"}},
		{"text of other items is not kept", `{"output":[{"type":"function_call","content":[{"type":"output_text","text":"x"}],"summary":[{"type":"summary_text","text":"y"}]},{"content":[{"type":"output_text","text":"z"}]}]}`, refRespObject{}},
		{"failed", `{"id":"r","status":"failed","error":{"code":"rate_limit_exceeded","message":"slow down"},"output":[]}`,
			refRespObject{ID: "r", HasID: true, Status: "failed", HasError: true, ErrCode: "rate_limit_exceeded", ErrMessage: "slow down"}},
		{"null everywhere", `{"id":null,"error":null,"incomplete_details":null,"usage":null,"output":null}`, refRespObject{}},
		{"last key wins", `{"output":[{"type":"message","content":[{"type":"output_text","text":"a"}],"content":[{"type":"output_text","text":"b"}]}],"incomplete_details":{"reason":"x"},"incomplete_details":5}`,
			refRespObject{Text: "b"}},
	}
	var d decoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := refDecodeResponse([]byte(tt.in))
			require.NoError(t, err, "reference")
			require.Equal(t, tt.want, want, "reference")
			require.NoError(t, d.decodeResponse([]byte(tt.in)))
			require.Equal(t, tt.want, fromRespObject(&d.ev.resp))
		})
	}
}

func TestDecodeEventErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		whole          bool
	}{
		{"empty", ``, "invalid JSON: unexpected end of input", false},
		{"not an object", `"x"`, "want a JSON object, got a string", false},
		{"truncated", `{"type":"response.output_text.delta","delta":"ab`, "unterminated string", false},
		{"usage type", `{"response":{"usage":[]}}`, "response.usage: want an object, got an array", false},
		{"tokens", `{"response":{"usage":{"output_tokens":-1}}}`, "response.usage.output_tokens: want a non-negative whole number, got -1", false},
		{"details", `{"response":{"usage":{"input_tokens_details":{"cached_tokens":true}}}}`, "response.usage.input_tokens_details.cached_tokens: want a number, got a boolean", false},
		{"broken output", `{"response":{"output":[}}`, "invalid JSON", false},
		{"whole: not an object", `[]`, "want a JSON object, got an array", true},
		{"whole: output type", `{"output":{}}`, "output: want an array, got an object", true},
		{"whole: item type", `{"output":[{},1]}`, "output[1]: want an object, got a number", true},
		{"whole: content type", `{"output":[{"type":"message","content":"hi"}]}`, "output[0].content: want an array, got a string", true},
		{"whole: part type", `{"output":[{"type":"message","content":[null]}]}`, "output[0].content[0]: want an object, got null", true},
		{"whole: text type", `{"output":[{"type":"reasoning","summary":[{"type":"summary_text","text":["x"]}]}]}`, "output[0].summary[0].text: want a string, got an array", true},
		{"whole: usage", `{"usage":{"input_tokens":"3"}}`, "usage.input_tokens: want a number, got a string", true},
	}
	var d decoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var refErr, err error
			if tt.whole {
				_, refErr = refDecodeResponse([]byte(tt.in))
				err = d.decodeResponse([]byte(tt.in))
			} else {
				_, refErr = refDecodeEvent([]byte(tt.in))
				err = d.decodeEvent([]byte(tt.in))
			}
			require.Error(t, refErr, "reference")
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDecodeEventAllocs(t *testing.T) {
	var d decoder
	for _, in := range []string{evCreatedData, evDeltaData, evCompletedData} {
		data := []byte(in)
		require.NoError(t, d.decodeEvent(data))
		allocs := testing.AllocsPerRun(1000, func() {
			if err := d.decodeEvent(data); err != nil {
				t.Fatal(err)
			}
		})
		require.Zero(t, allocs, in)
	}
	data := []byte(respCompleted)
	require.NoError(t, d.decodeResponse(data))
	allocs := testing.AllocsPerRun(1000, func() {
		if err := d.decodeResponse(data); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "whole response")
}

// FuzzDecodeResponses holds decodeEvent (whole == false) and
// decodeResponse (whole == true) to their specifications, which read what
// encoding/json decodes.
func FuzzDecodeResponses(f *testing.F) {
	for _, s := range []string{
		evCreatedData, evDeltaData, evSummaryData, evCompletedData, evErrorData, respCompleted,
		`{"type":"error","error":{"code":1,"message":"m","type":"t"},"code":null}`,
		`{"delta":"\ud83d\ude00","delta":5,"response":{"incomplete_details":{"reason":"content_filter"},"error":"e"}}`,
		`{"output":[{"type":"reasoning","summary":[{"type":"summary_text","text":"s"}],"content":[{"type":"reasoning_text","text":"r"}]},{"type":"message","content":[{"type":"output_text","text":null}]}]}`,
		`{"usage":{"input_tokens":1e2,"output_tokens_details":{"reasoning_tokens":2.0}}}`, `[]`, `{"output":[1]}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	var d decoder
	f.Fuzz(func(t *testing.T, in []byte, whole bool) {
		if whole {
			want, wantErr := refDecodeResponse(in)
			err := d.decodeResponse(in)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("decodeResponse error %v, encoding/json error %v", err, wantErr)
			}
			if err == nil {
				require.Equal(t, want, fromRespObject(&d.ev.resp))
			}
			return
		}
		want, wantErr := refDecodeEvent(in)
		err := d.decodeEvent(in)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("decodeEvent error %v, encoding/json error %v", err, wantErr)
		}
		if err == nil {
			require.Equal(t, want, fromEvent(&d.ev))
		}
	})
}

// jsonEvent is how encoding/json would be used instead of the walker for a
// Responses API event.
type jsonEvent struct {
	Type     string `json:"type"`
	Delta    string `json:"delta"`
	Response *struct {
		ID    string `json:"id"`
		Usage *struct {
			InputTokens  int `json:"input_tokens"`
			OutputTokens int `json:"output_tokens"`
		} `json:"usage"`
	} `json:"response"`
}

// BenchmarkDecodeEvent compares the walker with encoding/json on a typical
// response.output_text.delta event (about 200 bytes).
func BenchmarkDecodeEvent(b *testing.B) {
	data := []byte(evDeltaData)
	b.Run("walker", func(b *testing.B) {
		var d decoder
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := d.decodeEvent(data); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
	})
	b.Run("encoding-json", func(b *testing.B) {
		var ev jsonEvent
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := json.Unmarshal(data, &ev); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
	})
}
