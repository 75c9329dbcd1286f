package reporters

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// scrub returns s with every byte sequence that is not valid UTF-8, and
// every character that XML 1.0 forbids (the C0 controls other than tab,
// line feed and carriage return, U+FFFE and U+FFFF), replaced by U+FFFD.
// Every reporter passes text from a Run through it, so that no output
// carries a NUL, a terminal escape or a broken byte sequence.
func scrub(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !allowedRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !allowedRune(r) {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// allowedRune reports whether r is in XML 1.0's Char production.
func allowedRune(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r':
		return true
	case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= utf8.MaxRune:
		return true
	}
	return false
}

// oneLine returns scrub(s) with every run of white space, line breaks
// included, collapsed to one space and the ends trimmed.
func oneLine(s string) string { return strings.Join(strings.Fields(scrub(s)), " ") }

// formatSeconds renders a duration given in seconds for people, with three
// significant digits (trailing zeros dropped) and the largest unit that
// keeps the value at or above 1: "912ms", "1.23s", "20ms", "45.6µs",
// "754ns". Long durations stay in seconds ("1234s").
func formatSeconds(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return strconv.FormatFloat(s, 'f', -1, 64)
	}
	ns := s * 1e9
	if ns == 0 {
		return "0s"
	}
	// Pick the unit from the value rounded to what is shown, so that
	// 999.96ms shows as "1.00s", not "1000ms".
	shown := math.Abs(roundSignificant(ns, 3))
	var v float64
	var unit string
	switch {
	case shown >= 1e9:
		v, unit = s, "s"
	case shown >= 1e6:
		v, unit = ns/1e6, "ms"
	case shown >= 1e3:
		v, unit = ns/1e3, "µs"
	default:
		v, unit = ns, "ns"
	}
	prec := 0
	switch a := math.Abs(roundSignificant(v, 3)); {
	case a < 10:
		prec = 2
	case a < 100:
		prec = 1
	}
	return trimDecimals(strconv.FormatFloat(v, 'f', prec, 64)) + unit
}

// roundSignificant rounds x to n significant decimal digits.
func roundSignificant(x float64, n int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	// Scale by exact powers of ten (10^k is exact for k ≤ 22), multiplying
	// or dividing so that no inexact 10^-k enters the result.
	p := n - int(math.Ceil(math.Log10(math.Abs(x))))
	if p >= 0 {
		scale := math.Pow(10, float64(p))
		return math.Round(x*scale) / scale
	}
	scale := math.Pow(10, float64(-p))
	return math.Round(x/scale) * scale
}

// formatConfigSeconds renders a configured length in seconds the way Go
// writes a time.Duration ("1m0s", "30s").
func formatConfigSeconds(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return strconv.FormatFloat(s, 'f', -1, 64)
	}
	return time.Duration(math.Round(s * 1e9)).String()
}

// formatPercent renders a ratio (0..1) as a percentage with at most two
// decimals: "0.75%", "12.5%", "0%".
func formatPercent(ratio float64) string {
	return trimDecimals(strconv.FormatFloat(ratio*100, 'f', 2, 64)) + "%"
}

// formatFixed1 renders v with one decimal: "461.5".
func formatFixed1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// formatTokens renders a token figure: whole numbers without decimals,
// others with one ("512", "98.5").
func formatTokens(v float64) string {
	return trimDecimals(strconv.FormatFloat(v, 'f', 1, 64))
}

// trimDecimals drops trailing zeros after a decimal point, and the point
// itself when nothing follows it.
func trimDecimals(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// formatPlain renders v for machines: the shortest decimal that reads back
// as v, without an exponent for ordinary magnitudes ("0.412", "400",
// "1e-09").
func formatPlain(v float64) string {
	if a := math.Abs(v); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// formatValue renders a check's observed or limit value in its unit (see
// [Check.Unit]) for people.
func formatValue(v float64, unit string) string {
	switch unit {
	case "s":
		return formatSeconds(v)
	case "ratio":
		return formatPercent(v)
	case "":
		return formatPlain(v)
	}
	return formatPlain(v) + " " + unit
}

// checkLine returns the check's one stable line: its Message, or, when a
// producer left that empty, a line built the same way from its fields.
func checkLine(c Check) string {
	if c.Message != "" {
		return c.Message
	}
	stat := c.Statistic
	if stat == "" {
		stat = c.Expression
	}
	return fmt.Sprintf("%s = %s, want %s %s (n=%d)",
		stat, formatValue(c.Observed, c.Unit), c.Op, formatValue(c.Limit, c.Unit), c.Samples)
}

// checkLabel names the i-th check (from 0) of a run in one line: its
// expression, or "check <i+1>" when that is empty.
func checkLabel(c Check, i int) string {
	if s := oneLine(c.Expression); s != "" {
		return s
	}
	return fmt.Sprintf("check %d", i+1)
}

// endpointLabel names the run's endpoint in one line: provider, model and
// endpoint name, or the URL when those are all empty.
func endpointLabel(e Endpoint) string {
	var parts []string
	for _, s := range []string{e.Provider, e.Model, e.Name} {
		if s = oneLine(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		if u := oneLine(e.URL); u != "" {
			return u
		}
		return "unnamed endpoint"
	}
	return strings.Join(parts, " ")
}

// loadShape describes the run's load shape: "8 clients × 50 requests" or
// "8 clients for 1m0s".
func loadShape(c Config) string {
	if c.Rate > 0 || c.Arrival != "" { // an open loop has an arrival process
		return openLoopShape(c)
	}
	if len(c.Stages) > 0 {
		return fmt.Sprintf("up to %s in %s", plural(c.Clients, "client", "clients"), stagesText(c.Stages, ""))
	}
	clients := plural(c.Clients, "client", "clients")
	switch {
	case c.Duration > 0:
		return fmt.Sprintf("%s for %s", clients, formatConfigSeconds(c.Duration))
	case c.Requests > 0:
		return fmt.Sprintf("%s × %s", clients, plural(c.Requests, "request", "requests"))
	}
	return clients
}

// openLoopShape describes an open loop: "50 req/s constant for 1m0s
// (max 256 in flight)" or "poisson 0→100 req/s over 30s, 100 req/s over
// 1m0s".
func openLoopShape(c Config) string {
	shape := c.Arrival
	if shape == "" {
		shape = "open loop"
	}
	switch {
	case len(c.Stages) > 0:
		shape += " " + stagesText(c.Stages, " req/s")
		if c.Rate > 0 {
			shape += " from " + formatPlain(c.Rate) + " req/s"
		}
	default:
		shape += " " + formatPlain(c.Rate) + " req/s"
		switch {
		case c.Duration > 0:
			shape += " for " + formatConfigSeconds(c.Duration)
		case c.Requests > 0:
			shape += ", " + plural(c.Requests, "request", "requests")
		}
	}
	if c.MaxInFlight > 0 {
		shape += fmt.Sprintf(" (max %d in flight)", c.MaxInFlight)
	}
	return shape
}

// stagesText describes stages: "→100 req/s over 30s, →0 req/s over 10s".
func stagesText(stages []Stage, unit string) string {
	parts := make([]string, len(stages))
	for i, s := range stages {
		parts[i] = "→" + formatPlain(s.Target) + unit + " over " + formatConfigSeconds(s.Duration)
	}
	return "stages " + strings.Join(parts, ", ")
}

// plural returns "1 request" or "2 requests".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// accounting returns the run's request accounting in one line:
// "400 requests, 3 failed (0.75%) in 52.1s".
func accounting(run *Run) string {
	cancelled := ""
	if n := run.Counts.Cancelled; n > 0 {
		cancelled = fmt.Sprintf(", %d cancelled", n)
	}
	if n := run.Counts.Dropped; n > 0 {
		cancelled += fmt.Sprintf(", %d dropped", n)
	}
	if n := run.Counts.Warmup; n > 0 {
		cancelled += fmt.Sprintf(", %d warm-up excluded", n)
	}
	return fmt.Sprintf("%s, %d failed (%s)%s in %s",
		plural(run.Counts.Total, "request", "requests"), run.Counts.Failed, formatPercent(run.FailedRequestsRate()),
		cancelled, formatSeconds(runSeconds(run)))
}

// throughput returns the run's throughput in one line, "461.5
// requests/min, 1234.5 output tokens/s", or "" when the run has no test
// time to measure it over.
func throughput(run *Run, reqUnit string) string {
	if !(run.TestTime > 0) {
		return ""
	}
	return formatFixed1(run.RequestsPerMinute()) + " " + reqUnit + ", " +
		formatFixed1(run.OutputTokensPerSecond()) + " output tokens/s"
}

// expectedRequests returns how many requests a counted run sends in all,
// 0 for a timed run or an unknown shape.
func expectedRequests(c Config) int {
	if c.Duration > 0 || c.Requests <= 0 || c.Clients <= 0 {
		return 0
	}
	return c.Requests * c.Clients
}

// allFailedLine describes a run in which every request failed.
func allFailedLine(run *Run) string {
	failed := run.Counts.Failed
	return fmt.Sprintf("every request failed: %d of %s", failed, plural(failed, "request", "requests"))
}

// interruptedLine describes an interrupted run in one stable line.
func interruptedLine(run *Run) string {
	total := run.Counts.Total
	elapsed := formatSeconds(runSeconds(run))
	if want := expectedRequests(run.Config); want > 0 {
		return fmt.Sprintf("run interrupted: %d of %d requests sent in %s", total, want, elapsed)
	}
	if run.Config.Duration > 0 {
		return fmt.Sprintf("run interrupted after %s of %s: %s sent",
			elapsed, formatConfigSeconds(run.Config.Duration), plural(total, "request", "requests"))
	}
	return fmt.Sprintf("run interrupted after %s: %s sent", elapsed, plural(total, "request", "requests"))
}
