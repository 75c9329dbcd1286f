// Package llmtest load-tests LLM inference endpoints from Go tests.
//
// A test declares an endpoint, payloads and a load shape in a [Config];
// [Run] drives the load, measures every request, computes [Stats] and
// returns a [Result] for the test to assert on. Outside tests, a [Runner]
// does the same and returns (*Result, error). It is the Go counterpart of
// LLMeter's Runner, Run and Result.
//
//	func TestChatLatency(t *testing.T) {
//		ep, _ := sim.New(sim.Config{FirstTokenLatency: 50 * time.Millisecond})
//		res := llmtest.Run(t, llmtest.Config{
//			Endpoint: ep,
//			Payloads: "testdata/prompts.jsonl",
//			Clients:  8,
//		})
//		if p99 := res.Stats.TimeToFirstToken.P99; p99 > 200*time.Millisecond {
//			t.Errorf("ttft p99 = %v, want < 200ms", p99)
//		}
//	}
//
// # Load shape
//
// A run is a closed loop: Config.Clients goroutines each send a request,
// wait for its response and send the next, Config.Requests times (by
// default once per payload) or until Config.Duration has elapsed. Client c
// of C starts at payload c·n/C of n and walks the list in turn. Each
// request has a deadline, Config.Timeout; a request that exceeds it is
// recorded as failed, never dropped.
//
// With Config.Rate the run is an open loop: requests arrive at Rate per
// second (ArrivalConstant, or a seeded ArrivalPoisson) whether or not
// earlier ones have completed, so a slow server cannot slow the load down.
// Config.Requests is then the total number of arrivals and Config.Duration
// the time over which they arrive. A scheduler goroutine hands each
// arrival, at its time, to a worker; with Config.MaxInFlight requests in
// flight an arrival is dropped and counted (Counts.Dropped,
// dropped_requests), never delayed. The scheduler reads the clock once per
// arrival and dispatches every arrival already due at once, so the
// schedule never drifts; each record carries its IntendedTime, and the
// model adds schedule_lag (send − intended) and the latencies from the
// intended time, time_to_first_token-from-intended and
// time_to_last_token-from-intended, free of coordinated omission.
//
// Config.Stages ramp the load linearly, over the rate (an open loop) or the
// number of clients (a closed loop, as k6's ramping-vus: a client beyond
// the current level waits, and one above it stops after its request).
// Config.Warmup marks the run's first requests (by duration or count):
// recorded, but left out of every statistic, and total_test_time starts
// when it ends.
//
// # Metrics
//
// Each request is timed by the engine's recorder with the monotonic clock,
// from t0, the moment just before the endpoint's Invoke is called (the
// request body was built earlier, by Prepare, outside all timing). The
// recorder, which reads the clock, also derives the metrics from what it
// recorded, in one place (recorder.go, its metrics method):
//
//   - time_to_first_token (TTFT): first non-empty visible text delta − t0.
//     Absent for non-streaming responses.
//   - time_to_first_output: like TTFT, but reasoning output counts too.
//   - time_to_last_token (TTLT, end to end): last visible text delta − t0;
//     for a non-streaming response, the end of its body − t0.
//   - time_per_output_token (TPOT): (TTLT − TTFT) / (visible output
//     tokens − 1), only for streaming responses with more than one visible
//     output token. Visible output tokens are the output tokens minus the
//     reasoning tokens: the server's reasoning count when it reports one;
//     else the server's output tokens split between reasoning and visible
//     text in the proportion the tokenizer counts of each (with no usage
//     at all, the tokenizer's count of the visible text). The
//     window from the first to the last visible token holds visible tokens
//     only, so it is divided by those (the error LLMeter's PR #99 names).
//     Each record says which counts it used (num_tokens_output_visible,
//     num_tokens_reasoning_source).
//   - inter_token_latency (ITL): every gap between consecutive visible
//     chunks, pooled over all successful requests.
//   - time_to_end (a record's field, not an aggregate): the end of the
//     request − t0, whether it succeeded, failed or was cancelled; it
//     places the request's end in the run's per-second series.
//   - num_tokens_input, num_tokens_output, num_tokens_reasoning: the
//     server's usage when it reports it, otherwise the run's tokenizer
//     (counted after the response, outside the timed window); each record
//     says which. Output tokens include reasoning tokens, as servers count
//     them.
//
// A request that an endpoint sent again because its first attempt died on
// a kept-alive connection the server had closed, before any byte of a
// response (see [endpoints.Recorder]), is timed from the second send, and
// its record counts one retry.
//
// Per run: total_requests, failed_requests, cancelled_requests,
// failed_requests_rate, requests_per_minute, total_input_tokens,
// total_output_tokens, output_tokens_per_second and total_test_time (the
// wall time from the first send to the last response). A request cut by
// the run's interruption (Ctrl-C, a cancelled context, a test's deadline)
// is cancelled: kept in the result and in responses.jsonl, neither a
// success nor a failure. Failed and cancelled requests are counted, and
// excluded from every per-request aggregate and token total; the failure
// rate and requests_per_minute are over the requests that ended (total
// minus cancelled).
//
// # Statistics
//
// A run's statistics are its model, [Result.Run] (a [reporters.Run]),
// which the engine builds as the run goes: each invocation is folded into
// the counts, token totals, running aggregates, one histogram per metric
// and the per-second time series as it arrives, so nothing is recomputed
// at the end. Every metric is aggregated as average, min, max, p50, p90,
// p95, p99 and p99.9. While a run keeps its invocations in memory (the
// default), the percentiles are exact, from the per-request samples:
// linear interpolation between closest ranks (numpy's default; see
// [Percentile]). The histograms are always kept (HdrHistogram, 3
// significant digits), so that any run can be merged; a low-memory run
// (Config.LowMemory) reads its percentiles from them, within
// reporters.RelativeError (0.1%) of the exact ones, and says so
// ([Aggregate.Exact]). [Result.Stats] gives the figures as time.Duration,
// [reporters.Run.Stats] LLMeter's flat keys such as
// "time_to_first_token-p99" in seconds, and [Result.Percentile] any other
// percentile.
//
// # The load generator checks itself
//
// Every run checks that the process sending the load kept up with it, so
// that figures measured by a saturated generator are flagged rather than
// trusted: it samples the process's CPU time (getrusage; GetProcessTimes
// on Windows; the Go runtime's estimate elsewhere) and the Go scheduler's
// latency histogram (runtime/metrics /sched/latencies:seconds) at the
// start, once a second and at the end, and reads an open-loop run's
// schedule lag from its schedule_lag metric. The verdict is
// [reporters.Run]'s Generator: saturated, with one reason per limit
// passed, when the schedule lag p99 exceeds
// reporters.GeneratorMaxScheduleLag (1ms), the scheduler latency p99
// reporters.GeneratorMaxSchedLatency (20ms), or the CPU share of
// GOMAXPROCS, over the run or its busiest second, reaches
// reporters.GeneratorMaxCPU (90%). CPU is process-wide: an in-process
// server counts as the generator's. The summary, every report and the
// live progress ([ProgressSnapshot].Generator) show it; a gate refuses a
// saturated run with assertions.GeneratorHealthy or the threshold
// "generator_healthy".
//
// # Low-memory runs
//
// With Config.LowMemory (LLMeter's low_memory), a run keeps no invocation:
// each record goes only to responses.jsonl, Result.Invocations stays
// empty and [Result.Responses] streams the records back from the file.
// The memory a run takes stays flat however long it runs; its statistics
// are the model's, and the assertions and reports work on it as on any
// other run.
//
// # Artifacts
//
// A run folder (Config.OutputPath/RunName) holds LLMeter's files:
// run_config.json (the run's settings and the endpoint's [endpoints.Info],
// never a secret), payload.jsonl, responses.jsonl (one [Invocation] per
// line, appended as responses complete, so that a crash keeps them),
// summary.json and stats.json (LLMeter's keys), and the reports: junit.xml,
// report.md and report.json, the run's model with its histograms, and
// every report registered with reporters.RegisterFolderReport — report.html,
// the HTML report with charts, when the program imports package
// reporters/html (the llmtest command does; a test adds
// `import _ "github.com/llmtest/llmtest/reporters/html"`), so that importing
// llmtest alone pulls in no plotting library. A sweep's folder gets them
// too ([SweepResult.Save]). Every file is rendered from the model.
// [LoadResult] reads a folder back: this
// version's from report.json, older ones and LLMeter's from their
// summary.json and responses.jsonl, and one whose run was interrupted.
//
// # Merging shards
//
// [Merge] merges run folders of one test — shards run at once from
// several machines, or one after another — into one Result, as
// reporters.Merge merges their models: counts summed, histograms merged
// (its percentiles read from them, within reporters.RelativeError), the
// time series aligned on wall-clock seconds, the test time the union of
// the shards' spans. Every run records the digest of its payload set
// ([PayloadsDigest]) so that runs of other payloads are refused, as are
// runs of another endpoint or tokenizer, unless MergeOptions.Force. The
// merged Result renders every report like any other; its Responses
// streams the shards' records from their folders, and Save writes a run
// folder with all of them.
//
// # Sweeps
//
// A sweep (LLMeter's LoadTest) runs one load at rising levels, one after
// the other: client counts ([ClientLevels]; rates, [RateLevels], need the
// open loop). [Sweep] runs each level as a t.Run sub-test and a normal
// [Run], so each level has its own Result, summary, checks (gate it with
// SweepConfig.Test) and folder, OutputPath/SweepConfig.Name/<level> — such
// as "00008-clients" — never one folder for every level, as LoadTest's
// did; [Runner.Sweep] does the same outside a test. The sweep's model,
// reporters.Sweep, sums up each level (achieved rate, output tokens/s,
// TTFT and TTLT p50 and p99, error rate, goodput when SweepConfig.Good
// defines it) and finds the saturation point (reporters.SaturationIndex):
// the highest level before more load stops buying throughput and starts
// costing latency. It is written to sweep.json and sweep.md in the
// sweep's folder, which [LoadSweep] reads back with every level's run.
// SweepConfig.MinRequestsPerClient and MinRequestsPerRun are LoadTest's
// rule for the requests of each level.
//
// # Callbacks
//
// [Callback] hooks run before and after the run and each request, in list
// order; embed [NopCallback] to implement only some.
//
// # Plan files
//
// [LoadPlan] reads a YAML plan file, the load test that `llmtest run -f`
// runs, so that a Go test and a CI job share it: its endpoint section is
// data ([Plan].Endpoint) from which the test builds its endpoint,
// [Plan.Config] puts the load shape, payload file and run folder around
// that endpoint, and [Plan].SLO holds the expressions for assertions.SLO.
// Values expand ${VAR} from the environment; every mistake is a
// [*PlanError] naming the file, line and key.
package llmtest
