package sim

import (
	"errors"
	"fmt"
	"time"
)

// Defaults applied by [NewModel] to the zero fields of a [Config].
const (
	// DefaultModel is the model name reported when Config.Model is empty.
	DefaultModel = "llmtest-sim"
	// DefaultOutputTokens is the output length, in tokens, when
	// Config.MinOutputTokens and Config.MaxOutputTokens are both zero and
	// the payload gives no max tokens.
	DefaultOutputTokens = 32
	// DefaultTokensPerChunk is the number of tokens in each streamed chunk
	// when Config.TokensPerChunk is zero.
	DefaultTokensPerChunk = 1
	// DefaultStallDuration is the length of a stall when Config.StallRate is
	// positive and Config.StallDuration is zero.
	DefaultStallDuration = 5 * time.Second
)

// Config describes a simulated LLM: its latency, its capacity and the
// faults it injects. The zero value is valid: an unlimited, fault-free model
// that answers at once (every latency is zero) with [DefaultOutputTokens]
// tokens, one per chunk. Each field's zero value is documented on it; the
// defaults are the exported Default constants. See the package
// documentation for how the fields combine.
type Config struct {
	// Seed seeds all randomness: output lengths, text, faults and jitter.
	// Two models with the same Config produce the same plans and texts for
	// the same arrival sequence numbers.
	Seed int64

	// Model is the model name the simulator reports. Empty means
	// DefaultModel.
	Model string

	// FirstTokenLatency is the base time to first token, measured from the
	// moment the request is admitted (at once when capacity is free); time
	// queued for capacity comes on top. Zero means no base latency.
	FirstTokenLatency time.Duration
	// PrefillPerToken is added to the time to first token for every input
	// token. Zero means the prompt length does not matter.
	PrefillPerToken time.Duration
	// InterTokenLatency is the time between consecutive output tokens.
	// Zero means all tokens arrive with the first.
	InterTokenLatency time.Duration
	// Jitter is the relative spread, in [0, 1), of the time to first token
	// and of each inter-token gap: each is multiplied by a factor drawn
	// uniformly from [1−Jitter, 1+Jitter), so the mean is unchanged. Zero
	// means exact latencies.
	Jitter float64

	// MinOutputTokens and MaxOutputTokens bound the output length, in
	// tokens, drawn uniformly from [MinOutputTokens, MaxOutputTokens] for a
	// request whose payload gives no max tokens. Both zero means a fixed
	// DefaultOutputTokens; only MaxOutputTokens set means a fixed
	// MaxOutputTokens. A payload's max tokens overrides both: the response
	// then has exactly that many tokens, as a benchmark request with
	// ignore_eos would.
	MinOutputTokens, MaxOutputTokens int
	// TokensPerChunk is the number of tokens in each streamed chunk (the
	// last chunk may hold fewer). Zero means DefaultTokensPerChunk.
	TokensPerChunk int

	// Capacity is the largest number of requests generating at once, like a
	// server's batch size. Further requests wait for a free slot in arrival
	// (FIFO) order, and their wait counts in their time to first token, so
	// latency grows with load as on a real server. Zero means unlimited.
	Capacity int
	// MaxQueue is the largest number of requests waiting for capacity; a
	// request arriving at a full queue fails at once with ErrOverloaded.
	// Zero means an unlimited queue. It needs a positive Capacity.
	MaxQueue int

	// ErrorRate is the share of requests, in [0, 1], that fail before their
	// first token with an *InjectedError of Kind FaultError.
	ErrorRate float64
	// MidStreamFailureRate is the share of requests, in [0, 1], that fail
	// after some but not all of their tokens, with an *InjectedError of Kind
	// FaultMidStream.
	MidStreamFailureRate float64
	// StallRate is the share of requests, in [0, 1], that stall once in the
	// middle of their output for StallDuration and then complete normally.
	StallRate float64
	// StallDuration is the length of a stall. Zero means
	// DefaultStallDuration when StallRate is positive.
	StallDuration time.Duration
}

// Validate reports every invalid field of c, each as an error naming the
// field, joined with errors.Join; it returns nil when c is valid. Durations
// and counts must not be negative, Jitter must be in [0, 1), each rate in
// [0, 1] and the three rates together at most 1, MinOutputTokens must not
// exceed MaxOutputTokens (so setting only the minimum is an error), and
// MaxQueue needs a Capacity. An error reads like
//
//	sim: Config.ErrorRate: must be in [0, 1], got 1.5
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, errors.New("sim: Config."+field+": "+fmt.Sprintf(format, args...)))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"FirstTokenLatency", c.FirstTokenLatency},
		{"PrefillPerToken", c.PrefillPerToken},
		{"InterTokenLatency", c.InterTokenLatency},
		{"StallDuration", c.StallDuration},
	} {
		if d.v < 0 {
			bad(d.name, "must not be negative, got %v", d.v)
		}
	}
	if !(c.Jitter >= 0 && c.Jitter < 1) {
		bad("Jitter", "must be in [0, 1), got %v", c.Jitter)
	}
	for _, n := range []struct {
		name string
		v    int
	}{
		{"MinOutputTokens", c.MinOutputTokens},
		{"MaxOutputTokens", c.MaxOutputTokens},
		{"TokensPerChunk", c.TokensPerChunk},
		{"Capacity", c.Capacity},
		{"MaxQueue", c.MaxQueue},
	} {
		if n.v < 0 {
			bad(n.name, "must not be negative, got %d", n.v)
		}
	}
	if c.MinOutputTokens > c.MaxOutputTokens && c.MaxOutputTokens >= 0 {
		bad("MinOutputTokens", "must not exceed MaxOutputTokens (%d), got %d", c.MaxOutputTokens, c.MinOutputTokens)
	}
	if c.MaxQueue > 0 && c.Capacity == 0 {
		bad("MaxQueue", "needs a positive Capacity (requests never queue without one), got MaxQueue %d", c.MaxQueue)
	}
	rates := []struct {
		name string
		v    float64
	}{
		{"ErrorRate", c.ErrorRate},
		{"MidStreamFailureRate", c.MidStreamFailureRate},
		{"StallRate", c.StallRate},
	}
	ratesOK := true
	for _, r := range rates {
		if !(r.v >= 0 && r.v <= 1) {
			bad(r.name, "must be in [0, 1], got %v", r.v)
			ratesOK = false
		}
	}
	if sum := c.ErrorRate + c.MidStreamFailureRate + c.StallRate; ratesOK && sum > 1 {
		bad("ErrorRate+MidStreamFailureRate+StallRate", "must not exceed 1, got %v", sum)
	}
	return errors.Join(errs...)
}

// withDefaults returns c with the documented defaults applied to its zero
// fields.
func (c Config) withDefaults() Config {
	if c.Model == "" {
		c.Model = DefaultModel
	}
	switch {
	case c.MinOutputTokens == 0 && c.MaxOutputTokens == 0:
		c.MinOutputTokens, c.MaxOutputTokens = DefaultOutputTokens, DefaultOutputTokens
	case c.MinOutputTokens == 0:
		c.MinOutputTokens = c.MaxOutputTokens
	}
	if c.TokensPerChunk == 0 {
		c.TokensPerChunk = DefaultTokensPerChunk
	}
	if c.StallRate > 0 && c.StallDuration == 0 {
		c.StallDuration = DefaultStallDuration
	}
	return c
}
