package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/endpointstest"
	"github.com/llmtest/llmtest/endpoints/sim"
)

// The in-process endpoint answers OpenAI-style payloads. Latencies are zero
// here, so the example runs at once; a real test sets FirstTokenLatency and
// InterTokenLatency.
func Example() {
	ep, err := sim.New(sim.Config{Seed: 1, TokensPerChunk: 2})
	if err != nil {
		panic(err)
	}
	req, err := ep.Prepare(endpoints.Payload{
		"messages":   []any{map[string]any{"role": "user", "content": "Tell me a short story."}},
		"max_tokens": 5,
	})
	if err != nil {
		panic(err)
	}
	var rec endpointstest.Recorder
	if err := ep.Invoke(context.Background(), req, &rec); err != nil {
		panic(err)
	}
	fmt.Println("id:", rec.ResponseID)
	fmt.Println("chunks:", len(rec.Chunks))
	fmt.Printf("usage: %d in, %d out\n", rec.LastUsage.InputTokens, rec.LastUsage.OutputTokens)
	fmt.Printf("text: %q\n", rec.Output())
	// Output:
	// id: chatcmpl-sim-1
	// chunks: 3
	// usage: 5 in, 5 out
	// text: "paper green small line from"
}

// A Model can be driven directly, as an HTTP handler would: plan a request,
// then generate it chunk by chunk. Here every request fails mid-stream.
func ExampleModel_Generate() {
	m, err := sim.NewModel(sim.Config{Seed: 7, MidStreamFailureRate: 1})
	if err != nil {
		panic(err)
	}
	p := m.Plan(12, 8)
	var got []string
	err = m.Generate(context.Background(), p, func(chunk string) error {
		got = append(got, chunk)
		return nil
	})
	fmt.Println("fault:", p.Fault, "after", p.FaultAt, "of", p.OutputTokens, "tokens")
	fmt.Printf("received: %q\n", strings.Join(got, ""))
	fmt.Printf("complete: %q\n", m.Text(p))
	var injected *sim.InjectedError
	fmt.Println("injected:", errors.As(err, &injected), err)
	// Output:
	// fault: mid-stream after 7 of 8 tokens
	// received: "metal far east builder page must again"
	// complete: "metal far east builder page must again idea"
	// injected: true sim: injected fault (mid-stream) in request 1
}

// Plans depend only on the seed and the arrival number, so the faults among
// the first N requests are the same on every run, at any concurrency.
func ExampleModel_Plan() {
	m, err := sim.NewModel(sim.Config{
		Seed:                 2026,
		MinOutputTokens:      16,
		MaxOutputTokens:      64,
		ErrorRate:            0.02,
		MidStreamFailureRate: 0.01,
		StallRate:            0.05,
	})
	if err != nil {
		panic(err)
	}
	faults := map[sim.Fault]int{}
	tokens := 0
	for range 1000 {
		p := m.Plan(100, 0)
		faults[p.Fault]++
		tokens += p.OutputTokens
	}
	for _, f := range []sim.Fault{sim.FaultNone, sim.FaultError, sim.FaultMidStream, sim.FaultStall} {
		fmt.Printf("%s: %d\n", f, faults[f])
	}
	fmt.Println("output tokens:", tokens)
	// Output:
	// none: 924
	// error: 21
	// mid-stream: 8
	// stall: 47
	// output tokens: 39895
}

// A Server speaks the OpenAI API over real HTTP on a loopback address. Here
// a plain client streams a chat completion and reads its events.
func ExampleNewServer() {
	srv, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Seed: 1}, APIKey: "sk-test"})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/v1/chat/completions", strings.NewReader(
		`{"model":"llmtest-sim","messages":[{"role":"user","content":"Hello"}],"max_tokens":4,"stream":true}`))
	req.Header.Set("Authorization", "Bearer sk-test")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)

	var text, finish string
	events := strings.Split(strings.TrimSuffix(string(body), "\n\n"), "\n\n")
	for _, ev := range events {
		var chunk struct {
			Choices []struct {
				Delta        struct{ Content string }
				FinishReason string `json:"finish_reason"`
			}
		}
		if json.Unmarshal([]byte(strings.TrimPrefix(ev, "data: ")), &chunk) == nil && len(chunk.Choices) > 0 {
			text += chunk.Choices[0].Delta.Content
			finish += chunk.Choices[0].FinishReason
		}
	}
	fmt.Println(res.Status, res.Header.Get("Content-Type"))
	fmt.Println("events:", len(events), "last:", events[len(events)-1])
	fmt.Printf("text: %q, finish_reason: %s\n", text, finish)
	// Output:
	// 200 OK text/event-stream
	// events: 7 last: data: [DONE]
	// text: "paper green small line", finish_reason: length
}

// In a test, Start serves the simulator until the test ends: its
// t.Cleanup closes the server, so no goroutine outlives the test. An
// example has no *testing.T to give it, so this one shows the test
// without running it.
func ExampleStart() {
	testHealth := func(t *testing.T) { // func TestHealth(t *testing.T) in a _test.go file
		srv := sim.Start(t, sim.ServerConfig{Config: sim.Config{FirstTokenLatency: 20 * time.Millisecond}})
		res, err := http.Get(srv.URL + "/health")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET /health: %s", res.Status)
		}
	}
	_ = testHealth
}

// Listen serves on a loopback address of one's choosing, as `llmtest sim
// --addr` does, and refuses any other.
func ExampleListen() {
	srv, err := sim.Listen("localhost:0", sim.ServerConfig{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	fmt.Println(strings.HasPrefix(srv.URL, "http://127.0.0.1:"))

	_, err = sim.Listen("0.0.0.0:8080", sim.ServerConfig{})
	fmt.Println(errors.Is(err, sim.ErrNotLoopback))
	// Output:
	// true
	// true
}

// NewHandler serves a model of one's own from any http.Server; here an
// httptest server answers Anthropic's Messages API.
func ExampleNewHandler() {
	m, err := sim.NewModel(sim.Config{Seed: 3, MaxOutputTokens: 6})
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(sim.NewHandler(m, sim.ServerConfig{}))
	defer ts.Close()

	res, err := http.Post(ts.URL+"/v1/messages", "application/json", strings.NewReader(
		`{"model":"claude-sim","max_tokens":100,"messages":[{"role":"user","content":"Hi"}]}`))
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var msg struct {
		ID         string
		Content    []struct{ Type, Text string }
		StopReason string `json:"stop_reason"`
		Usage      struct {
			InputTokens  int `json:"input_tokens"`
			OutputTokens int `json:"output_tokens"`
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&msg); err != nil {
		panic(err)
	}
	fmt.Println(msg.ID, msg.StopReason, msg.Usage.InputTokens, msg.Usage.OutputTokens)
	fmt.Printf("%s: %q\n", msg.Content[0].Type, msg.Content[0].Text)
	// Output:
	// msg_sim_1 end_turn 1 6
	// text: "often together also field sometimes calm"
}

// GenerateWith calls BeforeSleep just before the model sleeps, which is
// where a transport that buffers its output flushes it: with zero latency
// the hook is never called, and each chunk of a timed response is followed
// by a sleep until the next one is due.
func ExampleModel_GenerateWith() {
	for _, itl := range []time.Duration{0, 25 * time.Millisecond} {
		m, err := sim.NewModel(sim.Config{InterTokenLatency: itl})
		if err != nil {
			panic(err)
		}
		var buffered, flushes int
		err = m.GenerateWith(context.Background(), m.Plan(0, 4), sim.Hooks{
			Emit:        func(string) error { buffered++; return nil },
			BeforeSleep: func() error { flushes++; buffered = 0; return nil },
		})
		fmt.Printf("latency %v: %d flushes, %d chunks left for the last write, %v\n", itl, flushes, buffered, err)
	}
	// Output:
	// latency 0s: 0 flushes, 4 chunks left for the last write, <nil>
	// latency 25ms: 3 flushes, 1 chunks left for the last write, <nil>
}
