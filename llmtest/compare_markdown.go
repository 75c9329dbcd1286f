package llmtest

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/llmtest/llmtest/reporters"
)

// WriteMarkdown writes the comparison as GitHub-flavoured Markdown, fit
// for a pull-request comment: a heading naming the runs, one table row
// per statistic (A, B, the difference and the relative difference, each
// with its interval, and a verdict for a significant change), and a
// footnote saying how the intervals were drawn. A verdict is
// "regression" or "improvement" for a latency, throughput or error rate,
// "changed" for a token count, and empty for a change that is not
// significant.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	level := strconv.FormatFloat(c.Confidence*100, 'f', -1, 64) + "%"
	fmt.Fprintf(bw, "### llmtest compare: `%s` → `%s`\n\n", mdCode(c.A.Name), mdCode(c.B.Name))
	fmt.Fprintf(bw, "A: %s · B: %s\n\n", runLine(c.A), runLine(c.B))
	fmt.Fprintf(bw, "| statistic | A | B | Δ | Δ %s CI | Δ%% | Δ%% %s CI | verdict |\n", level, level)
	bw.WriteString("|---|--:|--:|--:|---|--:|---|---|\n")
	var notes []string
	few := false
	for i := range c.Deltas {
		d := &c.Deltas[i]
		rel, relCI := "n/a", "n/a"
		if d.Relative != nil {
			rel = percentText(d.Relative.Estimate)
			relCI = "[" + percentText(d.Relative.Low) + ", " + percentText(d.Relative.High) + "]"
		}
		ci := "[" + diffText(d.Diff.Low, d.Unit) + ", " + diffText(d.Diff.High, d.Unit) + "]"
		if d.Note != "" {
			ci, relCI = "n/a", "n/a"
			notes = append(notes, fmt.Sprintf("%s: %s.", d.Statistic, d.Note))
		}
		stat := d.Statistic
		if d.FewSamples {
			stat += " †"
			few = true
		}
		if d.Unit != reporters.UnitSeconds && d.Unit != reporters.UnitTokens && d.Unit != "ratio" {
			stat += " (" + d.Unit + ")" // the numbers go without it
		}
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", stat,
			formatValue(d.A, d.Unit, false), formatValue(d.B, d.Unit, false),
			diffText(d.Diff.Estimate, d.Unit), ci, rel, relCI, verdict(d))
	}
	fmt.Fprintf(bw, "\nΔ = B − A, with %s bootstrap confidence intervals (%d resamples, seed %d); "+
		"a change is significant when its interval excludes 0. "+
		"Percentiles resample the requests (or, without them, the histograms), throughputs "+
		"blocks of one-second windows, error rates the requests' outcomes.\n",
		level, c.Resamples, c.Seed)
	if few {
		bw.WriteString("\n† Fewer samples than the percentile needs (⌈5/(1−p/100)⌉: 10 for p50, 50 for p90, 500 for p99): " +
			"it rests on fewer than five values, and its interval is narrower than the truth.\n")
	}
	for _, n := range notes {
		fmt.Fprintf(bw, "\n%s\n", n)
	}
	return bw.Flush()
}

// runLine describes a run for the heading's second line.
func runLine(r CompareRun) string {
	s := fmt.Sprintf("%d requests, %d failed", r.Requests, r.Failed)
	if r.Path != "" {
		return "`" + mdCode(r.Path) + "` (" + s + ")"
	}
	return s
}

// mdCode makes s safe inside a Markdown code span.
func mdCode(s string) string { return strings.ReplaceAll(s, "`", "'") }

// verdict returns the verdict of d's row.
func verdict(d *Delta) string {
	if !d.Significant {
		return ""
	}
	if d.Unit == "tokens" {
		return "changed"
	}
	if (d.Diff.Estimate > 0) == d.HigherIsBetter() {
		return "improvement"
	}
	return "**regression**"
}

// diffText formats a difference in unit; a difference of ratios is in
// percentage points.
func diffText(v float64, unit string) string {
	if unit == "ratio" {
		sign := ""
		if v >= 0 {
			sign = "+"
		}
		return sign + strconv.FormatFloat(v*100, 'f', 2, 64) + " pp"
	}
	return formatValue(v, unit, true)
}

// percentText formats a relative difference as a signed percentage.
func percentText(v float64) string {
	sign := ""
	if v >= 0 {
		sign = "+"
	}
	return sign + strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}
