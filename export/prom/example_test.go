package prom_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/llmtest/llmtest/export/prom"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// A run in the Prometheus text format: here its request and token
// counters; every per-request metric also has a histogram and a summary.
func ExampleWriter() {
	run := &reporters.Run{
		Name:     "nightly",
		Endpoint: reporters.Endpoint{Provider: "openai", Model: "m"},
		Counts:   reporters.Counts{Total: 20, Failed: 1},
		Tokens:   reporters.Tokens{Input: 400, Output: 1000},
		TestTime: 10,
	}
	var b bytes.Buffer
	if err := prom.NewWriter(&b).Write(run); err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "llmtest_requests_total") || strings.HasPrefix(line, "llmtest_output_tokens") {
			fmt.Println(line)
		}
	}
	// Output:
	// llmtest_requests_total{run="nightly",provider="openai",model="m"} 20
	// llmtest_output_tokens_total{run="nightly",provider="openai",model="m"} 1000
	// llmtest_output_tokens_per_second{run="nightly",provider="openai",model="m"} 100
}

// File writes the run for node_exporter's textfile collector when it
// ends.
func ExampleFile() {
	cfg := llmtest.Config{
		// Endpoint, Payloads, Clients, …
		Callbacks: []llmtest.Callback{prom.File{Path: "/var/lib/node_exporter/textfile/llmtest.prom"}},
	}
	_ = cfg
}
