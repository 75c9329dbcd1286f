package reporters

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// turnOf returns a turn whose requests had these TTFTs in ms and ctx
// input tokens each.
func turnOf(turn, failed, ctx int, ttft ...int64) Turn {
	in := Metric{Name: "num_tokens_input", Unit: UnitTokens, Histogram: NewHistogram()}
	tf := Metric{Name: "time_to_first_token", Unit: UnitSeconds, Histogram: NewHistogram()}
	for _, v := range ttft {
		in.Histogram.Record(int64(ctx))
		in.N++
		in.Sum += float64(ctx)
		ns := v * int64(time.Millisecond)
		tf.Histogram.Record(ns)
		if tf.N == 0 || float64(ns)/1e9 < tf.Min {
			tf.Min = float64(ns) / 1e9
		}
		tf.Max = max(tf.Max, float64(ns)/1e9)
		tf.N++
		tf.Sum += float64(ns) / 1e9
	}
	in.Min, in.Max, in.Average = float64(ctx), float64(ctx), float64(ctx)
	tf.Average = tf.Sum / float64(tf.N)
	ps := tf.Histogram.Quantiles(50, 90)
	tf.P50, tf.P90 = ps[0]/1e9, ps[1]/1e9
	return Turn{Turn: turn, Requests: len(ttft) + failed, Failed: failed, Metrics: []Metric{in, tf}}
}

func TestMergeTurns(t *testing.T) {
	start := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	a, b := shardRun("a", start, 10, 20), shardRun("b", start, 30)
	a.Turns = []Turn{turnOf(1, 0, 100, 10), turnOf(2, 1, 200, 20)}
	b.Turns = []Turn{turnOf(1, 0, 120, 30, 50), turnOf(2, 0, 220, 40), turnOf(3, 0, 300, 60)}
	m, err := Merge([]*Run{a, b}, MergeOptions{})
	require.NoError(t, err)
	require.Len(t, m.Turns, 3)
	for i, want := range []struct {
		requests, failed, n int
		input, p50          float64
	}{{3, 0, 3, (100 + 240) / 3.0, 0.030}, {3, 1, 2, 210, 0.030}, {1, 0, 1, 300, 0.060}} {
		got := m.Turns[i]
		assert.Equal(t, i+1, got.Turn)
		assert.Equal(t, want.requests, got.Requests, "turn %d requests", i+1)
		assert.Equal(t, want.failed, got.Failed, "turn %d failed", i+1)
		assert.InDelta(t, want.input, got.Metric("num_tokens_input").Average, 1e-9, "turn %d mean input", i+1)
		ttft := got.Metric("time_to_first_token")
		assert.Equal(t, want.n, ttft.N, "turn %d n", i+1)
		assert.InEpsilon(t, want.p50, ttft.P50, RelativeError, "turn %d p50", i+1)
	}

	// The merged run round-trips through its JSON, turns included.
	var buf bytes.Buffer
	require.NoError(t, NewJSON(&buf).Write(m))
	back, err := ReadJSON(&buf)
	require.NoError(t, err)
	require.Len(t, back.Turns, 3)
	assert.Equal(t, m.Turns[1].Metric("time_to_first_token").P50, back.Turns[1].Metric("time_to_first_token").P50)
	assert.Equal(t, int64(2), back.Turns[1].Metric("time_to_first_token").Histogram.Count())

	// A turn out of place is an error naming the run.
	b.Turns[1].Turn = 5
	_, err = Merge([]*Run{a, b}, MergeOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `run "b": turns[1] is turn 5, want 2`)
}

func TestMarkdownTurns(t *testing.T) {
	r := shardRun("conv", time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), 10)
	r.Turns = []Turn{turnOf(1, 0, 100, 10, 12), turnOf(2, 1, 250, 20)}
	var b strings.Builder
	require.NoError(t, NewMarkdown(&b).Write(r))
	md := b.String()
	assert.Contains(t, md, "| turn | input tokens | ttft p50 | ttft p90 | ttlt p50 | ttlt p90 | failed | n |\n")
	assert.Contains(t, md, "| 1 | 100.0 | 11ms | ")
	assert.Contains(t, md, "| 2 | 250.0 | 20ms | 20ms | – | – | 1 | 2 |\n")

	// A run without conversations has no turn table.
	r.Turns = nil
	b.Reset()
	require.NoError(t, NewMarkdown(&b).Write(r))
	assert.NotContains(t, b.String(), "| turn |")
}
