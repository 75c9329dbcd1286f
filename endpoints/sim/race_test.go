//go:build race

package sim_test

// raceEnabled reports a -race build, in which sync.Pool drops items at
// random, so that allocation counts of pooled code vary.
const raceEnabled = true
