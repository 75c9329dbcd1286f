package llmtest

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// SweepComparison compares two sweeps level by level: the runs of the
// levels both sweeps ran, matched by their load.
type SweepComparison struct {
	// Kind is the sweeps' kind, reporters.SweepClients or
	// reporters.SweepRate.
	Kind string `json:"kind"`
	// Levels holds one comparison per level both sweeps ran, in A's order.
	Levels []LevelComparison `json:"levels"`
	// OnlyA and OnlyB are the loads of the levels only one sweep ran.
	OnlyA []float64 `json:"only_a"`
	OnlyB []float64 `json:"only_b"`
}

// LevelComparison is the comparison of one level of two sweeps.
type LevelComparison struct {
	// Level is the level's load: clients, or requests/s.
	Level      float64     `json:"level"`
	Comparison *Comparison `json:"comparison"`
}

// CompareSweeps compares sweeps a and b with the default options:
// CompareOptions{}.CompareSweeps(a, b).
func CompareSweeps(a, b *SweepResult) (*SweepComparison, error) {
	return CompareOptions{}.CompareSweeps(a, b)
}

// CompareSweeps compares each level of sweep b with the level of the
// same load in sweep a, as Compare compares two runs. Sweeps of
// different kinds (clients, rate) are an error, and so are sweeps with no
// level in common.
func (o CompareOptions) CompareSweeps(a, b *SweepResult) (*SweepComparison, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("%w: a nil SweepResult", ErrCompareOptions)
	}
	if a.Sweep.Kind != b.Sweep.Kind {
		return nil, fmt.Errorf("llmtest: comparing a sweep over %s with one over %s", a.Sweep.Kind, b.Sweep.Kind)
	}
	sc := &SweepComparison{Kind: a.Sweep.Kind, Levels: []LevelComparison{}, OnlyA: []float64{}, OnlyB: []float64{}}
	load := func(s *SweepResult, i int) float64 { return s.Levels[i].load() }
	inB := map[float64]int{}
	for i := range b.Levels {
		inB[load(b, i)] = i
	}
	matched := map[float64]bool{}
	for i := range a.Levels {
		l := load(a, i)
		j, ok := inB[l]
		if !ok {
			sc.OnlyA = append(sc.OnlyA, l)
			continue
		}
		c, err := o.Compare(a.Results[i], b.Results[j])
		if err != nil {
			return nil, err
		}
		matched[l] = true
		sc.Levels = append(sc.Levels, LevelComparison{Level: l, Comparison: c})
	}
	for i := range b.Levels {
		if l := load(b, i); !matched[l] {
			sc.OnlyB = append(sc.OnlyB, l)
		}
	}
	if len(sc.Levels) == 0 {
		return nil, fmt.Errorf("llmtest: the sweeps have no level in common")
	}
	return sc, nil
}

// WriteMarkdown writes the comparison of each level, as
// [Comparison.WriteMarkdown] does, under a heading naming the level, and
// the levels only one sweep ran.
func (sc *SweepComparison) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "## llmtest compare: sweeps over %s\n", sc.Kind)
	for _, l := range sc.Levels {
		fmt.Fprintf(bw, "\n#### %s %s\n\n", sc.Kind, strconv.FormatFloat(l.Level, 'f', -1, 64))
		if err := l.Comparison.WriteMarkdown(bw); err != nil {
			return err
		}
	}
	for _, only := range []struct {
		side   string
		levels []float64
	}{{"A", sc.OnlyA}, {"B", sc.OnlyB}} {
		if len(only.levels) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\nOnly in %s: %s", only.side, sc.Kind)
		for i, l := range only.levels {
			sep := " "
			if i > 0 {
				sep = ", "
			}
			fmt.Fprintf(bw, "%s%s", sep, strconv.FormatFloat(l, 'f', -1, 64))
		}
		bw.WriteString(".\n")
	}
	return bw.Flush()
}
