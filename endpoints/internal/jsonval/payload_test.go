package jsonval

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetModel(t *testing.T) {
	q := map[string]any{}
	require.NoError(t, SetModel(q, "m1"))
	assert.Equal(t, "m1", q["model"])
	q = map[string]any{"model": nil}
	require.NoError(t, SetModel(q, "m1"))
	assert.Equal(t, "m1", q["model"], "null counts as none")
	q = map[string]any{"model": "own"}
	require.NoError(t, SetModel(q, "m1"))
	assert.Equal(t, "own", q["model"])

	assert.EqualError(t, SetModel(map[string]any{}, ""), "model: missing, and Config.Model is empty")
	assert.EqualError(t, SetModel(map[string]any{"model": ""}, "m1"), "model: want a non-empty string, got an empty string")
	assert.EqualError(t, SetModel(map[string]any{"model": json.Number("4")}, "m1"), "model: want a non-empty string, got the number 4")
}

func TestSetStream(t *testing.T) {
	for _, tc := range []struct {
		q    map[string]any
		want bool
	}{
		{map[string]any{}, true},
		{map[string]any{"stream": nil}, true},
		{map[string]any{"stream": true}, true},
		{map[string]any{"stream": false}, false},
	} {
		got, err := SetStream(tc.q)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
		assert.Equal(t, tc.want, tc.q["stream"], "the payload says it")
	}
	_, err := SetStream(map[string]any{"stream": "yes"})
	assert.EqualError(t, err, "stream: want a boolean, got a string")
}
