package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

// TestRunMeasuresBothModes pins what a small run reports: every request
// completed, one resident-set sample per -every requests, a peak at least
// as large as any sample, the response text kept only by the default
// mode, and the line's fields.
func TestRunMeasuresBothModes(t *testing.T) {
	for _, low := range []bool{false, true} {
		r, err := run(800, 4, 200, low, "zero")
		require.NoError(t, err)
		assert.Equal(t, 800, r.requests)
		require.Len(t, r.rss, 4)
		for _, v := range r.rss {
			assert.Positive(t, v)
			assert.LessOrEqual(t, v, r.peakRSS)
		}
		assert.Positive(t, r.end)
		assert.GreaterOrEqual(t, r.run, r.end)
		if low {
			assert.Equal(t, "low-memory", r.mode)
			assert.Zero(t, r.text, "a low-memory result keeps no text")
		} else {
			assert.Equal(t, "default", r.mode)
			assert.Positive(t, r.text)
		}
		line := r.String()
		for _, key := range []string{"mode=", "latency=zero ", "requests=800 ", "peak_rss_mib=", "rss_mib=", "heap_mib=", "text_mib=", "bytes_per_req=", "end_ms=", "run_s=", "itl_crowd="} {
			assert.Contains(t, line, key)
		}
		assert.Equal(t, 4, len(strings.Split(strings.Fields(line)[4], ",")), "four samples in %q", line)
	}
}

// TestRunWithLatencies pins that -latency sets the simulator's
// latencies: 8 clients each sending 10 requests of 1ms to the first token
// and 31 gaps of about 40µs take at least 10 × 2.2ms.
func TestRunWithLatencies(t *testing.T) {
	for _, latency := range []string{"narrow", "wide"} {
		r, err := run(80, 8, 40, false, latency)
		require.NoError(t, err)
		assert.Equal(t, 80, r.requests)
		assert.GreaterOrEqual(t, r.run, 10*2200*time.Microsecond, latency)
		assert.Contains(t, r.String(), "latency="+latency+" ")
		assert.Greater(t, r.crowd, 0.0, "some gap in the median's bucket")
		assert.LessOrEqual(t, r.crowd, 1.0)
	}
}

// TestMedianCrowd pins the crowding measure: all samples in one bucket
// give 1, samples one per bucket give 1/n, none give 0.
func TestMedianCrowd(t *testing.T) {
	one, spread := reporters.NewHistogram(), reporters.NewHistogram()
	for i := range int64(10) {
		one.Record(40e6)
		spread.Record(1 << (20 + i))
	}
	assert.Equal(t, 1.0, medianCrowd(&reporters.Metric{Histogram: one}))
	assert.Equal(t, 0.1, medianCrowd(&reporters.Metric{Histogram: spread}))
	assert.Zero(t, medianCrowd(&reporters.Metric{Histogram: reporters.NewHistogram()}))
	assert.Zero(t, medianCrowd(nil))
}

func TestRunRefusesBadCounts(t *testing.T) {
	_, err := run(10, 4, 5, false, "zero")
	assert.EqualError(t, err, "-n (10) must be a positive multiple of -clients (4), -every (5) positive")
	_, err = run(8, 4, 0, false, "zero")
	assert.Error(t, err)
	_, err = run(8, 4, 4, false, "slow")
	assert.EqualError(t, err, `-latency: unknown profile "slow" (want zero, narrow or wide)`)
}

func TestProcStatus(t *testing.T) {
	assert.Positive(t, procStatus("VmHWM"))
	assert.Zero(t, procStatus("NoSuchField"))
}
