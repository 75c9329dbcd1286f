package reporters

import (
	"math"
	"testing"
)

func TestFormatSeconds(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0.912, "912ms"}, {1.234, "1.23s"}, {45.6e-6, "45.6µs"}, {0.02, "20ms"}, {1, "1s"},
		{0.99999, "1s"}, {0.0099996, "10ms"}, {754e-9, "754ns"}, {1234.6, "1235s"}, {0, "0s"},
		{-0.5, "-500ms"}, {52.104, "52.1s"}, {0.0000456, "45.6µs"}, {math.NaN(), "NaN"}, {math.Inf(1), "+Inf"},
	} {
		if got := formatSeconds(tt.in); got != tt.want {
			t.Errorf("formatSeconds(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		unit string
		want string
	}{
		{0.0075, "ratio", "0.75%"}, {0.01, "ratio", "1%"}, {0.125, "ratio", "12.5%"},
		{0.8, "s", "800ms"}, {1234.5, "tokens/s", "1234.5 tokens/s"}, {400, "", "400"}, {1e-9, "", "1e-09"},
	} {
		if got := formatValue(tt.v, tt.unit); got != tt.want {
			t.Errorf("formatValue(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		"plain é ✓":          "plain é ✓",
		"tab\tnl\ncr\r":      "tab\tnl\ncr\r",
		"nul\x00esc\x1b[0m":  "nul\uFFFDesc\uFFFD[0m",
		"bad\xff\xfe":        "bad\uFFFD\uFFFD",
		"\uFFFE\uFFFF\uFFFD": "\uFFFD\uFFFD\uFFFD",
		"del\x7f":            "del\x7f", // allowed by XML 1.0
	} {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRoundSignificant(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{
		{1234567, 1234570}, {7.6769533, 7.67695}, {0.000123456789, 0.000123457}, {-98765432, -98765400},
	} {
		if got := roundSignificant(tt.in, 6); got != tt.want {
			t.Errorf("roundSignificant(%v, 6) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestLoadShapeOfOpenLoopsAndStages(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{Clients: 8, Requests: 50}, "8 clients × 50 requests"},
		{Config{Rate: 50, Arrival: "poisson", Duration: 60, MaxInFlight: 256}, "poisson 50 req/s for 1m0s (max 256 in flight)"},
		{Config{Rate: 5, Arrival: "constant", Requests: 30, MaxInFlight: 1024}, "constant 5 req/s, 30 requests (max 1024 in flight)"},
		{Config{Arrival: "constant", Stages: []Stage{{30, 100}, {10, 0}}, MaxInFlight: 8},
			"constant stages →100 req/s over 30s, →0 req/s over 10s (max 8 in flight)"},
		{Config{Clients: 4, Stages: []Stage{{30, 4}}}, "up to 4 clients in stages →4 over 30s"},
	} {
		if got := loadShape(tc.c); got != tc.want {
			t.Errorf("loadShape(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
	run := &Run{Counts: Counts{Total: 10, Dropped: 3, Warmup: 2}, TestTime: 1}
	if got, want := accounting(run), "10 requests, 0 failed (0%), 3 dropped, 2 warm-up excluded in 1s"; got != want {
		t.Errorf("accounting = %q, want %q", got, want)
	}
}
