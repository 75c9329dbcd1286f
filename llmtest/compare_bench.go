package llmtest

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// BenchmarkComparison compares two sets of benchmark results in the text
// format of go test -bench (which benchstat reads, and
// reporters.Benchstat writes): per benchmark and unit both sets measured,
// the difference of the medians of their runs (go test -count), with a
// bootstrap interval.
type BenchmarkComparison struct {
	Confidence float64 `json:"confidence"`
	Resamples  int     `json:"resamples"`
	Seed       uint64  `json:"seed"`
	// Deltas holds one entry per benchmark and unit, in A's order: the
	// Statistic is the benchmark's name (its -GOMAXPROCS suffix removed)
	// and a space and the unit, Unit the unit, A and B the medians, NA and
	// NB the number of runs, Method "benchmark runs".
	Deltas []Delta `json:"deltas"`
}

// MethodBenchmarkRuns resamples the runs of a benchmark.
const MethodBenchmarkRuns = "benchmark runs"

// benchKey names one measurement of a benchmark.
type benchKey struct{ name, unit string }

// benchSet is the values of each benchmark and unit of one output, in
// order of first appearance.
type benchSet struct {
	keys   []benchKey
	values map[benchKey][]float64
}

// readBenchmarks reads the result lines of go test -bench output: lines
// "BenchmarkName[-procs] iterations value unit [value unit]...";
// configuration lines and any other line are skipped. A result line that
// is malformed is an error naming name and the line.
func readBenchmarks(name string, r io.Reader) (*benchSet, error) {
	s := &benchSet{values: map[benchKey][]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if len(f) < 4 || len(f)%2 != 0 {
			// "BenchmarkX" alone is the name line of a benchmark that
			// printed output; skip it as benchstat does.
			if len(f) == 1 {
				continue
			}
			return nil, fmt.Errorf("%s:%d: want a benchmark name, an iteration count and value-unit pairs, got %q", name, line, sc.Text())
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			return nil, fmt.Errorf("%s:%d: iteration count %q is not a number", name, line, f[1])
		}
		bench := trimProcs(f[0])
		for i := 2; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: value %q is not a number", name, line, f[i])
			}
			k := benchKey{bench, f[i+1]}
			if _, ok := s.values[k]; !ok {
				s.keys = append(s.keys, k)
			}
			s.values[k] = append(s.values[k], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(s.keys) == 0 {
		return nil, fmt.Errorf("%s: no benchmark result line", name)
	}
	return s, nil
}

// trimProcs removes go test's "-<GOMAXPROCS>" suffix from a benchmark name.
func trimProcs(name string) string {
	if i := strings.LastIndexByte(name, '-'); i > 0 && i < len(name)-1 && strings.TrimLeft(name[i+1:], "0123456789") == "" {
		return name[:i]
	}
	return name
}

// CompareBenchmarks compares benchmark output b with a with the default
// options: CompareOptions{}.CompareBenchmarks(…).
func CompareBenchmarks(nameA string, a io.Reader, nameB string, b io.Reader) (*BenchmarkComparison, error) {
	return CompareOptions{}.CompareBenchmarks(nameA, a, nameB, b)
}

// CompareBenchmarks reads two outputs of go test -bench (nameA and nameB
// name them in errors) and compares, per benchmark and unit both hold,
// the median of B's runs with the median of A's: the difference and the
// relative difference, each with the bootstrap interval of
// o.Confidence from o.Resamples resamples of each side's runs. Run a
// benchmark several times (go test -count 10) for an interval that means
// something: with one run per side, the interval is the point and no
// change is significant. o.Percentiles and o.Metrics do not apply.
func (o CompareOptions) CompareBenchmarks(nameA string, a io.Reader, nameB string, b io.Reader) (*BenchmarkComparison, error) {
	if err := o.resolve(); err != nil {
		return nil, err
	}
	sa, err := readBenchmarks(nameA, a)
	if err != nil {
		return nil, err
	}
	sb, err := readBenchmarks(nameB, b)
	if err != nil {
		return nil, err
	}
	bc := &BenchmarkComparison{Confidence: o.Confidence, Resamples: o.Resamples, Seed: o.Seed, Deltas: []Delta{}}
	for _, k := range sa.keys {
		vb, ok := sb.values[k]
		if !ok {
			continue
		}
		stat := k.name + " " + k.unit
		median := func(side string, v []float64) (float64, []float64) {
			v = slices.Clone(v)
			slices.Sort(v)
			p, re := bootstrapPercentiles(func(int) *rand.Rand { return newRand(o.Seed, side+" "+stat) },
				sortedSample{v: v, scale: 1}, []float64{50}, o.Resamples)
			return p[0], re[0]
		}
		ma, ra := median("a", sa.values[k])
		mb, rb := median("b", vb)
		d := o.delta(Delta{Statistic: stat, Unit: k.unit, A: ma, B: mb, NA: len(sa.values[k]), NB: len(vb), Method: MethodBenchmarkRuns}, ra, rb)
		bc.Deltas = append(bc.Deltas, d)
	}
	if len(bc.Deltas) == 0 {
		return nil, fmt.Errorf("%s and %s have no benchmark and unit in common", nameA, nameB)
	}
	return bc, nil
}

// WriteMarkdown writes the benchmark comparison as a Markdown table, one
// row per benchmark and unit, as [Comparison.WriteMarkdown] does: a
// verdict for a significant change, "improvement" or "regression" by
// the unit (a unit ending in "/s" is better higher, any other lower).
func (bc *BenchmarkComparison) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	level := strconv.FormatFloat(bc.Confidence*100, 'f', -1, 64) + "%"
	bw.WriteString("### llmtest compare: benchmarks\n\n")
	fmt.Fprintf(bw, "| benchmark | unit | A | B | Δ | Δ %s CI | Δ%% | Δ%% %s CI | verdict |\n", level, level)
	bw.WriteString("|---|---|--:|--:|--:|---|--:|---|---|\n")
	num := func(v float64, signed bool) string {
		s := strconv.FormatFloat(v, 'g', 4, 64)
		if signed && v >= 0 {
			s = "+" + s
		}
		return s
	}
	for _, d := range bc.Deltas {
		rel, relCI := "n/a", "n/a"
		if d.Relative != nil {
			rel = percentText(d.Relative.Estimate)
			relCI = "[" + percentText(d.Relative.Low) + ", " + percentText(d.Relative.High) + "]"
		}
		v := ""
		if d.Significant {
			v = "**regression**"
			if (d.Diff.Estimate > 0) == strings.HasSuffix(d.Unit, "/s") {
				v = "improvement"
			}
		}
		name := strings.TrimSuffix(d.Statistic, " "+d.Unit)
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | [%s, %s] | %s | %s | %s |\n", name, d.Unit,
			num(d.A, false), num(d.B, false), num(d.Diff.Estimate, true), num(d.Diff.Low, true), num(d.Diff.High, true), rel, relCI, v)
	}
	fmt.Fprintf(bw, "\nA and B are the medians of each benchmark's runs; Δ = B − A, with %s bootstrap confidence intervals "+
		"(%d resamples of the runs, seed %d); a change is significant when its interval excludes 0.\n", level, bc.Resamples, bc.Seed)
	return bw.Flush()
}
