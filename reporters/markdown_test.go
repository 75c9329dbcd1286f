package reporters

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func markdown(t *testing.T, runs ...*Run) string {
	t.Helper()
	var buf bytes.Buffer
	m := NewMarkdown(&buf)
	for _, r := range runs {
		if err := m.Write(r); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	return buf.String()
}

func TestMarkdownGolden(t *testing.T) {
	golden(t, "report.md", []byte(markdown(t, sampleRun())))
	golden(t, "report_edge_cases.md", []byte(markdown(t, interruptedRun(), emptyRun(), nastyRun())))
}

func TestMarkdownHeading(t *testing.T) {
	passing := sampleRun()
	passing.Checks = passing.Checks[:1]
	tests := []struct {
		run  *Run
		want string
	}{
		{sampleRun(), "### ❌ chat-smoke: 1 of 4 checks failed\n"},
		{passing, "### ✅ chat-smoke: 1 check passed\n"},
		{interruptedRun(), "### ❌ chat-smoke-interrupted: interrupted; 1 check passed\n"},
		{emptyRun(), "### ❌ all-failed: every request failed\n"},
		{&Run{}, "### ✅ unnamed run: no checks\n"},
	}
	for _, tt := range tests {
		if got := markdown(t, tt.run); !strings.HasPrefix(got, tt.want) {
			t.Errorf("summary starts\n%q\nwant\n%q", firstLine(got), tt.want)
		}
	}
}

// TestMarkdownTables checks that every row of every table has as many
// cells as its header: a "|" or a line break that escaped would add cells
// or end the table.
func TestMarkdownTables(t *testing.T) {
	out := markdown(t, sampleRun(), interruptedRun(), emptyRun(), nastyRun())
	cols := -1
	for i, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = -1
			continue
		}
		n := cellCount(line)
		if cols < 0 {
			cols = n
			continue
		}
		if n != cols {
			t.Errorf("line %d has %d cells, its table %d: %q", i+1, n, cols, line)
		}
	}
	if !strings.Contains(out, `invalid �� utf-8, \<tag> \& "quote"<br>second \| line |`) {
		t.Errorf("escaped message cell not found in:\n%s", out)
	}
	if !strings.Contains(out, "| ``ttft p99 < 800ms \\| `x` ]]>`` |") {
		t.Errorf("expression code span not found in:\n%s", out)
	}
	if !strings.Contains(out, "| error_rate = 100%, want <= 0% (n=6) |") {
		t.Errorf("plain message cell escaped needlessly in:\n%s", out)
	}
	if strings.ContainsAny(out, "\x00\x1b") {
		t.Error("output holds NUL or ESC")
	}
}

// cellCount counts the cells of a table row: the "|" not escaped by a
// backslash, less one.
func cellCount(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

func TestMarkdownSampleCounts(t *testing.T) {
	with := markdown(t, sampleRun())
	if !strings.Contains(with, "| metric | avg | p50 | p90 | p99 | max | n |") ||
		!strings.Contains(with, "| itl | 22.9ms | 19.8ms | 30.1ms | 61.2ms | 310ms | 63915 |") {
		t.Errorf("metrics table with n:\n%s", with)
	}
	run := sampleRun()
	run.Metric("inter_token_latency").Exact = false
	approx := markdown(t, run)
	if !strings.Contains(approx, "Percentiles from histograms, within 0.1%.") {
		t.Errorf("metrics table of an approximate run:\n%s", approx)
	}
	if strings.Contains(with, "histograms") {
		t.Errorf("an exact run's table mentions histograms:\n%s", with)
	}
	run.Metrics[0].N = 0
	if noTTFT := markdown(t, run); strings.Contains(noTTFT, "| ttft |") {
		t.Errorf("a metric without samples has a row:\n%s", noTTFT)
	}
}

func TestMarkdownNilRun(t *testing.T) {
	if err := NewMarkdown(&bytes.Buffer{}).Write(nil); !errors.Is(err, ErrNilRun) {
		t.Errorf("Write(nil) = %v, want ErrNilRun", err)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestMDText(t *testing.T) {
	for in, want := range map[string]string{
		"error_rate < 1%":        "error_rate < 1%",
		"_lead and trail_":       `\_lead and trail\_`,
		"snake_case_name":        "snake_case_name",
		"a <b> c <=d <3 <":       `a \<b> c <=d <3 <`,
		"<https://x.test>":       `\<https://x.test>`,
		"*bold* [link](x) `c`":   "\\*bold\\* \\[link\\](x) \\`c\\`",
		"a|b & c \\ d ~e~ #1":    `a\|b \& c \\ d \~e\~ \#1`,
		"two\nlines\r\nand\ttab": "two lines and tab",
	} {
		if got := mdText(in); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}
}
