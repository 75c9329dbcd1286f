package llmtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/anthropic"
	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/reporters"
)

// historyEndpoint replies to a chat payload with the length of its
// history and the assistant messages it holds, so that a test sees which
// replies each turn carried.
type historyEndpoint struct {
	failAt int // fail the call with this 1-based number; 0: never

	mu    sync.Mutex
	calls int
	seen  [][]string // per call, the messages as "role:content"
}

func (h *historyEndpoint) Info() endpoints.Info {
	return endpoints.Info{Provider: "fake", Model: "history"}
}

func (h *historyEndpoint) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	msgs, _, err := chatMessages(p)
	if err != nil {
		return nil, err
	}
	var prompt []string
	for _, m := range msgs {
		prompt = append(prompt, fmt.Sprint(m["role"], ":", m["content"]))
	}
	return &endpoints.Request{Payload: p, Prompt: strings.Join(prompt, "\n"), Stream: true, Data: prompt}, nil
}

func (h *historyEndpoint) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	h.mu.Lock()
	h.calls++
	n := h.calls
	h.seen = append(h.seen, req.Data.([]string))
	h.mu.Unlock()
	if n == h.failAt {
		return errors.New("injected")
	}
	rec.Text(fmt.Sprintf("len%d", len(req.Data.([]string))))
	return nil
}

func convPayload(text string) endpoints.Payload {
	return endpoints.Payload{"messages": []any{
		map[string]any{"role": "system", "content": "be brief"},
		map[string]any{"role": "user", "content": text},
	}}
}

func TestTurnsCarryTheServersReplies(t *testing.T) {
	ep := &historyEndpoint{}
	res, err := (&Runner{Config: Config{Endpoint: ep, Payloads: convPayload("hi"), Turns: 3, Requests: 6, Progress: Progress{Off: true}}}).Run(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	turn1 := []string{"system:be brief", "user:hi"}
	turn2 := append(append([]string{}, turn1...), "assistant:len2", "user:hi")
	turn3 := append(append([]string{}, turn2...), "assistant:len4", "user:hi")
	want := [][]string{turn1, turn2, turn3, turn1, turn2, turn3}
	assert.Equal(t, want, ep.seen, "histories")
	var got []string
	for _, inv := range res.Invocations {
		got = append(got, fmt.Sprintf("%s/%d", inv.Conversation, inv.Turn))
	}
	assert.Equal(t, []string{"c0-0/1", "c0-0/2", "c0-0/3", "c0-1/1", "c0-1/2", "c0-1/3"}, got, "conversation/turn")
	if res.Run.Config.Turns != 3 {
		t.Errorf("Run.Config.Turns = %d, want 3", res.Run.Config.Turns)
	}
}

func TestFailedTurnEndsItsConversation(t *testing.T) {
	ep := &historyEndpoint{failAt: 2}
	res, err := (&Runner{Config: Config{Endpoint: ep, Payloads: convPayload("hi"), Turns: 3, Requests: 4, Progress: Progress{Off: true}}}).Run(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, inv := range res.Invocations {
		got = append(got, fmt.Sprintf("%s/%d", inv.Conversation, inv.Turn))
	}
	assert.Equal(t, []string{"c0-0/1", "c0-0/2", "c0-1/1", "c0-1/2"}, got, "conversation/turn")
	if len(ep.seen[2]) != 2 {
		t.Errorf("turn after a failure sent %q, want a fresh conversation", ep.seen[2])
	}
}

func TestTurnsDefaultRequests(t *testing.T) {
	ep := &historyEndpoint{}
	res, err := (&Runner{Config: Config{Endpoint: ep, Payloads: []endpoints.Payload{convPayload("a"), convPayload("b")}, Turns: 2, Progress: Progress{Off: true}}}).Run(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Invocations); n != 4 {
		t.Fatalf("%d requests, want 2 payloads × 2 turns", n)
	}
	if got := ep.seen[3]; got[len(got)-1] != "user:b" || got[len(got)-2] != "assistant:len2" {
		t.Errorf("second conversation's turn 2 = %q, want payload b's history", got)
	}
}

func TestTurnPayloadShapes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		user, want any
	}{
		{"openai chat", "hi", "R"},
		{"anthropic blocks", []any{map[string]any{"type": "text", "text": "hi"}}, []any{map[string]any{"type": "text", "text": "R"}}},
		{"converse blocks", []any{map[string]any{"text": "hi"}}, []any{map[string]any{"text": "R"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := endpoints.Payload{"model": "m", "messages": []map[string]any{{"role": "user", "content": tc.user}}}
			q, err := turnPayload(p, []string{"R"})
			if err != nil {
				t.Fatal(err)
			}
			want := []any{
				map[string]any{"role": "user", "content": tc.user},
				map[string]any{"role": "assistant", "content": tc.want},
				map[string]any{"role": "user", "content": tc.user},
			}
			assert.Equal(t, want, q["messages"], "messages")
			if len(p["messages"].([]map[string]any)) != 1 {
				t.Error("turnPayload changed the payload it was given")
			}
		})
	}
}

func TestTurnsConfigErrors(t *testing.T) {
	ep := &historyEndpoint{}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Endpoint: ep, Payloads: convPayload("x"), Turns: -1}, "Config.Turns: must not be negative"},
		{Config{Endpoint: ep, Payloads: convPayload("x"), Turns: 2, Rate: 5}, "Config.Turns: needs a closed loop"},
		{Config{Endpoint: ep, Payloads: convPayload("x"), ThinkTime: time.Second}, "Config.ThinkTime: needs Config.Turns"},
		{Config{Endpoint: ep, Payloads: convPayload("x"), Turns: 2, ThinkTime: -1}, "Config.ThinkTime: must not be negative"},
		{Config{Endpoint: &fakeEndpoint{}, Payloads: endpoints.Payload{"prompt": "x"}, Turns: 2}, `payload 0: multi-turn conversations need chat payloads with a "messages" array`},
		{Config{Endpoint: ep, Payloads: endpoints.Payload{"messages": []any{map[string]any{"role": "system", "content": "s"}}}, Turns: 2}, `need a "user" message`},
	} {
		err := tc.cfg.Check()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check() = %v, want an error containing %q", err, tc.want)
		}
	}
}

func TestThinkTimeBetweenTurns(t *testing.T) {
	ep := &historyEndpoint{}
	const think = 20 * time.Millisecond
	res, err := (&Runner{Config: Config{Endpoint: ep, Payloads: convPayload("hi"), Turns: 2, ThinkTime: think, Requests: 2, Progress: Progress{Off: true}}}).Run(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := res.Invocations[0], res.Invocations[1]
	if gap := b.RequestTime.Sub(a.RequestTime.Add(a.TimeToEnd)); gap < think {
		t.Errorf("turn 2 sent %v after turn 1 ended, want at least the think time %v", gap, think)
	}
}

func TestInvocationTurnJSON(t *testing.T) {
	in := Invocation{ID: "x", Conversation: "c1-2", Turn: 3}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"conversation_id":"c1-2","turn":3`) {
		t.Errorf("JSON %s lacks the conversation keys", b)
	}
	var out Invocation
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Conversation != "c1-2" || out.Turn != 3 {
		t.Errorf("decoded %q/%d, want c1-2/3", out.Conversation, out.Turn)
	}
	b, _ = json.Marshal(Invocation{ID: "y"})
	if strings.Contains(string(b), "turn") {
		t.Errorf("single request's JSON %s has turn keys", b)
	}
}

// TestTurnStatsSim runs conversations against the simulator, whose time to
// first token grows with the input (PrefillPerToken): the per-turn median
// TTFT must rise with the turn, as the history does.
func TestTurnStatsSim(t *testing.T) {
	ep, err := sim.New(sim.Config{Seed: 1, FirstTokenLatency: time.Millisecond, PrefillPerToken: time.Millisecond, MaxOutputTokens: 20})
	if err != nil {
		t.Fatal(err)
	}
	p := endpoints.Payload{"stream": true, "messages": []any{map[string]any{"role": "user", "content": "tell me a long story about the sea please"}}}
	res, err := (&Runner{Config: Config{Endpoint: ep, Payloads: p, Clients: 2, Turns: 4, Requests: 8, OutputPath: t.TempDir(), Progress: Progress{Off: true}}}).Run(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	// The exact figures per turn, from the records.
	type exact struct {
		n          int
		input      float64
		ttft, ttlt []float64
	}
	ts := make([]exact, 4)
	for _, inv := range res.Invocations {
		require.True(t, inv.Turn >= 1 && inv.Turn <= 4 && inv.Succeeded(), "request %s: turn %d, %s", inv.ID, inv.Turn, inv.Error)
		e := &ts[inv.Turn-1]
		e.n++
		e.input += float64(inv.NumTokensInput)
		e.ttft = append(e.ttft, inv.TimeToFirstToken.Seconds())
		e.ttlt = append(e.ttlt, inv.TimeToLastToken.Seconds())
	}
	median := func(s []float64) float64 { slices.Sort(s); return Percentile(s, 50) }
	for i := range ts {
		if ts[i].n != 4 {
			t.Fatalf("turn %d: %d requests, want 4", i+1, ts[i].n)
		}
		ts[i].input /= 4
		if i > 0 && !(median(ts[i].ttft) > median(ts[i-1].ttft) && ts[i].input > ts[i-1].input && median(ts[i].ttlt) > median(ts[i-1].ttlt)) {
			t.Errorf("turn %d does not grow over turn %d", i+1, i)
		}
	}
	// The run model's turns agree with the exact figures: the same
	// counts and mean context, the medians within the histograms' error.
	if len(res.Run.Turns) != 4 {
		t.Fatalf("the model has %d turns, want 4: %+v", len(res.Run.Turns), res.Run.Turns)
	}
	for i, mt := range res.Run.Turns {
		if mt.Turn != i+1 || mt.Requests != 4 || mt.Failed != 0 {
			t.Errorf("model turn %d: turn %d, %d requests, %d failed; want turn %d, 4, 0", i, mt.Turn, mt.Requests, mt.Failed, i+1)
		}
		if in := mt.Metric("num_tokens_input"); in == nil || in.Average != ts[i].input || in.N != 4 {
			t.Errorf("model turn %d: input tokens %+v, want a mean of %.1f over 4", i+1, in, ts[i].input)
		}
		for _, c := range []struct {
			name string
			want float64
		}{{"time_to_first_token", median(ts[i].ttft)}, {"time_to_last_token", median(ts[i].ttlt)}} {
			m := mt.Metric(c.name)
			if m == nil || m.Exact || math.Abs(m.P50-c.want) > reporters.RelativeError*c.want {
				t.Errorf("model turn %d: %s %+v, want p50 %v within %g, from histograms", i+1, c.name, m, c.want, reporters.RelativeError)
			}
		}
	}
	sum := res.SummaryText()
	if !strings.Contains(sum, "turn  input tokens  ttft p50  ttft p90  ttlt p50  ttlt p90  failed  n") || !strings.Contains(sum, "4          96.0") {
		t.Errorf("summary lacks the per-turn table:\n%s", sum)
	}
	var md strings.Builder
	if err := reporters.NewMarkdown(&md).Write(&res.Run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| turn | input tokens | ttft p50 | ttft p90 | ttlt p50 | ttlt p90 | failed | n |") ||
		!strings.Contains(md.String(), "| 4 | 96.0 | ") {
		t.Errorf("Markdown lacks the per-turn table:\n%s", md.String())
	}
	// The model's turns, in report.json, read back equal.
	back, err := LoadResult(res.OutputPath)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(res.Run.Turns)
	got, _ := json.Marshal(back.Run.Turns)
	assert.JSONEq(t, string(want), string(got), "the loaded model's turns")
}

// TestTurnsOverTheWire runs conversations through the OpenAI chat and the
// Anthropic messages endpoints against the simulator's HTTP server, with
// string and block contents: each turn's input, as the server counted it,
// grows by the previous reply and the repeated user message.
func TestTurnsOverTheWire(t *testing.T) {
	s, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Seed: 1, MaxOutputTokens: 5}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	oa, err := openai.New(openai.Config{BaseURL: s.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	an, err := anthropic.New(anthropic.Config{BaseURL: s.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = oa.Close(); _ = an.Close() })
	for _, tc := range []struct {
		name string
		ep   endpoints.Endpoint
		user any
	}{
		{"openai chat", oa, "one two three"},
		{"anthropic blocks", an, []any{map[string]any{"type": "text", "text": "one two three"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := endpoints.Payload{"max_tokens": 5, "stream": true, "messages": []any{map[string]any{"role": "user", "content": tc.user}}}
			res, err := (&Runner{Config: Config{Endpoint: tc.ep, Payloads: p, Turns: 3, Requests: 3, Progress: Progress{Off: true}}}).Run(context.Background(), Config{})
			if err != nil {
				t.Fatal(err)
			}
			var in []int
			for _, inv := range res.Invocations {
				if !inv.Succeeded() {
					t.Fatalf("turn %d failed: %s", inv.Turn, inv.Error)
				}
				in = append(in, inv.NumTokensInput)
			}
			// Each turn adds the 5-token reply and the 3-word user message.
			assert.Equal(t, []int{3, 11, 19}, in, "input tokens per turn")
		})
	}
}
