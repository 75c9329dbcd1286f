package assertions_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/llmtest/llmtest/llmtest"
)

// fakeT records what an assertion does to its test, so that failures are
// observed rather than fatal.
type fakeT struct {
	errors  []string
	logs    []string
	helpers int
	failNow int
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeT) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

func (f *fakeT) Helper()  { f.helpers++ }
func (f *fakeT) FailNow() { f.failNow++ }

// minimalT has only Errorf, as the smallest TestingT.
type minimalT struct{ errors []string }

func (m *minimalT) Errorf(format string, args ...any) {
	m.errors = append(m.errors, fmt.Sprintf(format, args...))
}

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

// streamed returns a successful streaming invocation with server-reported
// token counts (10 in, out out), its TPOT derived from TTFT and TTLT when
// out > 1, and the given inter-token gaps.
func streamed(ttft, ttlt time.Duration, out int, gaps ...time.Duration) llmtest.Invocation {
	inv := llmtest.Invocation{
		TimeToFirstToken:    ttft,
		TimeToFirstOutput:   ttft,
		TimeToLastToken:     ttlt,
		NumTokensInput:      10,
		InputTokensFrom:     llmtest.FromServer,
		NumTokensOutput:     out,
		OutputTokensFrom:    llmtest.FromServer,
		InterTokenLatencies: gaps,
		Chunks:              len(gaps) + 1,
	}
	if out > 1 {
		inv.TimePerOutputToken = (ttlt - ttft) / time.Duration(out-1)
	}
	return inv
}

// nonStreamed returns a successful non-streaming invocation: no TTFT, no
// TPOT, no gaps.
func nonStreamed(ttlt time.Duration, out int) llmtest.Invocation {
	return llmtest.Invocation{
		TimeToLastToken:  ttlt,
		NumTokensInput:   10,
		InputTokensFrom:  llmtest.FromServer,
		NumTokensOutput:  out,
		OutputTokensFrom: llmtest.FromServer,
	}
}

func failed() llmtest.Invocation {
	return llmtest.Invocation{Error: "HTTP 500", StatusCode: 500}
}

// ttftRun returns n successful requests whose TTFT is 100ms except for the
// slow ones, which take 912ms: with n=500 and slow=6, or n=40 and slow=2,
// the p99 is exactly 912ms. Every request has TTLT 1s and 10 output
// tokens; the run takes 10s.
func ttftRun(n, slow int) *llmtest.Result {
	invs := make([]llmtest.Invocation, n)
	for i := range invs {
		ttft := ms(100)
		if i >= n-slow {
			ttft = ms(912)
		}
		invs[i] = streamed(ttft, time.Second, 10)
	}
	return llmtest.NewResult(invs, 10*time.Second)
}

// errorRun returns total requests of which failures failed; the
// successful ones output 50 tokens each; the run takes 10s.
func errorRun(total, failures int) *llmtest.Result {
	invs := make([]llmtest.Invocation, total)
	for i := range invs {
		if i < failures {
			invs[i] = failed()
		} else {
			invs[i] = streamed(ms(100), ms(600), 50, ms(10), ms(10))
		}
	}
	return llmtest.NewResult(invs, 10*time.Second)
}

func emptyRun() *llmtest.Result { return llmtest.NewResult(nil, 0) }

// removeResponses deletes the responses.jsonl of res's folder.
func removeResponses(res *llmtest.Result) error {
	return os.Remove(filepath.Join(res.OutputPath, llmtest.ResponsesFile))
}
