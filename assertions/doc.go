// Package assertions checks service-level objectives on an
// [llmtest.Result], in testify's style, and defines the threshold
// expression language shared by tests and the command line.
//
//	res := llmtest.Run(t, cfg)
//	assertions.Percentile(t, res, llmtest.TimeToFirstToken, 99, 800*time.Millisecond)
//	assertions.ErrorRate(t, res, 0.01) // 0.01 = 1%
//	assertions.SLO(t, res, "tpot p50 <= 40ms", "output_tokens_per_second > 500",
//		"goodput(ttft < 1s, tpot < 50ms) >= 95%")
//
// Every function takes a [TestingT] (an Errorf method, as testify's), calls
// its Helper method when it has one, returns whether the check held, and
// takes optional msgAndArgs — a string, or a format string and its
// arguments — that are appended to the failure message. The functions of
// package [github.com/llmtest/llmtest/assertions/require] are the same,
// but stop the test with FailNow on failure.
//
// Every check, passed or failed, is recorded on the Result with
// [llmtest.Result.AddCheck], so the reports written when the test ends
// list it. So is a check that could not be made (a limit of the wrong
// kind, an invalid expression given to SLO): as a failed check whose
// message is the error. The recorded Expression is the check in the canonical form of
// the language ([Threshold.String]), whichever function made it:
// Percentile(t, res, llmtest.TimeToFirstToken, 99, 800*time.Millisecond)
// records "ttft p99 <= 800ms", as SLO(t, res, "time_to_first_token
// p99<=800ms") does. The Go functions compare with "at most" (<=) for
// latencies, token counts and error rates and "at least" (>=) for
// throughput and goodput.
//
// # Failure messages
//
// A check's message is one stable line — statistic, observed value, limit
// and sample count:
//
//	ttft p99 = 912ms, want < 800ms (n=600)
//	error_rate = 2.50%, want < 1% (n=400)
//	output_tokens_per_second = 412.3 tokens/s, want > 500 tokens/s (n=400)
//	goodput(ttft < 1s, tpot < 50ms) = 91.25%, want >= 95% (n=400)
//
// Observed durations are formatted by [llmtest.FormatDuration] (three
// significant digits), ratios as percentages with two decimals, token
// counts with at most one decimal and throughputs with one; each is
// followed by its unit. Limits are shown as written, except that a ratio
// written as a bare number is shown as a percentage ("error_rate < 0.01"
// gives "want < 1%").
// When that rounding would make the shown value contradict the verdict
// (912.4ms shown as "912ms" against "<= 912ms"), more digits are shown.
// The same inputs always give the same message.
//
// A statistic over zero samples fails, whatever the operator:
//
//	ttft p99 = no samples, want < 800ms (n=0)
//
// A percentile p (other than p0 and p100, which are the exact minimum and
// maximum) needs about 5/(1−p/100) samples before it says more than the
// largest few values do: 10 for p50, 50 for p90, 500 for p99, 5000 for
// p99.9. With fewer, the check still passes or fails on its value, but its
// message says so, and a passing check logs it when t has a Logf method:
//
//	ttft p99 = 912ms, want < 800ms (n=40; p99 needs n≥500)
//
// # Low-memory and merged runs
//
// A result that holds no invocations (a low-memory run, llmtest.Config.
// LowMemory, or one merged from shards) is checked the same way, from its
// model: counts, rates, throughputs, averages, minima and maxima are exact
// as always; a percentile is read from the metric's histogram, within
// reporters.RelativeError (0.1%) of the exact value, and its message says
// so:
//
//	ttft p99 = 912ms, want < 800ms (n=600; from histograms, ±0.1%)
//
// Goodput needs every request's values, which no aggregate keeps: it reads
// the records back with [llmtest.Result.Responses], streamed from
// responses.jsonl for a low-memory run, so it stays exact. A record that
// cannot be read fails the check, with the error as its message.
//
// # Threshold expressions
//
// A threshold compares one statistic of a run with a limit. It is parsed
// ([Parse]) and validated against what the statistic supports before any
// load is sent ([Validate], for instance on a command line's --slo flags),
// and evaluated after the run ([Threshold.Evaluate], [SLO]). The grammar,
// in EBNF (https://go.dev/ref/spec#Notation):
//
//	threshold     = statistic operator value | verdict .
//	statistic     = metric aggregate | run_statistic | goodput .
//	verdict       = "generator_healthy" .
//	metric        = "ttft" | "time_to_first_token"
//	              | "ttfo" | "time_to_first_output"
//	              | "ttlt" | "e2e" | "time_to_last_token"
//	              | "tpot" | "time_per_output_token"
//	              | "itl" | "inter_token_latency"
//	              | "input_tokens" | "num_tokens_input"
//	              | "output_tokens" | "num_tokens_output"
//	              | "schedule_lag"
//	              | "ttft_from_intended" | "ttlt_from_intended" .
//	aggregate     = percentile | "median" | "avg" | "mean" | "min" | "max" .
//	percentile    = "p" number .
//	run_statistic = "error_rate" | "failed_requests_rate" | "failed_requests"
//	              | "total_requests" | "requests_per_second"
//	              | "requests_per_minute" | "output_tokens_per_second" .
//	goodput       = "goodput" "(" condition { "," condition } ")" .
//	condition     = metric ( "<" | "<=" ) value .
//	operator      = "<" | "<=" | ">" | ">=" .
//	value         = number [ unit ] .
//	number        = digits [ "." digits ] .
//	digits        = digit { digit } .
//	digit         = "0" … "9" .
//	unit          = "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "%" .
//
// Lexical rules: a percentile is one word ("p99.9", not "p 99.9"), and so
// is a value ("800ms", not "800 ms"). Other tokens may be separated by any
// amount of white space, or none ("error_rate<1%",
// "goodput(ttft<1s,tpot<50ms)>=95%"); a metric and its aggregate need at
// least one space between them. Names and units are case-sensitive and
// lower-case: "TTFT" is an unknown statistic and "MS" an unknown unit, so
// that "m" (minutes) can never be mistaken for anything else. There are no
// negative numbers and no exponents.
//
// # Statistics
//
// A per-request metric (aliases as in the grammar; the first is the
// canonical name) is aggregated over the successful requests of the run:
// pN is the N-th percentile (0 ≤ N ≤ 100, fractions allowed, as in
// p99.9), computed with [llmtest.Percentile]'s method (numpy's default);
// median is p50; avg and mean are the arithmetic mean; min and max the
// extremes. Inter-token latency pools every gap of every request. The
// sample count n is the number of values the aggregate was computed from.
// An open loop (llmtest.Config.Rate) adds schedule_lag, how late each
// request was sent (over every request sent, failed or not), and
// ttft_from_intended and ttlt_from_intended, the latencies measured from
// each request's intended send time, free of coordinated omission; a
// closed-loop run has none of them, so a threshold on them fails there
// for want of samples.
//
// Run statistics:
//
//   - error_rate (alias failed_requests_rate): failed requests / the
//     requests that ended, a ratio. Requests cancelled by an interruption
//     (Ctrl-C, a test's deadline) are neither failures nor successes and
//     count in neither.
//   - failed_requests, total_requests: counts (total_requests includes
//     cancelled requests).
//   - requests_per_second, requests_per_minute: the requests that ended
//     over the run's total test time.
//   - output_tokens_per_second: output tokens of the successful requests
//     over the run's total test time.
//
// Their sample count n is the number of requests.
//
// generator_healthy is a verdict: a statistic alone, with no operator and
// no value ("generator_healthy < 1" is an error). It holds when the run's
// load generator kept up with the load — its self-check
// (reporters.Generator, sampled during every run) found it not saturated
// — and fails otherwise with the self-check's reasons, or when the run has
// no self-check (a run folder written before llmtest checked its
// generator, a result built from records), as a statistic over zero
// samples does. Its n is the number of the self-check's samples; the
// recorded check has op "==", observed 1 for healthy and 0 for saturated,
// and limit 1. [GeneratorHealthy] is the same check in Go:
//
//	generator_healthy = yes (n=12)
//	generator_healthy = no: scheduler latency p99 84ms > 20ms (n=12)
//	generator_healthy = no self-check (n=0): the run has none
//
// goodput(conditions) is the share of all requests — failed ones count,
// and are never good — that met every condition: see [GoodputShare].
// Conditions take latency metrics only, with < or <= and a duration; a
// metric appears at most once.
//
// # Operators and values
//
// The operators are <, <=, > and >=. Equality (== and !=) is rejected:
// measured latencies and ratios are never exactly equal to a limit, and
// "failed_requests < 1" says what "failed_requests == 0" would.
//
// The kind of statistic decides the value:
//
//   - Durations (every latency metric) need a unit: ns, us (also written
//     µs, with the micro sign U+00B5, or μs, with the Greek mu U+03BC; the
//     canonical form is µs), ms, s or m (minutes): "ttft p99 < 800" is an
//     error, "missing duration unit". Durations are rounded to the
//     nanosecond.
//   - Ratios (error_rate, goodput) are a percentage, "1%" (= 0.01, at most
//     100%), or a bare ratio between 0 and 1, "0.01" — as k6 writes rates.
//     A bare number above 1 is an error, since it is most likely a
//     percentage without its %. Mind that "error_rate < 1" therefore means
//     "below 100%".
//   - Token counts, request counts and throughputs are bare numbers, in
//     tokens, requests, tokens/s, requests/s or requests/min.
//
// # Regression thresholds
//
// A regression threshold bounds the change of one statistic from a
// baseline run A to a run B, as [llmtest.Compare] measures it, such as
// "ttft p99 +10%" (B's TTFT p99 may be at most 10% above A's). It is
// parsed by [ParseRegression] (on a command line, `llmtest compare
// --fail-on`), validated by [ValidateRegressions] and asserted by
// [NoRegression]. The grammar, with the names of the grammar above:
//
//	regression = metric percentile change | compared_run change .
//	percentile = "p" number | "median" .
//	compared_run = "error_rate" | "failed_requests_rate"
//	             | "requests_per_second" | "output_tokens_per_second" .
//	change     = ( "+" | "-" ) number [ unit ] .
//
// The sign is written right before the number ("+10%", not "+ 10%") and
// says which way is the regression: "+" for a latency and an error rate,
// which regress when they rise, "-" for a throughput, which regresses when
// it falls; the other sign is an error naming it. A token count takes
// either. The change is relative to A with "%" ("+10%": more than 10%
// above A), except for error_rate, a ratio, where "+1%" is one
// percentage point; a latency's change may also be a duration ("+20ms"),
// and a throughput's, a token count's or an error rate's a bare number in
// its unit. Only percentiles are compared: avg, min and max are errors.
//
// A threshold is broken when the change is significant in its direction
// (the confidence interval of B − A lies wholly above 0 for "+", below 0
// for "-") and its estimate goes beyond the threshold. A statistic the
// comparison lacks breaks it too: what cannot be checked does not pass.
// Its message is one line — statistic, change with its interval, verdict
// and the sample counts of A and B:
//
//	ttft p99: +25.0% [+20.0%, +30.0%], beyond +10% (n=500 → 500)
//	ttft p99: +25.0% [-10.0%, +60.0%], not significant, beyond +10% (n=500 → 500)
//
// # Errors
//
// [Parse] reports the first problem of an expression as a [*ParseError]
// that quotes the expression, names the offending token and gives its
// column, counting characters from 1:
//
//	assertions: "ttft p99 < 800xs": unknown unit "xs" at column 15
//
// Besides syntax, it rejects what the statistic does not support: a
// percentile outside [0, 100], a unit that does not fit the statistic (a
// duration on a token count, a % on a count, any unit on a throughput), a
// ratio above 100%, a duration too long for time.Duration, a goodput
// condition on a token metric. Every such error wraps
// [ErrInvalidThreshold].
package assertions
