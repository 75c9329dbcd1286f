//go:build race

package openai

// raceEnabled is true under the race detector, which makes sync.Pool drop
// items at random, so that allocation counts vary.
const raceEnabled = true
