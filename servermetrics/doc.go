// Package servermetrics scrapes an LLM server's Prometheus /metrics
// before and after a run and records in the run's model
// (reporters.Run.ServerMetrics) how the server's counters and histograms
// changed meanwhile: vLLM's (vllm:request_success_total,
// vllm:prompt_tokens_total, vllm:generation_tokens_total, the
// vllm:request_queue_time_seconds and vllm:time_to_first_token_seconds
// histograms, …) and llama.cpp's (llamacpp:prompt_tokens_total,
// llamacpp:tokens_predicted_total, llamacpp:requests_processing, …), so
// that the server's own counts of requests and tokens stand next to the
// client's, and the time a request queued inside the server can be told
// from the time it spent on the network.
//
// A failed scrape is a warning, recorded in the model with the URL and
// passed to Callback.Warn; it never fails the run nor loses its results.
// The URL is shown without user info or query, which may hold
// credentials.
package servermetrics
