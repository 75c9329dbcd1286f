// Package reporters renders the summary of a load-test run, a [Run], in the
// formats that CI systems and people read: JUnit XML ([JUnit]), JSON
// ([JSON], read back by [ReadJSON]), Markdown ([Markdown]) and the Go
// benchmark format ([Benchstat]).
//
// Each reporter is a small type over an io.Writer that implements
// [Reporter]; its Write renders one run and does not modify it:
//
//	j := reporters.NewJUnit(f)
//	j.Strict = true
//	err := j.Write(run)
//
// The package imports the standard library and
// github.com/HdrHistogram/hdrhistogram-go (for [Histogram]) only. The llmtest package
// builds a Run from a Result (llmtest.Result.Report) and writes the
// reports when a test ends.
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
// The JSON reporter writes one object, the published schema of a run
// summary, version [SchemaVersion]. The version changes only when a field
// changes meaning or is removed; new fields may appear in any version, so
// readers must ignore fields they do not know. [ReadJSON] rejects a
// document without schema_version and one with a newer version. Times are
// RFC 3339 in UTC with up to nanosecond precision; durations are seconds.
// A number that is not finite (NaN, ±Inf) is written as null.
//
//   - schema_version (integer): the schema version, 1.
//   - run_name (string): the run's name, also its folder name.
//   - run_description (string, optional): free text.
//   - test_name (string, optional): the Go test that ran the load.
//   - endpoint (object): the endpoint that received the load, never a
//     secret: provider (string, such as "openai"), model_id (string),
//     endpoint_name (string), url (string, optional: the base URL).
//   - config (object): the load shape. clients (integer): concurrent
//     clients; n_requests (integer): requests per client, 0 for a timed
//     run; run_duration (number, seconds): a timed run's length, 0 for a
//     counted run; timeout (number, seconds): the per-request deadline;
//     tokenizer (string): the tokenizer used where the server reported no
//     usage; payloads (integer): the number of distinct payloads.
//   - start_time, end_time (string, RFC 3339, UTC): when the run started
//     and ended.
//   - interrupted (boolean): the run ended before its load shape
//     completed (cancelled, SIGINT, go test -timeout); its figures cover
//     the requests that finished.
//   - stats (object of numbers): the run's statistics with LLMeter's flat
//     keys. Run totals: total_requests, failed_requests,
//     cancelled_requests (counts; a cancelled request was cut by the run's
//     interruption, neither success nor failure); failed_requests_rate
//     (ratio, 0..1, of the requests that ended: failed over total minus
//     cancelled); requests_per_minute (requests that ended);
//     total_input_tokens, total_output_tokens (tokens, successful requests
//     only); output_tokens_per_second (tokens/s, aggregate);
//     total_test_time (seconds, first send to last response). Per metric,
//     "<metric>-<aggregate>" for every metric with at least one sample,
//     where metric is time_to_first_token, time_to_first_output,
//     time_to_last_token, time_per_output_token, inter_token_latency
//     (seconds), num_tokens_input or num_tokens_output (tokens), and
//     aggregate is average, min, max, p50, p90, p95, p99, p99.9 or another
//     "p<percentile>". Failed and cancelled requests are excluded from
//     every per-metric aggregate.
//   - samples (object of integers, optional): the number of samples behind
//     each metric's aggregates, keyed by metric name (for
//     inter_token_latency, the number of gaps).
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
// An example, shortened to a few stats keys:
//
//	{
//	  "schema_version": 1,
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
//	    "timeout": 60,
//	    "tokenizer": "whitespace",
//	    "payloads": 20
//	  },
//	  "start_time": "2026-11-27T01:53:00.123456789Z",
//	  "end_time": "2026-11-27T01:53:52.227456789Z",
//	  "interrupted": false,
//	  "stats": {
//	    "failed_requests": 3,
//	    "failed_requests_rate": 0.0075,
//	    "output_tokens_per_second": 1234.3044,
//	    "requests_per_minute": 460.6172,
//	    "time_to_first_token-p50": 0.1984,
//	    "time_to_first_token-p99": 0.412,
//	    "total_requests": 400,
//	    "total_test_time": 52.104
//	  },
//	  "samples": {
//	    "time_to_first_token": 397
//	  },
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
// n_requests or run_duration, timeout, in seconds) and the key figures
// whose stats keys exist, under their stats keys: total_requests,
// failed_requests, failed_requests_rate, requests_per_minute,
// output_tokens_per_second, time_to_first_token-p50 and -p99,
// time_per_output_token-p50 and -p99, inter_token_latency-p99 and
// time_to_last_token-p99 (seconds). Its system-out holds the request
// accounting and one line per check.
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
// endpoint, load shape, request accounting and throughput, a table of
// ttft, tpot, itl, e2e (ttlt), input and output tokens (avg, p50, p90,
// p99, max, and n when [Run.Samples] has it), and a table of the checks.
//
// # Benchmark format
//
// [Benchstat] writes a run as configuration lines and one result line of
// the Go benchmark format, named "BenchmarkLLM/<run name>", with
// total_requests as the iteration count and the figures of [BenchMetrics]
// in the units llmtest.Benchmark reports ([UnitTTFTP50] and the others),
// so that benchstat compares runs made inside and outside testing.B alike.
package reporters
