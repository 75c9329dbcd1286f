// Package jsonval reads the values that encoding/json decodes into an
// interface, as payloads hold them, for the providers' Prepare: a
// payload's round trip into those values ([Decode]), numbers read as
// whole numbers ([Int]), a value's kind named for an error ([Describe]),
// and the "model" and "stream" defaults every provider applies
// ([SetModel], [SetStream]).
package jsonval

import (
	"encoding/json"
	"math"
)

// Int reports v as an int when it holds a whole number: any Go integer type,
// a float64 without a fraction (as encoding/json decodes numbers), or a
// json.Number.
func Int(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int8:
		return int(n), true
	case int16:
		return int(n), true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case uint:
		return int(n), n <= math.MaxInt
	case uint8:
		return int(n), true
	case uint16:
		return int(n), true
	case uint32:
		return int(n), true
	case uint64:
		return int(n), n <= math.MaxInt
	case float32:
		return floatInt(float64(n))
	case float64:
		return floatInt(n)
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

func floatInt(f float64) (int, bool) {
	if f != math.Trunc(f) || f > math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return int(f), true
}
