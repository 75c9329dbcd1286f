package jsonval

import (
	"encoding/json"
	"math"
	"testing"
)

func TestInt(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want int
		ok   bool
	}{
		{8, 8, true}, {int64(-3), -3, true}, {uint8(7), 7, true},
		{float64(12), 12, true}, {12.5, 0, false}, {float32(2), 2, true},
		{json.Number("42"), 42, true}, {json.Number("4.2"), 0, false},
		{uint64(math.MaxUint64), 0, false}, {math.Inf(1), 0, false},
		{"8", 0, false}, {nil, 0, false},
	} {
		got, ok := Int(tc.v)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("Int(%#v) = %d, %v; want %d, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
