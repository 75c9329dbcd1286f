package httpx

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfter reads the delay an error response asks for, for
// [endpoints.StatusError.RetryAfter]: the Retry-After-Ms header that OpenAI, Azure
// OpenAI and Anthropic send, in milliseconds, else Retry-After in whole
// seconds or as an HTTP date (RFC 9110, section 10.2.3). It is zero when
// there is none, it cannot be read, or it is in the past.
func RetryAfter(h http.Header) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 || s > 1<<31 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}
