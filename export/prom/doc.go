// Package prom writes a run's figures and per-metric distributions in the
// Prometheus text exposition format (version 0.0.4), for node_exporter's
// textfile collector (a metrics.prom file in its directory) or a
// Pushgateway (curl --data-binary @metrics.prom).
//
// # Metrics
//
// Every sample is labelled with the run's name and, when known, its
// provider and model (labels run, provider, model). Families, all prefixed
// "llmtest_":
//
//   - run_info (gauge, 1): the run's parameters as labels (clients, rate,
//     arrival, duration, …).
//   - requests_total, failed_requests_total, cancelled_requests_total,
//     dropped_requests_total, warmup_requests_total, input_tokens_total,
//     output_tokens_total (counters): the run's counts and token totals.
//   - failed_requests_ratio, requests_per_minute, output_tokens_per_second,
//     test_duration_seconds, start_timestamp_seconds,
//     end_timestamp_seconds, interrupted, generator_saturated and
//     checks_failed (gauges).
//   - check_passed{check="ttft p99 < 800ms"} (gauge, 0 or 1): each SLO
//     check.
//   - connections_total{reused="false"} and {reused="true"} (counter),
//     when requests were traced: the requests that opened a connection
//     and those sent on a kept-alive one (stats.json's connections_new
//     and connections_reused).
//   - When the run was priced (llmtest.CostModel), in the prices' unit
//     (no unit suffix: llmtest names no currency), each of stats.json's
//     cost keys (reporters.Cost.Stats): cost_total (counter, cost_total);
//     dimension_cost_total{dimension="InputTokens"} (counter, one per
//     priced dimension, summing to cost_total); cost_per_request{aggregate="p50"}
//     (gauge, cost_per_request-<aggregate> for average, p50, p90 and p99);
//     and dimension_cost_per_request{dimension="OutputTokens",aggregate="p99"}
//     (gauge, cost_<dimension>_per_request-<aggregate>, per request
//     dimension). The per-request gauges are absent when no request was
//     priced.
//   - For each per-request metric with samples, such as
//     time_to_first_token, a histogram llmtest_time_to_first_token_seconds
//     (token metrics have no unit suffix: llmtest_num_tokens_output) with
//     fixed buckets (see export/internal/runmetrics: 1ms … 10min for
//     durations, powers of two for tokens), read from the run's
//     histogram (bucket counts within reporters.RelativeError of a
//     bound), with the exact sum and count; and a summary
//     llmtest_time_to_first_token_summary_seconds whose quantiles 0, 0.5,
//     0.9, 0.95, 0.99, 0.999 and 1 are the run's min, p50 … p99.9 and
//     max.
//
// Durations are in seconds.
package prom
