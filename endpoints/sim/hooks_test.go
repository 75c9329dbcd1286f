package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanCapped(t *testing.T) {
	cfg := Config{Seed: 4, MinOutputTokens: 1, MaxOutputTokens: 40, MidStreamFailureRate: 0.3, StallRate: 0.3}
	capped, free := newModel(t, cfg), newModel(t, cfg)
	shorter := 0
	for range 200 {
		c, f := capped.PlanCapped(9, 20), free.Plan(9, 0)
		assert.Equal(t, f.Seq, c.Seq)
		assert.Equal(t, f.ID, c.ID)
		assert.Equal(t, 9, c.InputTokens)
		assert.Equal(t, min(f.OutputTokens, 20), c.OutputTokens, "request %d", c.Seq)
		assert.True(t, strings.HasPrefix(free.Text(f), capped.Text(c)), "the same text, cut")
		if c.OutputTokens < f.OutputTokens {
			shorter++
		}
		if c.Fault == FaultMidStream || c.Fault == FaultStall && c.OutputTokens > 1 {
			assert.True(t, c.FaultAt >= 1 && c.FaultAt < c.OutputTokens, "fault at %d of %d", c.FaultAt, c.OutputTokens)
		}
	}
	assert.Greater(t, shorter, 50, "the cap applied")
	assert.Equal(t, free.Plan(1, 0).OutputTokens, capped.PlanCapped(1, 0).OutputTokens, "no limit: Plan's draw")
}

// hookLog records the order of a generation's hook calls.
type hookLog struct {
	calls []string
	err   error // returned by BeforeSleep once set
}

func (h *hookLog) hooks(emit bool) Hooks {
	hk := Hooks{BeforeSleep: func() error {
		h.calls = append(h.calls, "sleep")
		return h.err
	}}
	if emit {
		hk.Emit = func(c string) error {
			h.calls = append(h.calls, c)
			return nil
		}
	}
	return hk
}

func TestGenerateWithBeforeSleep(t *testing.T) {
	t.Run("zero latency: never", func(t *testing.T) {
		m := newModel(t, Config{TokensPerChunk: 2})
		p := m.Plan(0, 5)
		var h hookLog
		require.NoError(t, m.GenerateWith(t.Context(), p, h.hooks(true)))
		assert.NotContains(t, h.calls, "sleep")
		assert.Equal(t, m.Text(p), strings.Join(h.calls, ""))
		assert.Len(t, h.calls, 3)
	})
	t.Run("before each sleep", func(t *testing.T) {
		// 30ms latencies: long enough that every due time is still ahead
		// when Generate reaches it.
		m := newModel(t, Config{FirstTokenLatency: 30 * time.Millisecond, InterTokenLatency: 30 * time.Millisecond})
		p := m.Plan(0, 3)
		var h hookLog
		require.NoError(t, m.GenerateWith(t.Context(), p, h.hooks(true)))
		words := strings.SplitAfter(m.Text(p), " ")
		assert.Equal(t, []string{"sleep", words[0][:len(words[0])-1], "sleep", " " + words[1][:len(words[1])-1], "sleep", " " + words[2]}, h.calls)
	})
	t.Run("not streaming: once", func(t *testing.T) {
		m := newModel(t, Config{FirstTokenLatency: 20 * time.Millisecond, InterTokenLatency: time.Millisecond})
		var h hookLog
		require.NoError(t, m.GenerateWith(t.Context(), m.Plan(0, 4), h.hooks(false)))
		assert.Equal(t, []string{"sleep"}, h.calls)
	})
	t.Run("before a stall", func(t *testing.T) {
		m := newModel(t, Config{StallRate: 1, StallDuration: 30 * time.Millisecond})
		p := m.Plan(0, 6)
		var h hookLog
		require.NoError(t, m.GenerateWith(t.Context(), p, h.hooks(true)))
		require.Len(t, h.calls, 7)
		assert.Equal(t, "sleep", h.calls[p.FaultAt], "the flush comes after the %d tokens before the stall", p.FaultAt)
	})
	t.Run("an error stops the generation", func(t *testing.T) {
		m := newModel(t, Config{Capacity: 1, InterTokenLatency: time.Hour})
		stop := errors.New("client gone")
		h := hookLog{err: stop}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // fails, not hangs, without the hook
		defer cancel()
		err := m.GenerateWith(ctx, m.Plan(0, 5), h.hooks(true))
		assert.ErrorIs(t, err, stop)
		assert.Len(t, h.calls, 2, "the first token, then the failed flush")
		assert.Equal(t, 0, m.InFlight(), "capacity released")
		require.NoError(t, newModelGen(t, m))
	})
	t.Run("cancelled after the hook", func(t *testing.T) {
		m := newModel(t, Config{FirstTokenLatency: time.Hour})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		err := m.GenerateWith(ctx, m.Plan(0, 5), Hooks{BeforeSleep: func() error { cancel(); return nil }})
		assert.ErrorIs(t, err, context.Canceled, "the hook ran and Generate then saw the cancellation")
	})
}

func TestGenerateWithFirstToken(t *testing.T) {
	hooks := func(h *hookLog, emit bool) Hooks {
		hk := h.hooks(emit)
		hk.FirstToken = func() { h.calls = append(h.calls, "first") }
		return hk
	}
	t.Run("streaming: before the first chunk", func(t *testing.T) {
		m := newModel(t, Config{TokensPerChunk: 2})
		p := m.Plan(0, 5)
		var h hookLog
		require.NoError(t, m.GenerateWith(t.Context(), p, hooks(&h, true)))
		require.Len(t, h.calls, 4)
		assert.Equal(t, "first", h.calls[0])
		assert.Equal(t, m.Text(p), strings.Join(h.calls[1:], ""))
	})
	t.Run("not streaming: when the first chunk is due, then until the end", func(t *testing.T) {
		m := newModel(t, Config{FirstTokenLatency: 20 * time.Millisecond, InterTokenLatency: 10 * time.Millisecond})
		var h hookLog
		require.NoError(t, m.GenerateWith(t.Context(), m.Plan(0, 4), hooks(&h, false)))
		assert.Equal(t, []string{"sleep", "first", "sleep"}, h.calls)
	})
	t.Run("not streaming, zero latency", func(t *testing.T) {
		m := newModel(t, Config{})
		var h hookLog
		require.NoError(t, m.GenerateWith(t.Context(), m.Plan(0, 4), hooks(&h, false)))
		assert.Equal(t, []string{"first"}, h.calls)
	})
	t.Run("not for a request failing before its first token", func(t *testing.T) {
		m := newModel(t, Config{ErrorRate: 1})
		var h hookLog
		err := m.GenerateWith(t.Context(), m.Plan(0, 4), hooks(&h, true))
		var injected *InjectedError
		require.ErrorAs(t, err, &injected)
		assert.Empty(t, h.calls)
	})
	t.Run("once for a mid-stream failure", func(t *testing.T) {
		m := newModel(t, Config{MidStreamFailureRate: 1})
		p := m.Plan(0, 6)
		var h hookLog
		require.Error(t, m.GenerateWith(t.Context(), p, hooks(&h, true)))
		assert.Equal(t, "first", h.calls[0])
		assert.Len(t, h.calls, 1+p.FaultAt)
	})
}

func TestGenerateWithAllocs(t *testing.T) {
	ctx := t.Context()
	n := 0
	h := Hooks{Emit: func(string) error { n++; return nil }, BeforeSleep: func() error { return nil }}
	for _, tokens := range []int{16, 256} {
		m := newModel(t, Config{})
		p := m.Plan(0, tokens)
		allocs := testing.AllocsPerRun(100, func() {
			if err := m.GenerateWith(ctx, p, h); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs, "%d tokens", tokens)
	}
	assert.Equal(t, 101*(16+256), n)
}
