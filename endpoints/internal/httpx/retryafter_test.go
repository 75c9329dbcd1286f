package httpx

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	future := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		ms, after string
		want      time.Duration
	}{
		{"", "", 0},
		{"", "0", 0},
		{"", "-3", 0},
		{"", "120", 2 * time.Minute},
		{"", " 1 ", time.Second},
		{"", "1.5", 0},
		{"", "soon", 0},
		{"", "Wed, 21 Oct 2015 07:28:00 GMT", 0},
		{"1500", "9", 1500 * time.Millisecond},
		{"0.5", "", 500 * time.Microsecond},
		{"-1", "2", 2 * time.Second},
		{"x", "", 0},
	} {
		h := http.Header{}
		if tc.ms != "" {
			h.Set("Retry-After-Ms", tc.ms)
		}
		if tc.after != "" {
			h.Set("Retry-After", tc.after)
		}
		if got := RetryAfter(h); got != tc.want {
			t.Errorf("Retry-After-Ms %q, Retry-After %q: got %v, want %v", tc.ms, tc.after, got, tc.want)
		}
	}
	h := http.Header{"Retry-After": {future}}
	if got := RetryAfter(h); got < 85*time.Second || got > 91*time.Second {
		t.Errorf("Retry-After %q: got %v, want about 90s", future, got)
	}
}
