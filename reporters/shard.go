package reporters

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Shard identifies one shard of a sharded run: shard Index (0-based) of
// Count, all of them parts of the run named Run.
type Shard struct {
	// Index is the shard's 0-based index, less than Count.
	Index int `json:"index"`
	// Count is the number of shards the run was split into.
	Count int `json:"count"`
	// Run is the name of the sharded run: every shard of it carries the
	// same one, and their merge is named after it by default.
	Run string `json:"run_name"`
	// Seed is the shard's own seed of an open loop's arrivals, derived
	// from the run's (Config.Seed) and Index; 0 for a closed loop.
	Seed uint64 `json:"seed,omitempty"`
}

// String returns "i/N".
func (s Shard) String() string { return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count) }

// ErrMissingShards is wrapped by the *ShardsError of a merge that lacks
// some shards of a sharded run.
var ErrMissingShards = errors.New("missing shards")

// ShardsError reports runs that are not the complete set of shards 0..N-1
// of one sharded run: a shard missing or given twice.
type ShardsError struct {
	// Run is the sharded run's name and Count its number of shards.
	Run   string
	Count int
	// Missing are the indices of the shards not given, in order.
	Missing []int
	// Twice are the indices of the shards given more than once.
	Twice []int
}

func (e *ShardsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "reporters: run %q has %d shards", e.Run, e.Count)
	if len(e.Missing) > 0 {
		fmt.Fprintf(&b, "; %s %s %s missing", pick(len(e.Missing), "shard", "shards"), joinInts(e.Missing), pick(len(e.Missing), "is", "are"))
	}
	if len(e.Twice) > 0 {
		fmt.Fprintf(&b, "; %s %s given more than once", pick(len(e.Twice), "shard", "shards"), joinInts(e.Twice))
	}
	return b.String()
}

// Unwrap returns ErrMissingShards when a shard is missing.
func (e *ShardsError) Unwrap() error {
	if len(e.Missing) > 0 {
		return ErrMissingShards
	}
	return nil
}

// pick returns one when n is 1, many otherwise.
func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

// CheckShards checks that runs are either no shard at all, or exactly
// shards 0..N-1 of one sharded run, each once: the same Config.Shard.Run
// and Count in every run. A run that is a shard beside one that is not,
// or shards of different runs or counts, are a *MismatchError naming
// config.shard; a shard missing or given twice is a *ShardsError (wrapping
// ErrMissingShards when one is missing). [Merge] calls it, whatever its
// options: a merge of a sharded run is never silently partial.
func CheckShards(runs []*Run) error {
	var first *Run
	for _, r := range runs {
		if r != nil && r.Config.Shard != nil {
			first = r
			break
		}
	}
	if first == nil {
		return nil
	}
	fs := first.Config.Shard
	seen := make([]int, fs.Count)
	for _, r := range runs {
		s := r.Config.Shard
		switch {
		case s == nil:
			return &MismatchError{Field: "config.shard", A: first.Name, B: r.Name, AValue: fs.String(), BValue: "none"}
		case s.Run != fs.Run:
			return &MismatchError{Field: "config.shard.run_name", A: first.Name, B: r.Name, AValue: fs.Run, BValue: s.Run}
		case s.Count != fs.Count:
			return &MismatchError{Field: "config.shard.count", A: first.Name, B: r.Name, AValue: strconv.Itoa(fs.Count), BValue: strconv.Itoa(s.Count)}
		case s.Index < 0 || s.Index >= s.Count:
			return fmt.Errorf("reporters: run %q: shard index %d is not in 0..%d", r.Name, s.Index, s.Count-1)
		}
		seen[s.Index]++
	}
	e := &ShardsError{Run: fs.Run, Count: fs.Count}
	for i, n := range seen {
		switch {
		case n == 0:
			e.Missing = append(e.Missing, i)
		case n > 1:
			e.Twice = append(e.Twice, i)
		}
	}
	if len(e.Missing) > 0 || len(e.Twice) > 0 {
		return e
	}
	return nil
}

// mergeStages returns the stages of the merge of shards: each stage's
// target the sum of the shards' (each shard ramps its share), when every
// shard has as many stages; the first shard's stages otherwise.
func mergeStages(runs []*Run) []Stage {
	out := slices.Clone(runs[0].Config.Stages)
	for _, r := range runs[1:] {
		if len(r.Config.Stages) != len(out) {
			return runs[0].Config.Stages
		}
		for i, s := range r.Config.Stages {
			out[i].Target += s.Target
		}
	}
	return out
}
