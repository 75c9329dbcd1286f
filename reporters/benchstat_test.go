package reporters

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func benchText(t *testing.T, name string, runs ...*Run) string {
	t.Helper()
	var buf bytes.Buffer
	bs := NewBenchstat(&buf)
	bs.Name = name
	for _, r := range runs {
		if err := bs.Write(r); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	return buf.String()
}

func TestBenchstatGolden(t *testing.T) {
	out := benchText(t, "", sampleRun(), emptyRun()) + benchText(t, "chat scenario", sampleRun(), sampleRun())
	golden(t, "bench.txt", []byte(out))
}

func TestBenchMetrics(t *testing.T) {
	got := BenchMetrics(sampleRun())
	want := []BenchMetric{
		{UnitTTFTP50, 198.4e6}, {UnitTTFTP99, 412e6}, {UnitTPOTP50, 23.1e6}, {UnitITLP99, 61.2e6},
		{UnitE2EP99, 8127.7e6}, {UnitOutputTokensPerSec, 64312 / 52.104}, {UnitRequestsPerSec, 400 / 52.104},
	}
	if len(got) != len(want) {
		t.Fatalf("BenchMetrics = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Unit != want[i].Unit || math.Abs(got[i].Value-want[i].Value) > 1e-6*want[i].Value {
			t.Errorf("metric %d = %v, want %v", i, got[i], want[i])
		}
	}
	// Only metrics with samples, and figures that are numbers, count.
	run := emptyRun()
	run.Metrics = []Metric{
		{Name: "time_to_first_token", Unit: UnitSeconds, N: 3, P50: math.NaN(), P99: math.NaN()},
		{Name: "inter_token_latency", Unit: UnitSeconds, N: 3, P99: 0.05},
		{Name: "time_to_last_token", Unit: UnitSeconds, P99: 1},
	}
	got = BenchMetrics(run)
	if fmt.Sprint(got) != fmt.Sprint([]BenchMetric{{UnitITLP99, 5e7}, {UnitOutputTokensPerSec, 0}, {UnitRequestsPerSec, 0.2}}) {
		t.Errorf("BenchMetrics = %v", got)
	}
	if BenchMetrics(nil) != nil || BenchMetrics(&Run{}) != nil {
		t.Error("BenchMetrics of an empty run is not empty")
	}
}

func TestBenchstatErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := NewBenchstat(&buf).Write(&Run{Name: "x"}); !errors.Is(err, ErrNoBenchMetrics) {
		t.Errorf("Write(run without stats) = %v, want ErrNoBenchMetrics", err)
	}
	if err := NewBenchstat(&buf).Write(nil); !errors.Is(err, ErrNilRun) {
		t.Errorf("Write(nil) = %v, want ErrNilRun", err)
	}
	if buf.Len() != 0 {
		t.Errorf("failed writes wrote %q", buf.String())
	}
}

func TestBenchName(t *testing.T) {
	for in, want := range map[string]string{
		"chat-smoke":             "chat-smoke",
		"chat smoke\ttest":       "chat_smoke_test",
		"gpt-4":                  "gpt_4",
		"20261127-015300-123456": "20261127-015300_123456",
		"20261127-015300-3fa9c1": "20261127-015300-3fa9c1",
		"clients=8/rate-":        "clients=8/rate-",
		"bad\x00\xff":            "bad\uFFFD\uFFFD",
		"":                       "run",
	} {
		if got := benchName(in); got != want {
			t.Errorf("benchName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBenchstatFormat parses the output by the rules of the Go benchmark
// format (golang.org/design/14313-benchmark-format), as benchstat reads it.
func TestBenchstatFormat(t *testing.T) {
	nasty := nastyRun()
	nasty.Endpoint.Model = "Model\nWith Break"
	out := benchText(t, "", sampleRun(), emptyRun(), nasty) + benchText(t, "fixed name", interruptedRun())
	results := parseBenchFormat(t, out)
	if len(results) != 4 {
		t.Fatalf("%d results, want 4:\n%s", len(results), out)
	}
	first := results[0]
	if first.name != "BenchmarkLLM/chat-smoke" || first.iterations != 400 {
		t.Errorf("first result %s %d, want BenchmarkLLM/chat-smoke 400", first.name, first.iterations)
	}
	for i, m := range BenchMetrics(sampleRun()) {
		got := first.values[i]
		if got.Unit != m.Unit || math.Abs(got.Value-m.Value) > 1e-5*math.Abs(m.Value)+0.5 {
			t.Errorf("value %d = %v, want %v", i, got, m)
		}
	}
	if results[1].name != "BenchmarkLLM/all-failed" || len(results[1].values) != 2 {
		t.Errorf("second result %+v", results[1])
	}
	if results[3].name != "BenchmarkLLM/fixed_name" || results[3].iterations != 120 {
		t.Errorf("fixed-name result %+v", results[3])
	}
	if got := results[2].config["llmtest-model"]; got != "Model With Break" {
		t.Errorf("config llmtest-model = %q", got)
	}
}

type benchResult struct {
	name       string
	iterations int
	values     []BenchMetric
	config     map[string]string
}

// parseBenchFormat reads configuration lines and result lines, and fails
// the test on any other non-blank line, since the reporter writes no other.
func parseBenchFormat(t *testing.T, text string) []benchResult {
	t.Helper()
	config := map[string]string{}
	var out []benchResult
	for n, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n++
		if !utf8.ValidString(line) {
			t.Errorf("line %d is not UTF-8: %q", n, line)
		}
		if strings.HasPrefix(line, "Benchmark") {
			// Result line: name, iterations, then value-unit pairs,
			// separated by runs of white space.
			f := strings.Fields(line)
			if len(f) < 4 || len(f)%2 != 0 {
				t.Errorf("line %d: %d fields, want an even number ≥ 4: %q", n, len(f), line)
				continue
			}
			if r, _ := utf8.DecodeRuneInString(f[0][len("Benchmark"):]); f[0] != "Benchmark" && !unicode.IsUpper(r) {
				t.Errorf("line %d: name %q: want Benchmark followed by an upper-case letter", n, f[0])
			}
			iters, err := strconv.Atoi(f[1])
			if err != nil {
				t.Errorf("line %d: iterations %q: %v", n, f[1], err)
			}
			res := benchResult{name: f[0], iterations: iters, config: map[string]string{}}
			for k, v := range config {
				res.config[k] = v
			}
			for i := 2; i < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("line %d: value %q is not a finite number", n, f[i])
				}
				res.values = append(res.values, BenchMetric{Unit: f[i+1], Value: v})
			}
			out = append(out, res)
			continue
		}
		// Configuration line: "key: value", the key starting with a
		// lower-case letter and holding no space or upper-case letter.
		key, value, ok := strings.Cut(line, ":")
		first, _ := utf8.DecodeRuneInString(key)
		if !ok || !unicode.IsLower(first) || strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsUpper(r) }) >= 0 {
			t.Errorf("line %d is neither a result nor a configuration line: %q", n, line)
			continue
		}
		if value != "" && value[0] != ' ' && value[0] != '\t' {
			t.Errorf("line %d: no space after %q", n, key+":")
		}
		config[key] = strings.TrimSpace(value)
	}
	return out
}
