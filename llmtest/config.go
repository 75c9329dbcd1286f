package llmtest

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/tokenizers"
)

// Defaults for the zero values of [Config].
const (
	// DefaultClients is the number of concurrent clients when Config.Clients
	// is zero.
	DefaultClients = 1
	// DefaultTimeout is the per-request deadline when Config.Timeout is zero.
	DefaultTimeout = 60 * time.Second
)

// Config describes one load test: where the load goes, what is sent and in
// what shape. Its fields are LLMeter's Runner fields. The zero value of each
// field means its documented default; a Config is validated before any
// request is sent, and a broken rule is a [*ConfigError] naming the field.
type Config struct {
	// Endpoint receives the load. Required.
	Endpoint endpoints.Endpoint

	// OutputPath is the base folder for artifacts: a run writes its files
	// to OutputPath/RunName. Empty means no artifacts from Runner.Run, and
	// the test's artifact directory for the test helper [Run]. It is a
	// local path, a file:// URL (the same local folder), or a bucket URL
	// such as s3://bucket/runs?region=eu-west-1 of a scheme a driver
	// registered (see [Bucket] and [RegisterBucket]), where the run writes
	// the same files, its records in parts (see ResponseParts). A URL of
	// any other scheme is an error, never a folder named after it.
	OutputPath string

	// ResponseParts sets how a run writing to a bucket cuts its records
	// into parts. The zero value means DefaultPartRecords records or
	// DefaultPartInterval, whichever comes first.
	ResponseParts ResponseParts

	// Tokenizer counts tokens when the server reports no usage, outside
	// every timed window. Nil means [tokenizers.Whitespace].
	Tokenizer tokenizers.Tokenizer

	// Clients is the number of concurrent clients, each one goroutine that
	// sends a request, waits for its response and sends the next (a closed
	// loop). Zero means DefaultClients; negative is an error.
	Clients int

	// Requests is the number of requests each client sends. Zero means the
	// number of payloads, unless Duration is set. Requests and Duration are
	// mutually exclusive.
	Requests int

	// Duration makes each client send requests until it has elapsed,
	// instead of a fixed count. Requests in flight when it ends complete
	// (each bounded by Timeout); no new one starts.
	Duration time.Duration

	// RampUp spreads the clients' starts evenly over this time: client c of
	// C sends its first request c·RampUp/C after the run starts, so that C
	// requests do not arrive in one burst. It counts towards Duration.
	// Zero starts every client at once.
	RampUp time.Duration

	// Payloads are the request bodies, sent in turn. Accepted forms:
	//   - an endpoints.Payload or map[string]any: one payload;
	//   - a []endpoints.Payload or []map[string]any: several;
	//   - a string: the path of a .json file (an object or an array of
	//     objects), a .jsonl file (one object per line; blank lines are
	//     skipped), or a directory whose .json and .jsonl files are read in
	//     name order;
	//   - any other value that encodes to a JSON object or an array of
	//     objects, such as a struct or a slice of structs.
	// Required; an empty source is an error.
	Payloads any

	// RunName names the run and its folder under OutputPath. Empty means,
	// inside a test ([Run], [Benchmark]), the test's name (see Run), and
	// otherwise a name made of the start time and a random suffix, unique
	// per run.
	RunName string

	// Description is free text recorded with the run.
	Description string

	// Timeout is the deadline of each request, from its send time to the
	// end of its response. A request that exceeds it is stopped and
	// recorded as failed (a timeout, not a cancellation). Zero means
	// DefaultTimeout; negative is an error.
	Timeout time.Duration

	// Callbacks are called around the run and each request, in list order.
	Callbacks []Callback

	// LowMemory keeps no invocation in memory (LLMeter's low_memory): each
	// record goes only to responses.jsonl as it completes, Result.
	// Invocations stays empty, Result.Responses streams the records back
	// from the file, and the statistics come from the run's model as it
	// was built, their percentiles read from its histograms (within
	// reporters.RelativeError, and marked so). The memory a run takes then
	// stays flat however long it runs. It needs an output folder:
	// Config.OutputPath (the test helpers [Run] and [Benchmark] default it
	// to the test's artifact directory only for Run).
	LowMemory bool

	// Progress configures the live progress of the run: its statistics
	// and who receives them. The zero value logs a line per
	// DefaultProgressInterval inside go test, for runs that last longer.
	Progress Progress

	// Rate makes the run an open loop when it is positive: requests
	// arrive at Rate requests/s on their own schedule (see Arrival),
	// whether or not earlier ones have completed, so that a slow server
	// cannot slow the load down (coordinated omission). Clients must then
	// be 0; Requests is the total number of arrivals (not per client) and
	// Duration the time over which they arrive; one of them bounds the run
	// (neither: Requests is the number of payloads). Zero is a closed loop.
	Rate float64

	// Arrival is the open loop's arrival process: ArrivalConstant (the
	// zero value) or ArrivalPoisson. A run with ArrivalTimes records
	// ArrivalTrace.
	Arrival Arrival

	// ArrivalTimes makes the run an open loop that replays a schedule:
	// the k-th arrival (k = 0, 1, …) is due ArrivalTimes[k] after the
	// run's start and sends payload k (the payloads cycle if fewer). The
	// times must be at least 0 and must not decrease. Rate, Stages,
	// Arrival and Seed must then be unset and Clients 0; Requests or
	// Duration, when set, cut the schedule short. Schedule lag and drops
	// (MaxInFlight) are measured as in any open loop. workloads.Trace
	// builds it from a trace file.
	ArrivalTimes []time.Duration

	// Seed seeds the open loop's Poisson arrivals. Zero means DefaultSeed,
	// so that a run repeats by default.
	Seed uint64

	// MaxInFlight caps the open loop's requests in flight. An arrival that
	// finds MaxInFlight requests in flight is dropped: never sent, counted
	// in reporters.Counts.Dropped ("dropped_requests"), never delayed.
	// Zero means DefaultMaxInFlight; negative is an error.
	MaxInFlight int

	// Stages shape the load as linear ramps: each stage goes from the
	// previous stage's target (the first from Rate in an open loop, from
	// Clients in a closed loop, 0 when unset) to its Target over its
	// Duration, over the arrival rate (open loop, with Rate or
	// OpenLoopStages) or the number of clients (closed loop, as k6's
	// ramping-vus). The run lasts the stages' total duration; Requests
	// and Duration must be unset.
	Stages []Stage

	// OpenLoopStages makes Stages ramp an open loop's rate from 0 when
	// Rate is not set. With Rate set, the run is an open loop anyway.
	OpenLoopStages bool

	// Warmup is the run's warm-up: its first Duration or its first
	// Requests requests. They are sent and recorded (marked "warmup" in
	// responses.jsonl) but left out of every statistic and gate: the model
	// counts them only in reporters.Counts.Warmup. The zero value is no
	// warm-up.
	Warmup Warmup

	// Turns makes each closed-loop client hold conversations of Turns
	// requests: turn 1 sends a payload as it is; each later turn sends it
	// again with the history grown by the server's reply to the previous
	// turn (the Invocation's ResponseText) as an assistant message and the
	// payload's last user message again (see Invocation.Conversation and
	// Invocation.Turn). Payloads need a chat "messages" array. A failed
	// turn ends its conversation: the client starts a new one. Requests
	// still counts requests (turns) per client; when neither Requests nor
	// Duration is set, it is the number of payloads times Turns. Zero or 1
	// is single requests; negative, or Turns with an open loop (Rate), is
	// an error.
	Turns int

	// ThinkTime is the pause between a conversation's reply and its next
	// turn, the user's think time; it is not part of any request's
	// latency. It needs Turns > 1. Zero is no pause.
	ThinkTime time.Duration

	// Shard makes the run one shard of a larger run: its deterministic
	// share of the clients, the rate, the stages and the payloads or
	// schedule (see [Shard]), in the folder RunName-shard-<Index>. A
	// sharded run needs RunName or StartAt, the same in every shard. The
	// zero value is no sharding.
	Shard Shard

	// StartAt makes the run wait until this wall-clock moment before its
	// first request, so that the shards of a run started apart begin
	// together. The wait is cancelled with the run's context (the run
	// then sends nothing and is interrupted). A run ready only after
	// StartAt starts at once; either way, how late it started is
	// reporters.Run.StartLag. The zero value starts at once.
	StartAt time.Time
}

// ConfigError reports a Config field that breaks a rule.
type ConfigError struct {
	// Field is the name of the field, such as "Clients".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

func (e *ConfigError) Error() string {
	return "llmtest: Config." + e.Field + ": " + e.Reason
}

func configErrorf(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// merge returns c with the non-zero fields of o on top. Requests and
// Duration are one setting, the load's extent: an override that sets either
// replaces both.
func (c Config) merge(o Config) Config {
	if o.Endpoint != nil {
		c.Endpoint = o.Endpoint
	}
	if o.OutputPath != "" {
		c.OutputPath = o.OutputPath
	}
	if o.ResponseParts.Records != 0 {
		c.ResponseParts.Records = o.ResponseParts.Records
	}
	if o.ResponseParts.Interval != 0 {
		c.ResponseParts.Interval = o.ResponseParts.Interval
	}
	if o.Tokenizer != nil {
		c.Tokenizer = o.Tokenizer
	}
	if o.Clients != 0 {
		c.Clients = o.Clients
	}
	if o.Requests != 0 || o.Duration != 0 {
		c.Requests, c.Duration = o.Requests, o.Duration
	}
	if o.RampUp != 0 {
		c.RampUp = o.RampUp
	}
	if o.Payloads != nil {
		c.Payloads = o.Payloads
	}
	if o.RunName != "" {
		c.RunName = o.RunName
	}
	if o.Description != "" {
		c.Description = o.Description
	}
	if o.Timeout != 0 {
		c.Timeout = o.Timeout
	}
	if o.Callbacks != nil {
		c.Callbacks = o.Callbacks
	}
	if o.LowMemory {
		c.LowMemory = true
	}
	if o.Progress.Off || o.Progress.Stats != nil || o.Progress.Interval != 0 || o.Progress.Func != nil {
		c.Progress = o.Progress
	}
	if o.Rate != 0 {
		c.Rate = o.Rate
		c.Clients = o.Clients // an open loop has none
	}
	if o.Clients != 0 && o.Rate == 0 {
		c.Rate, c.OpenLoopStages = 0, false // a closed loop has no rate
	}
	if o.Arrival != "" {
		c.Arrival = o.Arrival
	}
	if o.ArrivalTimes != nil {
		c.ArrivalTimes = o.ArrivalTimes
	}
	if o.Seed != 0 {
		c.Seed = o.Seed
	}
	if o.MaxInFlight != 0 {
		c.MaxInFlight = o.MaxInFlight
	}
	if o.Stages != nil {
		c.Stages = o.Stages
		c.Requests, c.Duration = 0, 0
	}
	if o.OpenLoopStages {
		c.OpenLoopStages = true
	}
	if o.Warmup != (Warmup{}) {
		c.Warmup = o.Warmup
	}
	if o.Turns != 0 {
		c.Turns = o.Turns
	}
	if o.ThinkTime != 0 {
		c.ThinkTime = o.ThinkTime
	}
	if o.Shard != (Shard{}) {
		c.Shard = o.Shard
	}
	if !o.StartAt.IsZero() {
		c.StartAt = o.StartAt
	}
	return c
}

// Validate checks the rules that need no I/O: it does not load payloads.
// It returns a *ConfigError naming the first field that breaks a rule.
func (c Config) Validate() error {
	switch {
	case c.Endpoint == nil:
		return configErrorf("Endpoint", "is required")
	case c.Clients < 0:
		return configErrorf("Clients", "must be at least 1, got %d", c.Clients)
	case c.Requests < 0:
		return configErrorf("Requests", "must not be negative, got %d", c.Requests)
	case c.Duration < 0:
		return configErrorf("Duration", "must not be negative, got %v", c.Duration)
	case c.Requests > 0 && c.Duration > 0:
		return configErrorf("Requests", "is mutually exclusive with Config.Duration (got %d and %v)", c.Requests, c.Duration)
	case c.RampUp < 0:
		return configErrorf("RampUp", "must not be negative, got %v", c.RampUp)
	case c.Duration > 0 && c.RampUp >= c.Duration:
		return configErrorf("RampUp", "must be shorter than Config.Duration (got %v and %v)", c.RampUp, c.Duration)
	case c.Timeout < 0:
		return configErrorf("Timeout", "must not be negative, got %v", c.Timeout)
	case c.Payloads == nil:
		return configErrorf("Payloads", "is required")
	case c.Turns < 0:
		return configErrorf("Turns", "must not be negative, got %d", c.Turns)
	case c.Turns > 1 && c.openLoop():
		return configErrorf("Turns", "needs a closed loop: conversations are not supported in an open loop (Config.Rate, Config.ArrivalTimes, or open-loop Config.Stages)")
	case c.ThinkTime < 0:
		return configErrorf("ThinkTime", "must not be negative, got %v", c.ThinkTime)
	case c.ThinkTime > 0 && c.Turns <= 1:
		return configErrorf("ThinkTime", "needs Config.Turns of at least 2, got %d", c.Turns)
	case c.LowMemory && c.OutputPath == "":
		return configErrorf("LowMemory", "needs Config.OutputPath: a low-memory run keeps its records only in %s", ResponsesFile)
	case c.ResponseParts.Records < 0:
		return configErrorf("ResponseParts.Records", "must not be negative, got %d", c.ResponseParts.Records)
	case c.ResponseParts.Interval < 0:
		return configErrorf("ResponseParts.Interval", "must not be negative, got %v", c.ResponseParts.Interval)
	}
	if err := CheckOutputPath(c.OutputPath); err != nil {
		return configErrorf("OutputPath", "%v", err)
	}
	if err := validRunName(c.RunName); err != nil {
		return err
	}
	if err := c.Shard.check(); err != nil {
		return configErrorf("Shard", "%v", err)
	}
	if c.Shard.Count > 0 && c.RunName == "" && c.StartAt.IsZero() {
		return configErrorf("Shard", "needs Config.RunName or Config.StartAt, the same in every shard, to name the run the shards belong to")
	}
	if err := c.Progress.validate(); err != nil {
		return err
	}
	for i, cb := range c.Callbacks {
		if cb == nil {
			return configErrorf(fmt.Sprintf("Callbacks[%d]", i), "is nil")
		}
	}
	return c.validateShape()
}

// Check checks c as a run would before sending anything: it validates the
// rules, loads the payloads and prepares every one with the endpoint. It
// returns the error the run would return, a *ConfigError or a
// *PayloadError naming the field, file and line, and sends nothing.
func (c Config) Check() error {
	_, err := newEngine(c)
	return err
}

// withDefaults returns c with every zero field that has a default set.
func (c Config) withDefaults() Config {
	if c.openLoop() {
		switch {
		case len(c.ArrivalTimes) > 0:
			c.Arrival = ArrivalTrace
		case c.Arrival == "":
			c.Arrival = ArrivalConstant
		}
		if c.Seed == 0 {
			c.Seed = DefaultSeed
		}
		if c.MaxInFlight == 0 {
			c.MaxInFlight = DefaultMaxInFlight
		}
	} else if c.Clients == 0 && len(c.Stages) == 0 {
		c.Clients = DefaultClients
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Tokenizer == nil {
		c.Tokenizer = tokenizers.Whitespace{}
	}
	switch {
	case c.RunName == "" && c.Shard.Count > 0:
		c.RunName = startAtName(c.StartAt)
	case c.RunName == "":
		c.RunName = newRunName(time.Now())
	}
	return c
}

// urlScheme reports the scheme of a path written as a URL ("s3://…",
// "file://…"): an RFC 3986 scheme followed by "://".
func urlScheme(path string) (string, bool) {
	i := strings.Index(path, "://")
	if i <= 0 {
		return "", false
	}
	scheme := path[:i]
	for j := 0; j < len(scheme); j++ {
		c := scheme[j]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return "", false
		}
	}
	return scheme, true
}

// openLoop reports whether c is an open loop: a Rate, Stages over the
// rate, or ArrivalTimes.
func (c *Config) openLoop() bool {
	return c.Rate > 0 || (len(c.Stages) > 0 && c.OpenLoopStages) || len(c.ArrivalTimes) > 0
}

// validateArrivalTimes checks a replayed schedule and the fields it
// excludes.
func (c Config) validateArrivalTimes() error {
	switch {
	case c.Rate != 0:
		return configErrorf("Rate", "is not allowed with Config.ArrivalTimes: the schedule sets the arrivals")
	case len(c.Stages) > 0:
		return configErrorf("Stages", "are not allowed with Config.ArrivalTimes: the schedule sets the arrivals")
	case c.Arrival != "":
		return configErrorf("Arrival", "is not allowed with Config.ArrivalTimes: the schedule sets the arrivals")
	case c.Seed != 0:
		return configErrorf("Seed", "is not allowed with Config.ArrivalTimes: the schedule draws nothing")
	case c.Clients != 0:
		return configErrorf("Clients", "is for a closed loop; a replayed schedule (Config.ArrivalTimes) has none")
	case c.Requests > len(c.ArrivalTimes):
		return configErrorf("Requests", "is %d, more than the %d arrivals of Config.ArrivalTimes: with a replayed schedule it can only cut it short", c.Requests, len(c.ArrivalTimes))
	}
	var prev time.Duration
	for i, at := range c.ArrivalTimes {
		switch {
		case at < 0:
			return configErrorf(fmt.Sprintf("ArrivalTimes[%d]", i), "must not be negative, got %v", at)
		case at < prev:
			return configErrorf(fmt.Sprintf("ArrivalTimes[%d]", i), "must not come before ArrivalTimes[%d] (got %v after %v)", i-1, at, prev)
		}
		prev = at
	}
	return nil
}

// validateShape checks the load shape: the open loop's fields, the
// stages and the warm-up.
func (c Config) validateShape() error {
	if len(c.ArrivalTimes) > 0 {
		if err := c.validateArrivalTimes(); err != nil {
			return err
		}
	}
	switch {
	case c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		return configErrorf("Rate", "must be a positive number of requests/s, got %v", c.Rate)
	case c.Rate > 0 && c.Clients != 0:
		return configErrorf("Clients", "is for a closed loop; an open-loop run (Config.Rate) has none")
	case c.OpenLoopStages && c.Clients != 0:
		return configErrorf("Clients", "is for a closed loop; an open-loop run (Config.OpenLoopStages) has none")
	case c.MaxInFlight < 0:
		return configErrorf("MaxInFlight", "must be at least 1, got %d", c.MaxInFlight)
	case c.Seed != 0 && !c.openLoop():
		return configErrorf("Seed", "seeds an open loop's arrivals; set Config.Rate")
	case c.MaxInFlight != 0 && !c.openLoop():
		return configErrorf("MaxInFlight", "caps an open loop; set Config.Rate")
	case c.Arrival != "" && !c.openLoop():
		return configErrorf("Arrival", "is an open loop's arrival process; set Config.Rate")
	case c.OpenLoopStages && len(c.Stages) == 0:
		return configErrorf("OpenLoopStages", "needs Config.Stages")
	case c.openLoop() && c.RampUp != 0:
		return configErrorf("RampUp", "spreads a closed loop's clients; an open loop ramps its rate with Config.Stages")
	}
	if err := c.Arrival.validate(); err != nil {
		return err
	}
	if len(c.Stages) > 0 {
		switch {
		case c.Requests != 0:
			return configErrorf("Requests", "is not allowed with Config.Stages: the run lasts the stages")
		case c.Duration != 0:
			return configErrorf("Duration", "is not allowed with Config.Stages: the run lasts the stages")
		case c.RampUp != 0:
			return configErrorf("RampUp", "is not allowed with Config.Stages: a stage ramps the clients up")
		}
	}
	var peak float64
	if c.openLoop() {
		peak = c.Rate
	} else {
		peak = float64(c.Clients)
	}
	for i, s := range c.Stages {
		field := fmt.Sprintf("Stages[%d]", i)
		switch {
		case s.Duration <= 0:
			return configErrorf(field+".Duration", "must be positive, got %v", s.Duration)
		case s.Target < 0 || math.IsNaN(s.Target) || math.IsInf(s.Target, 0):
			return configErrorf(field+".Target", "must be a number at least 0, got %v", s.Target)
		case !c.openLoop() && s.Target != math.Trunc(s.Target):
			return configErrorf(field+".Target", "is a number of clients in a closed loop: a whole number, got %v", s.Target)
		}
		peak = max(peak, s.Target)
	}
	if len(c.Stages) > 0 && peak == 0 {
		return configErrorf("Stages", "never rise above 0: the run would send nothing")
	}
	w := c.Warmup
	switch {
	case w.Duration < 0:
		return configErrorf("Warmup.Duration", "must not be negative, got %v", w.Duration)
	case w.Requests < 0:
		return configErrorf("Warmup.Requests", "must not be negative, got %d", w.Requests)
	case w.Duration > 0 && w.Requests > 0:
		return configErrorf("Warmup", "is a duration or a number of requests, not both (got %v and %d)", w.Duration, w.Requests)
	case w.Duration > 0 && c.Duration > 0 && w.Duration >= c.Duration:
		return configErrorf("Warmup.Duration", "must be shorter than Config.Duration (got %v and %v)", w.Duration, c.Duration)
	case w.Duration > 0 && len(c.Stages) > 0 && w.Duration >= stagesDuration(c.Stages):
		return configErrorf("Warmup.Duration", "must be shorter than the stages (got %v and %v)", w.Duration, stagesDuration(c.Stages))
	case w.Duration > 0 && c.Rate > 0 && len(c.Stages) == 0 && c.Requests > 0 &&
		w.Duration.Seconds()*c.Rate >= float64(c.Requests):
		return configErrorf("Warmup.Duration", "takes every arrival: %d requests at %v/s arrive within %v",
			c.Requests, c.Rate, time.Duration(float64(c.Requests)/c.Rate*float64(time.Second)))
	}
	return nil
}
