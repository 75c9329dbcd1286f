//go:build race

package anthropic

// raceEnabled reports whether the race detector is on: it makes sync.Pool
// drop items at random, so allocation counts vary.
const raceEnabled = true
