package llmtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/reporters"
)

func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	res, err := (&Runner{}).Run(context.Background(), cfg)
	require.NoError(t, err)
	require.NotNil(t, res)
	return res
}

func TestRunAccounting(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{Chunks: []string{"hello", " big", " world"}}
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(4), Clients: 3, Requests: 5})
		assert.Len(t, records(t, res), 15)
		assert.Equal(t, int64(15), ep.calls.Load())
		assert.Equal(t, 15, res.Stats.TotalRequests)
		assert.Zero(t, res.Stats.FailedRequests)
		assert.False(t, res.Run.Interrupted)
		assert.Equal(t, 3, res.Run.Config.Clients)
		assert.Equal(t, 5, res.Run.Config.Requests)
		assert.Equal(t, reporters.Endpoint{Provider: "fake", Model: "fake-model", Name: "unit"}, res.Run.Endpoint)
		ids := map[string]bool{}
		for _, inv := range records(t, res) {
			assert.Equal(t, "hello big world", inv.ResponseText)
			assert.Equal(t, 3, inv.Chunks)
			assert.Len(t, inv.InterTokenLatencies, 2)
			assert.Positive(t, inv.TimeToFirstToken)
			assert.LessOrEqual(t, inv.TimeToFirstToken, inv.TimeToLastToken)
			assert.False(t, inv.RequestTime.IsZero())
			assert.False(t, ids[inv.ID], "ids are unique")
			ids[inv.ID] = true
		}
		assert.Positive(t, res.Stats.TotalTestTime)
		assert.Positive(t, res.Stats.RequestsPerMinute)
	})
}

func TestClientsStartAtDifferentOffsets(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{Chunks: []string{"x"}}
		// One request per client: client c sends payload c·n/C.
		m.run(t, Config{Endpoint: ep, Payloads: prompts(8), Clients: 4, Requests: 1})
		got := ep.prompts()
		slices.Sort(got)
		assert.Equal(t, []string{"p0", "p2", "p4", "p6"}, got)

		ep = &fakeEndpoint{Chunks: []string{"x"}}
		m.run(t, Config{Endpoint: ep, Payloads: prompts(3), Clients: 1})
		assert.Equal(t, []string{"p0", "p1", "p2"}, ep.prompts(), "Requests defaults to one pass over the payloads")
	})
}

func TestTimingsFollowTheRecorder(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{Chunks: []string{"a", "", "b", "c", "d"}, Gap: 2 * time.Millisecond}
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(1), Requests: 3})
		for _, inv := range records(t, res) {
			assert.Equal(t, 4, inv.Chunks, "empty deltas are not chunks")
			require.Len(t, inv.InterTokenLatencies, 3)
			var sum time.Duration
			for _, g := range inv.InterTokenLatencies {
				assert.GreaterOrEqual(t, g, time.Millisecond, "each gap spans the endpoint's sleep")
				sum += g
			}
			assert.GreaterOrEqual(t, inv.TimeToFirstToken, 2*time.Millisecond)
			assert.Equal(t, inv.TimeToLastToken, inv.TimeToFirstToken+sum, "TTLT = TTFT + the gaps")
			assert.Equal(t, FromTokenizer, inv.OutputTokensFrom)
			assert.Equal(t, 1, inv.NumTokensOutput, `"abcd" is one whitespace token`)
			assert.Zero(t, inv.TimePerOutputToken, "one output token: no TPOT")
		}
	})
}

func TestTPOTAndServerUsage(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{
			Chunks: []string{"a", " b", " c"}, Gap: time.Millisecond,
			Usage: endpoints.Usage{InputTokens: 7, OutputTokens: 5, CachedInputTokens: 2, ReasoningTokens: 1},
		}
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(1), Requests: 2})
		for _, inv := range records(t, res) {
			assert.Equal(t, 7, inv.NumTokensInput)
			assert.Equal(t, FromServer, inv.InputTokensFrom)
			assert.Equal(t, 5, inv.NumTokensOutput)
			assert.Equal(t, FromServer, inv.OutputTokensFrom)
			assert.Equal(t, 2, inv.NumTokensInputCached)
			assert.Equal(t, 1, inv.NumTokensReasoning)
			assert.Equal(t, FromServer, inv.ReasoningTokensFrom)
			assert.Equal(t, 4, inv.NumTokensVisible, "output minus reasoning")
			assert.Equal(t, (inv.TimeToLastToken-inv.TimeToFirstToken)/3, inv.TimePerOutputToken,
				"the visible window over the visible tokens in it")
		}
		assert.Equal(t, 14, res.Stats.TotalInputTokens)
		assert.Equal(t, 10, res.Stats.TotalOutputTokens)

		ep = &fakeEndpoint{Chunks: []string{"one two", " three"}}
		res = m.run(t, Config{Endpoint: ep, Payloads: []endpoints.Payload{{"prompt": "four words of input"}}})
		inv := records(t, res)[0]
		assert.Equal(t, 4, inv.NumTokensInput)
		assert.Equal(t, FromTokenizer, inv.InputTokensFrom)
		assert.Equal(t, 3, inv.NumTokensOutput)
		assert.Equal(t, FromTokenizer, inv.OutputTokensFrom)
	})
}

func TestTPOTDividesByVisibleTokens(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		// The server counts thinking among its output tokens but reports no
		// reasoning count (Anthropic): the tokenizer counts the reasoning text
		// and TPOT divides the visible window by what is left.
		ep := &fakeEndpoint{
			Reasoning: []string{"let me think", " about this one"}, // 6 whitespace tokens
			Chunks:    []string{"a", " b", " c", " d", " e"}, Gap: time.Millisecond,
			Usage: endpoints.Usage{InputTokens: 3, OutputTokens: 11},
		}
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(1), Requests: 2})
		for _, inv := range records(t, res) {
			assert.Equal(t, 11, inv.NumTokensOutput)
			assert.Equal(t, 6, inv.NumTokensReasoning)
			assert.Equal(t, FromTokenizer, inv.ReasoningTokensFrom)
			assert.Equal(t, 5, inv.NumTokensVisible)
			assert.Equal(t, (inv.TimeToLastToken-inv.TimeToFirstToken)/4, inv.TimePerOutputToken)
			assert.Less(t, inv.TimeToFirstOutput, inv.TimeToFirstToken, "reasoning came first")
		}

		// A tokenizer that counts half what the server counts (whitespace
		// words against BPE tokens) still splits the server's count in the
		// right proportion: 22 output tokens, 6:5 reasoning to visible.
		ep.Usage = endpoints.Usage{OutputTokens: 22}
		res = m.run(t, Config{Endpoint: ep, Payloads: prompts(1), Requests: 1})
		assert.Equal(t, 10, records(t, res)[0].NumTokensVisible)
		assert.Equal(t, 12, records(t, res)[0].NumTokensReasoning)

		// No usage at all: output tokens are the tokenizer's count of visible
		// and reasoning text together, and TPOT uses the visible ones.
		ep.Usage = endpoints.Usage{}
		res = m.run(t, Config{Endpoint: ep, Payloads: prompts(1), Requests: 1})
		inv := records(t, res)[0]
		assert.Equal(t, FromTokenizer, inv.OutputTokensFrom)
		assert.Equal(t, 11, inv.NumTokensOutput)
		assert.Equal(t, 5, inv.NumTokensVisible)
		assert.Equal(t, (inv.TimeToLastToken-inv.TimeToFirstToken)/4, inv.TimePerOutputToken)

		// The record says which count was used.
		line := string(inv.appendJSON(nil))
		assert.Contains(t, line, `"num_tokens_output_visible":5`)
		assert.Contains(t, line, `"num_tokens_reasoning_source":"tokenizer"`)

		// Reasoning only, no visible text: no TPOT.
		ep = &fakeEndpoint{Reasoning: []string{"hmm", " yes"}, Chunks: []string{"ok"}, Usage: endpoints.Usage{OutputTokens: 9, ReasoningTokens: 8}}
		res = m.run(t, Config{Endpoint: ep, Payloads: prompts(1), Requests: 1})
		assert.Equal(t, 1, records(t, res)[0].NumTokensVisible)
		assert.Zero(t, records(t, res)[0].TimePerOutputToken)
	})
}

func TestNonStreaming(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{Chunks: []string{"whole", " body"}}
		res := m.run(t, Config{Endpoint: ep, Payloads: endpoints.Payload{"prompt": "x", "stream": false}, Requests: 2})
		for _, inv := range records(t, res) {
			assert.Equal(t, "whole body", inv.ResponseText)
			assert.Zero(t, inv.TimeToFirstToken, "absent for non-streaming")
			assert.Zero(t, inv.TimePerOutputToken)
			assert.Empty(t, inv.InterTokenLatencies)
			assert.Positive(t, inv.TimeToLastToken)
		}
		assert.Zero(t, res.Stats.TimeToFirstToken.N)
		assert.Equal(t, 2, res.Stats.TimeToLastToken.N)
	})
}

func TestTimeoutIsARecordedFailure(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{Chunks: []string{"first", " never"}, Block: true}
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(1), Requests: 2, Timeout: 20 * time.Millisecond})
		require.Len(t, records(t, res), 2)
		for _, inv := range records(t, res) {
			assert.True(t, inv.Failed())
			assert.Equal(t, "timeout: no complete response within 20ms", inv.Error)
			assert.Positive(t, inv.TimeToFirstToken, "timings before the failure are kept")
			assert.Zero(t, inv.TimeToLastToken)
			assert.Equal(t, "first", inv.ResponseText)
		}
		assert.Equal(t, 2, res.Stats.FailedRequests)
		assert.Equal(t, 1.0, res.Stats.FailedRequestsRate)
		assert.False(t, res.Run.Interrupted, "timeouts do not interrupt the run")
	})
}

func TestFailuresAreData(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{
			Chunks: []string{"a", " b", " c"},
			FailAt: 2,
			Fail: func(n int64) error {
				switch n % 3 {
				case 0:
					return &endpoints.StatusError{StatusCode: 503, Message: "overloaded"}
				case 1:
					return errors.New("stream cut")
				}
				return nil
			},
		}
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(5), Clients: 4, Requests: 30})
		st := res.Stats
		assert.Equal(t, 120, st.TotalRequests)
		assert.Equal(t, 80, st.FailedRequests)
		var ok, status int
		for _, inv := range records(t, res) {
			if !inv.Failed() {
				ok++
				continue
			}
			assert.Zero(t, inv.TimeToLastToken)
			assert.Equal(t, "a b", inv.ResponseText, "partial text kept")
			if inv.StatusCode == 503 {
				status++
				assert.Equal(t, "HTTP 503: overloaded", inv.Error)
			} else {
				assert.Equal(t, "stream cut", inv.Error)
			}
		}
		assert.Equal(t, 40, ok)
		assert.Equal(t, 40, status)
		assert.Equal(t, 40, st.TimeToLastToken.N, "failed requests are excluded from latency aggregates")
		assert.Equal(t, 80, st.InterTokenLatency.N, "two gaps per successful request")
	})
}

type panicky struct{ fakeEndpoint }

func (p *panicky) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	if p.calls.Add(1) == 3 {
		panic("boom")
	}
	rec.Text("ok")
	return nil
}

func TestEndpointPanicIsFatalButKeepsResults(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		res, err := (&Runner{}).Run(context.Background(), m.config(t, Config{Endpoint: &panicky{}, Payloads: prompts(1), Requests: 10}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "panicked: boom")
		require.NotNil(t, res)
		assert.True(t, res.Run.Interrupted)
		require.Len(t, records(t, res), 3)
		assert.Equal(t, "endpoint panicked: boom", records(t, res)[2].Error)
	})
}

// recordingCallback logs every call as "<name>:<method>".
type recordingCallback struct {
	name string
	log  *[]string
	mu   *sync.Mutex
	err  map[string]error
}

func (c recordingCallback) add(m string) error {
	c.mu.Lock()
	*c.log = append(*c.log, c.name+":"+m)
	c.mu.Unlock()
	return c.err[m]
}

func (c recordingCallback) BeforeRun(ctx context.Context, cfg Config) error {
	return c.add("BeforeRun")
}

func (c recordingCallback) BeforeInvoke(ctx context.Context, p endpoints.Payload) error {
	p["prompt"] = p["prompt"].(string) + " " + c.name
	return c.add("BeforeInvoke")
}

func (c recordingCallback) AfterInvoke(ctx context.Context, inv *Invocation) error {
	inv.ResponseText += "+" + c.name
	return c.add("AfterInvoke")
}

func (c recordingCallback) AfterRun(ctx context.Context, res *Result) error {
	return c.add("AfterRun")
}

func TestCallbacksInListOrder(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		var (
			log []string
			mu  sync.Mutex
		)
		a := recordingCallback{name: "a", log: &log, mu: &mu}
		b := recordingCallback{name: "b", log: &log, mu: &mu}
		ep := &fakeEndpoint{Chunks: []string{"out"}}
		payloads := prompts(1)
		res := m.run(t, Config{Endpoint: ep, Payloads: payloads, Requests: 2, Callbacks: []Callback{a, b}})
		// AfterInvoke runs on the collector while the client may already be
		// preparing its next request, so only the order within each hook and
		// the run's bracket are fixed.
		require.Len(t, log, 12)
		assert.Equal(t, []string{"a:BeforeRun", "b:BeforeRun"}, log[:2])
		assert.Equal(t, []string{"a:AfterRun", "b:AfterRun"}, log[10:])
		var before, after []string
		for _, l := range log[2:10] {
			if strings.HasSuffix(l, "BeforeInvoke") {
				before = append(before, l)
			} else {
				after = append(after, l)
			}
		}
		assert.Equal(t, []string{"a:BeforeInvoke", "b:BeforeInvoke", "a:BeforeInvoke", "b:BeforeInvoke"}, before)
		assert.Equal(t, []string{"a:AfterInvoke", "b:AfterInvoke", "a:AfterInvoke", "b:AfterInvoke"}, after)
		assert.Equal(t, []string{"p0 a b", "p0 a b"}, ep.prompts(), "the endpoint sends the changed copy")
		assert.Equal(t, "p0", payloads[0]["prompt"], "the original payload is untouched")
		assert.Equal(t, "out+a+b", records(t, res)[0].ResponseText, "AfterInvoke may change the record")
		assert.Equal(t, 3, records(t, res)[0].NumTokensInput, `"p0 a b" counted after the change`)
	})
}

type afterOnly struct {
	NopCallback
	n atomic.Int64
}

func (c *afterOnly) AfterInvoke(context.Context, *Invocation) error { c.n.Add(1); return nil }

func TestNopBeforeInvokeSkipsThePayloadCopy(t *testing.T) {
	cb := &afterOnly{}
	ep := &fakeEndpoint{Chunks: []string{"x"}}
	var reqs []*endpoints.Request
	var mu sync.Mutex
	ep.OnInvoke = func(r *endpoints.Request) { mu.Lock(); reqs = append(reqs, r); mu.Unlock() }
	run(t, Config{Endpoint: ep, Payloads: prompts(1), Requests: 5, Callbacks: []Callback{cb}})
	assert.Equal(t, int64(5), cb.n.Load())
	require.Len(t, reqs, 5)
	// The first request learns that BeforeInvoke is NopCallback's; from
	// then on the request prepared before the run is sent as it is.
	for _, r := range reqs[1:] {
		assert.Same(t, reqs[1], r)
	}
}

func TestCallbackErrorsAreFatal(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		for _, method := range []string{"BeforeRun", "BeforeInvoke", "AfterInvoke", "AfterRun"} {
			t.Run(method, func(t *testing.T) {
				var (
					log []string
					mu  sync.Mutex
				)
				boom := errors.New("boom")
				cb := recordingCallback{name: "a", log: &log, mu: &mu, err: map[string]error{method: boom}}
				ep := &fakeEndpoint{Chunks: []string{"x"}}
				res, err := (&Runner{}).Run(context.Background(), m.config(t, Config{Endpoint: ep, Payloads: prompts(1), Requests: 50, Callbacks: []Callback{cb}}))
				require.ErrorIs(t, err, boom)
				assert.Contains(t, err.Error(), "Callbacks[0]."+method)
				if method == "BeforeRun" {
					assert.Nil(t, res)
					assert.Zero(t, ep.calls.Load())
					return
				}
				require.NotNil(t, res)
				assert.Equal(t, int(ep.calls.Load()), len(records(t, res)), "every request sent is in the result")
				assert.Contains(t, log, "a:AfterRun", "AfterRun runs on a failed run")
				if method == "AfterRun" {
					assert.False(t, res.Run.Interrupted, "the load itself completed")
					assert.Len(t, records(t, res), 50)
				} else {
					assert.True(t, res.Run.Interrupted)
					assert.Less(t, len(records(t, res)), 50, "the run stopped early")
				}
			})
		}
	})
}

func TestDurationRunStopsOnTime(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{Chunks: []string{"x"}, Gap: 2 * time.Millisecond}
		d := 150 * time.Millisecond
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(3), Clients: 2, Duration: d})
		assert.False(t, res.Run.Interrupted)
		assert.Zero(t, res.Run.Config.Requests)
		assert.Equal(t, d.Seconds(), res.Run.Config.Duration)
		assert.GreaterOrEqual(t, res.Stats.TotalTestTime, d)
		// No request starts after d; the last ones end one request later. The
		// bound is loose so a loaded machine cannot flake it.
		assert.Less(t, res.Stats.TotalTestTime, d+time.Second)
		// Each client sends until the time is up: more than one request
		// each, however loaded the machine (2ms each, 150ms in all).
		assert.Greater(t, len(records(t, res)), 2*2)
		// A client decides to send before d and stamps RequestTime when
		// the request goes out; a loaded machine can deschedule it between
		// the two, so a client's last request may carry a time just past d.
		// None sends another after that: at most one late request each,
		// two in all.
		late := 0
		for _, inv := range records(t, res) {
			if inv.RequestTime.Sub(res.Run.StartTime) >= d {
				late++
			}
		}
		assert.LessOrEqual(t, late, 2, "requests sent after Duration ended")
	})
}

// countingCancel cancels the run's context once n invocations completed.
type countingCancel struct {
	NopCallback
	n      int
	seen   int
	cancel context.CancelFunc
}

func (c *countingCancel) AfterInvoke(context.Context, *Invocation) error {
	c.seen++
	if c.seen == c.n {
		c.cancel()
	}
	return nil
}

func TestCancellationKeepsAPartialInterruptedResult(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		out := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cb := &countingCancel{n: 5, cancel: cancel}
		ep := &fakeEndpoint{Chunks: []string{"x", " y"}, Gap: time.Millisecond}
		res, err := (&Runner{}).Run(ctx, m.config(t, Config{
			Endpoint: ep, Payloads: prompts(2), Clients: 3, Requests: 1000,
			OutputPath: out, RunName: "cut", Callbacks: []Callback{cb},
		}))
		require.ErrorIs(t, err, ErrInterrupted)
		require.ErrorIs(t, err, context.Canceled)
		require.NotNil(t, res)
		assert.True(t, res.Run.Interrupted)
		sent := int(ep.calls.Load())
		assert.Equal(t, sent, len(records(t, res)), "every request sent is in the result")
		assert.GreaterOrEqual(t, sent, 5)
		assert.Less(t, sent, 3000)
		ok := 0
		for _, inv := range records(t, res) {
			if inv.Succeeded() {
				ok++
				continue
			}
			assert.True(t, inv.Cancelled, "a request cut by the interruption is cancelled")
			assert.True(t, strings.HasPrefix(inv.Error, "cancelled: context canceled"), inv.Error)
		}
		assert.GreaterOrEqual(t, ok, 5, "completed requests are kept")

		// The artifacts hold the same partial run, and read back as interrupted.
		dir := filepath.Join(out, "cut")
		assert.Equal(t, dir, res.OutputPath)
		loaded, err := LoadResult(dir)
		require.NoError(t, err)
		assert.True(t, loaded.Run.Interrupted)
		assert.Len(t, records(t, loaded), sent)
		assert.Equal(t, res.Stats.TotalRequests, loaded.Stats.TotalRequests)
		assert.Equal(t, res.Stats.FailedRequests, loaded.Stats.FailedRequests)
	})
}

func TestCancelledRequestsAreNeitherSuccessesNorFailures(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		out := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// The first 6 requests complete; later ones stream a chunk and then
		// hang until the run is interrupted, after the 6th completion.
		ep := &fakeEndpoint{Chunks: []string{"x", " y"}, BlockAfter: 6}
		cb := &countingCancel{n: 6, cancel: cancel}
		res, err := (&Runner{}).Run(ctx, m.config(t, Config{
			Endpoint: ep, Payloads: prompts(2), Clients: 3, Requests: 100,
			OutputPath: out, RunName: "cut", Callbacks: []Callback{cb},
		}))
		require.ErrorIs(t, err, ErrInterrupted)
		st := res.Stats
		assert.Equal(t, int(ep.calls.Load()), st.TotalRequests, "every request sent is counted")
		assert.Equal(t, 6, st.TotalRequests-st.CancelledRequests)
		assert.Positive(t, st.CancelledRequests)
		assert.Zero(t, st.FailedRequests, "a cancelled request is not a failure")
		assert.Zero(t, st.FailedRequestsRate)
		assert.Equal(t, 6, st.TimeToFirstToken.N, "cancelled requests are left out of latency aggregates")
		assert.Equal(t, 6, st.TimeToLastToken.N)
		assert.Equal(t, 12, st.TotalOutputTokens)
		assert.Equal(t, float64(st.CancelledRequests), res.Run.Stats()["cancelled_requests"])
		for _, inv := range records(t, res) {
			if !inv.Cancelled {
				continue
			}
			assert.False(t, inv.Failed())
			if inv.Chunks > 0 { // one cut before its first chunk has none
				assert.Positive(t, inv.TimeToFirstToken, "what arrived before the cut is kept on the record")
				assert.NotEmpty(t, inv.ResponseText)
			}
		}
		assert.Contains(t, res.SummaryText(), fmt.Sprintf("%d cancelled", st.CancelledRequests))

		// responses.jsonl keeps the cancelled requests, marked, and they read
		// back as cancelled.
		lines := readLines(t, filepath.Join(out, "cut", ResponsesFile))
		assert.Len(t, lines, st.TotalRequests)
		assert.Equal(t, st.CancelledRequests, strings.Count(strings.Join(lines, "\n"), `"cancelled":true`))
		loaded, err := LoadResult(filepath.Join(out, "cut"))
		require.NoError(t, err)
		assert.Equal(t, st.CancelledRequests, loaded.Stats.CancelledRequests)
		assert.Zero(t, loaded.Stats.FailedRequests)
	})
}

func TestArtifacts(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		out := t.TempDir()
		ep := &fakeEndpoint{Chunks: []string{"a", " b"}, FailAt: 1, Fail: func(n int64) error {
			if n == 2 {
				return errors.New("cut")
			}
			return nil
		}}
		res := m.run(t, Config{
			Endpoint: ep, Payloads: prompts(3), Requests: 3, OutputPath: out, RunName: "art",
			Description: "artifact test",
		})
		dir := filepath.Join(out, "art")
		for _, f := range []string{RunConfigFile, PayloadFile, ResponsesFile, SummaryFile, StatsFile} {
			assert.FileExists(t, filepath.Join(dir, f))
		}

		var rc map[string]any
		readJSON(t, filepath.Join(dir, RunConfigFile), &rc)
		assert.Equal(t, "art", rc["run_name"])
		assert.Equal(t, "fake", rc["provider"])
		assert.Equal(t, "fake-model", rc["model_id"])
		assert.Equal(t, 60.0, rc["timeout"])

		lines := readLines(t, filepath.Join(dir, PayloadFile))
		assert.Equal(t, []string{`{"prompt":"p0"}`, `{"prompt":"p1"}`, `{"prompt":"p2"}`}, lines)

		lines = readLines(t, filepath.Join(dir, ResponsesFile))
		require.Len(t, lines, 3)
		var failed map[string]any
		for _, l := range lines {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &m), l)
			for _, k := range []string{"id", "request_time", "input_prompt", "response_text", "time_to_first_token",
				"time_to_last_token", "time_per_output_token", "num_tokens_input", "num_tokens_output", "error",
				"num_tokens_input_source", "num_tokens_output_source", "chunks"} {
				assert.Contains(t, m, k)
			}
			if m["error"] != nil {
				failed = m
			}
		}
		require.NotNil(t, failed)
		assert.Equal(t, "cut", failed["error"])
		assert.Nil(t, failed["time_to_last_token"], "absent is null, not zero")
		assert.Nil(t, failed["time_per_output_token"])
		assert.Equal(t, "a", failed["response_text"])

		var sum map[string]any
		readJSON(t, filepath.Join(dir, SummaryFile), &sum)
		assert.Equal(t, 3.0, sum["total_requests"])
		assert.Equal(t, false, sum["interrupted"])
		assert.Equal(t, "artifact test", sum["run_description"])
		var st map[string]any
		readJSON(t, filepath.Join(dir, StatsFile), &st)
		assert.Equal(t, 1.0, st["failed_requests"])
		assert.Contains(t, st, "time_to_first_token-p99")
		assert.Equal(t, "art", st["run_name"])

		loaded, err := LoadResult(dir)
		require.NoError(t, err)
		assert.False(t, loaded.Run.Interrupted)
		assert.Equal(t, res.Run.Stats(), loaded.Run.Stats())
		assert.Equal(t, res.Stats, loaded.Stats)
		assert.Equal(t, res.Run.Endpoint, loaded.Run.Endpoint)
		assert.Equal(t, records(t, res)[0].InterTokenLatencies, records(t, loaded)[0].InterTokenLatencies)
		assert.True(t, res.Run.StartTime.Equal(loaded.Run.StartTime))
	})
}

func TestLoadResultAfterACrash(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		out := t.TempDir()
		m.run(t, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, Payloads: prompts(2), Requests: 4, OutputPath: out, RunName: "crash"})
		dir := filepath.Join(out, "crash")
		// A crash leaves no summary and no model, and may tear the last line.
		for _, f := range []string{SummaryFile, StatsFile, ReportJSONFile} {
			require.NoError(t, os.Remove(filepath.Join(dir, f)))
		}
		f, err := os.OpenFile(filepath.Join(dir, ResponsesFile), os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = f.WriteString(`{"id":"torn","request_ti`)
		require.NoError(t, err)
		require.NoError(t, f.Close())

		res, err := LoadResult(dir)
		require.NoError(t, err)
		assert.True(t, res.Run.Interrupted)
		assert.Equal(t, "crash", res.Run.Name)
		assert.Len(t, records(t, res), 4)
		assert.Positive(t, res.Stats.TotalTestTime, "time span rebuilt from the records")

		// A malformed line that is not the last is an error naming the line.
		require.NoError(t, os.WriteFile(filepath.Join(dir, ResponsesFile), []byte("{\"id\":\"a\"}\n{oops\n{\"id\":\"b\"}\n"), 0o644))
		_, err = LoadResult(dir)
		assert.ErrorContains(t, err, "responses.jsonl:2")
		_, err = LoadResult(t.TempDir())
		assert.ErrorIs(t, err, os.ErrNotExist)
	})
}

func TestNoGoroutineOutlivesARun(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	cb := &countingCancel{n: 3, cancel: cancel}
	ep := &fakeEndpoint{Chunks: []string{"a"}, Gap: time.Millisecond}
	_, _ = (&Runner{}).Run(ctx, Config{Endpoint: ep, Payloads: prompts(2), Clients: 16, Requests: 100, Callbacks: []Callback{cb}})
	run(t, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}, Block: true}, Payloads: prompts(1), Clients: 8, Timeout: 5 * time.Millisecond})
	cancel()
	// Timer goroutines of the runtime may take a moment to park; poll.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestInvocationJSONRoundTrip(t *testing.T) {
	tm := time.Date(2026, 11, 27, 1, 2, 3, 456789012, time.UTC)
	inv := Invocation{
		ID: "id-1", RequestTime: tm, InputPrompt: "say \"hi\"\n<tag>&\u2028", ResponseText: "ünï\x00\tcode\xff",
		TimeToFirstToken: 1234567 * time.Nanosecond, TimeToFirstOutput: 1000, TimeToLastToken: 3 * time.Second,
		TimePerOutputToken: 1, InterTokenLatencies: []time.Duration{0, 1, 999999999},
		NumTokensInput: 0, InputTokensFrom: FromTokenizer, NumTokensOutput: 12, OutputTokensFrom: FromServer,
		NumTokensInputCached: 3, NumTokensReasoning: 4, ReasoningTokensFrom: FromServer, NumTokensVisible: 8,
		Chunks: 4, Retries: 1, StatusCode: 0,
	}
	b, err := json.Marshal(inv)
	require.NoError(t, err)
	// Strings are escaped as encoding/json escapes them.
	var generic map[string]any
	require.NoError(t, json.Unmarshal(b, &generic))
	assert.Equal(t, inv.InputPrompt, generic["input_prompt"])
	assert.Equal(t, "ünï\x00\tcode\ufffd", generic["response_text"])
	assert.Equal(t, "2026-11-27T01:02:03.456789012Z", generic["request_time"], "full precision")
	assert.Equal(t, 0.0, generic["num_tokens_input"], "a present zero stays zero")

	var back Invocation
	require.NoError(t, json.Unmarshal(b, &back))
	inv.ResponseText = "ünï\x00\tcode\ufffd"
	assert.Equal(t, inv, back)

	var missing Invocation
	require.NoError(t, json.Unmarshal([]byte(`{"id":"x","num_tokens_output":3,"time_to_first_token":null}`), &missing))
	assert.Equal(t, FromServer, missing.OutputTokensFrom, "LLMeter records carry server counts")
	assert.Equal(t, 3, missing.NumTokensVisible, "visible tokens derived for older records")
	assert.False(t, missing.Cancelled)
	var legacy Invocation
	require.NoError(t, json.Unmarshal([]byte(`{"id":"y","error":"interrupted: context canceled"}`), &legacy))
	assert.True(t, legacy.Cancelled, "an older record cut by an interruption reads as cancelled")
	assert.False(t, legacy.Failed())
	assert.Equal(t, TokenSource(""), missing.InputTokensFrom)
	var zero Invocation
	require.NoError(t, json.Unmarshal([]byte(`{"time_to_first_token":0.2,"time_to_last_token":0.2,"time_per_output_token":0.0}`), &zero),
		"LLMeter writes a TPOT of 0.0 when TTLT = TTFT")
	assert.Zero(t, zero.TimePerOutputToken, "0 reads as absent")
	assert.Equal(t, 200*time.Millisecond, zero.TimeToLastToken)
	assert.Error(t, json.Unmarshal([]byte(`{"time_to_last_token":-1}`), &missing))
	assert.Error(t, json.Unmarshal([]byte(`{"inter_token_latencies":[1e300]}`), &missing))
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\", "\x01\x1f\x7f", "<script>&amp;", "\u2028\u2029", "日本語", "bad\xc3"} {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendString(nil, s)), "%q", s)
	}
}

func ExampleRunner_Run() {
	ep := &exampleEndpoint{}
	r := NewRunner(Config{Endpoint: ep, Payloads: []endpoints.Payload{{"prompt": "hi"}}})
	res, err := r.Run(context.Background(), Config{Clients: 2, Requests: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Stats.TotalRequests, "requests,", res.Stats.FailedRequests, "failed")
	fmt.Println(res.Invocations[0].ResponseText)
	// Output:
	// 6 requests, 0 failed
	// hello world
}

type exampleEndpoint struct{}

func (exampleEndpoint) Info() endpoints.Info { return endpoints.Info{Provider: "example"} }
func (exampleEndpoint) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	return &endpoints.Request{Payload: p, Prompt: fmt.Sprint(p["prompt"]), Stream: true}, nil
}
func (exampleEndpoint) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	rec.Text("hello")
	rec.Text(" world")
	return nil
}

func TestRampUpSpreadsClientStarts(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		ep := &fakeEndpoint{Chunks: []string{"x"}}
		ramp := 200 * time.Millisecond
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(1), Clients: 4, Requests: 1, RampUp: ramp})
		require.Len(t, records(t, res), 4)
		var offsets []time.Duration
		for _, inv := range records(t, res) {
			offsets = append(offsets, inv.RequestTime.Sub(res.Run.StartTime))
		}
		slices.Sort(offsets)
		// Client c starts at c·50ms; the bounds only ever grow on a loaded
		// machine, so only lower bounds are asserted.
		for c, off := range offsets {
			assert.GreaterOrEqual(t, off, time.Duration(c)*ramp/4, "client %d started early", c)
		}
		assert.Equal(t, ramp.Seconds(), res.Run.Config.RampUp)

		cfg := validConfig()
		cfg.Duration, cfg.RampUp = time.Second, time.Second
		var ce *ConfigError
		require.ErrorAs(t, cfg.Validate(), &ce)
		assert.Equal(t, "RampUp", ce.Field)
		cfg.Duration, cfg.RampUp = 0, -time.Second
		require.ErrorAs(t, cfg.Validate(), &ce)
		assert.Equal(t, "RampUp", ce.Field)
	})
}

func TestCancelDuringRampUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cb := &countingCancel{n: 1, cancel: cancel}
	ep := &fakeEndpoint{Chunks: []string{"x"}}
	done := make(chan struct{})
	var res *Result
	var err error
	go func() {
		defer close(done)
		// Client 1 would start after 1h; cancelling must not wait for it.
		res, err = (&Runner{}).Run(ctx, Config{Endpoint: ep, Payloads: prompts(1), Clients: 2, Requests: 1,
			RampUp: 2 * time.Hour, Callbacks: []Callback{cb}})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancellation during the ramp-up")
	}
	require.ErrorIs(t, err, ErrInterrupted)
	assert.True(t, res.Run.Interrupted)
	assert.Len(t, res.Invocations, 1)
}

// echoingEndpoint is an endpoint holding a secret that its server echoes
// back, in the stream and in an error.
type echoingEndpoint struct {
	fakeEndpoint
	secret string
}

func (e *echoingEndpoint) Redact(s string) string {
	s = strings.ReplaceAll(s, e.secret, "[REDACTED]")
	return strings.ReplaceAll(s, strings.ToUpper(e.secret), "[REDACTED]")
}

func TestResponseTextAndErrorsPassThroughTheEndpointsRedactor(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		const secret = "sk-engine-secret-42"
		ep := &echoingEndpoint{secret: secret}
		ep.Chunks = []string{"your key is ", secret, " and ", strings.ToUpper(secret)}
		ep.Fail = func(n int64) error {
			if n%2 == 0 {
				return fmt.Errorf("HTTP 401: bad key %s", secret)
			}
			return nil
		}
		ep.FailAt = 4
		dir := t.TempDir()
		res := m.run(t, Config{Endpoint: ep, Payloads: prompts(1), Requests: 4, OutputPath: dir, RunName: "r"})
		require.Len(t, records(t, res), 4)
		for _, inv := range records(t, res) {
			assert.NotContains(t, inv.ResponseText, secret)
			assert.NotContains(t, inv.Error, secret)
			assert.Contains(t, inv.ResponseText, "[REDACTED]")
		}
		assert.Equal(t, 2, res.Stats.FailedRequests)
		assert.NotContains(t, res.SummaryText(), secret)
		b, err := os.ReadFile(filepath.Join(dir, "r", ResponsesFile))
		require.NoError(t, err)
		assert.NotContains(t, strings.ToLower(string(b)), strings.ToLower(secret))
	})
}

func TestResendRestartsTheClockAndCountsARetry(t *testing.T) {
	eachMode(t, func(t *testing.T, m mode) {
		var rec recorder
		rec.start()
		rec.Text("lost")
		rec.Retries(0)
		first := rec.t0
		time.Sleep(time.Millisecond)
		rec.Resend()
		assert.True(t, rec.t0.After(first), "t0 is taken again")
		assert.Zero(t, rec.chunks, "the failed attempt's text is forgotten")
		assert.Empty(t, rec.text)
		assert.Equal(t, 1, rec.retries)
		rec.Retries(2) // the SDK's own retries add to the resend
		assert.Equal(t, 3, rec.retries)
		rec.start()
		assert.Zero(t, rec.retries)
	})
}

func TestKeepKeepsEveryRecordInOrder(t *testing.T) {
	var kept, want []Invocation
	for i := range 5*keepPiece + 3 {
		inv := Invocation{ID: fmt.Sprint("req-", i), ResponseText: strings.Repeat("x", i%7), InterTokenLatencies: []time.Duration{time.Duration(i)}}
		kept = keep(kept, inv)
		want = append(want, inv)
	}
	assert.Equal(t, want, kept)
}

func TestKeepGrowsALargeArrayByAQuarter(t *testing.T) {
	// Past keepPiece records keep grows the array itself, copying it in
	// pieces; append would round the capacity up to a size class instead.
	n := 4 * keepPiece
	full := make([]Invocation, n)
	for i := range full {
		full[i].ID = fmt.Sprint("req-", i)
	}
	kept := keep(full, Invocation{ID: "last"})
	assert.Equal(t, n+n/4, cap(kept))
	require.Len(t, kept, n+1)
	assert.Equal(t, full, kept[:n])
	assert.Equal(t, "last", kept[n].ID)
}

func TestCollectorKeepsEveryInvocationPastGrowth(t *testing.T) {
	// The collector numbers invocations without an id in arrival order,
	// so the kept list must read req-1, req-2, … through every growth.
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	res := run(t, Config{Endpoint: ep, Payloads: prompts(2), Clients: 2, Requests: 3 * keepPiece})
	require.Len(t, res.Invocations, 6*keepPiece)
	for i, inv := range res.Invocations {
		if inv.ID != fmt.Sprint("req-", i+1) {
			t.Fatalf("Invocations[%d].ID = %q, want req-%d", i, inv.ID, i+1)
		}
	}
}
