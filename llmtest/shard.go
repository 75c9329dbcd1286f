package llmtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// Shard makes a run one of Count shards of a larger run, each run by its
// own process (a Kubernetes Indexed Job's pods, say) and merged afterwards
// with [Merge] or `llmtest merge`. Shard Index takes a deterministic
// share of the load, so that the shards together send what one process
// running the whole configuration would:
//
//   - Closed loop: the clients are dealt out, client g of the whole run
//     (g = 0, 1, …) to shard g mod Count; shard i has Clients/Count
//     clients, plus one when i < Clients mod Count. Each keeps what it
//     has in the whole run: its payload offset, its ramp-up delay and,
//     with Stages, the moment the ramp reaches it (a stage's Target of T
//     clients gives shard i its share of T, the same split). Requests is
//     per client, as always. A shard left without a client (fewer clients
//     than shards) is a *ConfigError: it would send nothing.
//   - Open loop: the rate and every stage's Target are divided by Count.
//     Arrivals are dealt out as the clients are: arrival k of the whole
//     run (and the payload it sends, k mod the number of payloads) to
//     shard k mod Count, so that Requests (the total of arrivals) and a
//     count warm-up are split like the clients. Constant arrivals are
//     exactly the whole run's, shard i's offset by i/Count of a gap;
//     Poisson arrivals are drawn from the shard's own seed (see
//     ShardSeed), independent Poisson processes whose sum is a Poisson
//     process of the whole rate. A replayed schedule (ArrivalTimes, a
//     trace) gives entry k to shard k mod Count: no two shards send the
//     same entry. MaxInFlight caps each shard.
//
// The shard writes its folder OutputPath/RunName-shard-<Index>, records
// itself in the run's model (reporters.Config.Shard, with RunName as the
// sharded run's name) and prefixes its request ids with "s<Index>-", so
// that the merge's records stay unique. Every shard needs the same
// RunName, or, without one, the same StartAt, after which the run is
// then named.
//
// The zero value (Count 0) is no sharding. Count 1 is a run of one shard:
// the whole load, recorded as shard 0 of 1.
type Shard struct {
	// Index is the shard's 0-based index, as Kubernetes'
	// JOB_COMPLETION_INDEX: at least 0 and less than Count.
	Index int
	// Count is the number of shards; 0 is no sharding.
	Count int
}

// String returns "Index/Count", as ParseShard reads it.
func (s Shard) String() string { return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count) }

// ParseShard parses a shard written "i/N", a 0-based index i of N shards,
// as `llmtest run --shard` takes it. N must be at least 1 and i less
// than N.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("want i/N, a 0-based shard index of N shards such as 0/4; got %q", s)
	}
	i, err := strconv.Atoi(is)
	if err != nil {
		return Shard{}, fmt.Errorf("shard index %q in %q is not a whole number", is, s)
	}
	n, err := strconv.Atoi(ns)
	if err != nil {
		return Shard{}, fmt.Errorf("shard count %q in %q is not a whole number", ns, s)
	}
	sh := Shard{Index: i, Count: n}
	if n < 1 {
		return Shard{}, fmt.Errorf("shard count must be at least 1, got %d", n)
	}
	if err := sh.check(); err != nil {
		return Shard{}, err
	}
	return sh, nil
}

// check returns why s is not a shard, or nil.
func (s Shard) check() error {
	switch {
	case s.Count < 0:
		return fmt.Errorf("shard count must be at least 1, got %d", s.Count)
	case s.Count == 0 && s.Index != 0:
		return fmt.Errorf("shard index %d needs a shard count", s.Index)
	case s.Count > 0 && (s.Index < 0 || s.Index >= s.Count):
		return fmt.Errorf("shard index must be 0 to %d for %d shards (0-based), got %d", s.Count-1, s.Count, s.Index)
	}
	return nil
}

// share returns shard s's share of n things dealt out in turn: how many
// of 0..n-1 are ≡ s.Index modulo s.Count.
func (s Shard) share(n int) int {
	if s.Count <= 1 {
		return n
	}
	k := n / s.Count
	if s.Index < n%s.Count {
		k++
	}
	return k
}

// global returns the index in the whole run of the shard's k-th client or
// arrival.
func (s Shard) global(k int) int {
	if s.Count <= 1 {
		return k
	}
	return k*s.Count + s.Index
}

// ShardSeed returns the seed of shard s's Poisson arrivals in a run
// seeded with seed: seed itself without sharding or with one shard, and
// otherwise a SplitMix64 mix of seed and the shard's index, different for
// every shard, so that their arrivals do not coincide.
func ShardSeed(seed uint64, s Shard) uint64 {
	if s.Count <= 1 {
		return seed
	}
	z := seed + uint64(s.Index+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// shardName returns the run name of shard index of the run named run.
func shardName(run string, index int) string {
	return run + "-shard-" + strconv.Itoa(index)
}

// startAtName is the name of a sharded run without a RunName: its
// StartAt, to the second, the same in every shard.
func startAtName(at time.Time) string {
	return at.UTC().Format("20060102-150405")
}

// shardState is what an engine keeps of its shard.
type shardState struct {
	Shard
	// run is the sharded run's name.
	run string
	// clients is the closed loop's clients in the whole run.
	clients int
	// stages are the shard's share of the stages, as recorded.
	stages []Stage
	// phase is the offset of a constant open loop's arrivals, in gaps.
	phase float64
	// seed is the run's seed; the engine's Config has the shard's.
	seed uint64
}

// applyShard makes e's configuration shard e.cfg.Shard's share of the
// run, after its defaults, payloads and profile are resolved: a closed
// loop keeps the whole run's profile, which its clients await by their
// index in the whole run; an open loop's is rebuilt at its share.
func (e *engine) applyShard() error {
	c := &e.cfg
	s := &e.shard
	s.Shard, s.run, s.clients, s.stages = c.Shard, c.RunName, c.Clients, c.Stages
	if c.Shard.Count == 0 {
		return nil
	}
	c.RunName = shardName(c.RunName, c.Shard.Index)
	n := float64(max(c.Shard.Count, 1))
	if c.openLoop() {
		s.stages = make([]Stage, len(c.Stages))
		for i, st := range c.Stages {
			s.stages[i] = Stage{Duration: st.Duration, Target: st.Target / n}
		}
		c.Rate /= n
		c.Stages = s.stages
		e.prof = newProfile(c.Rate, c.Stages)
		if total := c.Requests; total > 0 {
			if c.Requests = c.Shard.share(total); c.Requests == 0 {
				return configErrorf("Shard", "shard %v gets no arrival: the run's %d arrivals split over at most %d shards", c.Shard, total, total)
			}
		}
		if times := c.ArrivalTimes; times != nil && c.Shard.Count > 1 {
			c.ArrivalTimes = make([]time.Duration, 0, c.Shard.share(len(times)))
			for k := c.Shard.Index; k < len(times); k += c.Shard.Count {
				c.ArrivalTimes = append(c.ArrivalTimes, times[k])
			}
			if len(c.ArrivalTimes) == 0 {
				return configErrorf("Shard", "shard %v gets no arrival: the schedule's %d entries split over at most %d shards", c.Shard, len(times), len(times))
			}
		}
		s.seed = c.Seed
		if c.Arrival == ArrivalPoisson {
			c.Seed = ShardSeed(c.Seed, c.Shard)
		}
		if c.Arrival == ArrivalConstant {
			s.phase = float64(c.Shard.Index) / n
		}
	} else {
		if len(c.Stages) > 0 {
			s.stages = make([]Stage, len(c.Stages))
			for i, st := range c.Stages {
				s.stages[i] = Stage{Duration: st.Duration, Target: float64(c.Shard.share(int(st.Target)))}
			}
		}
		if c.Clients = c.Shard.share(s.clients); c.Clients == 0 {
			return configErrorf("Shard", "shard %v gets no client: the run's %d clients split over at most %d shards", c.Shard, s.clients, s.clients)
		}
	}
	if w := c.Warmup.Requests; w > 0 {
		c.Warmup.Requests = c.Shard.share(w)
		e.warm.w = c.Warmup
	}
	return nil
}

// shardModel records the shard in the run's model.
func (e *engine) shardModel(rc *reporters.Config) {
	if e.shard.Count == 0 {
		return
	}
	rc.Shard = &reporters.Shard{Index: e.shard.Index, Count: e.shard.Count, Run: e.shard.run}
	if rc.Arrival == string(ArrivalPoisson) {
		rc.Shard.Seed = e.cfg.Seed
		rc.Seed = e.shard.seed
	}
	rc.Stages = rc.Stages[:0]
	for _, st := range e.shard.stages {
		rc.Stages = append(rc.Stages, reporters.Stage{Duration: st.Duration.Seconds(), Target: st.Target})
	}
}

// idPrefix is the prefix of the request ids the engine numbers: "s<Index>-"
// in a shard, so that the ids of a merge's records are unique; empty
// otherwise.
func (e *engine) idPrefix() string {
	if e.shard.Count == 0 {
		return ""
	}
	return "s" + strconv.Itoa(e.shard.Index) + "-"
}
