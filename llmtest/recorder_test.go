package llmtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestRecorderMetrics pins the definitions of the per-request metrics, as
// the recorder derives them from what it recorded.
func TestRecorderMetrics(t *testing.T) {
	gaps := []time.Duration{10, 20, 10}
	stream := recorder{firstText: 100, firstOutput: 40, lastText: 140, chunks: 4, gaps: gaps, ended: 150}
	assert.Equal(t, requestMetrics{TTFT: 100, TTFO: 40, TTLT: 140, TPOT: 10, ITL: gaps, End: 150},
		stream.metrics(true, 5), "TPOT: the visible window over the visible tokens in it")
	assert.Equal(t, requestMetrics{TTFT: 100, TTFO: 40, ITL: gaps, End: 150},
		stream.metrics(false, 5), "a failure keeps what arrived, and has no TTLT or TPOT")
	assert.Zero(t, stream.metrics(true, 1).TPOT, "one visible token: no TPOT")
	tight := recorder{firstText: 100, lastText: 101, chunks: 2, ended: 102}
	assert.Equal(t, time.Duration(1), tight.metrics(true, 50).TPOT, "never below 1ns")

	body := recorder{completed: 300, ended: 310}
	assert.Equal(t, requestMetrics{TTLT: 300, End: 310}, body.metrics(true, 9), "non-streaming: TTLT when the body was complete")

	reasoningOnly := recorder{firstOutput: 20, ended: 90}
	assert.Equal(t, requestMetrics{TTFO: 20, TTLT: 90, End: 90}, reasoningOnly.metrics(true, 0),
		"a stream without visible text ends at its end")

	var r recorder
	r.start()
	r.Text("a")
	r.Text("")
	r.TextBytes([]byte(" b"))
	r.end()
	m := r.metrics(true, 2)
	assert.Positive(t, m.TTFT)
	assert.Len(t, m.ITL, 1, "empty deltas are not chunks")
	assert.Equal(t, m.TTFT+m.ITL[0], m.TTLT)
	assert.GreaterOrEqual(t, m.End, m.TTLT)
}
