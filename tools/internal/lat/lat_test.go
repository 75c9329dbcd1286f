package lat

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	s := []time.Duration{10, 20, 30, 40}
	for p, want := range map[float64]float64{0: 10, 50: 25, 100: 40, 90: 37} {
		if got := Percentile(s, p); got != want {
			t.Errorf("Percentile(%v) = %v, want %v", p, got, want)
		}
	}
	if got := Percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("one sample: %v, want 7", got)
	}
}

func TestPercentileIsNumpyLinear(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		p    float64
		want float64
	}{
		{0, 1}, {50, 5.5}, {90, 9.1}, {99, 9.91}, {100, 10},
	} {
		if got := Percentile(d, c.p); got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("percentile(1..10, %v) = %v, want %v (numpy.percentile)", c.p, got, c.want)
		}
	}
}
