package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
)

func responsesPayload() endpoints.Payload {
	return endpoints.Payload{"input": "Say hi", "max_output_tokens": 16}
}

// rev is one Responses API stream event: its type as the SSE event name,
// and data, which should carry the type too.
func rev(typ, data string) string { return "event: " + typ + "\ndata: " + data }

// Events of the Responses API transcripts, as OpenAI sends them.
var (
	rCreated    = rev("response.created", `{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","error":null,"incomplete_details":null,"output":[],"usage":null}}`)
	rInProgress = rev("response.in_progress", `{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[],"usage":null}}`)
	rItemAdded  = rev("response.output_item.added", `{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_1","type":"message","status":"in_progress","role":"assistant","content":[]}}`)
	rPartAdded  = rev("response.content_part.added", `{"type":"response.content_part.added","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}`)
	rHello      = rev("response.output_text.delta", `{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hello","logprobs":[]}`)
	rWorld      = rev("response.output_text.delta", `{"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_1","output_index":0,"content_index":0,"delta":" world","logprobs":[]}`)
	rEmptyDelta = rev("response.output_text.delta", `{"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_1","output_index":0,"content_index":0,"delta":""}`)
	rTextDone   = rev("response.output_text.done", `{"type":"response.output_text.done","sequence_number":6,"item_id":"msg_1","output_index":0,"content_index":0,"text":"Hello world","logprobs":[]}`)
	rItemDone   = rev("response.output_item.done", `{"type":"response.output_item.done","sequence_number":7,"output_index":0,"item":{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hello world","annotations":[]}]}}`)
	rSummary    = rev("response.reasoning_summary_text.delta", `{"type":"response.reasoning_summary_text.delta","sequence_number":2,"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Planning"}`)
	rReasoning  = rev("response.reasoning_text.delta", `{"type":"response.reasoning_text.delta","sequence_number":3,"item_id":"rs_1","output_index":0,"content_index":0,"delta":"Let me see"}`)
	rCompleted  = rev("response.completed", `{"type":"response.completed","sequence_number":8,"response":{"id":"resp_1","object":"response","status":"completed","error":null,"incomplete_details":null,`+
		`"output":[{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hello world","annotations":[]}]}],`+
		`"usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":8},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":5},"total_tokens":19}}}`)
	rIncompleteLength = rev("response.incomplete", `{"type":"response.incomplete","sequence_number":8,"response":{"id":"resp_1","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[],"usage":{"input_tokens":12,"output_tokens":16}}}`)
	rIncompleteFilter = rev("response.incomplete", `{"type":"response.incomplete","sequence_number":8,"response":{"id":"resp_1","status":"incomplete","incomplete_details":{"reason":"content_filter"},"output":[],"usage":{"input_tokens":12,"output_tokens":2}}}`)
	rFailed           = rev("response.failed", `{"type":"response.failed","sequence_number":6,"response":{"id":"resp_1","status":"failed","error":{"code":"server_error","message":"The model crashed"},"incomplete_details":null,"output":[],"usage":null}}`)
	rError            = rev("error", `{"type":"error","code":"rate_limit_exceeded","message":"Too many requests","param":null,"sequence_number":3}`)
)

var (
	rUsage  = endpoints.Usage{InputTokens: 12, OutputTokens: 7, CachedInputTokens: 8, ReasoningTokens: 5}
	rPrefix = []string{rCreated, rInProgress, rItemAdded, rPartAdded}
	rSuffix = []string{rTextDone, rItemDone, rCompleted}
)

// events concatenates lists of events.
func events(lists ...[]string) []string {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	return all
}

func TestResponsesStreamTranscripts(t *testing.T) {
	type want struct {
		chunks    []string
		reasoning []string
		id        string
		usage     endpoints.Usage
		err       string // substring of the error; empty for success
		errIs     error
	}
	hello := []string{"Hello", " world"}
	full := lf(events(rPrefix, []string{rHello, rWorld}, rSuffix)...)
	tests := []struct {
		name       string
		transcript string
		modes      []string
		want       want
	}{
		{"LF", full, nil, want{chunks: hello, id: "resp_1", usage: rUsage}},
		{"CRLF", strings.ReplaceAll(full, "\n", "\r\n"), nil, want{chunks: hello, id: "resp_1", usage: rUsage}},
		{"split into single bytes", full, []string{byteWise}, want{chunks: hello, id: "resp_1", usage: rUsage}},
		{"CRLF split into single bytes", strings.ReplaceAll(full, "\n", "\r\n"), []string{byteWise}, want{chunks: hello, id: "resp_1", usage: rUsage}},
		{"reasoning deltas", lf(rCreated, rSummary, rReasoning, rHello, rCompleted), nil,
			want{chunks: []string{"Hello"}, reasoning: []string{"Planning", "Let me see"}, id: "resp_1", usage: rUsage}},
		{"empty deltas are no tokens", lf(rCreated, rEmptyDelta, rHello, rEmptyDelta, rCompleted), nil, want{chunks: []string{"Hello"}, id: "resp_1", usage: rUsage}},
		{"null delta", lf(rev("response.output_text.delta", `{"type":"response.output_text.delta","delta":null}`), rHello, rCompleted), nil,
			want{chunks: []string{"Hello"}, id: "resp_1", usage: rUsage}},
		{"unknown event types ignored", lf(rCreated,
			rev("response.output_text.annotation.added", `{"type":"response.output_text.annotation.added","annotation":{"type":"url_citation"}}`),
			rev("response.refusal.delta", `{"type":"response.refusal.delta","delta":"no"}`),
			rev("response.function_call_arguments.delta", `{"type":"response.function_call_arguments.delta","delta":"{\"a\":"}`),
			rev("response.someday.new", `{"type":"response.someday.new","delta":{"x":1},"response":7}`),
			"event: ping\ndata: {}", rHello, rCompleted), nil,
			want{chunks: []string{"Hello"}, id: "resp_1", usage: rUsage}},
		{"comments, keep-alives and events without data", ": ping\n\n" + "event: response.in_progress\n\n" + lf(rCreated, "data:", rHello) + ": ping\n\n" + lf(rCompleted), nil,
			want{chunks: []string{"Hello"}, id: "resp_1", usage: rUsage}},
		{"type from the event name", lf(`event: response.output_text.delta`+"\n"+`data: {"delta":"Hi"}`, `event: response.completed`+"\n"+`data: {"response":{"id":"r9","usage":{"input_tokens":3,"output_tokens":1}}}`), nil,
			want{chunks: []string{"Hi"}, id: "r9", usage: endpoints.Usage{InputTokens: 3, OutputTokens: 1}}},
		{"type in the data wins", lf(`event: message`+"\n"+`data: {"type":"response.output_text.delta","delta":"Hi"}`, `data: {"type":"response.completed","response":{}}`), nil,
			want{chunks: []string{"Hi"}}},
		{"id from the first event that has one", lf(rHello, rev("response.in_progress", `{"type":"response.in_progress","response":{"id":"first"}}`), rCompleted), nil,
			want{chunks: []string{"Hello"}, id: "first", usage: rUsage}},
		{"incomplete at max_output_tokens is a success", lf(rCreated, rHello, rIncompleteLength), nil,
			want{chunks: []string{"Hello"}, id: "resp_1", usage: endpoints.Usage{InputTokens: 12, OutputTokens: 16}}},
		{"final event without blank line", lf(rCreated, rHello) + rCompleted, nil, want{chunks: []string{"Hello"}, id: "resp_1", usage: rUsage}},

		{"response.failed", lf(rCreated, rHello, rFailed), nil, want{chunks: []string{"Hello"}, id: "resp_1",
			err: "openai: server error: The model crashed (code server_error, after 2 events)"}},
		{"response.failed without an error object", lf(rCreated, rev("response.failed", `{"type":"response.failed","response":{"status":"failed"}}`)), nil,
			want{id: "resp_1", err: "openai: server error: response failed (after 1 events)"}},
		{"response.incomplete for another reason", lf(rCreated, rHello, rIncompleteFilter), nil, want{chunks: []string{"Hello"}, id: "resp_1",
			usage: endpoints.Usage{InputTokens: 12, OutputTokens: 2}, err: "openai: response incomplete: content_filter (after 2 events)"}},
		{"response.incomplete without a reason", lf(rev("response.incomplete", `{"type":"response.incomplete","response":{"status":"incomplete"}}`)), nil,
			want{err: "openai: response incomplete: no reason given"}},
		{"error event", lf(rCreated, rHello, rError), nil, want{chunks: []string{"Hello"}, id: "resp_1",
			err: "openai: server error: Too many requests (code rate_limit_exceeded, after 2 events)"}},
		{"error event with an error object", lf(rev("error", `{"type":"error","error":{"type":"invalid_request_error","code":"bad","message":"No such model"}}`)), nil,
			want{err: "openai: server error: No such model (type invalid_request_error, code bad)"}},
		{"error event with text", "event: error\n" + lf("data: worker died"), nil, want{err: "openai: server error: worker died"}},
		{"error object without a type", lf(rHello, `data: {"error":{"message":"Model overloaded","code":503}}`), nil,
			want{chunks: []string{"Hello"}, err: "openai: server error: Model overloaded (code 503, after 1 events)"}},
		{"ends without a final event", lf(events(rPrefix, []string{rHello, rWorld, rTextDone})...), nil, want{chunks: hello, id: "resp_1",
			err: "openai: stream ended after 7 events without response.completed", errIs: endpoints.ErrIncompleteStream}},
		{"ends inside an event", lf(rCreated, rHello) + rWorld[:40], nil, want{chunks: []string{"Hello"}, id: "resp_1",
			err: "openai: stream ended inside an event after 2 events, without response.completed", errIs: endpoints.ErrIncompleteStream}},
		{"ends inside a delta event that is whole", lf(rCreated, rHello) + rWorld, nil, want{chunks: []string{"Hello"}, id: "resp_1",
			err: "openai: stream ended inside an event after 2 events, without response.completed", errIs: endpoints.ErrIncompleteStream}},
		{"[DONE] before the final event", lf(rCreated, rHello, dDone), nil, want{chunks: []string{"Hello"}, id: "resp_1",
			err: "openai: stream ended by [DONE] after 2 events, without response.completed", errIs: endpoints.ErrIncompleteStream}},
		{"empty body", "", nil, want{err: "after 0 events without response.completed", errIs: endpoints.ErrIncompleteStream}},
		{"not an event stream", "<html>Welcome to the captive portal</html>", nil, want{
			err: `after 0 events, without response.completed (the response's Content-Type is "text/html")`, errIs: endpoints.ErrIncompleteStream}},
		{"invalid JSON event", lf(rHello, `event: response.output_text.delta`+"\n"+`data: {"delta":`, rCompleted), nil, want{chunks: []string{"Hello"},
			err: "openai: stream event 2: invalid JSON: unexpected end of input"}},
		{"delta of the wrong type", lf(rev("response.output_text.delta", `{"type":"response.output_text.delta","delta":["a"]}`), rCompleted), nil,
			want{err: "openai: stream event 1 (response.output_text.delta): delta: want a string, got an array"}},
		{"reasoning delta of the wrong type", lf(rev("response.reasoning_text.delta", `{"type":"response.reasoning_text.delta","delta":1}`), rCompleted), nil,
			want{err: "openai: stream event 1 (response.reasoning_text.delta): delta: want a string, got a number"}},
		{"response of the wrong type", lf(rHello, rev("response.completed", `{"type":"response.completed","response":"done"}`)), nil,
			want{chunks: []string{"Hello"}, err: "openai: stream event 2 (response.completed): response: want an object, got a string"}},
		{"usage of the wrong type", lf(rHello, rev("response.completed", `{"type":"response.completed","response":{"usage":{"output_tokens":"7"}}}`)), nil,
			want{chunks: []string{"Hello"}, err: "openai: stream event 2: response.usage.output_tokens: want a number, got a string"}},
	}
	for _, tt := range tests {
		modes := tt.modes
		if modes == nil {
			modes = []string{whole, perLine}
		}
		for _, mode := range modes {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				srv := newServer(t, serveSSE(tt.transcript, mode))
				e := newEndpoint(t, srv, Config{API: Responses})
				var rec endpointstest.Recorder
				err := invoke(t, e, responsesPayload(), &rec)
				if tt.want.err == "" {
					require.NoError(t, err)
				} else {
					require.Error(t, err)
					require.Contains(t, err.Error(), tt.want.err)
					if tt.want.errIs != nil {
						require.ErrorIs(t, err, tt.want.errIs)
					}
				}
				assert.Equal(t, tt.want.chunks, rec.Chunks, "text chunks")
				assert.Equal(t, tt.want.reasoning, rec.ReasoningChunks, "reasoning chunks")
				assert.Equal(t, tt.want.id, rec.ResponseID, "id")
				assert.Equal(t, tt.want.usage, rec.LastUsage, "usage")
				assert.Zero(t, rec.CompleteCalls, "Complete is for whole responses")
			})
		}
	}
}

func TestResponsesStreamErrorTypes(t *testing.T) {
	run := func(t *testing.T, transcript string) error {
		srv := newServer(t, serveSSE(transcript, whole))
		e := newEndpoint(t, srv, Config{API: Responses})
		return invoke(t, e, responsesPayload(), &endpointstest.Recorder{})
	}
	t.Run("response.failed", func(t *testing.T) {
		var rerr *ResponseError
		require.ErrorAs(t, run(t, lf(rCreated, rFailed)), &rerr)
		assert.Equal(t, "The model crashed", rerr.Message)
		assert.Equal(t, "server_error", rerr.Code)
		assert.Equal(t, 1, rerr.Chunks)
	})
	t.Run("error event", func(t *testing.T) {
		var rerr *ResponseError
		require.ErrorAs(t, run(t, lf(rError)), &rerr)
		assert.Equal(t, "Too many requests", rerr.Message)
		assert.Equal(t, "rate_limit_exceeded", rerr.Code)
		assert.Zero(t, rerr.Chunks)
	})
	t.Run("response.incomplete", func(t *testing.T) {
		err := run(t, lf(rCreated, rHello, rIncompleteFilter))
		var ierr *IncompleteError
		require.ErrorAs(t, err, &ierr)
		assert.Equal(t, IncompleteError{Reason: "content_filter", Events: 2}, *ierr)
		assert.NotErrorIs(t, err, endpoints.ErrIncompleteStream, "the stream was whole")
	})
}

func TestResponsesStreamEventOrder(t *testing.T) {
	srv := newServer(t, serveSSE(lf(rCreated, rSummary, rHello, rCompleted), whole))
	e := newEndpoint(t, srv, Config{API: Responses})
	var rec endpointstest.Recorder
	require.NoError(t, invoke(t, e, responsesPayload(), &rec))
	assert.Equal(t, []string{"id", "reasoning", "text", "usage"}, rec.Events)
}

// wholeBody is a non-streaming Responses API response with a reasoning
// item and two message items.
const wholeBody = `{"id":"resp_9","object":"response","created_at":1741476777,"status":"completed","error":null,"incomplete_details":null,"model":"o4-mini",` +
	`"output":[{"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"Greeting. "},{"type":"summary_text","text":"Keep it short."}]},` +
	`{"id":"rs_2","type":"reasoning","summary":[],"content":[{"type":"reasoning_text","text":"The user says hi."}]},` +
	`{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]},{"type":"refusal","refusal":"-"}]},` +
	`{"id":"fc_1","type":"function_call","call_id":"c","name":"f","arguments":"{}"},` +
	`{"id":"msg_2","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":" there!","annotations":[]}]}],` +
	`"usage":{"input_tokens":9,"input_tokens_details":{"cached_tokens":2},"output_tokens":30,"output_tokens_details":{"reasoning_tokens":24},"total_tokens":39}}`

func TestResponsesWhole(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		text      string
		reasoning []string
		id        string
		usage     endpoints.Usage
		err       string
	}{
		{"message and reasoning items", wholeBody, "Hi there!", []string{"Greeting. Keep it short.", "The user says hi."}, "resp_9",
			endpoints.Usage{InputTokens: 9, OutputTokens: 30, CachedInputTokens: 2, ReasoningTokens: 24}, ""},
		{"incomplete at max_output_tokens", `{"id":"r","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[{"type":"message","content":[{"type":"output_text","text":"Cut"}]}],"usage":{"input_tokens":3,"output_tokens":16}}`,
			"Cut", nil, "r", endpoints.Usage{InputTokens: 3, OutputTokens: 16}, ""},
		{"no status, no output", `{"id":"r"}`, "", nil, "r", endpoints.Usage{}, ""},
		{"failed status", `{"id":"r","status":"failed","error":{"code":"server_error","message":"The model crashed"},"output":[]}`, "", nil, "", endpoints.Usage{},
			"openai: server error: The model crashed (code server_error)"},
		{"failed without an error", `{"id":"r","status":"failed"}`, "", nil, "", endpoints.Usage{}, "openai: server error: response failed"},
		{"error object in a 200", `{"error":{"message":"quota exceeded","type":"insufficient_quota"}}`, "", nil, "", endpoints.Usage{},
			"openai: server error: quota exceeded (type insufficient_quota)"},
		{"incomplete for another reason", `{"id":"r","status":"incomplete","incomplete_details":{"reason":"content_filter"},"output":[]}`, "", nil, "", endpoints.Usage{},
			"openai: response incomplete: content_filter"},
		{"queued", `{"id":"r","status":"queued","output":[]}`, "", nil, "", endpoints.Usage{}, `openai: response: status "queued", want "completed"`},
		{"not JSON", `<html>oops</html>`, "", nil, "", endpoints.Usage{}, "openai: response: invalid JSON at offset 0"},
		{"wrong type", `{"output":[{"type":"message","content":[{"type":"output_text","text":7}]}]}`, "", nil, "", endpoints.Usage{},
			"openai: response: output[0].content[0].text: want a string, got a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.body)
			}))
			e := newEndpoint(t, srv, Config{API: Responses})
			p := responsesPayload()
			p["stream"] = false
			var rec endpointstest.Recorder
			err := invoke(t, e, p, &rec)
			if tt.err != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), tt.err)
				assert.Zero(t, rec.CompleteCalls)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, rec.CompleteCalls)
			assert.Equal(t, tt.text, rec.Completed)
			assert.Empty(t, rec.Chunks, "no streamed text")
			assert.Equal(t, tt.reasoning, rec.ReasoningChunks)
			assert.Equal(t, tt.id, rec.ResponseID)
			assert.Equal(t, tt.usage, rec.LastUsage)
			if len(tt.reasoning) > 0 {
				assert.Equal(t, "reasoning", firstOf(rec.Events, "reasoning", "complete"), "reasoning before Complete")
			}
		})
	}
	t.Run("error types", func(t *testing.T) {
		for body, check := range map[string]func(error){
			`{"status":"failed","error":{"code":"c","message":"m"}}`: func(err error) {
				var rerr *ResponseError
				require.ErrorAs(t, err, &rerr)
				assert.Equal(t, "m", rerr.Message)
				assert.Equal(t, "c", rerr.Code)
			},
			`{"status":"incomplete","incomplete_details":{"reason":"max_messages"}}`: func(err error) {
				var ierr *IncompleteError
				require.ErrorAs(t, err, &ierr)
				assert.Equal(t, IncompleteError{Reason: "max_messages"}, *ierr)
			},
		} {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, body)
			}))
			e := newEndpoint(t, srv, Config{API: Responses})
			p := responsesPayload()
			p["stream"] = false
			check(invoke(t, e, p, &endpointstest.Recorder{}))
		}
	})
}

func TestResponsesRequestShape(t *testing.T) {
	t.Run("streaming", func(t *testing.T) {
		srv, got := captureServer(t, serveSSE(lf(rHello, rCompleted), whole))
		e := newEndpoint(t, srv, Config{API: Responses, APIKey: testKey, Model: "m1",
			Headers: map[string]string{"OpenAI-Project": "proj-1"}})
		p := responsesPayload()
		p["reasoning"] = map[string]any{"effort": "low", "summary": "auto"}
		p["instructions"] = "Be brief."
		before := p.Clone()
		require.NoError(t, invoke(t, e, p, &endpointstest.Recorder{}))
		c := <-got
		assert.Equal(t, http.MethodPost, c.method)
		assert.Equal(t, "/v1/responses", c.path)
		assert.Empty(t, c.query)
		assert.Equal(t, "Bearer "+testKey, c.header.Get("Authorization"))
		assert.Equal(t, "application/json", c.header.Get("Content-Type"))
		assert.Equal(t, "text/event-stream", c.header.Get("Accept"))
		assert.Equal(t, "proj-1", c.header.Get("OpenAI-Project"))
		assert.Equal(t, map[string]any{
			"model": "m1", "input": "Say hi", "instructions": "Be brief.", "max_output_tokens": float64(16), "stream": true,
			"reasoning": map[string]any{"effort": "low", "summary": "auto"},
		}, c.body, "stream true, no stream_options")
		assert.Equal(t, before, p, "the caller's payload is not changed")
	})
	t.Run("payload settings win", func(t *testing.T) {
		srv, got := captureServer(t, serveSSE(lf(rHello, rCompleted), whole))
		e := newEndpoint(t, srv, Config{API: Responses, Model: "m1"})
		p := responsesPayload()
		p["model"] = "own"
		p["stream_options"] = map[string]any{"include_obfuscation": false}
		require.NoError(t, invoke(t, e, p, &endpointstest.Recorder{}))
		c := <-got
		assert.Equal(t, "own", c.body["model"])
		assert.Equal(t, map[string]any{"include_obfuscation": false}, c.body["stream_options"])
	})
	t.Run("non-streaming on Azure", func(t *testing.T) {
		srv, got := captureServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"r","status":"completed","output":[]}`)
		})
		e, err := New(Config{BaseURL: srv.URL + "/openai", API: Responses, APIVersion: "2025-04-01-preview", Model: "my-deployment",
			Headers: map[string]string{"api-key": testKey}})
		require.NoError(t, err)
		p := responsesPayload()
		p["stream"] = false
		require.NoError(t, invoke(t, e, p, &endpointstest.Recorder{}))
		c := <-got
		assert.Equal(t, "/openai/responses", c.path)
		assert.Equal(t, "api-version=2025-04-01-preview", c.query)
		assert.Equal(t, testKey, c.header.Get("api-key"))
		assert.Empty(t, c.header.Get("Authorization"))
		assert.Equal(t, "application/json", c.header.Get("Accept"))
		assert.Equal(t, false, c.body["stream"])
		assert.Equal(t, "my-deployment", c.body["model"])
		assert.NotContains(t, c.body, "stream_options")
	})
}

func TestResponsesInfo(t *testing.T) {
	e, err := New(Config{BaseURL: "https://api.openai.com/v1/", APIKey: testKey, Model: "gpt-4.1", API: Responses})
	require.NoError(t, err)
	assert.Equal(t, endpoints.Info{Provider: "openai", Model: "gpt-4.1", Name: "responses", URL: "https://api.openai.com/v1"}, e.Info())
	assert.Equal(t, "https://api.openai.com/v1/responses", e.url)
}

func TestResponsesSecretsNeverInErrors(t *testing.T) {
	const headerSecret = "hdr-secret-9876543210"
	echo := "Incorrect API key provided: " + testKey + " (header " + headerSecret + ")"
	quoted, err := json.Marshal(echo)
	require.NoError(t, err)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"response.failed", serveSSE(lf(rev("response.failed", `{"type":"response.failed","response":{"status":"failed","error":{"code":"`+testKey+`","message":`+string(quoted)+`}}}`)), whole)},
		{"error event", serveSSE(lf(rev("error", `{"type":"error","code":"`+headerSecret+`","message":`+string(quoted)+`}`)), whole)},
		{"error event with text", serveSSE("event: error\n"+lf("data: "+echo), whole)},
		{"response.incomplete", serveSSE(lf(rev("response.incomplete", `{"type":"response.incomplete","response":{"incomplete_details":{"reason":"`+testKey+`"}}}`)), whole)},
		{"failed whole response", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"status":"failed","error":{"message":`+string(quoted)+`}}`)
		}},
		{"unknown status", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"status":"`+testKey+`"}`)
		}},
		{"status error", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"error":{"message":`+string(quoted)+`}}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.handler)
			e := newEndpoint(t, srv, Config{API: Responses, APIKey: testKey, Headers: map[string]string{"X-Api-Token": headerSecret}})
			p := responsesPayload()
			if strings.Contains(tt.name, "whole") || strings.Contains(tt.name, "status") {
				p["stream"] = false
			}
			err := invoke(t, e, p, &endpointstest.Recorder{})
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testKey)
			assert.NotContains(t, err.Error(), headerSecret)
			assert.Contains(t, err.Error(), "[REDACTED]")
		})
	}
}

// TestResponsesConnectionReuse checks that a connection is reused after a
// stream that ends with response.completed, and after a whole response.
func TestResponsesConnectionReuse(t *testing.T) {
	for _, stream := range []bool{true, false} {
		t.Run(fmt.Sprint("stream=", stream), func(t *testing.T) {
			var conns atomic.Int32
			h := serveSSE(lf(events(rPrefix, []string{rHello, rWorld}, rSuffix)...), perLine)
			if !stream {
				h = func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, wholeBody) }
			}
			srv := httptest.NewUnstartedServer(h)
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			e := newEndpoint(t, srv, Config{API: Responses})
			p := responsesPayload()
			p["stream"] = stream
			req, err := e.Prepare(p)
			require.NoError(t, err)
			for i := range 20 {
				require.NoError(t, e.Invoke(context.Background(), req, &endpointstest.Recorder{}), "request %d", i)
			}
			assert.Equal(t, int32(1), conns.Load(), "connections opened for 20 sequential requests")
		})
	}
}

func TestResponsesJSONInsteadOfStream(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"r","status":"failed","error":{"code":"server_error","message":"streaming broke"}}`)
	}))
	e := newEndpoint(t, srv, Config{API: Responses})
	err := invoke(t, e, responsesPayload(), &endpointstest.Recorder{})
	require.ErrorContains(t, err, "openai: server error: streaming broke (code server_error)")
}

func TestPrepareResponses(t *testing.T) {
	e, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", API: Responses})
	require.NoError(t, err)

	t.Run("string input", func(t *testing.T) {
		p := endpoints.Payload{"input": "Tell me a story", "instructions": "Be brief.", "max_output_tokens": 64}
		before := p.Clone()
		req, err := e.Prepare(p)
		require.NoError(t, err)
		assert.Equal(t, before, p, "p is not modified")
		assert.Equal(t, "Be brief.\nTell me a story", req.Prompt)
		assert.True(t, req.Stream)
		var body map[string]any
		require.NoError(t, json.Unmarshal(req.Body, &body))
		assert.Equal(t, map[string]any{"model": "m", "input": "Tell me a story", "instructions": "Be brief.", "max_output_tokens": float64(64), "stream": true}, body)
		assert.Equal(t, "m", req.Payload["model"], "Payload is what is sent")
	})
	t.Run("list of items", func(t *testing.T) {
		p := endpoints.Payload{
			"input": []any{
				map[string]any{"role": "developer", "content": "Answer in French."},
				map[string]any{"type": "message", "role": "user", "content": []any{
					map[string]any{"type": "input_text", "text": "Describe"},
					map[string]any{"type": "input_image", "image_url": "data:..."},
					map[string]any{"type": "text", "text": "this"},
				}},
				map[string]any{"type": "reasoning", "id": "rs_1", "summary": []any{}},
				map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "output_text", "text": "Une image."}}},
				map[string]any{"type": "function_call_output", "call_id": "c1", "output": "42"},
				map[string]any{"type": "item_reference", "id": "msg_0"},
			},
			"instructions": nil,
			"reasoning":    map[string]any{"effort": "high"},
			"stream":       false,
		}
		req, err := e.Prepare(p)
		require.NoError(t, err)
		assert.Equal(t, "Answer in French.\nDescribe\nthis\nUne image.", req.Prompt)
		assert.False(t, req.Stream)
		assert.NotContains(t, string(req.Body), "stream_options")
	})
	t.Run("constructor", func(t *testing.T) {
		p, err := ResponsesPayload("Hello", 32)
		require.NoError(t, err)
		assert.Equal(t, endpoints.Payload{"input": "Hello", "max_output_tokens": 32}, p)
		req, err := e.Prepare(p)
		require.NoError(t, err)
		assert.Equal(t, "Hello", req.Prompt)
		_, err = ResponsesPayload(" \t", 32)
		assert.EqualError(t, err, "openai: ResponsesPayload: input is empty")
		_, err = ResponsesPayload("x", -1)
		assert.EqualError(t, err, "openai: ResponsesPayload: maxOutputTokens: want a positive number, got -1")
	})

	msg := func(content any) map[string]any { return map[string]any{"role": "user", "content": content} }
	errs := []struct {
		name string
		p    endpoints.Payload
		want string
	}{
		{"no input", endpoints.Payload{"prompt": "x"}, "openai: payload: input: missing"},
		{"chat payload", chatPayload(), `openai: payload: input: missing (the payload has "messages", as Config.API "chat" expects)`},
		{"empty string", endpoints.Payload{"input": ""}, "openai: payload: input: want a non-empty string or a non-empty list of input items, got an empty string"},
		{"empty list", endpoints.Payload{"input": []any{}}, "openai: payload: input: want a non-empty string or a non-empty list of input items, got an empty list"},
		{"number", endpoints.Payload{"input": 3}, "openai: payload: input: want a non-empty string or a non-empty list of input items, got the number 3"},
		{"item not an object", endpoints.Payload{"input": []any{"hi"}}, "openai: payload: input[0]: want an object, got a string"},
		{"item without role or type", endpoints.Payload{"input": []any{msg("a"), map[string]any{"content": "b"}}}, `openai: payload: input[1]: want a message with a "role" or an item with a "type"`},
		{"bad type", endpoints.Payload{"input": []any{map[string]any{"type": 5}}}, "openai: payload: input[0].type: want a non-empty string, got the number 5"},
		{"message without role", endpoints.Payload{"input": []any{map[string]any{"type": "message", "content": "x"}}}, "openai: payload: input[0].role: want a non-empty string, got null or nothing"},
		{"empty role", endpoints.Payload{"input": []any{map[string]any{"role": "", "content": "x"}}}, "openai: payload: input[0].role: want a non-empty string, got an empty string"},
		{"no content", endpoints.Payload{"input": []any{map[string]any{"role": "user"}}}, "openai: payload: input[0].content: want a string or a list of parts, got null or nothing"},
		{"bad content", endpoints.Payload{"input": []any{msg(true)}}, "openai: payload: input[0].content: want a string or a list of parts, got a boolean"},
		{"part not an object", endpoints.Payload{"input": []any{msg([]any{"x"})}}, "openai: payload: input[0].content[0]: want an object, got a string"},
		{"part without type", endpoints.Payload{"input": []any{msg([]any{map[string]any{"text": "x"}})}}, "openai: payload: input[0].content[0].type: want a non-empty string, got null or nothing"},
		{"part without text", endpoints.Payload{"input": []any{msg([]any{map[string]any{"type": "input_text"}})}}, "openai: payload: input[0].content[0].text: want a string, got null or nothing"},
		{"bad instructions", withField(responsesPayload(), "instructions", []any{"x"}), "openai: payload: instructions: want a string, got a list"},
		{"bad reasoning", withField(responsesPayload(), "reasoning", "high"), "openai: payload: reasoning: want an object, got a string"},
		{"zero max_output_tokens", withField(responsesPayload(), "max_output_tokens", 0), "openai: payload: max_output_tokens: want a positive whole number, got the number 0"},
		{"fractional max_output_tokens", withField(responsesPayload(), "max_output_tokens", 2.5), "openai: payload: max_output_tokens: want a positive whole number, got the number 2.5"},
		{"string max_output_tokens", withField(responsesPayload(), "max_output_tokens", "9"), "openai: payload: max_output_tokens: want a positive whole number, got a string"},
		{"bad stream", withField(responsesPayload(), "stream", 1), "openai: payload: stream: want a boolean, got the number 1"},
		{"bad stream_options", withField(responsesPayload(), "stream_options", "x"), "openai: payload: stream_options: want an object, got a string"},
		{"bad model", withField(responsesPayload(), "model", ""), "openai: payload: model: want a non-empty string, got an empty string"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Prepare(tt.p)
			require.EqualError(t, err, tt.want)
		})
	}

	t.Run("max_tokens is not checked for Responses", func(t *testing.T) {
		_, err := e.Prepare(withField(responsesPayload(), "max_tokens", 0))
		require.NoError(t, err, "the server judges fields of other APIs")
	})
}

func TestResponsesContextCancelled(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, lf(rCreated, rHello))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	e := newEndpoint(t, srv, Config{API: Responses})
	req, err := e.Prepare(responsesPayload())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &cancelRecorder{onText: cancel}
	err = e.Invoke(ctx, req, rec)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "after 2 events")
	assert.Equal(t, []string{"Hello"}, rec.Chunks)
	assert.False(t, errors.Is(err, endpoints.ErrIncompleteStream))
}

func TestResponsesStreamBrokenConnection(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, lf(rCreated, rHello))
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack() // drop the connection mid-stream
		if assert.NoError(t, err) {
			_ = conn.Close()
		}
	}))
	e := newEndpoint(t, srv, Config{API: Responses})
	var rec endpointstest.Recorder
	err := invoke(t, e, responsesPayload(), &rec)
	require.ErrorIs(t, err, endpoints.ErrIncompleteStream)
	assert.Contains(t, err.Error(), "openai: stream broken after 2 events")
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the cause stays reachable")
	assert.Equal(t, []string{"Hello"}, rec.Chunks)
	assert.Equal(t, "resp_1", rec.ResponseID)
}
