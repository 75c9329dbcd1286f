package reporters

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sampleRun returns a small, complete run: two clients, 400 requests, every
// metric, and four checks, one failed and one repeated.
func sampleRun() *Run {
	start := time.Date(2026, 11, 27, 1, 53, 0, 123456789, time.UTC)
	run := &Run{
		SchemaVersion: SchemaVersion,
		Name:          "chat-smoke",
		Description:   "smoke test of the chat endpoint",
		Endpoint: Endpoint{
			Provider: "openai",
			Model:    "gpt-4o-mini",
			Name:     "chat-completions",
			URL:      "http://127.0.0.1:8080/v1",
		},
		Config: Config{
			Clients:   8,
			Requests:  50,
			Timeout:   60,
			Tokenizer: "whitespace",
			Payloads:  20,
		},
		StartTime: start,
		EndTime:   start.Add(52104 * time.Millisecond),
		TestTime:  52.104,
		Counts:    Counts{Total: 400, Failed: 3},
		Tokens:    Tokens{Input: 203264, Output: 64312},

		RelativeError: RelativeError,
		Errors:        []ErrorCount{{Message: "HTTP 500: overloaded", Count: 2}, {Message: "timeout: no complete response within 1m0s", Count: 1}},
		Series: []Window{
			{Start: start.Truncate(time.Second), Started: 8, Completed: 0, InFlight: 8},
			{Start: start.Truncate(time.Second).Add(time.Second), Started: 9, Completed: 8, Failed: 1, InFlight: 8,
				OutputTokens: 1290, TTFTP50: 0.1984, TTFTP99: 0.398, TTLTP50: 0.951, TTLTP99: 0.99},
		},
		Checks: []Check{
			{
				Expression: "ttft p99 < 800ms", Statistic: "ttft p99", Op: "<",
				Observed: 0.412, Limit: 0.8, Unit: "s", Samples: 397, Pass: true,
				Message: "ttft p99 = 412ms, want < 800ms (n=397)",
			},
			{
				Expression: "tpot p50 < 20ms", Statistic: "tpot p50", Op: "<",
				Observed: 0.0231, Limit: 0.02, Unit: "s", Samples: 397, Pass: false,
				Message: "tpot p50 = 23.1ms, want < 20ms (n=397)",
			},
			{
				Expression: "error_rate < 1%", Statistic: "error_rate", Op: "<",
				Observed: 0.0075, Limit: 0.01, Unit: "ratio", Samples: 400, Pass: true,
				Message: "error_rate = 0.75%, want < 1% (n=400)",
			},
			{
				Expression: "ttft p99 < 800ms", Statistic: "ttft p99", Op: "<",
				Observed: 0.412, Limit: 0.8, Unit: "s", Samples: 397, Pass: true,
				Message: "ttft p99 = 412ms, want < 800ms (n=397)",
			},
		},
	}
	for _, m := range []struct {
		name, unit string
		n          int
		v          [8]float64 // average, min, max, p50, p90, p95, p99, p99.9
	}{
		{"time_to_first_token", UnitSeconds, 397, [8]float64{0.2121, 0.0871, 0.6403, 0.1984, 0.3012, 0.3466, 0.412, 0.598}},
		{"time_to_first_output", UnitSeconds, 397, [8]float64{0.2121, 0.0871, 0.6403, 0.1984, 0.3012, 0.3466, 0.412, 0.598}},
		{"time_to_last_token", UnitSeconds, 397, [8]float64{3.9417, 1.2044, 9.8812, 3.7326, 5.9071, 6.6043, 8.1277, 9.7001}},
		{"time_per_output_token", UnitSeconds, 397, [8]float64{0.0228, 0.0174, 0.0411, 0.0231, 0.0277, 0.0293, 0.0342, 0.0407}},
		{"inter_token_latency", UnitSeconds, 63915, [8]float64{0.02289, 0.0000456, 0.31, 0.0198, 0.0301, 0.0356, 0.0612, 0.1204}},
		{"num_tokens_input", UnitTokens, 397, [8]float64{512.0, 96, 2048, 480, 900, 1100, 1800, 2030}},
		{"num_tokens_output", UnitTokens, 397, [8]float64{161.98, 40, 512, 150, 260, 300, 420, 505}},
	} {
		run.Metrics = append(run.Metrics, Metric{Name: m.name, Unit: m.unit, N: m.n, Sum: m.v[0] * float64(m.n),
			Average: m.v[0], Min: m.v[1], Max: m.v[2], P50: m.v[3], P90: m.v[4], P95: m.v[5], P99: m.v[6], P999: m.v[7],
			Exact: true})
	}
	return run
}

// interruptedRun returns sampleRun cut short after 120 requests.
func interruptedRun() *Run {
	run := sampleRun()
	run.Name = "chat-smoke-interrupted"
	run.Interrupted = true
	run.Counts = Counts{Total: 120, Failed: 1}
	run.Tokens = Tokens{Input: 60979, Output: 19294}
	run.TestTime = 15.75
	run.Checks = run.Checks[:1]
	return run
}

// emptyRun returns a run with no checks and no per-request metric: every
// request failed.
func emptyRun() *Run {
	return &Run{
		SchemaVersion: SchemaVersion,
		Name:          "all-failed",
		Endpoint:      Endpoint{Provider: "anthropic", Model: "claude-x"},
		Config:        Config{Clients: 1, Duration: 30, Timeout: 10},
		StartTime:     time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		EndTime:       time.Date(2026, 1, 2, 3, 4, 35, 0, time.UTC),
		TestTime:      30,
		Counts:        Counts{Total: 6, Failed: 6},
		Checks:        []Check{},
	}
}

// nastyRun returns a run whose strings hold everything an output format
// must escape: markup, quotes, line breaks, a NUL, a terminal escape and
// bytes that are not UTF-8.
func nastyRun() *Run {
	run := emptyRun()
	run.Name = "nasty <run> & \"co\"\x00"
	run.Description = "line 1\nline 2 | pipe"
	run.Endpoint.Name = "ep\x1b[31mred\x1b[0m"
	run.Checks = []Check{
		{
			Expression: "ttft p99 < 800ms | `x` ]]>", Statistic: "ttft p99", Op: "<",
			Observed: 0.9, Limit: 0.8, Unit: "s", Samples: 10, Pass: false,
			Message: "bad \x00 nul, \x1b[31mansi\x1b[0m, invalid \xff\xfe utf-8, <tag> & \"quote\"\nsecond | line",
		},
		{Expression: "", Statistic: "error_rate", Op: "<=", Observed: 1, Limit: 0, Unit: "ratio", Samples: 6, Pass: false},
	}
	return run
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update to accept it):\n%s", path, firstDiff(string(got), string(want)))
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + strconv.Quote(gl) + "\nwant: " + strconv.Quote(wl)
		}
	}
	return "(no line differs; line endings?)"
}
