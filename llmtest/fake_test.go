package llmtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmtest/llmtest/endpoints"
)

// fakeEndpoint is a scriptable in-process endpoint for engine tests. It
// streams Chunks (or completes them at once when the payload says
// "stream": false), reports Usage when set, and fails as Fail says.
type fakeEndpoint struct {
	Chunks     []string
	Reasoning  []string // streamed before Chunks
	Usage      endpoints.Usage
	Gap        time.Duration // sleep before each chunk
	Fail       func(n int64) error
	FailAt     int   // with Fail: chunks sent before failing
	Block      bool  // wait for ctx after the first chunk
	BlockAfter int64 // with Block false: calls after this many block likewise
	OnInvoke   func(req *endpoints.Request)
	PrepErr    error

	calls atomic.Int64
	mu    sync.Mutex
	seen  []string // prompts, in call order
}

func (f *fakeEndpoint) Info() endpoints.Info {
	return endpoints.Info{Provider: "fake", Model: "fake-model", Name: "unit"}
}

func (f *fakeEndpoint) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	if f.PrepErr != nil {
		return nil, f.PrepErr
	}
	prompt, ok := p["prompt"].(string)
	if !ok {
		return nil, errors.New(`"prompt" must be a string`)
	}
	stream := true
	if s, ok := p["stream"].(bool); ok {
		stream = s
	}
	return &endpoints.Request{Payload: p, Prompt: prompt, Stream: stream}, nil
}

func (f *fakeEndpoint) Invoke(ctx context.Context, req *endpoints.Request, rec endpoints.Recorder) error {
	n := f.calls.Add(1)
	if f.OnInvoke != nil {
		f.OnInvoke(req)
	}
	f.mu.Lock()
	f.seen = append(f.seen, req.Prompt)
	f.mu.Unlock()
	var failErr error
	if f.Fail != nil {
		failErr = f.Fail(n)
	}
	if !req.Stream {
		if err := sleep(ctx, f.Gap*time.Duration(len(f.Chunks))); err != nil {
			return err
		}
		if failErr != nil {
			return failErr
		}
		rec.Complete(strings.Join(f.Chunks, ""))
		rec.Usage(f.Usage)
		return nil
	}
	for _, r := range f.Reasoning {
		if err := sleep(ctx, f.Gap); err != nil {
			return err
		}
		rec.Reasoning(r)
	}
	for i, c := range f.Chunks {
		if failErr != nil && i == f.FailAt {
			return failErr
		}
		if err := sleep(ctx, f.Gap); err != nil {
			return err
		}
		rec.Text(c)
		if f.Block || (f.BlockAfter > 0 && n > f.BlockAfter) {
			<-ctx.Done()
			return ctx.Err()
		}
	}
	if failErr != nil {
		return failErr
	}
	rec.Usage(f.Usage)
	return nil
}

func (f *fakeEndpoint) prompts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// prompts returns n payloads with prompts "p0", "p1", ...
func prompts(n int) []endpoints.Payload {
	ps := make([]endpoints.Payload, n)
	for i := range ps {
		ps[i] = endpoints.Payload{"prompt": fmt.Sprintf("p%d", i)}
	}
	return ps
}
