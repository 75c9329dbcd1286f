package reporters

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
)

var _ Reporter = (*Benchstat)(nil)

// Benchstat writes a run in the Go benchmark data format
// (golang.org/design/14313-benchmark-format), so that runs made outside
// testing.B can be compared with benchstat: configuration lines naming the
// endpoint and load shape, then one result line
//
//	BenchmarkLLM/<name>	<total requests>	<value> <unit>	<value> <unit>…
//
// with the figures of [BenchMetrics]. Append the output of several runs of
// one scenario to a file, and compare two such files with
// "benchstat old.txt new.txt".
type Benchstat struct {
	// Name replaces the run name in the benchmark name
	// "BenchmarkLLM/<Name>". benchstat compares results that share a
	// name, and run names are unique by default, so give repeated runs
	// of one scenario the same Name. White space becomes "_", and a
	// trailing "-<digits>", which benchstat would read as GOMAXPROCS,
	// becomes "_<digits>".
	Name string

	w io.Writer
}

// NewBenchstat returns a Benchstat reporter writing to w.
func NewBenchstat(w io.Writer) *Benchstat { return &Benchstat{w: w} }

// The units of [BenchMetrics], as llmtest.Benchmark reports them with
// testing.B.ReportMetric. Durations are in nanoseconds, the one time unit
// benchstat rescales, and every unit's last word is its measurement unit.
const (
	UnitTTFTP50            = "ttft-p50-ns"  // time to first token, 50th percentile
	UnitTTFTP99            = "ttft-p99-ns"  // time to first token, 99th percentile
	UnitTPOTP50            = "tpot-p50-ns"  // time per output token, 50th percentile
	UnitITLP99             = "itl-p99-ns"   // inter-token latency, 99th percentile
	UnitE2EP99             = "e2e-p99-ns"   // time to last token (end to end), 99th percentile
	UnitOutputTokensPerSec = "out-tokens/s" // aggregate output tokens per second
	UnitRequestsPerSec     = "req/s"        // requests sent per second
)

// BenchMetric is one benchmark figure: a value in a unit.
type BenchMetric struct {
	Unit  string
	Value float64
}

// benchSources maps each unit to its stats key and the factor from the
// key's unit to the benchmark unit, in the order of BenchMetrics.
var benchSources = []struct {
	unit, key string
	scale     float64
}{
	{UnitTTFTP50, StatKey(metricTTFT, "p50"), 1e9},
	{UnitTTFTP99, StatKey(metricTTFT, "p99"), 1e9},
	{UnitTPOTP50, StatKey(metricTPOT, "p50"), 1e9},
	{UnitITLP99, StatKey(metricITL, "p99"), 1e9},
	{UnitE2EP99, StatKey(metricTTLT, "p99"), 1e9},
	{UnitOutputTokensPerSec, keyOutputTokensSec, 1},
	{UnitRequestsPerSec, keyRequestsPerMin, 1.0 / 60},
}

// BenchMetrics returns the run's benchmark figures in a fixed order:
// ttft-p50-ns, ttft-p99-ns, tpot-p50-ns, itl-p99-ns, e2e-p99-ns,
// out-tokens/s, req/s. A percentile is included only when its metric has
// samples and the value is a finite number, a throughput only when the run
// has a test time. Durations are in nanoseconds, unrounded.
func BenchMetrics(run *Run) []BenchMetric {
	if run == nil {
		return nil
	}
	var out []BenchMetric
	stats := run.Stats()
	for _, s := range benchSources {
		v, ok := stats[s.key]
		if s.key == keyOutputTokensSec || s.key == keyRequestsPerMin {
			ok = run.TestTime > 0
		}
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		out = append(out, BenchMetric{Unit: s.unit, Value: v * s.scale})
	}
	return out
}

// ErrNoBenchMetrics is returned by [Benchstat.Write] for a run without any
// figure of [BenchMetrics], which the format cannot express.
var ErrNoBenchMetrics = errors.New("reporters: run has no benchmark figures")

// Write writes the configuration lines and the result line of run.
func (bs *Benchstat) Write(run *Run) error {
	if run == nil {
		return fmt.Errorf("reporters: Benchstat: %w", ErrNilRun)
	}
	metrics := BenchMetrics(run)
	if len(metrics) == 0 {
		return fmt.Errorf("reporters: Benchstat: run %q: %w", run.Name, ErrNoBenchMetrics)
	}
	var b strings.Builder
	config := func(key, value string) {
		if value = oneLine(value); value != "" {
			fmt.Fprintf(&b, "%s: %s\n", key, value)
		}
	}
	config("llmtest-provider", run.Endpoint.Provider)
	config("llmtest-model", run.Endpoint.Model)
	config("llmtest-endpoint", run.Endpoint.Name)
	config("llmtest-clients", strconv.Itoa(run.Config.Clients))
	if run.Config.Duration > 0 {
		config("llmtest-duration", formatConfigSeconds(run.Config.Duration))
	} else {
		config("llmtest-requests", strconv.Itoa(run.Config.Requests))
	}

	name := bs.Name
	if name == "" {
		name = run.Name
	}
	b.WriteString("BenchmarkLLM/")
	b.WriteString(benchName(name))
	b.WriteByte('\t')
	b.WriteString(strconv.Itoa(run.Counts.Total))
	for _, m := range metrics {
		b.WriteByte('\t')
		b.WriteString(benchValue(m))
		b.WriteByte(' ')
		b.WriteString(m.Unit)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(bs.w, b.String())
	return err
}

// benchName makes s one field of a benchmark name: scrubbed, every white
// space character replaced by "_" (as go test does with sub-test names), a
// trailing "-<digits>" turned into "_<digits>", and "run" when empty.
func benchName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, scrub(s))
	if s == "" {
		return "run"
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 && i < len(s)-1 {
		digits := strings.TrimLeft(s[i+1:], "0123456789") == ""
		if digits {
			s = s[:i] + "_" + s[i+1:]
		}
	}
	return s
}

// benchValue formats a figure: nanoseconds as whole numbers, other units
// with six significant digits.
func benchValue(m BenchMetric) string {
	if strings.HasSuffix(m.Unit, "-ns") {
		return strconv.FormatFloat(math.Round(m.Value), 'f', 0, 64)
	}
	return strconv.FormatFloat(roundSignificant(m.Value, 6), 'f', -1, 64)
}
