// Package reporters holds the model of a load-test run, a [Run], and
// renders it in the formats that CI systems and people read: JUnit XML
// ([JUnit]), JSON ([JSON], read back by [ReadJSON]), Markdown ([Markdown])
// and the Go benchmark format ([Benchstat]).
//
// A Run is the one description of a run: its identity and load shape, its
// counts and token totals, per metric its aggregates and a mergeable
// [Histogram] (HdrHistogram, 3 significant digits, percentiles within
// [RelativeError] of the exact ones), a per-second time series, the error
// messages and the SLO checks. Derived figures are methods: the failure
// rate, the throughputs and LLMeter's flat stats keys ([Run.Stats]). The
// llmtest package builds a Run as its run goes (llmtest.Result.Run),
// renders its run folder from it and reads it back.
//
// Each reporter is a small type over an io.Writer that implements
// [Reporter]; its Write renders one run and does not modify it:
//
//	j := reporters.NewJUnit(f)
//	j.Strict = true
//	err := j.Write(run)
//
// [Merge] merges runs of one test (shards) into one: counts summed,
// histograms and the windows' histograms merged, series aligned on
// wall-clock seconds; runs of another endpoint, payload set or tokenizer
// are a [*MismatchError] unless forced, and the shards of a sharded run
// must be all of them ([CheckShards]).
//
// A renderer with heavy dependencies lives in a package of its own —
// reporters/html draws the HTML report's charts with gonum.org/v1/plot —
// and reaches the folders llmtest writes through [RegisterFolderReport]:
// importing it registers report.html, which llmtest then writes into
// every run and sweep folder ([FolderReports]).
//
// The package imports the standard library and
// github.com/HdrHistogram/hdrhistogram-go only.
//
// The text formats (JUnit, Markdown, benchmark) scrub every string taken
// from a Run: byte sequences that are not UTF-8, and the characters XML
// 1.0 forbids (NUL, ESC and the other C0 controls except tab, line feed
// and carriage return; U+FFFE, U+FFFF), become U+FFFD. JSON keeps strings
// as they are, escaping control characters, except that each byte of
// invalid UTF-8 becomes U+FFFD.
//
// # JSON schema
//
// The JSON reporter writes one object, the published schema of a run,
// version [SchemaVersion] (2): the Run itself. The version changes only
// when a field changes meaning or is removed; new fields may appear in any
// version, so readers must ignore fields they do not know. [ReadJSON]
// rejects a document without schema_version and one with a newer version,
// and reads version 1 (flat stats keys and sample counts) into the model,
// without histograms or series. Times are RFC 3339 in UTC with up to
// nanosecond precision; durations are seconds. A number that is not finite
// (NaN, ±Inf) is written as null.
//
//   - schema_version (integer): the schema version, 2.
//   - run_name (string): the run's name, also its folder name.
//   - run_description (string, optional): free text.
//   - test_name (string, optional): the Go test that ran the load.
//   - endpoint (object): the endpoint that received the load, never a
//     secret: provider (string, such as "openai"), model_id (string),
//     endpoint_name (string), url (string, optional: the base URL).
//   - config (object): the resolved load shape. clients (integer):
//     concurrent clients; n_requests (integer): requests per client, 0 for
//     a timed run; run_duration (seconds): a timed run's length, 0 for a
//     counted run; ramp_up (seconds): the time over which the clients'
//     starts were spread; timeout (seconds): the per-request deadline;
//     tokenizer (string): the tokenizer used where the server reported no
//     usage; payloads (integer): the number of distinct payloads;
//     payloads_digest (string, optional): "sha256:" and 64 hex digits
//     identifying the payload set, which [Merge] compares;
//     low_memory (boolean): the run kept no record in memory, so its
//     percentiles come from the histograms; shard (object, optional):
//     the run is one shard of a sharded run — index (integer, 0-based),
//     count (integer, the shards), run_name (string, the sharded run's
//     name), seed (integer, optional: the shard's own seed of Poisson
//     arrivals, derived from config.seed); start_at (string, RFC 3339,
//     optional): the wall-clock moment the run was told to start at.
//   - start_time, end_time (string, RFC 3339, UTC): when the first request
//     was about to be sent and when the last response ended.
//   - total_test_time (seconds): the run's wall time, first send to last
//     response (LLMeter's total_test_time).
//   - start_lag (seconds, optional): how late the run started after
//     config.start_at; in a merge, the latest shard's.
//   - interrupted (boolean): the run ended before its load shape
//     completed (cancelled, SIGINT, go test -timeout); its figures cover
//     the requests that ended.
//   - counts (object of integers): total (requests sent), failed (ended
//     with an error), cancelled (cut by the run's interruption: neither
//     success nor failure), dropped (open-loop arrivals never sent, not in
//     total; 0 for a closed loop).
//   - tokens (object of integers): input, output: the token totals of the
//     successful requests.
//   - relative_error (number): the bound on the relative error of a
//     percentile read from a histogram, 0.001; 0 when the run has none.
//   - metrics (array of objects): one per per-request metric, in report
//     order: time_to_first_token, time_to_first_output,
//     time_to_last_token, time_per_output_token, inter_token_latency (unit
//     "s") and num_tokens_input, num_tokens_output (unit "tokens"), over
//     the successful requests (for inter_token_latency, their chunk gaps).
//     name (string); unit (string): "s" or "tokens"; n (integer): the
//     samples; sum (number, in unit): their sum, from which a merge's
//     average is computed; average, min, max, p50, p90, p95, p99, p99.9 (numbers, in
//     unit; 0 when n is 0); exact (boolean): the percentiles were computed
//     from every sample, rather than read from the histogram (a
//     low-memory or merged run; average, min and max are exact either
//     way); histogram (string, optional): every sample, in nanoseconds for
//     durations and tokens for counts, as an HdrHistogram V2 compressed
//     encoding in base64 (values 0 to 24 h, 3 significant digits), which
//     merges losslessly with the histograms of other runs.
//   - errors (array of objects): the failed requests by error message,
//     most frequent first: message (string; "" counts the messages beyond
//     the first 100 distinct ones), count (integer).
//   - series (array of objects): one per wall-clock second from the first
//     send to the last response. start (string, RFC 3339): the second;
//     started (requests sent in it); completed, failed, cancelled
//     (requests that ended in it); in_flight (requests sent and not ended
//     at its end); output_tokens (of the requests completed in it);
//     ttft_p50, ttft_p99, ttlt_p50, ttlt_p99 (seconds, optional): the
//     percentiles of the time to first and last token of the requests
//     completed in it, exact in a run and read from the histograms in a
//     merge; ttft_histogram, ttlt_histogram (strings, optional): those
//     samples in nanoseconds as a compact histogram of the metrics'
//     buckets (see [EncodedHistogram]: base64, without padding, of
//     unsigned varints — the first bucket's lowest value and its count,
//     then each next bucket's distance from the previous and its count),
//     so that the windows of shards merge.
//   - generator (object, optional; absent from a run written before
//     llmtest checked its generator): the load generator's self-check
//     ([Generator]). cpu (ratio): the process's CPU time over
//     gomaxprocs × the run's wall time; peak_cpu (ratio): the same over
//     the run's busiest whole second; gomaxprocs (integer);
//     sched_latency_p99 (seconds): the Go scheduler's latency p99 over
//     the run; schedule_lag_p99 (seconds): the open-loop schedule lag
//     p99, 0 in closed loop; samples (integer): the samples taken;
//     saturated (boolean): a figure passed its limit; reasons (array of
//     strings, optional): one stable line per limit passed, such as
//     "schedule lag p99 3.2ms > 1ms".
//   - checks (array of objects): the SLO checks, in evaluation order.
//     expression (string): the check as written, such as
//     "ttft p99 < 800ms"; statistic (string): what was measured, such as
//     "ttft p99" or "error_rate"; op (string): "<", "<=", ">", ">=", "=="
//     or "!="; observed, limit (numbers, in unit; null when undefined);
//     unit (string): "s" (seconds), "ratio" (0..1), "tokens", "tokens/s",
//     "requests/s", or "" for plain counts; samples (integer): the sample
//     count; pass (boolean): whether the check held (a check over zero
//     samples fails); message (string): the check's one stable line.
//
// LLMeter's flat stats keys are not in the document; [Run.Stats] derives
// them (llmtest writes them to stats.json): total_requests,
// failed_requests, cancelled_requests, failed_requests_rate (failed over
// the requests that ended), requests_per_minute (requests that ended per
// minute of total_test_time), total_input_tokens, total_output_tokens,
// output_tokens_per_second, total_test_time, and "<metric>-<aggregate>"
// for every metric with samples and aggregate average, min, max, p50,
// p90, p95, p99 or p99.9, such as "time_to_first_token-p99".
//
// An example, shortened to one metric without its histogram and one
// window:
//
//	{
//	  "schema_version": 2,
//	  "run_name": "chat-smoke",
//	  "endpoint": {
//	    "provider": "openai",
//	    "model_id": "gpt-4o-mini",
//	    "endpoint_name": "chat-completions",
//	    "url": "http://127.0.0.1:8080/v1"
//	  },
//	  "config": {
//	    "clients": 8,
//	    "n_requests": 50,
//	    "run_duration": 0,
//	    "ramp_up": 0,
//	    "timeout": 60,
//	    "tokenizer": "whitespace",
//	    "payloads": 20,
//	    "low_memory": false
//	  },
//	  "start_time": "2026-11-27T01:53:00.123456789Z",
//	  "end_time": "2026-11-27T01:53:52.227456789Z",
//	  "total_test_time": 52.104,
//	  "interrupted": false,
//	  "counts": {"total": 400, "failed": 3, "cancelled": 0, "dropped": 0},
//	  "tokens": {"input": 203264, "output": 64312},
//	  "relative_error": 0.001,
//	  "metrics": [
//	    {
//	      "name": "time_to_first_token",
//	      "unit": "s",
//	      "n": 397,
//	      "average": 0.2121,
//	      "min": 0.0871,
//	      "max": 0.6403,
//	      "p50": 0.1984,
//	      "p90": 0.3012,
//	      "p95": 0.3466,
//	      "p99": 0.412,
//	      "p99.9": 0.598,
//	      "exact": true,
//	      "histogram": "HISTFAAAA…"
//	    }
//	  ],
//	  "errors": [{"message": "HTTP 500: overloaded", "count": 3}],
//	  "series": [
//	    {
//	      "start": "2026-11-27T01:53:01Z",
//	      "started": 9,
//	      "completed": 8,
//	      "failed": 1,
//	      "cancelled": 0,
//	      "in_flight": 8,
//	      "output_tokens": 1290,
//	      "ttft_p50": 0.1984,
//	      "ttft_p99": 0.398,
//	      "ttlt_p50": 0.951,
//	      "ttlt_p99": 0.99
//	    }
//	  ],
//	  "checks": [
//	    {
//	      "expression": "ttft p99 < 800ms",
//	      "statistic": "ttft p99",
//	      "op": "<",
//	      "observed": 0.412,
//	      "limit": 0.8,
//	      "unit": "s",
//	      "samples": 397,
//	      "pass": true,
//	      "message": "ttft p99 = 412ms, want < 800ms (n=397)"
//	    }
//	  ]
//	}
//
// # JUnit XML
//
// A [JUnit] document has a <testsuites> root and one <testsuite> per run
// ([JUnit.WriteRuns] writes several). The suite is named after the run,
// with package "llmtest", id counting from 0, the hostname, timestamp (the
// run's start, UTC, to the second, without a zone) and time (the run's
// total_test_time, three decimals). Its properties name the endpoint
// (provider, model_id, endpoint_name, url), the Go test (test_name, when
// there is one), the load shape (clients,
// n_requests or run_duration, timeout, in seconds), the load generator's
// self-check when the run has one (generator: "healthy" or "saturated";
// generator_reasons, when saturated: its reasons joined by "; " — a
// saturated generator fails no test case by itself) and the key figures
// the run has (percentiles of metrics with samples), under their stats
// keys ([Run.Stats]): total_requests,
// failed_requests, failed_requests_rate, requests_per_minute,
// output_tokens_per_second, time_to_first_token-p50 and -p99,
// time_per_output_token-p50 and -p99, inter_token_latency-p99 and
// time_to_last_token-p99 (seconds). Its system-out holds the request
// accounting, the load generator's verdict ("load generator: healthy (…)"
// or "load generator: saturated: <reasons>") and one line per check.
//
// Test cases, all with classname "llmtest.<run name>" (which GitLab shows
// as the suite):
//
//   - "run <run name>": time is total_test_time; fails with type
//     "requests" when every request that ended failed (a run that
//     measured nothing but errors is not green, whatever its checks say),
//     else with type "interrupted" when the run was interrupted, its
//     message saying how far it got; passes otherwise.
//   - one per SLO check, named by its expression (a repeated name gets
//     " #2", " #3"…, since GitLab keeps only the first of duplicate
//     names); time 0, since a check takes no time; fails with type "SLO"
//     and the check's one stable line as message when the check failed.
//
// The default profile adds what GitLab, Jenkins and the GitHub reporters
// show: count attributes on the root (tests, failures, errors, skipped,
// time, all consistent with the suites), and on each test case
// <properties> (statistic, op, observed, limit, unit, samples) and a
// <system-out> with its line or the run's accounting. It is well-formed
// XML but, for those extras, valid against neither schema below.
//
// The strict profile ([JUnit.Strict]) writes exactly what the Ant JUnit
// schema and the Jenkins xUnit JUnit 10 schema demand together: a root
// without attributes; each suite with name, package, id, hostname,
// timestamp, tests, failures, errors, skipped and time, its children in
// the order properties, test cases, system-out, system-err (the last two
// always present, possibly empty); each test case with name, classname,
// time and at most one failure, and nothing else.
//
// errors and skipped are always 0: llmtest records neither.
//
// # Markdown
//
// [Markdown] writes a summary for $GITHUB_STEP_SUMMARY or a pull-request
// comment: a level-3 heading with ✅ or ❌ and the run name, a line with
// endpoint, load shape, request accounting and throughput, a line with the
// load generator's verdict when the run has one (starting with ⚠️ when it
// was saturated), a table of ttft, tpot, itl, e2e (ttlt), input and output tokens (avg, p50, p90,
// p99, max and n, for the metrics with samples, with a note when the
// percentiles come from histograms), and a table of the checks.
//
// # Sweeps
//
// [Sweep] is the model of a sweep: one [SweepLevel] of figures per level,
// taken from the level's [Run] by [NewSweepLevel], and the saturation
// point, [SaturationIndex]. [SweepJSON] writes it as sweep.json (schema
// version [SweepSchemaVersion]; [ReadSweepJSON] reads it back) and
// [SweepMarkdown] as a table with the saturation point marked, which
// reads well as plain text too.
//
// # Benchmark format
//
// [Benchstat] writes a run as configuration lines and one result line of
// the Go benchmark format, named "BenchmarkLLM/<run name>", with
// total_requests as the iteration count and the figures of [BenchMetrics]
// in the units llmtest.Benchmark reports ([UnitTTFTP50] and the others),
// so that benchstat compares runs made inside and outside testing.B alike.
package reporters
