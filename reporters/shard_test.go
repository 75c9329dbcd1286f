package reporters

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shards returns runs of shards idx of n of the run "big", an open loop
// at rate 10/s split n ways, with a stage to 40/s split likewise.
func shards(t0 time.Time, n int, idx ...int) []*Run {
	var runs []*Run
	for _, i := range idx {
		r := shardRun("big-shard-"+string(rune('0'+i)), t0, int64(100*(i+1)))
		r.Config.Clients, r.Config.Arrival = 0, "constant"
		r.Config.Rate, r.Config.Requests = 10/float64(n), 1
		r.Config.Stages = []Stage{{Duration: 5, Target: 40 / float64(n)}}
		r.Config.Shard = &Shard{Index: i, Count: n, Run: "big"}
		r.Config.StartAt = t0
		r.StartLag = float64(i) / 1000
		runs = append(runs, r)
	}
	return runs
}

func TestMergeOfShards(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	m, err := Merge(shards(t0, 4, 2, 0, 3, 1), MergeOptions{})
	require.NoError(t, err)
	assert.Nil(t, m.Config.Shard, "the merge is the whole run, no shard")
	assert.Equal(t, 4, m.Config.Shards)
	assert.Equal(t, 4, m.Counts.Total)
	assert.InDelta(t, 10, m.Config.Rate, 1e-12)
	assert.Equal(t, 4, m.Config.Requests, "an open loop's arrivals are summed")
	assert.Equal(t, []Stage{{Duration: 5, Target: 40}}, m.Config.Stages)
	assert.Equal(t, t0, m.Config.StartAt)
	assert.InDelta(t, 0.003, m.StartLag, 1e-12, "the latest shard's lag")
}

func TestMergeRefusesAnIncompleteSetOfShards(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		runs []*Run
		want string
	}{
		{"missing", shards(t0, 4, 0, 1, 3), `reporters: run "big" has 4 shards; shard 2 is missing`},
		{"two missing", shards(t0, 4, 3, 1), `reporters: run "big" has 4 shards; shards 0, 2 are missing`},
		{"twice", append(shards(t0, 2, 0, 1), shards(t0, 2, 1)...), `reporters: run "big" has 2 shards; shard 1 given more than once`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge(tc.runs, MergeOptions{Force: true})
			var se *ShardsError
			require.ErrorAs(t, err, &se, "even with Force")
			assert.EqualError(t, err, tc.want)
			assert.Equal(t, tc.name != "twice", errors.Is(err, ErrMissingShards))
		})
	}
}

func TestMergeRefusesShardsOfDifferentRuns(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	other := shards(t0, 2, 1)
	other[0].Config.Shard.Run = "other"
	plain := shardRun("plain", t0, 100)
	for _, tc := range []struct {
		name  string
		runs  []*Run
		field string
	}{
		{"run", append(shards(t0, 2, 0), other...), "config.shard.run_name"},
		{"count", append(shards(t0, 2, 0), shards(t0, 3, 1)...), "config.shard.count"},
		{"not a shard", append(shards(t0, 2, 0), plain), "config.shard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge(tc.runs, MergeOptions{})
			var me *MismatchError
			require.ErrorAs(t, err, &me)
			assert.Equal(t, tc.field, me.Field)
		})
	}
}
