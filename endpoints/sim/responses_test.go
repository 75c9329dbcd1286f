package sim_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/tokenizers"
)

// respStream is what a client assembles from a Responses API event stream.
type respStream struct {
	events        []string         // event types in order, runs of deltas collapsed
	created       map[string]any   // the response of response.created
	final         map[string]any   // the response of the final event, nil when none came
	added, done   []map[string]any // the items of output_item.added and .done, by output index
	text, summary string           // the deltas, concatenated
	textDeltas    int
	summaryDeltas int
	textDone      string // the text of output_text.done
	summaryDone   string // the text of reasoning_summary_text.done
}

// assembleResponses checks a Responses API event stream as a strict client
// would: each event's name equals its data's type, sequence_number counts
// the events from 0, response.created and response.in_progress come first
// and the final event last, output items are opened and closed one at a
// time with indexes counting from 0, and every delta, part and done event
// names the open item by its id and index. A stream cut before its final
// event (final nil) is accepted; the caller checks for it.
func assembleResponses(t *testing.T, events []event) respStream {
	t.Helper()
	var r respStream
	open := -1 // index of the open item, -1 when none
	ref := func(i int, d map[string]any) {
		t.Helper()
		require.NotEqual(t, -1, open, "event %d: no item is open", i)
		assert.Equal(t, r.added[open]["id"], d["item_id"], "event %d: the open item's id", i)
		assert.Equal(t, float64(open), d["output_index"], "event %d: the open item's index", i)
	}
	for i, ev := range events {
		d := obj(t, ev.data)
		require.Equal(t, ev.name, d["type"], "event %d: the event name is the data's type", i)
		require.Equal(t, float64(i), d["sequence_number"], "event %d: sequence_number", i)
		if n := len(r.events); n == 0 || r.events[n-1] != ev.name || !strings.HasSuffix(ev.name, ".delta") {
			r.events = append(r.events, ev.name)
		}
		switch ev.name {
		case "response.created":
			require.Zero(t, i, "response.created comes first")
			r.created = d["response"].(map[string]any)
		case "response.in_progress":
			require.Equal(t, 1, i, "response.in_progress comes second")
			assert.Equal(t, r.created, d["response"])
		case "response.output_item.added":
			require.Equal(t, -1, open, "event %d: an item is already open", i)
			require.Equal(t, float64(len(r.added)), d["output_index"], "event %d: item indexes count from 0", i)
			r.added = append(r.added, d["item"].(map[string]any))
			open = len(r.added) - 1
		case "response.content_part.added", "response.reasoning_summary_part.added":
			ref(i, d)
			part := d["part"].(map[string]any)
			assert.Equal(t, "", part["text"], "event %d: a part starts empty", i)
		case "response.output_text.delta":
			ref(i, d)
			assert.Equal(t, 0.0, d["content_index"])
			require.Equal(t, "message", r.added[open]["type"])
			r.text += d["delta"].(string)
			r.textDeltas++
		case "response.reasoning_summary_text.delta":
			ref(i, d)
			assert.Equal(t, 0.0, d["summary_index"])
			require.Equal(t, "reasoning", r.added[open]["type"])
			r.summary += d["delta"].(string)
			r.summaryDeltas++
		case "response.output_text.done":
			ref(i, d)
			r.textDone = d["text"].(string)
		case "response.reasoning_summary_text.done":
			ref(i, d)
			r.summaryDone = d["text"].(string)
		case "response.content_part.done":
			ref(i, d)
			assert.Equal(t, map[string]any{"type": "output_text", "text": r.textDone, "annotations": []any{}}, d["part"])
		case "response.reasoning_summary_part.done":
			ref(i, d)
			assert.Equal(t, map[string]any{"type": "summary_text", "text": r.summaryDone}, d["part"])
		case "response.output_item.done":
			require.Equal(t, float64(open), d["output_index"], "event %d: the open item closes", i)
			item := d["item"].(map[string]any)
			assert.Equal(t, r.added[open]["id"], item["id"])
			r.done = append(r.done, item)
			open = -1
		case "response.completed", "response.incomplete":
			require.Equal(t, len(events)-1, i, "%s comes last", ev.name)
			require.Equal(t, -1, open, "every item is done before the end")
			r.final = d["response"].(map[string]any)
		default:
			t.Fatalf("event %d: unexpected event %q", i, ev.name)
		}
	}
	return r
}

// responsesBody has a prompt of 7 words: "be brief", "tell me", "ok" and
// "go on", as instructions, a string message and messages of parts.
const responsesBody = `{"model":"gpt-x","instructions":"be brief","input":[{"role":"user","content":"tell me"},` +
	`{"type":"message","role":"assistant","content":[{"type":"output_text","text":"ok"}]},` +
	`{"role":"user","content":[{"type":"input_text","text":"go on"}]}]`

func TestServerResponsesStream(t *testing.T) {
	ws := tokenizers.Whitespace{}
	const summary = `{"effort":"low","summary":"auto"}`
	tests := []struct {
		name      string
		cfg       sim.Config
		maxTokens int
		reasoning string
		think     int // reasoning tokens expected
	}{
		{"completed", sim.Config{Seed: 41, MinOutputTokens: 4, MaxOutputTokens: 12}, 0, "", 0},
		{"incomplete at max_output_tokens", sim.Config{Seed: 42}, 10, "", 0},
		{"in chunks", sim.Config{Seed: 43, TokensPerChunk: 3}, 10, "", 0},
		{"reasoning summary", sim.Config{Seed: 44, MinOutputTokens: 20, MaxOutputTokens: 20}, 0, summary, sim.ThinkingTokens},
		{"reasoning summary in chunks", sim.Config{Seed: 45, MinOutputTokens: 20, MaxOutputTokens: 20, TokensPerChunk: 3}, 0, `{"generate_summary":"concise"}`, sim.ThinkingTokens},
		{"reasoning summary, cut", sim.Config{Seed: 46}, 5, summary, 4},
		{"reasoning, one token: no room for it", sim.Config{Seed: 47, MinOutputTokens: 1, MaxOutputTokens: 1}, 0, summary, 0},
		{"reasoning effort none", sim.Config{Seed: 48, MinOutputTokens: 20, MaxOutputTokens: 20}, 0, `{"effort":"none","summary":"auto"}`, 0},
		{"reasoning without summary", sim.Config{Seed: 49, MinOutputTokens: 20, MaxOutputTokens: 20}, 0, `{"effort":"high"}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sim.Start(t, sim.ServerConfig{Config: tt.cfg})
			twin := twinOf(t, s)
			body := responsesBody + `,"stream":true`
			if tt.maxTokens > 0 {
				body += `,"max_output_tokens":` + strconv.Itoa(tt.maxTokens)
			}
			if tt.reasoning != "" {
				body += `,"reasoning":` + tt.reasoning
			}
			res, out := do(t, client(t), "POST", s.URL+"/v1/responses", body+"}")
			require.Equal(t, http.StatusOK, res.StatusCode, out)
			assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
			assert.NotContains(t, out, "[DONE]", "the Responses API has no [DONE]")
			plan := twin.Plan(7, tt.maxTokens)
			full := twin.Text(plan)

			r := assembleResponses(t, parseSSE(t, out, true))
			require.NotNil(t, r.final)
			assert.Equal(t, "resp_sim_1", r.created["id"])
			assert.Equal(t, "response", r.created["object"])
			assert.Equal(t, "in_progress", r.created["status"])
			assert.Equal(t, []any{}, r.created["output"])
			assert.Nil(t, r.created["usage"])
			assert.Contains(t, r.created, "usage")
			assert.IsType(t, float64(0), r.created["created_at"])
			for _, k := range []string{"id", "object", "created_at", "model"} {
				assert.Equal(t, r.created[k], r.final[k], k)
			}
			assert.Equal(t, "llmtest-sim", r.final["model"])
			status, itemStatus := "completed", "completed"
			if tt.maxTokens > 0 {
				status, itemStatus = "incomplete", "incomplete"
				assert.Equal(t, map[string]any{"reason": "max_output_tokens"}, r.final["incomplete_details"])
				assert.Equal(t, float64(tt.maxTokens), r.final["max_output_tokens"])
			} else {
				assert.Nil(t, r.final["incomplete_details"])
			}
			assert.Equal(t, status, r.final["status"])
			assert.Equal(t, "response."+status, r.events[len(r.events)-1])
			assert.Equal(t, map[string]any{
				"input_tokens":          7.0,
				"input_tokens_details":  map[string]any{"cached_tokens": 0.0},
				"output_tokens":         float64(plan.OutputTokens),
				"output_tokens_details": map[string]any{"reasoning_tokens": float64(tt.think)},
				"total_tokens":          float64(7 + plan.OutputTokens),
			}, r.final["usage"])
			assert.Equal(t, r.done, toMaps(r.final["output"]), "the final output holds the done items")

			msg := r.done[len(r.done)-1]
			assert.Equal(t, "msg_sim_1", msg["id"])
			assert.Equal(t, "message", msg["type"])
			assert.Equal(t, "assistant", msg["role"])
			assert.Equal(t, itemStatus, msg["status"])
			assert.Equal(t, "in_progress", r.added[len(r.added)-1]["status"])
			assert.Equal(t, []any{map[string]any{"type": "output_text", "text": r.text, "annotations": []any{}}}, msg["content"])
			assert.Equal(t, r.text, r.textDone, "output_text.done holds the deltas")

			if tt.think == 0 {
				assert.Equal(t, []string{"response.created", "response.in_progress",
					"response.output_item.added", "response.content_part.added", "response.output_text.delta",
					"response.output_text.done", "response.content_part.done", "response.output_item.done",
					"response." + status}, r.events)
				assert.Equal(t, full, r.text)
				tpc := max(tt.cfg.TokensPerChunk, 1)
				assert.Equal(t, (plan.OutputTokens+tpc-1)/tpc, r.textDeltas, "one delta per chunk")
				assert.Len(t, r.done, 1)
				return
			}
			assert.Equal(t, []string{"response.created", "response.in_progress",
				"response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
				"response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
				"response.output_item.added", "response.content_part.added", "response.output_text.delta",
				"response.output_text.done", "response.content_part.done", "response.output_item.done",
				"response." + status}, r.events)
			require.Len(t, r.done, 2)
			assert.Equal(t, map[string]any{"id": "rs_sim_1", "type": "reasoning", "summary": []any{
				map[string]any{"type": "summary_text", "text": r.summary},
			}}, r.done[0])
			assert.Equal(t, r.summary, r.summaryDone)
			assert.Equal(t, tt.think, ws.Count(r.summary), "reasoning tokens")
			assert.Equal(t, plan.OutputTokens-tt.think, ws.Count(r.text), "text tokens")
			assert.False(t, strings.HasPrefix(r.text, " "), "the text starts with a word")
			assert.Equal(t, full, r.summary+" "+r.text, "reasoning, then text, are the model's output")
		})
	}
}

// toMaps returns a decoded JSON list of objects as maps.
func toMaps(v any) []map[string]any {
	var out []map[string]any
	for _, e := range v.([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

func TestServerResponses(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Seed: 51, MinOutputTokens: 10, MaxOutputTokens: 30}})
	twin := twinOf(t, s)
	c := client(t)

	// No "stream" means one JSON body; no max_output_tokens, a completed
	// response.
	res, out := do(t, c, "POST", s.URL+"/v1/responses", `{"input":"once upon a time"}`)
	require.Equal(t, http.StatusOK, res.StatusCode, out)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Equal(t, strconv.Itoa(len(out)), res.Header.Get("Content-Length"))
	plan := twin.Plan(4, 0)
	body := obj(t, out)
	assert.Equal(t, "resp_sim_1", body["id"])
	assert.Equal(t, "response", body["object"])
	assert.IsType(t, float64(0), body["created_at"])
	assert.Equal(t, "completed", body["status"])
	assert.Nil(t, body["incomplete_details"])
	assert.Nil(t, body["error"])
	assert.Nil(t, body["max_output_tokens"])
	assert.Equal(t, "llmtest-sim", body["model"])
	assert.Equal(t, []any{map[string]any{
		"id": "msg_sim_1", "type": "message", "status": "completed", "role": "assistant",
		"content": []any{map[string]any{"type": "output_text", "text": twin.Text(plan), "annotations": []any{}}},
	}}, body["output"])
	assert.Equal(t, map[string]any{
		"input_tokens":          4.0,
		"input_tokens_details":  map[string]any{"cached_tokens": 0.0},
		"output_tokens":         float64(plan.OutputTokens),
		"output_tokens_details": map[string]any{"reasoning_tokens": 0.0},
		"total_tokens":          float64(4 + plan.OutputTokens),
	}, body["usage"])

	// max_output_tokens fixes the length and ends the response incomplete,
	// as max_tokens gives a chat completion finish_reason "length".
	res, out = do(t, c, "POST", s.URL+"/v1/responses", responsesBody+`,"max_output_tokens":6,"stream":false}`)
	require.Equal(t, http.StatusOK, res.StatusCode, out)
	plan = twin.Plan(7, 6)
	body = obj(t, out)
	assert.Equal(t, "resp_sim_2", body["id"])
	assert.Equal(t, "incomplete", body["status"])
	assert.Equal(t, map[string]any{"reason": "max_output_tokens"}, body["incomplete_details"])
	assert.Equal(t, 6.0, body["max_output_tokens"])
	assert.Equal(t, "incomplete", path(body, "output", 0, "status"))
	assert.Equal(t, twin.Text(plan), path(body, "output", 0, "content", 0, "text"))
	assert.Equal(t, 6.0, path(body, "usage", "output_tokens"))
	assert.Equal(t, 13.0, path(body, "usage", "total_tokens"))

	// A reasoning summary is an output item of its own, before the message.
	res, out = do(t, c, "POST", s.URL+"/v1/responses", `{"input":"a b c","reasoning":{"summary":"detailed"}}`)
	require.Equal(t, http.StatusOK, res.StatusCode, out)
	plan = twin.Plan(3, 0)
	body = obj(t, out)
	output := toMaps(body["output"])
	require.Len(t, output, 2)
	assert.Equal(t, "rs_sim_3", output[0]["id"])
	assert.Equal(t, "reasoning", output[0]["type"])
	assert.Equal(t, "summary_text", path(output[0], "summary", 0, "type"))
	summary := path(output[0], "summary", 0, "text").(string)
	text := path(output[1], "content", 0, "text").(string)
	assert.Equal(t, sim.ThinkingTokens, tokenizers.Whitespace{}.Count(summary))
	assert.Equal(t, twin.Text(plan), summary+" "+text)
	assert.Equal(t, float64(sim.ThinkingTokens), path(body, "usage", "output_tokens_details", "reasoning_tokens"))
	assert.Equal(t, float64(plan.OutputTokens), path(body, "usage", "output_tokens"), "output tokens count the reasoning")
}

func TestServerResponsesBadRequests(t *testing.T) {
	s := sim.Start(t, sim.ServerConfig{})
	c := client(t)
	tests := []struct{ body, want string }{
		{`{"input":`, "invalid JSON"},
		{`[1]`, "want a JSON object, got array"},
		{`{}`, `"input" is required`},
		{`{"input":null}`, `"input" is required`},
		{`{"input":""}`, `"input" must not be empty`},
		{`{"input":[]}`, `"input" must not be empty`},
		{`{"input":5}`, `"input" must be a string or a list of input items, got 5`},
		{`{"messages":[{"role":"user","content":"a"}]}`, `"messages" is not a field of this route; send "input" (or use /v1/chat/completions)`},
		{`{"input":"a","prompt":"a"}`, `"prompt" is not a field of this route; send "input" (or use /v1/completions)`},
		{`{"input":["a"]}`, `input[0]: must be a message object with "role" and "content", got "a"`},
		{`{"input":[{"type":"function_call_output","call_id":"c","output":"x"}]}`, `input[0].type: only "message" items are supported, got "function_call_output"`},
		{`{"input":[{"content":"a"}]}`, `input[0].role: must be a non-empty string, got null`},
		{`{"input":[{"role":"user","content":"a"},{"role":"user"}]}`, `input[1].content: is required`},
		{`{"input":[{"role":"user","content":7}]}`, `input[0].content: must be a string or a list of content parts, got 7`},
		{`{"input":[{"role":"user","content":[{"type":"text","text":"u"}]}]}`, `input[0].content[0].type: only "input_text", "output_text", "input_image" and "input_file" parts are supported, got "text"`},
		{`{"input":[{"role":"user","content":[{"type":"input_image","detail":"low"}]}]}`, `input[0].content[0]: needs one of "image_url", "file_id", a non-empty string`},
		{`{"input":[{"role":"user","content":[{"type":"input_file","filename":"a.pdf"}]}]}`, `input[0].content[0]: needs one of "file_data", "file_id", "file_url", a non-empty string`},
		{`{"input":[{"role":"user","content":[{"type":"input_text","text":3}]}]}`, `input[0].content[0].text: must be a string, got 3`},
		{`{"input":"a","instructions":1}`, `"instructions" must be a string, got 1`},
		{`{"input":"a","max_output_tokens":0}`, `"max_output_tokens" must be a positive whole number, got 0`},
		{`{"input":"a","max_output_tokens":2.5}`, `"max_output_tokens" must be a positive whole number, got 2.5`},
		{`{"input":"a","max_output_tokens":"9"}`, `"max_output_tokens" must be a positive whole number, got "9"`},
		{`{"input":"a","stream":"yes"}`, `"stream" must be a boolean, got "yes"`},
		{`{"input":"a","reasoning":"high"}`, `"reasoning" must be an object, got "high"`},
		{`{"input":"a","reasoning":{"effort":1}}`, `"reasoning.effort" must be a string, got 1`},
		{`{"input":"a","reasoning":{"summary":"long"}}`, `"reasoning.summary" must be "auto", "concise" or "detailed", got "long"`},
		{`{"input":"a","reasoning":{"generate_summary":true}}`, `"reasoning.generate_summary" must be "auto", "concise" or "detailed", got true`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			res, out := do(t, c, "POST", s.URL+"/v1/responses", tt.body)
			require.Equal(t, http.StatusBadRequest, res.StatusCode, out)
			body := obj(t, out)
			assert.Equal(t, "invalid_request_error", path(body, "error", "type"))
			assert.Contains(t, path(body, "error"), "param", "OpenAI's error shape")
			assert.Contains(t, path(body, "error", "message"), tt.want)
		})
	}
	assert.Equal(t, 0, s.Model().InFlight())

	res, out := do(t, c, "GET", s.URL+"/v1/responses", "")
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	assert.Equal(t, "POST", res.Header.Get("Allow"))
	assert.Equal(t, "invalid_request_error", path(obj(t, out), "error", "type"))

	res, out = do(t, c, "POST", s.URL+"/v1/response", `{"input":"a"}`)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, path(obj(t, out), "error", "message"), "POST /v1/responses", "the 404 lists the route")
}

func TestServerResponsesMidStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  sim.Config
	}{
		{"zero latency", sim.Config{Seed: 9, MidStreamFailureRate: 1}},
		{"timed", sim.Config{Seed: 9, MidStreamFailureRate: 1, InterTokenLatency: time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sim.Start(t, sim.ServerConfig{Config: tc.cfg})
			twin := twinOf(t, s)
			c := client(t)

			res := send(t, t.Context(), c, "POST", s.URL+"/v1/responses", `{"input":"x","max_output_tokens":20,"stream":true}`)
			require.Equal(t, 200, res.StatusCode)
			out, err := io.ReadAll(res.Body)
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "a cut stream")
			plan := twin.Plan(1, 20)
			require.Equal(t, sim.FaultMidStream, plan.Fault)
			r := assembleResponses(t, parseSSE(t, string(out), true))
			assert.Nil(t, r.final, "no response.completed nor response.incomplete")
			assert.Equal(t, []string{"response.created", "response.in_progress", "response.output_item.added",
				"response.content_part.added", "response.output_text.delta"}, r.events)
			assert.Equal(t, plan.FaultAt, r.textDeltas, "the tokens before the failure")
			assert.True(t, strings.HasPrefix(twin.Text(plan), r.text))

			// Not streaming: the connection is cut before any response.
			res2, err := c.Post(s.URL+"/v1/responses", "application/json", strings.NewReader(`{"input":"x","max_output_tokens":20}`))
			if err == nil {
				res2.Body.Close()
			}
			assert.Error(t, err)
			waitFor(t, "capacity to be freed", func() bool { return s.Model().InFlight() == 0 })
		})
	}
}

// TestServerResponsesStall checks a stall on /v1/responses: the events due
// before it arrive at once, then the stream pauses, then it completes.
func TestServerResponsesStall(t *testing.T) {
	const stall = 200 * time.Millisecond
	s := sim.Start(t, sim.ServerConfig{Config: sim.Config{Seed: 3, StallRate: 1, StallDuration: stall}})
	twin := twinOf(t, s)
	res := send(t, t.Context(), client(t), "POST", s.URL+"/v1/responses", `{"input":"x","max_output_tokens":20,"stream":true}`)
	require.Equal(t, 200, res.StatusCode)
	plan := twin.Plan(1, 20)
	require.Equal(t, sim.FaultStall, plan.Fault)

	var before strings.Builder
	for range 4 + plan.FaultAt { // created, in_progress, item and part added, FaultAt deltas
		before.WriteString(firstEvent(t, res.Body))
	}
	stalledAt := time.Now()
	rest, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(stalledAt), stall/2, "the stream paused")
	r := assembleResponses(t, parseSSE(t, before.String()+string(rest), true))
	require.NotNil(t, r.final)
	assert.Equal(t, twin.Text(plan), r.text, "a stalled stream completes")
	assert.Equal(t, "incomplete", r.final["status"])
}
