package main

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// screen is the little of a terminal that the progress bars use: text,
// carriage return, line feed, cursor up (CSI n A) and erase below (CSI J)
// or in line (CSI K). Other escape sequences are skipped.
type screen struct {
	lines    []string
	row, col int
}

func (s *screen) write(b []byte) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\r':
			s.col = 0
		case c == '\n':
			s.row++
			s.col = 0
		case c == 0x1b && i+1 < len(b) && b[i+1] == '[':
			j := i + 2
			for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == ';' || b[j] == '?') {
				j++
			}
			if j == len(b) {
				return // a sequence cut between reads is dropped
			}
			n, err := strconv.Atoi(string(b[i+2 : j]))
			if err != nil {
				n = 1
			}
			switch b[j] {
			case 'A':
				s.row = max(s.row-n, 0)
			case 'J':
				s.grow()
				s.lines[s.row] = s.lines[s.row][:min(s.col, len(s.lines[s.row]))]
				s.lines = s.lines[:s.row+1]
			case 'K':
				s.grow()
				s.lines[s.row] = s.lines[s.row][:min(s.col, len(s.lines[s.row]))]
			}
			i = j
		default:
			s.grow()
			line := []rune(s.lines[s.row])
			for len(line) < s.col {
				line = append(line, ' ')
			}
			r, size := rune(c), 1
			if c >= 0x80 {
				r, size = decodeRune(b[i:])
			}
			if s.col < len(line) {
				line[s.col] = r
			} else {
				line = append(line, r)
			}
			s.lines[s.row] = string(line)
			s.col++
			i += size - 1
		}
	}
}

func decodeRune(b []byte) (rune, int) {
	r := []rune(string(b[:min(len(b), 4)]))
	if len(r) == 0 {
		return '?', 1
	}
	return r[0], len(string(r[0]))
}

func (s *screen) grow() {
	for len(s.lines) <= s.row {
		s.lines = append(s.lines, "")
	}
}

func (s *screen) text() string { return strings.Join(s.lines, "\n") }

// TestProgressInATerminal runs the command in a pseudo-terminal for a
// timed run and reads the screen as a terminal shows it: the bar and the
// live statistics appear and change while the run goes, the drain of the
// requests in flight after the duration has its bar, and when the run
// ends they are gone, leaving the summary. Each request takes about a
// second, so each client's last one is in flight when the 3 s are over.
func TestProgressInATerminal(t *testing.T) {
	bin := buildCommand(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--clients", "2", "--duration", "3s",
		"--sim-ttft", "300ms", "--sim-itl", "10ms", "--max-tokens", "64")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 160})
	require.NoError(t, err)
	defer tty.Close()

	var (
		scr    screen
		states []string // the screen after each read
	)
	buf := make([]byte, 4096)
	for {
		n, err := tty.Read(buf)
		scr.write(buf[:n])
		states = append(states, scr.text())
		if err != nil {
			break // EIO once the command has exited
		}
	}
	require.NoError(t, cmd.Wait())

	bar := regexp.MustCompile(`elapsed .*\d+(\.\d+)?m?s/3s +\d+ % +\d+ in flight, \d+ failed`)
	var bars []string
	sawStats, sawDrain := false, false
	drain := regexp.MustCompile(`(?m)^draining +\[[=>-]+\] +\d/[12]$`)
	for _, st := range states {
		if drain.MatchString(st) {
			sawDrain = true
			assert.Contains(t, st, "3s/3s 100 %", "the elapsed bar stays, full, above the drain")
		}
		if m := bar.FindString(st); m != "" && (len(bars) == 0 || bars[len(bars)-1] != m) {
			bars = append(bars, m)
		}
		// LLMeter's groups, each on its own line under the bar.
		sawStats = sawStats || (statRow(st, "throughput", "rpm=", "output_tps=", "p50_tps=") &&
			statRow(st, "ttft", "p50_ttft=", "p90_ttft=") && statRow(st, "ttlt", "p50_ttlt=", "p90_ttlt=") &&
			statRow(st, "tokens", "input_tokens=", "output_tokens=") && statRow(st, "errors", "fail=0"))
	}
	assert.GreaterOrEqual(t, len(bars), 3, "the bar is drawn and updated: %q", bars)
	assert.True(t, sawStats, "the live statistics are drawn: %q", states[len(states)/2])
	assert.True(t, sawDrain, "the drain is drawn")

	final := scr.text()
	assert.Contains(t, final, "2 clients for 3s:", "the summary is printed")
	assert.Contains(t, final, "time_to_first_token")
	for _, gone := range []string{"elapsed", "rpm=", "p50_ttft=", "draining", "in flight"} {
		assert.NotContains(t, final, gone, "the progress is cleaned up when the run ends")
	}
}

// TestBarShowsSaturation pins the bar's decoration: "generator
// saturated" after the requests in flight while the self-check says so.
func TestBarShowsSaturation(t *testing.T) {
	var b barProgress
	assert.Empty(t, b.inFlight(decor.Statistics{}))
	s := &llmtest.ProgressSnapshot{InFlight: 3, Failed: 1, Generator: &reporters.Generator{Samples: 2}}
	b.last.Store(s)
	assert.Equal(t, "3 in flight, 1 failed", b.inFlight(decor.Statistics{}))
	s.Generator.Saturated = true
	assert.Equal(t, "3 in flight, 1 failed, generator saturated", b.inFlight(decor.Statistics{}))
}

// statRow reports whether the screen has a line "  <group>  <stat>=…"
// holding the stats, in order, and nothing else of the block.
func statRow(scr, group string, stats ...string) bool {
	pattern := `(?m)^  ` + group + ` +`
	for _, st := range stats {
		pattern += regexp.QuoteMeta(st) + `[^ =]*( tok/s)? *`
	}
	return regexp.MustCompile(pattern + `$`).MatchString(scr)
}

// TestProgressThroughAPipe checks the plain lines a CI log gets: one per
// --progress-interval, no carriage return and no escape code.
func TestProgressThroughAPipe(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"run", "--clients", "2", "--duration", "2500ms", "--progress-interval", "1s",
		"--sim-ttft", "20ms", "--sim-itl", "2ms", "--max-tokens", "16"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	var lines []string
	for l := range strings.Lines(stderr.String()) {
		if strings.HasPrefix(l, "llmtest run: ") {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 2, stderr.String())
	// On a loaded machine the generator may be saturated; the line says so.
	assert.Regexp(t, `^llmtest run: 1\.\d+s of 2\.5s: \d+ done, \d+ in flight, 0 failed(, generator saturated)? \| rpm=\d`, lines[0])
	t.Log(regexp.MustCompile(`(?m)^load generator: .*$`).FindString(stdout.String()))
	assert.Regexp(t, `^llmtest run: 2\.\d+s of 2\.5s: `, lines[1])
	assert.NotContains(t, stderr.String(), "\r")
	assert.NotContains(t, stderr.String(), "\x1b")
	assert.Contains(t, stdout.String(), "2 clients for 2.5s:")
	assert.Regexp(t, `(?m)^load generator: (healthy \(cpu |saturated: )`, stdout.String(), "the summary has the self-check's verdict")

	// --progress off prints none, and "" asks for no statistics.
	for _, args := range [][]string{{"--progress", "off"}, {"--progress-stats", ""}} {
		stdout.Reset()
		stderr.Reset()
		code = run(t.Context(), append([]string{"run", "--clients", "1", "--duration", "1200ms", "--progress-interval", "500ms",
			"--sim-ttft", "10ms", "--sim-itl", "1ms", "--max-tokens", "8"}, args...), &stdout, &stderr)
		require.Equal(t, exitOK, code, stderr.String())
		if args[1] == "off" {
			assert.NotContains(t, stderr.String(), " done, ", args)
		} else {
			assert.Regexp(t, `(?m)^llmtest run: .* done, \d+ in flight, 0 failed$`, stderr.String(), args)
		}
	}
}

func TestProgressFlagErrors(t *testing.T) {
	for args, want := range map[string]string{
		"--progress blinking":               `--progress: unknown mode "blinking" (want auto, bar, lines or off)`,
		"--progress-interval 0s":            "--progress-interval must be positive, got 0s",
		"--progress-stats rpm=requests":     `--progress-stats: entry "rpm=requests": unknown stat key "requests"; valid keys: total_requests,`,
		"--progress-stats =failed_requests": `--progress-stats: entry "=failed_requests": empty label`,
	} {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), append([]string{"run"}, strings.Fields(args)...), &stdout, &stderr)
		assert.Equal(t, exitUsage, code, args)
		assert.Contains(t, stderr.String(), want, args)
		assert.NotContains(t, stderr.String(), "testing the built-in simulator", "nothing started: %s", args)
	}
}
