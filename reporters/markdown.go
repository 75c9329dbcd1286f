package reporters

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

var _ Reporter = (*Markdown)(nil)

// Markdown writes a compact GitHub-flavoured Markdown summary of a run, fit
// for $GITHUB_STEP_SUMMARY: a heading with the run name and a pass/fail
// mark; one line with the endpoint, load shape, request accounting and
// throughput; one with the verdict of the load generator's self-check,
// when the run has one (marked ⚠️ when saturated; it does not change the
// mark); a table of latency and token figures (avg, p50, p90, p99, max,
// n), noting when its percentiles come from histograms; and a table of
// the SLO checks.
// Durations are shown for people ("912ms", "1.23s", "45.6µs"). A run
// passes when every check passed and it was not interrupted.
type Markdown struct {
	w io.Writer
}

// NewMarkdown returns a Markdown reporter writing to w.
func NewMarkdown(w io.Writer) *Markdown { return &Markdown{w: w} }

// markdownRows are the rows of the metrics table, in order.
var markdownRows = []struct {
	label, metric string
	duration      bool
}{
	{"ttft", metricTTFT, true},
	{"tpot", metricTPOT, true},
	{"itl", metricITL, true},
	{"e2e (ttlt)", metricTTLT, true},
	{"input tokens", metricInputTokens, false},
	{"output tokens", metricOutputTokens, false},
	// An open loop's (a closed loop's model has none of them).
	{"ttft from intended", "time_to_first_token-from-intended", true},
	{"e2e from intended", "time_to_last_token-from-intended", true},
	{"schedule lag", "schedule_lag", true},
}

// markdownColumns are the aggregates of the metrics table, in order.
var markdownColumns = []struct{ label, aggregate string }{
	{"avg", "average"}, {"p50", "p50"}, {"p90", "p90"}, {"p99", "p99"}, {"max", "max"},
}

// Write writes the summary of run, ending with a blank line so that
// summaries of several runs can follow one another.
func (m *Markdown) Write(run *Run) error {
	if run == nil {
		return fmt.Errorf("reporters: Markdown: %w", ErrNilRun)
	}
	var b strings.Builder
	name := oneLine(run.Name)
	if name == "" {
		name = "unnamed run"
	}
	mark := "✅"
	if runFailed(run) {
		mark = "❌"
	}
	var verdict []string
	if run.AllFailed() {
		verdict = append(verdict, "every request failed")
	}
	if run.Interrupted {
		verdict = append(verdict, "interrupted")
	}
	checks := plural(len(run.Checks), "check", "checks")
	switch failed := len(run.Failures()); {
	case len(run.Checks) == 0:
		if len(verdict) == 0 {
			verdict = append(verdict, "no checks")
		}
	case failed > 0:
		verdict = append(verdict, fmt.Sprintf("%d of %s failed", failed, checks))
	default:
		verdict = append(verdict, checks+" passed")
	}
	fmt.Fprintf(&b, "### %s %s: %s\n\n", mark, mdText(name), strings.Join(verdict, "; "))
	if run.TestName != "" {
		fmt.Fprintf(&b, "Test %s\n\n", mdCode(run.TestName, false))
	}

	parts := []string{
		mdCode(endpointLabel(run.Endpoint), false),
		mdText(loadShape(run.Config)),
		mdText(accounting(run)),
	}
	if t := throughput(run, "req/min"); t != "" {
		parts = append(parts, mdText(t))
	}
	if run.Interrupted {
		parts = append(parts, "⚠️ interrupted before its load shape completed")
	}
	b.WriteString(strings.Join(parts, " · "))
	b.WriteString("\n\n")
	if g := run.Generator; g != nil {
		if g.Saturated {
			b.WriteString("⚠️ ")
		}
		b.WriteString(mdText("Load generator: " + g.String()))
		b.WriteString("\n\n")
	}

	writeMetricsTable(&b, run)
	writeTurnsTable(&b, run)
	writeServerMetrics(&b, run)
	writeChecksTable(&b, run)
	_, err := io.WriteString(m.w, b.String())
	return err
}

func writeMetricsTable(b *strings.Builder, run *Run) {
	var rows [][]string
	for _, row := range markdownRows {
		m := run.Metric(row.metric)
		if m == nil || m.N == 0 {
			continue
		}
		cells := []string{row.label}
		for _, col := range markdownColumns {
			v, ok := aggregate(run, row.metric, col.aggregate)
			switch {
			case !ok:
				cells = append(cells, "–")
			case row.duration:
				cells = append(cells, formatSeconds(v))
			default:
				cells = append(cells, formatTokens(v))
			}
		}
		rows = append(rows, append(cells, strconv.Itoa(m.N)))
	}
	if len(rows) == 0 {
		return
	}
	head := []string{"metric"}
	align := []string{"---"}
	for _, col := range markdownColumns {
		head = append(head, col.label)
		align = append(align, "---:")
	}
	writeRow(b, append(head, "n"))
	writeRow(b, append(align, "---:"))
	for _, cells := range rows {
		writeRow(b, cells)
	}
	if !exact(run) {
		fmt.Fprintf(b, "\nPercentiles from histograms, within %s.\n", formatPercent(run.RelativeError))
	}
	b.WriteByte('\n')
}

// writeTurnsTable writes the per-turn figures of a run of conversations:
// how latency grows with the context.
func writeTurnsTable(b *strings.Builder, run *Run) {
	if len(run.Turns) == 0 {
		return
	}
	writeRow(b, []string{"turn", "input tokens", "ttft p50", "ttft p90", "ttlt p50", "ttlt p90", "failed", "n"})
	writeRow(b, []string{"---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"})
	for i := range run.Turns {
		t := &run.Turns[i]
		cells := []string{strconv.Itoa(t.Turn)}
		if m := t.Metric("num_tokens_input"); m != nil && m.N > 0 {
			cells = append(cells, strconv.FormatFloat(m.Average, 'f', 1, 64))
		} else {
			cells = append(cells, "–")
		}
		for _, name := range []string{"time_to_first_token", "time_to_last_token"} {
			m := t.Metric(name)
			if m == nil || m.N == 0 {
				cells = append(cells, "–", "–")
				continue
			}
			cells = append(cells, formatSeconds(m.P50), formatSeconds(m.P90))
		}
		writeRow(b, append(cells, strconv.Itoa(t.Failed), strconv.Itoa(t.Requests)))
	}
	fmt.Fprintf(b, "\nPer turn of each conversation; input tokens are the mean, percentiles from histograms, within %s.\n\n", formatPercent(RelativeError))
}

func writeChecksTable(b *strings.Builder, run *Run) {
	if len(run.Checks) == 0 {
		b.WriteString("No SLO checks.\n\n")
		return
	}
	writeRow(b, []string{"", "check", "observed"})
	writeRow(b, []string{":-:", "---", "---"})
	for i, c := range run.Checks {
		mark := "✅"
		if !c.Pass {
			mark = "❌"
		}
		writeRow(b, []string{mark, mdCode(checkLabel(c, i), true), mdCell(checkLine(c))})
	}
	b.WriteByte('\n')
}

// writeRow writes one table row of cells that are already escaped.
func writeRow(b *strings.Builder, cells []string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" ")
		b.WriteString(c)
		b.WriteString(" |")
	}
	b.WriteString("\n")
}

// mdText returns s as inline Markdown text that renders as s on one line:
// scrubbed, line breaks as spaces, and syntax characters escaped with a
// backslash. "_" inside a word and "<" that cannot open a tag or an
// autolink (before a space, "=", a digit or the end) stay as they are, so
// that "error_rate < 1%" reads well in the raw file too.
func mdText(s string) string {
	s = oneLine(s)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '[', ']', '|', '&', '~', '#':
			b.WriteByte('\\')
		case '_':
			if i == 0 || i == len(s)-1 || !isAlnum(s[i-1]) || !isAlnum(s[i+1]) {
				b.WriteByte('\\')
			}
		case '<':
			if i+1 < len(s) && !strings.ContainsRune(" =0123456789", rune(s[i+1])) {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isAlnum reports whether c is an ASCII letter or digit.
func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// mdCell returns s as the text of a table cell: scrubbed, syntax
// characters (the cell separator "|" among them) escaped, and line breaks
// as <br>.
func mdCell(s string) string {
	lines := strings.Split(strings.ReplaceAll(scrub(s), "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = mdText(strings.ReplaceAll(l, "\r", " "))
	}
	return strings.Join(lines, "<br>")
}

// mdCode returns s on one line as an inline code span whose fence is
// longer than any run of backticks in s. In a table cell (inTable), "|" is
// escaped, which GFM tables require even inside code.
func mdCode(s string, inTable bool) string {
	s = oneLine(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	return fence + s + fence
}
