// Package otlp exports a run's figures and per-metric distributions as
// OpenTelemetry metrics over OTLP/HTTP (protobuf), through the
// OpenTelemetry Go SDK's OTLP exporter
// (go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp), to
// a collector, Prometheus' OTLP receiver or any other OTLP backend.
//
// The run is exported once, when it has ended, as one batch of the SDK's
// metric data (go.opentelemetry.io/otel/sdk/metric/metricdata) built from
// the run model: every value is the model's, and every point spans the
// run, from its start time to its end time, with cumulative temporality.
// (An SDK MeterProvider with instruments would stamp the points with the
// export's clock and re-aggregate values the model already holds.)
//
// # Metrics
//
// The resource has service.name "llmtest". Every data point has the run's
// parameters as attributes, each named "llmtest.<parameter>":
// llmtest.run, llmtest.provider, llmtest.model, llmtest.clients,
// llmtest.rate, llmtest.arrival, llmtest.duration (seconds), … (see
// export/internal/runmetrics.Params; numbers are int or double
// attributes). Metrics, all in the instrumentation scope
// "github.com/llmtest/llmtest/export/otlp":
//
//   - llmtest.requests, llmtest.failed_requests,
//     llmtest.cancelled_requests, llmtest.dropped_requests,
//     llmtest.warmup_requests ({request}), llmtest.input_tokens,
//     llmtest.output_tokens ({token}): monotonic cumulative sums.
//   - llmtest.failed_requests_ratio (1), llmtest.requests_per_minute
//     ({request}/min), llmtest.output_tokens_per_second ({token}/s),
//     llmtest.test_duration, llmtest.start_timestamp,
//     llmtest.end_timestamp (s), llmtest.interrupted,
//     llmtest.generator_saturated, llmtest.checks_failed: gauges.
//   - llmtest.check_passed: a gauge, 1 or 0, per SLO check, with the
//     attribute llmtest.check (the expression).
//   - llmtest.connections ({request}), when requests were traced: a
//     monotonic cumulative sum with a point for the requests that opened
//     a connection (bool attribute llmtest.reused false) and one for
//     those sent on a kept-alive one (true).
//   - When the run was priced (llmtest.CostModel), in the prices' unit
//     ({cost}), each of stats.json's cost keys (reporters.Cost.Stats):
//     llmtest.cost and llmtest.dimension_cost (attribute
//     llmtest.dimension, such as "InputTokens"), monotonic cumulative sums
//     of doubles; llmtest.cost_per_request (attribute llmtest.aggregate:
//     average, p50, p90, p99) and llmtest.dimension_cost_per_request
//     (llmtest.dimension and llmtest.aggregate), gauges, absent when no
//     request was priced.
//   - For each per-request metric with samples, such as
//     time_to_first_token: an explicit-bucket histogram
//     llmtest.time_to_first_token (unit s, or {token} for token metrics)
//     with the bounds of export/internal/runmetrics (1ms … 10min; powers
//     of two for tokens), whose bucket counts are read from the run's
//     histogram (within reporters.RelativeError of a bound) and whose
//     count, sum, min and max are exact; and a summary
//     llmtest.time_to_first_token.quantiles with the run's min (0), p50,
//     p90, p95, p99, p99.9 and max (1).
package otlp
