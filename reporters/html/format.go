package html

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// seconds renders a duration in seconds with three significant digits in
// the unit that suits it: "812ms", "1.23s", "45.6µs"; "–" when it is not a
// finite number.
func seconds(s float64) string {
	if !finite(s) {
		return "–"
	}
	if s == 0 {
		return "0s"
	}
	a := math.Abs(s)
	switch {
	case a >= 0.9995:
		return sig3(s) + "s"
	case a >= 0.9995e-3:
		return sig3(s*1e3) + "ms"
	case a >= 0.9995e-6:
		return sig3(s*1e6) + "µs"
	}
	return sig3(s*1e9) + "ns"
}

// sig3 renders v with three significant digits, without trailing zeros
// after the point.
func sig3(v float64) string {
	if !finite(v) {
		return "–"
	}
	a := math.Abs(v)
	prec := 0
	switch {
	case a < 10:
		prec = 2
	case a < 100:
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// percent renders a share (0..1) as a percentage: "1.25%".
func percent(v float64) string {
	if !finite(v) {
		return "–"
	}
	return sig3(v*100) + "%"
}

// value renders a figure in a check's unit.
func value(v float64, unit string) string {
	switch unit {
	case "s":
		return seconds(v)
	case "ratio":
		return percent(v)
	case "":
		return sig3(v)
	}
	return sig3(v) + " " + unit
}

// instant renders a time in UTC, to the millisecond; "–" for the zero
// time.
func instant(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000 UTC")
}

// count renders an integer.
func count(n int) string { return strconv.Itoa(n) }

// rate renders a throughput with its unit.
func rate(v float64, unit string) string { return fmt.Sprintf("%s %s", sig3(v), unit) }

// clean returns s as text fit for the page: each invalid UTF-8 sequence
// and each control character but tab, line feed and carriage return
// (a NUL, a terminal escape) replaced by U+FFFD. It is for strings from
// outside llmtest, such as a server's warnings.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r == 0xfffe || r == 0xffff {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}
