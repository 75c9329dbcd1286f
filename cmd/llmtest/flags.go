package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/llmtest/llmtest/endpoints/sim"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ", ") }
func (s *stringList) Type() string   { return "stringArray" }
func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// simFlags are the simulated model's parameters, shared by `llmtest sim`
// and by `llmtest run` without --url (where they carry a "sim-" prefix).
type simFlags struct {
	seed         int64
	ttft         time.Duration
	prefill      time.Duration
	itl          time.Duration
	jitter       float64
	outputTokens int
	capacity     int
	maxQueue     int
	errorRate    float64
	midStream    float64
	stallRate    float64
	stall        time.Duration
}

// Defaults of the simulator on the command line: a small, lively model, so
// that the first run on a fresh machine shows real-looking latencies.
const (
	cliSimTTFT         = 60 * time.Millisecond
	cliSimPrefill      = 50 * time.Microsecond
	cliSimITL          = 8 * time.Millisecond
	cliSimOutputTokens = 48
	cliSimCapacity     = 64
)

func (s *simFlags) register(fs *pflag.FlagSet, prefix string) {
	fs.Int64Var(&s.seed, prefix+"seed", 1, "simulator: random seed")
	fs.DurationVar(&s.ttft, prefix+"ttft", cliSimTTFT, "simulator: base time to first token")
	fs.DurationVar(&s.prefill, prefix+"prefill", cliSimPrefill, "simulator: time to first token added per input token")
	fs.DurationVar(&s.itl, prefix+"itl", cliSimITL, "simulator: inter-token latency")
	fs.Float64Var(&s.jitter, prefix+"jitter", 0.1, "simulator: relative jitter of every latency, in [0, 1)")
	fs.IntVar(&s.outputTokens, prefix+"output-tokens", cliSimOutputTokens, "simulator: output tokens when the payload sets no max tokens")
	fs.IntVar(&s.capacity, prefix+"capacity", cliSimCapacity, "simulator: sequences generated at once; more wait in FIFO order (0 = unlimited)")
	fs.IntVar(&s.maxQueue, prefix+"max-queue", 0, "simulator: requests waiting beyond capacity before HTTP 429 (0 = unlimited)")
	fs.Float64Var(&s.errorRate, prefix+"error-rate", 0, "simulator: share of requests failing with HTTP 500")
	fs.Float64Var(&s.midStream, prefix+"mid-stream-failure-rate", 0, "simulator: share of requests cut mid-stream")
	fs.Float64Var(&s.stallRate, prefix+"stall-rate", 0, "simulator: share of requests that stall once mid-stream")
	fs.DurationVar(&s.stall, prefix+"stall", 0, "simulator: length of a stall (default 5s)")
}

func (s *simFlags) config() sim.Config {
	return sim.Config{
		Seed:                 s.seed,
		FirstTokenLatency:    s.ttft,
		PrefillPerToken:      s.prefill,
		InterTokenLatency:    s.itl,
		Jitter:               s.jitter,
		MaxOutputTokens:      s.outputTokens,
		Capacity:             s.capacity,
		MaxQueue:             s.maxQueue,
		ErrorRate:            s.errorRate,
		MidStreamFailureRate: s.midStream,
		StallRate:            s.stallRate,
		StallDuration:        s.stall,
	}
}

// usageError is a command-line mistake: nothing was sent. Its message
// names the flag; err, when set, is the error it was rewritten from.
type usageError struct {
	msg string
	err error
}

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}
