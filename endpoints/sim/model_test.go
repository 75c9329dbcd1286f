package sim

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/tokenizers"
)

func newModel(t testing.TB, cfg Config) *Model {
	t.Helper()
	m, err := NewModel(cfg)
	require.NoError(t, err)
	return m
}

// waitFor yields until cond holds, failing the test after a generous
// deadline. It synchronises on the model's own counters, not on sleeps.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

// collect runs Generate and returns the chunks it emitted and its error.
func collect(ctx context.Context, m *Model, p Plan) ([]string, error) {
	var chunks []string
	err := m.Generate(ctx, p, func(c string) error {
		chunks = append(chunks, c)
		return nil
	})
	return chunks, err
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string // appears as "sim: Config.<field>:"
	}{
		{"negative FirstTokenLatency", Config{FirstTokenLatency: -1}, "FirstTokenLatency"},
		{"negative PrefillPerToken", Config{PrefillPerToken: -time.Millisecond}, "PrefillPerToken"},
		{"negative InterTokenLatency", Config{InterTokenLatency: -time.Second}, "InterTokenLatency"},
		{"negative StallDuration", Config{StallDuration: -1}, "StallDuration"},
		{"negative Jitter", Config{Jitter: -0.1}, "Jitter"},
		{"Jitter 1", Config{Jitter: 1}, "Jitter"},
		{"Jitter NaN", Config{Jitter: math.NaN()}, "Jitter"},
		{"negative MinOutputTokens", Config{MinOutputTokens: -1, MaxOutputTokens: 4}, "MinOutputTokens"},
		{"negative MaxOutputTokens", Config{MaxOutputTokens: -4}, "MaxOutputTokens"},
		{"Min above Max", Config{MinOutputTokens: 5, MaxOutputTokens: 3}, "MinOutputTokens"},
		{"only Min", Config{MinOutputTokens: 5}, "MinOutputTokens"},
		{"negative TokensPerChunk", Config{TokensPerChunk: -2}, "TokensPerChunk"},
		{"negative Capacity", Config{Capacity: -1}, "Capacity"},
		{"negative MaxQueue", Config{Capacity: 1, MaxQueue: -1}, "MaxQueue"},
		{"MaxQueue without Capacity", Config{MaxQueue: 3}, "MaxQueue"},
		{"ErrorRate above 1", Config{ErrorRate: 1.5}, "ErrorRate"},
		{"negative ErrorRate", Config{ErrorRate: -0.1}, "ErrorRate"},
		{"MidStreamFailureRate above 1", Config{MidStreamFailureRate: 2}, "MidStreamFailureRate"},
		{"StallRate NaN", Config{StallRate: math.NaN()}, "StallRate"},
		{"negative StallRate", Config{StallRate: -1}, "StallRate"},
		{"rates above 1 together", Config{ErrorRate: 0.5, MidStreamFailureRate: 0.4, StallRate: 0.2}, "ErrorRate+MidStreamFailureRate+StallRate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "sim: Config."+tt.field+": ")
			_, err = NewModel(tt.cfg)
			assert.Error(t, err, "NewModel must validate")
		})
	}

	t.Run("message", func(t *testing.T) {
		assert.EqualError(t, Config{ErrorRate: 1.5}.Validate(), "sim: Config.ErrorRate: must be in [0, 1], got 1.5")
	})
	t.Run("every bad field is reported", func(t *testing.T) {
		err := Config{FirstTokenLatency: -1, Capacity: -1, StallRate: 2}.Validate()
		require.Error(t, err)
		for _, f := range []string{"FirstTokenLatency", "Capacity", "StallRate"} {
			assert.Contains(t, err.Error(), "sim: Config."+f+": ")
		}
	})
	t.Run("valid", func(t *testing.T) {
		for _, cfg := range []Config{
			{},
			{MaxOutputTokens: 7},
			{MinOutputTokens: 3, MaxOutputTokens: 3},
			{Jitter: 0.99, Capacity: 2, MaxQueue: 1},
			{ErrorRate: 0.5, MidStreamFailureRate: 0.25, StallRate: 0.25},
			{ErrorRate: 1},
		} {
			assert.NoError(t, cfg.Validate(), "%+v", cfg)
		}
	})
}

func TestConfigDefaults(t *testing.T) {
	got := newModel(t, Config{}).Config()
	assert.Equal(t, DefaultModel, got.Model)
	assert.Equal(t, "llmtest-sim", got.Model)
	assert.Equal(t, DefaultOutputTokens, got.MinOutputTokens)
	assert.Equal(t, DefaultOutputTokens, got.MaxOutputTokens)
	assert.Equal(t, DefaultTokensPerChunk, got.TokensPerChunk)
	assert.Zero(t, got.StallDuration, "no stalls, no stall duration")
	assert.Zero(t, got.Capacity)

	got = newModel(t, Config{StallRate: 0.1}).Config()
	assert.Equal(t, DefaultStallDuration, got.StallDuration)
	assert.Equal(t, 5*time.Second, got.StallDuration)

	got = newModel(t, Config{MaxOutputTokens: 9}).Config()
	assert.Equal(t, 9, got.MinOutputTokens, "only Max set means a fixed Max")
	assert.Equal(t, 9, got.MaxOutputTokens)

	set := Config{Seed: 3, Model: "m", MinOutputTokens: 2, MaxOutputTokens: 4, TokensPerChunk: 3, StallRate: 0.1, StallDuration: time.Second}
	assert.Equal(t, set, newModel(t, set).Config(), "set fields are kept")

	for range 50 {
		p := newModel(t, Config{}).Plan(0, 0)
		assert.Equal(t, DefaultOutputTokens, p.OutputTokens)
	}
}

func TestFaultString(t *testing.T) {
	assert.Equal(t, "none", FaultNone.String())
	assert.Equal(t, "error", FaultError.String())
	assert.Equal(t, "mid-stream", FaultMidStream.String())
	assert.Equal(t, "stall", FaultStall.String())
	assert.Equal(t, "Fault(9)", Fault(9).String())
	err := &InjectedError{Kind: FaultMidStream, Seq: 7}
	assert.EqualError(t, err, "sim: injected fault (mid-stream) in request 7")
}

var mixed = Config{
	Seed:                 42,
	MinOutputTokens:      1,
	MaxOutputTokens:      40,
	Jitter:               0.3,
	InterTokenLatency:    time.Millisecond, // not slept: these tests only plan
	ErrorRate:            0.1,
	MidStreamFailureRate: 0.2,
	StallRate:            0.05,
}

func TestPlanDeterministic(t *testing.T) {
	a, b := newModel(t, mixed), newModel(t, mixed)
	other := mixed
	other.Seed = 43
	c := newModel(t, other)
	differ := 0
	for i := range 200 {
		pa, pb, pc := a.Plan(i%13, 0), b.Plan(i%13, 0), c.Plan(i%13, 0)
		require.Equal(t, pa, pb, "plan %d", i+1)
		assert.Equal(t, uint64(i+1), pa.Seq)
		assert.Equal(t, "chatcmpl-sim-"+strconv.Itoa(i+1), pa.ID)
		require.Equal(t, a.Text(pa), b.Text(pb), "text %d", i+1)
		assert.Equal(t, a.Text(pa), a.Text(pa), "Text depends on the plan alone")
		if a.Text(pa) != c.Text(pc) {
			differ++
		}
		ta, tb := a.timeline(pa), b.timeline(pb)
		for range pa.OutputTokens {
			require.Equal(t, ta.token(), tb.token(), "jitter of plan %d", i+1)
		}
	}
	assert.Greater(t, differ, 190, "another seed gives other texts")
}

func TestPlanDeterministicConcurrent(t *testing.T) {
	const n, workers = 400, 8
	seq := newModel(t, mixed)
	want := make([]Plan, n)
	for i := range want {
		want[i] = seq.Plan(5, 0)
	}
	conc := newModel(t, mixed)
	got := make([]Plan, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range n / workers {
				p := conc.Plan(5, 0)
				got[p.Seq-1] = p
			}
		})
	}
	wg.Wait()
	assert.Equal(t, want, got, "the N-th plan is the same whatever the concurrency")
}

func faultCounts(m *Model, n int) map[Fault]int {
	counts := map[Fault]int{}
	for range n {
		counts[m.Plan(0, 0).Fault]++
	}
	return counts
}

func TestFaultCounts(t *testing.T) {
	const n = 1000
	a, b := faultCounts(newModel(t, mixed), n), faultCounts(newModel(t, mixed), n)
	assert.Equal(t, a, b, "fault counts among the first %d requests", n)
	// Deterministic for the seed, so these bounds cannot flake; they are
	// about ±4 standard deviations wide.
	assert.InDelta(t, mixed.ErrorRate*n, a[FaultError], 40, "errors")
	assert.InDelta(t, mixed.MidStreamFailureRate*n, a[FaultMidStream], 52, "mid-stream failures")
	assert.InDelta(t, mixed.StallRate*n, a[FaultStall], 28, "stalls")
	assert.Equal(t, n, a[FaultNone]+a[FaultError]+a[FaultMidStream]+a[FaultStall])

	assert.Equal(t, map[Fault]int{FaultNone: 300}, faultCounts(newModel(t, Config{}), 300))
	assert.Equal(t, map[Fault]int{FaultError: 300}, faultCounts(newModel(t, Config{ErrorRate: 1}), 300))
	assert.Equal(t, map[Fault]int{FaultStall: 300}, faultCounts(newModel(t, Config{StallRate: 1}), 300))
}

func TestPlanFields(t *testing.T) {
	m := newModel(t, mixed)
	seen := map[Fault]bool{}
	for range 2000 {
		p := m.Plan(-3, 0)
		assert.Zero(t, p.InputTokens, "negative input counts as 0")
		require.GreaterOrEqual(t, p.OutputTokens, mixed.MinOutputTokens)
		require.LessOrEqual(t, p.OutputTokens, mixed.MaxOutputTokens)
		seen[p.Fault] = true
		switch p.Fault {
		case FaultNone, FaultError:
			assert.Zero(t, p.FaultAt, "%+v", p)
		case FaultMidStream:
			assert.GreaterOrEqual(t, p.OutputTokens, 2, "%+v", p)
			assert.True(t, p.FaultAt >= 1 && p.FaultAt <= p.OutputTokens-1, "%+v", p)
		case FaultStall:
			if p.OutputTokens == 1 {
				assert.Zero(t, p.FaultAt, "%+v", p)
			} else {
				assert.True(t, p.FaultAt >= 1 && p.FaultAt <= p.OutputTokens-1, "%+v", p)
			}
		}
	}
	assert.Len(t, seen, 4, "every kind of fault occurs")
}

func TestPlanMaxTokens(t *testing.T) {
	m := newModel(t, Config{Seed: 1, MinOutputTokens: 1, MaxOutputTokens: 5})
	for _, n := range []int{1, 7, 100, 1000} {
		p := m.Plan(10, n)
		assert.Equal(t, n, p.OutputTokens)
		assert.Equal(t, 10, p.InputTokens)
		assert.Equal(t, n, tokenizers.Whitespace{}.Count(m.Text(p)))
	}
	// A one-token response cannot fail mid-stream: it fails up front.
	m = newModel(t, Config{MidStreamFailureRate: 1})
	p := m.Plan(0, 1)
	assert.Equal(t, FaultError, p.Fault)
	assert.Equal(t, FaultMidStream, m.Plan(0, 2).Fault)
}

func TestTextTokenCount(t *testing.T) {
	inVocabulary := map[string]bool{}
	for _, w := range vocabulary {
		require.False(t, inVocabulary[w], "duplicate word %q", w)
		require.Equal(t, 1, tokenizers.Whitespace{}.Count(w), "word %q", w)
		inVocabulary[w] = true
	}
	m := newModel(t, mixed)
	for range 300 {
		p := m.Plan(0, 0)
		txt := m.Text(p)
		require.Equal(t, p.OutputTokens, tokenizers.Whitespace{}.Count(txt), "%q", txt)
		words := strings.Split(txt, " ")
		require.Len(t, words, p.OutputTokens, "single spaces, no leading space: %q", txt)
		for _, w := range words {
			require.True(t, inVocabulary[w], "%q is not in the vocabulary", w)
		}
	}
	assert.Empty(t, m.Text(Plan{}))
}

func TestCountWords(t *testing.T) {
	for _, s := range []string{"", " ", "one", " two  words ", "tab\tand\nnewline", "ünïcödé wörds\u00a0nbsp"} {
		assert.Equal(t, tokenizers.Whitespace{}.Count(s), countWords(s), "%q", s)
	}
}

func TestGenerateChunks(t *testing.T) {
	ctx := t.Context()
	for _, per := range []int{1, 2, 3, 5} {
		m := newModel(t, Config{Seed: 9, TokensPerChunk: per})
		for _, n := range []int{1, 2, 3, 4, 5, 6, 11, 32} {
			p := m.Plan(0, n)
			chunks, err := collect(ctx, m, p)
			require.NoError(t, err)
			assert.Equal(t, m.Text(p), strings.Join(chunks, ""), "per=%d n=%d", per, n)
			require.Len(t, chunks, (n+per-1)/per, "per=%d n=%d", per, n)
			for i, c := range chunks {
				want := per
				if i == len(chunks)-1 {
					want = n - per*(len(chunks)-1)
				}
				assert.Equal(t, want, tokenizers.Whitespace{}.Count(c), "chunk %d of %q", i, chunks)
			}
		}
	}
}

func TestGenerateNilEmit(t *testing.T) {
	m := newModel(t, Config{})
	assert.NoError(t, m.Generate(t.Context(), m.Plan(0, 8), nil))
	assert.NoError(t, m.Generate(t.Context(), Plan{}, nil), "an empty response completes")

	m = newModel(t, Config{MidStreamFailureRate: 1})
	var ie *InjectedError
	require.ErrorAs(t, m.Generate(t.Context(), m.Plan(0, 8), nil), &ie)
	assert.Equal(t, FaultMidStream, ie.Kind)
}

func TestGenerateMidStreamFailure(t *testing.T) {
	for _, per := range []int{1, 3} {
		m := newModel(t, Config{Seed: 5, MidStreamFailureRate: 1, TokensPerChunk: per})
		for range 20 {
			p := m.Plan(0, 10)
			require.Equal(t, FaultMidStream, p.Fault)
			chunks, err := collect(t.Context(), m, p)
			var ie *InjectedError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, FaultMidStream, ie.Kind)
			assert.Equal(t, p.Seq, ie.Seq)
			got := strings.Join(chunks, "")
			assert.Equal(t, p.FaultAt, tokenizers.Whitespace{}.Count(got), "tokens before the failure")
			assert.True(t, strings.HasPrefix(m.Text(p), got), "%q is a prefix of the full text", got)
			assert.Equal(t, 0, m.InFlight(), "capacity released")
		}
	}
}

func TestGenerateErrorFault(t *testing.T) {
	m := newModel(t, Config{ErrorRate: 1})
	p := m.Plan(4, 10)
	chunks, err := collect(t.Context(), m, p)
	assert.Empty(t, chunks, "nothing is emitted before the error")
	var ie *InjectedError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, &InjectedError{Kind: FaultError, Seq: 1}, ie)
	assert.EqualError(t, err, "sim: injected fault (error) in request 1")
}

func TestGenerateEmitError(t *testing.T) {
	m := newModel(t, Config{Capacity: 1})
	stop := errors.New("client went away")
	calls := 0
	err := m.Generate(t.Context(), m.Plan(0, 10), func(string) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	assert.Same(t, stop, err, "emit's error comes back unchanged")
	assert.Equal(t, 3, calls, "Generate stops at emit's error")
	assert.Equal(t, 0, m.InFlight())
}

// blocker is an emit callback whose calls announce themselves and then wait
// for the test's permission to return.
type blocker struct {
	entered chan uint64 // the plan's Seq, on every call
	release map[uint64]chan struct{}
	active  atomic.Int32
	peak    atomic.Int32
}

func newBlocker(seqs ...uint64) *blocker {
	b := &blocker{entered: make(chan uint64, len(seqs)), release: map[uint64]chan struct{}{}}
	for _, s := range seqs {
		b.release[s] = make(chan struct{})
	}
	return b
}

func (b *blocker) emit(seq uint64) func(string) error {
	return func(string) error {
		n := b.active.Add(1)
		for {
			peak := b.peak.Load()
			if n <= peak || b.peak.CompareAndSwap(peak, n) {
				break
			}
		}
		b.entered <- seq
		<-b.release[seq]
		b.active.Add(-1)
		return nil
	}
}

func TestCapacityFIFO(t *testing.T) {
	m := newModel(t, Config{Capacity: 2})
	plans := make([]Plan, 6)
	seqs := make([]uint64, len(plans))
	for i := range plans {
		plans[i] = m.Plan(0, 1) // one chunk each
		seqs[i] = plans[i].Seq
	}
	b := newBlocker(seqs...)
	errs := make(chan error, len(plans))
	start := func(p Plan) {
		go func() { errs <- m.Generate(t.Context(), p, b.emit(p.Seq)) }()
	}

	// The first two are admitted at once; each of the rest is started only
	// after the previous one is known to be queued, so the arrival order is
	// certain.
	var order []uint64
	for i, p := range plans {
		start(p)
		if i < 2 {
			order = append(order, <-b.entered)
			continue
		}
		waitFor(t, "request to queue", func() bool { return m.Queued() == i-1 })
	}
	assert.Equal(t, 2, m.InFlight())
	assert.Equal(t, 4, m.Queued())

	// Free one slot at a time: the oldest waiter gets it.
	for oldest := 0; len(order) < len(plans); oldest++ {
		close(b.release[order[oldest]])
		order = append(order, <-b.entered)
		assert.Equal(t, 2, m.InFlight())
		assert.Equal(t, len(plans)-len(order), m.Queued())
	}
	close(b.release[order[4]])
	close(b.release[order[5]])
	for range plans {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, seqs, order, "served in arrival order")
	assert.EqualValues(t, 2, b.peak.Load(), "at most Capacity generate at once")
	assert.Equal(t, 0, m.InFlight())
	assert.Equal(t, 0, m.Queued())
}

func TestMaxQueue(t *testing.T) {
	m := newModel(t, Config{Capacity: 1, MaxQueue: 1})
	p1, p2, p3 := m.Plan(0, 1), m.Plan(0, 1), m.Plan(0, 1)
	b := newBlocker(p1.Seq, p2.Seq)
	errs := make(chan error, 2)
	go func() { errs <- m.Generate(t.Context(), p1, b.emit(p1.Seq)) }()
	require.Equal(t, p1.Seq, <-b.entered)
	go func() { errs <- m.Generate(t.Context(), p2, b.emit(p2.Seq)) }()
	waitFor(t, "second request to queue", func() bool { return m.Queued() == 1 })

	err := m.Generate(t.Context(), p3, func(string) error {
		t.Error("an overloaded request emitted")
		return nil
	})
	assert.ErrorIs(t, err, ErrOverloaded)
	assert.EqualError(t, err, "sim: overloaded: queue full")
	assert.Equal(t, 1, m.InFlight())
	assert.Equal(t, 1, m.Queued())

	close(b.release[p1.Seq])
	require.Equal(t, p2.Seq, <-b.entered)
	close(b.release[p2.Seq])
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
}

func TestCancelWhileQueued(t *testing.T) {
	m := newModel(t, Config{Capacity: 1})
	p1, p2, p3 := m.Plan(0, 1), m.Plan(0, 1), m.Plan(0, 1)
	b := newBlocker(p1.Seq, p3.Seq)
	errs := make(chan error, 1)
	go func() { errs <- m.Generate(t.Context(), p1, b.emit(p1.Seq)) }()
	require.Equal(t, p1.Seq, <-b.entered)

	ctx, cancel := context.WithCancel(t.Context())
	queued := make(chan error, 1)
	go func() {
		queued <- m.Generate(ctx, p2, func(string) error {
			t.Error("a cancelled request emitted")
			return nil
		})
	}()
	waitFor(t, "request to queue", func() bool { return m.Queued() == 1 })
	cancel()
	err := <-queued
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "waiting for capacity")
	assert.Equal(t, 0, m.Queued(), "a cancelled request leaves the queue")
	assert.Equal(t, 1, m.InFlight())

	close(b.release[p1.Seq])
	require.NoError(t, <-errs)
	assert.Equal(t, 0, m.InFlight(), "the slot is free, not handed to the cancelled request")

	// The freed slot serves the next request at once.
	go func() { errs <- m.Generate(t.Context(), p3, b.emit(p3.Seq)) }()
	require.Equal(t, p3.Seq, <-b.entered)
	close(b.release[p3.Seq])
	require.NoError(t, <-errs)
}

func TestCancelWhileGenerating(t *testing.T) {
	t.Run("zero latency", func(t *testing.T) {
		m := newModel(t, Config{Capacity: 1})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		n := 0
		err := m.Generate(ctx, m.Plan(0, 10), func(string) error {
			n++
			if n == 3 {
				cancel()
			}
			return nil
		})
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 3, n, "no chunk after the cancellation")
		assert.Equal(t, 0, m.InFlight())
	})
	t.Run("sleeping", func(t *testing.T) {
		m := newModel(t, Config{Capacity: 1, InterTokenLatency: time.Hour})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		first := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- m.Generate(ctx, m.Plan(0, 10), func(string) error {
				close(first) // a second call would panic
				return nil
			})
		}()
		<-first
		cancel()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, context.Canceled)
		case <-time.After(30 * time.Second):
			t.Fatal("Generate did not return after cancellation")
		}
		assert.Equal(t, 0, m.InFlight(), "capacity released")
		// The slot is usable again.
		require.NoError(t, newModelGen(t, m))
	})
}

// newModelGen runs a one-token request with a short deadline: it succeeds
// only if the model has a free slot.
func newModelGen(t *testing.T, m *Model) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return m.Generate(ctx, m.Plan(0, 1), nil)
}

func TestStall(t *testing.T) {
	t.Run("honoured", func(t *testing.T) {
		const stall = 30 * time.Millisecond
		m := newModel(t, Config{StallRate: 1, StallDuration: stall})
		p := m.Plan(0, 4)
		require.Equal(t, FaultStall, p.Fault)
		begin := time.Now()
		chunks, err := collect(t.Context(), m, p)
		elapsed := time.Since(begin)
		require.NoError(t, err)
		assert.Equal(t, m.Text(p), strings.Join(chunks, ""), "a stalled request completes")
		assert.GreaterOrEqual(t, elapsed, stall, "the stall is slept")
	})
	t.Run("deadline shorter than the stall", func(t *testing.T) {
		m := newModel(t, Config{StallRate: 1, StallDuration: time.Hour})
		p := m.Plan(0, 10)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		chunks, err := collect(ctx, m, p)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, p.FaultAt, tokenizers.Whitespace{}.Count(strings.Join(chunks, "")), "tokens before the stall arrive")
		assert.Equal(t, 0, m.InFlight())
	})
}

func TestLatency(t *testing.T) {
	// Lower bounds only: a sleep is never shorter than asked.
	m := newModel(t, Config{FirstTokenLatency: 10 * time.Millisecond, PrefillPerToken: time.Millisecond, InterTokenLatency: 2 * time.Millisecond})
	begin := time.Now()
	chunks, err := collect(t.Context(), m, m.Plan(10, 6))
	require.NoError(t, err)
	assert.Len(t, chunks, 6)
	assert.GreaterOrEqual(t, time.Since(begin), 30*time.Millisecond, "TTFT 10ms + 10×1ms prefill + 5 gaps of 2ms")

	// Queue wait adds to the time to first token: with one slot, two
	// one-token requests of 20ms each take at least 40ms together.
	m = newModel(t, Config{Capacity: 1, FirstTokenLatency: 20 * time.Millisecond})
	begin = time.Now()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { assert.NoError(t, m.Generate(t.Context(), m.Plan(0, 1), nil)) })
	}
	wg.Wait()
	assert.GreaterOrEqual(t, time.Since(begin), 40*time.Millisecond)
}

func TestTimeline(t *testing.T) {
	cfg := Config{FirstTokenLatency: 100 * time.Millisecond, PrefillPerToken: time.Millisecond, InterTokenLatency: 10 * time.Millisecond}
	t.Run("exact", func(t *testing.T) {
		m := newModel(t, cfg)
		p := m.Plan(20, 50)
		tl := m.timeline(p)
		for i := range 50 {
			assert.Equal(t, 120*time.Millisecond+time.Duration(i)*10*time.Millisecond, tl.token(), "token %d", i)
		}
	})
	t.Run("stall", func(t *testing.T) {
		c := cfg
		c.StallRate, c.StallDuration = 1, time.Second
		m := newModel(t, c)
		p := m.Plan(0, 50)
		tl := m.timeline(p)
		for i := range 50 {
			want := 100*time.Millisecond + time.Duration(i)*10*time.Millisecond
			if i >= p.FaultAt {
				want += time.Second
			}
			assert.Equal(t, want, tl.token(), "token %d, stall at %d", i, p.FaultAt)
		}
	})
	t.Run("jitter", func(t *testing.T) {
		c := cfg
		c.Jitter = 0.5
		m := newModel(t, c)
		firsts := map[time.Duration]bool{}
		for range 100 {
			p := m.Plan(20, 30)
			tl := m.timeline(p)
			first := tl.token()
			firsts[first] = true
			assert.True(t, first >= 60*time.Millisecond && first <= 180*time.Millisecond, "TTFT %v", first)
			prev := first
			for range 29 {
				next := tl.token()
				gap := next - prev
				assert.True(t, gap >= 5*time.Millisecond && gap <= 15*time.Millisecond, "gap %v", gap)
				prev = next
			}
		}
		assert.Greater(t, len(firsts), 90, "jitter varies between requests")
	})
}

// TestGenerateAllocs checks that emitting a chunk allocates nothing: a
// request's allocations do not grow with its length.
func TestGenerateAllocs(t *testing.T) {
	ctx := t.Context()
	emit := func(string) error { return nil }
	measure := func(cfg Config, tokens int) float64 {
		m := newModel(t, cfg)
		p := m.Plan(0, tokens)
		return testing.AllocsPerRun(200, func() {
			if err := m.Generate(ctx, p, emit); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		max  float64 // allocations per request
	}{
		{"one token per chunk", Config{}, 0},
		{"with capacity", Config{Capacity: 4}, 0},
		{"four tokens per chunk", Config{TokensPerChunk: 4}, 1}, // the text, built once
	} {
		a16, a256 := measure(tc.cfg, 16), measure(tc.cfg, 256)
		t.Logf("%s: %v allocs/request at 16 tokens, %v at 256", tc.name, a16, a256)
		assert.Equal(t, a16, a256, "%s: allocations grow with the output length", tc.name)
		assert.LessOrEqual(t, a16, tc.max, tc.name)
	}
}

func BenchmarkGenerate(b *testing.B) {
	m := newModel(b, Config{})
	p := m.Plan(0, 256)
	emit := func(string) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Generate(b.Context(), p, emit); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCapacityStress races admissions, releases and cancellations, so that
// some requests are granted a slot just as their context ends: however they
// end, no slot may leak and no more than Capacity may generate at once.
func TestCapacityStress(t *testing.T) {
	const capacity, workers, rounds = 3, 16, 200
	m := newModel(t, Config{Capacity: capacity})
	var active, peak atomic.Int32
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				ctx, cancel := context.WithCancel(t.Context())
				if (w+r)%3 == 0 {
					go cancel() // races with admission
				}
				err := m.Generate(ctx, m.Plan(0, 3), func(string) error {
					n := active.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					runtime.Gosched()
					active.Add(-1)
					return nil
				})
				cancel()
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("request failed: %v", err)
				}
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int32(capacity))
	assert.Equal(t, 0, m.InFlight(), "no slot leaked")
	assert.Equal(t, 0, m.Queued())
	require.NoError(t, newModelGen(t, m), "the model still serves")
}
