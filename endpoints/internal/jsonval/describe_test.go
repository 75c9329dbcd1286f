package jsonval

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeAndDescribe(t *testing.T) {
	type part struct {
		Text string `json:"text"`
	}
	p := map[string]any{"n": 1.50, "big": uint64(1 << 63), "parts": []part{{"x"}}, "m": map[string]int{"a": 1}, "s": "", "b": true, "z": nil, "l": []int{}}
	q, err := Decode(p)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"n": json.Number("1.5"), "big": json.Number("9223372036854775808"),
		"parts": []any{map[string]any{"text": "x"}}, "m": map[string]any{"a": json.Number("1")}, "s": "", "b": true, "z": nil, "l": []any{}}, q)
	want := map[string]string{"n": "the number 1.5", "parts": "a list", "m": "an object", "s": "an empty string",
		"b": "a boolean", "z": "null or nothing", "l": "an empty list", "missing": "null or nothing"}
	for k, w := range want {
		assert.Equal(t, w, Describe(q[k]), k)
	}
	assert.Equal(t, "a string", Describe("secret text"))
	assert.Equal(t, "int", Describe(3), "a value that was not decoded")

	_, err = Decode(map[string]any{"f": func() {}})
	assert.ErrorContains(t, err, "unsupported type")
}
