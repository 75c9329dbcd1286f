package llmtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

func TestParseProgressStats(t *testing.T) {
	got, err := ParseProgressStats(" rpm=requests_per_minute, p50_tps = 1/time_per_output_token-p50 ,failed_requests,ttft=time_to_first_token-p75")
	require.NoError(t, err)
	assert.Equal(t, []ProgressStat{
		{Label: "rpm", Key: "requests_per_minute"},
		{Label: "p50_tps", Key: "time_per_output_token-p50", Inverse: true},
		{Label: "failed_requests", Key: "failed_requests"},
		{Label: "ttft", Key: "time_to_first_token-p75"},
	}, got)

	none, err := ParseProgressStats("")
	require.NoError(t, err)
	assert.NotNil(t, none, "the empty string is no statistics, not the defaults")
	assert.Empty(t, none)

	for in, want := range map[string]string{
		"rpm=requests_per_minut":         `entry "rpm=requests_per_minut": unknown stat key "requests_per_minut"; valid keys: total_requests, failed_requests,`,
		"x=time_to_first_token-p101":     `unknown stat key "time_to_first_token-p101"`,
		"=requests_per_minute":           `entry "=requests_per_minute": empty label`,
		"rpm=requests_per_minute,,":      `entry "": empty label`,
		"ttft=1/time_to_first_tokens-p5": `unknown stat key "time_to_first_tokens-p5"`,
	} {
		_, err := ParseProgressStats(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), want, in)
		}
	}
}

func TestEveryDefaultProgressStatIsAKey(t *testing.T) {
	for _, st := range DefaultProgressStats {
		assert.NoError(t, CheckStatKey(st.Key), st.Label)
	}
	// And every key a run reports is one.
	res := NewResult([]Invocation{{RequestTime: time.Now(), TimeToFirstToken: time.Millisecond,
		TimeToLastToken: 2 * time.Millisecond, NumTokensOutput: 3, OutputTokensFrom: FromServer}}, time.Second)
	for _, k := range res.Run.StatKeys() {
		assert.NoError(t, CheckStatKey(k), k)
	}
}

func TestAnUnknownProgressKeyIsRefusedBeforeAnyLoad(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a"}}
	_, err := NewRunner(Config{Endpoint: ep, Payloads: prompts(1), Progress: Progress{
		Stats: []ProgressStat{{Label: "rpm", Key: "requests_per_minute"}, {Label: "ttft", Key: "ttft-p50"}},
	}}).Run(t.Context(), Config{})
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Progress.Stats[1].Key", ce.Field)
	assert.Contains(t, ce.Error(), `unknown stat key "ttft-p50"; valid keys: total_requests`)
	assert.Zero(t, ep.calls.Load(), "nothing was sent")

	_, err = NewRunner(Config{Endpoint: ep, Payloads: prompts(1), Progress: Progress{Interval: -time.Second}}).Run(t.Context(), Config{})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Progress.Interval", ce.Field)
}

// snapshots collects the snapshots a run hands to Progress.Func.
type snapshots struct {
	mu  sync.Mutex
	all []*ProgressSnapshot
}

func (s *snapshots) add(p *ProgressSnapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, p)
}

func (s *snapshots) get() []*ProgressSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*ProgressSnapshot(nil), s.all...)
}

func TestProgressFollowsACountedRun(t *testing.T) {
	var got snapshots
	ep := &fakeEndpoint{Chunks: []string{"a ", "b ", "c"}, Gap: 100 * time.Millisecond}
	res, err := NewRunner(Config{}).Run(t.Context(), Config{
		Endpoint: ep, Payloads: prompts(4), Clients: 2, Requests: 4,
		Progress: Progress{Func: got.add},
	})
	require.NoError(t, err)
	all := got.get()
	require.GreaterOrEqual(t, len(all), 2, "a 1.2 s run is refreshed twice a second")
	last := all[len(all)-1]
	for i, s := range all {
		assert.Equal(t, i == len(all)-1, s.Final, "only the last snapshot is final")
		assert.Equal(t, 8, s.Total)
		assert.Zero(t, s.Duration)
		assert.Equal(t, s.Started-s.Ended, s.InFlight)
		assert.LessOrEqual(t, s.Started, 8)
		assert.Equal(t, s.Ended, s.Clients[0]+s.Clients[1])
		if i > 0 {
			assert.GreaterOrEqual(t, s.Ended, all[i-1].Ended, "monotonic")
			assert.GreaterOrEqual(t, s.Elapsed, all[i-1].Elapsed)
		}
		assert.Len(t, s.Stats, len(DefaultProgressStats))
	}
	assert.Equal(t, res.Run.Counts.Total, last.Ended)
	assert.Zero(t, last.InFlight)
	assert.Equal(t, []int{4, 4}, last.Clients)
	assert.True(t, last.Draining)
	assert.Equal(t, res.Run.TestTime, last.Elapsed.Seconds(), "the final snapshot spans the run")

	// The final figures are the run's own, percentiles read from its
	// histograms.
	byLabel := map[string]ProgressValue{}
	for _, v := range last.Stats {
		byLabel[v.Label] = v
	}
	ttft := res.Run.Metric(string(TimeToFirstToken))
	assert.InEpsilon(t, ttft.P50, byLabel["p50_ttft"].Value, reporters.RelativeError+1e-9)
	assert.InEpsilon(t, ttft.P90, byLabel["p90_ttft"].Value, reporters.RelativeError+1e-9)
	tpot := res.Run.Metric(string(TimePerOutputToken))
	assert.InEpsilon(t, 1/tpot.P50, byLabel["p50_tps"].Value, 2*reporters.RelativeError)
	assert.Equal(t, float64(res.Run.Tokens.Output), byLabel["output_tokens"].Value)
	assert.Equal(t, 0.0, byLabel["fail"].Value)
	assert.True(t, byLabel["fail"].OK)
	assert.InDelta(t, res.Run.RequestsPerMinute(), byLabel["rpm"].Value, 1e-9)

	// Before any request ended, the percentiles have no value.
	if first := all[0]; first.Ended == 0 {
		for _, v := range first.Stats {
			if strings.Contains(v.Key, "-p") {
				assert.False(t, v.OK, v.Label)
				assert.Equal(t, "—", v.String())
			}
		}
	}
}

func TestProgressShowsTheDrainOfATimedRun(t *testing.T) {
	var got snapshots
	// Each request takes 1.2 s; the run sends for 1.3 s, so its second
	// requests are in flight from 1.3 s to about 2.4 s, while the
	// snapshots of 1.5 s and 2 s are taken.
	ep := &fakeEndpoint{Chunks: []string{"a ", "b ", "c ", "d"}, Gap: 300 * time.Millisecond}
	res, err := NewRunner(Config{}).Run(t.Context(), Config{
		Endpoint: ep, Payloads: prompts(2), Clients: 2, Duration: 1300 * time.Millisecond,
		Progress: Progress{Func: got.add, Stats: []ProgressStat{}},
	})
	require.NoError(t, err)
	draining := 0
	for _, s := range got.get() {
		assert.Equal(t, 1300*time.Millisecond, s.Duration)
		assert.Zero(t, s.Total)
		assert.Empty(t, s.Stats, "no statistics asked for")
		if s.Elapsed < s.Duration {
			assert.False(t, s.Draining, "sending at %v", s.Elapsed)
		}
		if s.Draining && !s.Final && s.InFlight > 0 {
			draining++
			assert.Contains(t, s.Line(), ", draining")
		}
	}
	assert.Positive(t, draining, "a snapshot shows requests draining after the duration")
	assert.Equal(t, 4, res.Run.Counts.Total)
}

func TestProgressOffCallsNoOne(t *testing.T) {
	called := false
	_, err := NewRunner(Config{}).Run(t.Context(), Config{
		Endpoint: &fakeEndpoint{Chunks: []string{"a"}, Gap: 600 * time.Millisecond}, Payloads: prompts(1),
		Progress: Progress{Off: true, Func: func(*ProgressSnapshot) { called = true }},
	})
	require.NoError(t, err)
	assert.False(t, called)
}

func TestAnInterruptedRunDrains(t *testing.T) {
	var got snapshots
	ctx, cancel := context.WithCancel(t.Context())
	ep := &fakeEndpoint{Chunks: []string{"a"}, Block: true}
	time.AfterFunc(700*time.Millisecond, cancel)
	res, err := NewRunner(Config{}).Run(ctx, Config{
		Endpoint: ep, Payloads: prompts(1), Clients: 2, Duration: time.Minute,
		Progress: Progress{Func: got.add},
	})
	require.ErrorIs(t, err, ErrInterrupted)
	all := got.get()
	last := all[len(all)-1]
	assert.True(t, last.Final && last.Draining)
	assert.Equal(t, res.Run.Counts.Total, last.Ended)
	assert.Equal(t, 2, res.Run.Counts.Cancelled)
}

// logT records what a test logs.
type logT struct {
	testing.TB
	mu    sync.Mutex
	lines []string
}

func (l *logT) Log(args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprint(args...))
	l.mu.Unlock()
	l.TB.Log(args...)
}

func (l *logT) progressLines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.lines {
		if strings.HasPrefix(s, "llmtest: ") {
			out = append(out, s)
		}
	}
	return out
}

func TestRunLogsProgressOncePerInterval(t *testing.T) {
	ep := &fakeEndpoint{Chunks: []string{"a ", "b"}, Gap: 100 * time.Millisecond}
	lt := &logT{TB: t}
	res := Run(lt, Config{Endpoint: ep, Payloads: prompts(2), Duration: 1300 * time.Millisecond,
		Progress: Progress{Interval: 500 * time.Millisecond}})
	lines := lt.progressLines()
	// A 1.3 s run with a 0.5 s interval logs at 0.5 s and 1 s (the final
	// snapshot is left to the summary).
	require.NotEmpty(t, lines)
	// One line per whole interval the run lasted (its drain included,
	// which a loaded machine stretches), and none for the final snapshot.
	assert.LessOrEqual(t, len(lines), int(res.Run.TestTime/0.5), "%q", lines)
	for _, l := range lines {
		assert.Regexp(t, `^llmtest: [0-9.]+m?s of 1\.3s: \d+ done, \d+ in flight, \d+ failed \| rpm=`, l)
	}
	assert.Positive(t, res.Run.Counts.Total)

	// A run shorter than the interval (here the default, 10 s) logs none.
	short := &logT{TB: t}
	Run(short, Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}, Gap: 600 * time.Millisecond}, Payloads: prompts(1)})
	assert.Empty(t, short.progressLines())

	// Off logs none.
	off := &logT{TB: t}
	Run(off, Config{Endpoint: ep, Payloads: prompts(2), Duration: 1200 * time.Millisecond,
		Progress: Progress{Interval: 200 * time.Millisecond, Off: true}})
	assert.Empty(t, off.progressLines())
}

func TestProgressValueFormats(t *testing.T) {
	for _, c := range []struct {
		v    ProgressValue
		want string
	}{
		{ProgressValue{ProgressStat{Key: "requests_per_minute"}, 1234.56, true}, "1234.6"},
		{ProgressValue{ProgressStat{Key: "output_tokens_per_second"}, 88.04, true}, "88.0 tok/s"},
		{ProgressValue{ProgressStat{Key: "time_per_output_token-p50", Inverse: true}, 41.66, true}, "41.7 tok/s"},
		{ProgressValue{ProgressStat{Key: "time_to_first_token-p90"}, 0.0123, true}, "12.3ms"},
		{ProgressValue{ProgressStat{Key: "time_to_last_token-max"}, 2.5, true}, "2.50s"},
		{ProgressValue{ProgressStat{Key: "total_output_tokens"}, 4096, true}, "4096"},
		{ProgressValue{ProgressStat{Key: "num_tokens_output-average"}, 12.25, true}, "12.2"},
		{ProgressValue{ProgressStat{Key: "failed_requests"}, 0, false}, "—"},
	} {
		assert.Equal(t, c.want, c.v.String(), c.v.Key)
	}
	s := ProgressSnapshot{Elapsed: 12340 * time.Millisecond, Duration: 20 * time.Second, Ended: 480, InFlight: 8, Failed: 2,
		Stats: []ProgressValue{{ProgressStat{Label: "rpm", Key: "requests_per_minute"}, 2333.3, true}}}
	assert.Equal(t, "12.3s of 20s: 480 done, 8 in flight, 2 failed | rpm=2333.3", s.Line())
	s = ProgressSnapshot{Elapsed: 800 * time.Millisecond, Total: 32, Ended: 5, InFlight: 4, Draining: true}
	assert.Equal(t, "800ms: 5/32 done, 4 in flight, 0 failed, draining", s.Line())
}
