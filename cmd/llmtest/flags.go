package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/llmtest/llmtest/endpoints/sim"
)

// parseFlags parses args with fs, whose Usage writes the help. On -h it
// returns exitOK; on a mistake it writes one line naming the flag, with a
// pointer to the help, and returns exitUsage; ok is true when the command
// goes on.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, ok bool) {
	// The flag package shows the usage on every mistake: show it only
	// when asked.
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case err == nil:
		return exitOK, true
	case errors.Is(err, flag.ErrHelp):
		usage()
		return exitOK, false
	}
	// The flag package names flags with one dash: "-clients".
	msg := flagDash.ReplaceAllString(err.Error(), "$1--$2")
	fmt.Fprintf(stderr, "%s: %s\nRun '%s -h' for the flags.\n", fs.Name(), msg, fs.Name())
	return exitUsage, false
}

// newFlagSet returns the flag set of the command name, whose help (-h)
// writes usage and the flags to stderr; parseFlags reports its errors.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		printFlags(stderr, fs)
	}
	return fs
}

// parseArgs is parseFlags for a command that takes arguments: flags may
// come before, between and after them ("llmtest report DIR --json -"),
// and every argument after "--" is an argument.
func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer) (positional []string, code int, ok bool) {
	for {
		if code, ok := parseFlags(fs, args, stderr); !ok {
			return nil, code, false
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), exitOK, true
		}
		if len(rest) == 0 {
			return positional, exitOK, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagDash matches a flag's name where the flag package's errors put it
// ("… for flag -clients: …", "… not defined: -bogus", "… for -stream: …",
// "… an argument: -out"), and not in the quoted value.
var flagDash = regexp.MustCompile(`(flag |for |defined: |argument: )-([A-Za-z][A-Za-z0-9-]*)`)

// printFlags writes the flags of fs as flag.PrintDefaults does, each named
// with two dashes, as the command's messages name them.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(w)
	for line := range strings.Lines(b.String()) {
		if strings.HasPrefix(line, "  -") && !oneLetter.MatchString(line) {
			line = "  --" + line[len("  -"):]
		}
		io.WriteString(w, line)
	}
}

// oneLetter matches the help line of a one-letter flag, such as -f, which
// keeps its one dash.
var oneLetter = regexp.MustCompile(`^  -[A-Za-z][ \n]`)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ", ") }
func (s *stringList) Get() any       { return []string(*s) }
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

func (s *simFlags) register(fs *flag.FlagSet, prefix string) {
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
