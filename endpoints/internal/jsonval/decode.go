package jsonval

import (
	"bytes"
	"encoding/json"
)

// Decode returns a deep copy of p in the types encoding/json decodes into
// an interface (map[string]any, []any, string, bool, nil), with numbers as
// json.Number so that they are sent again exactly as written, whatever Go
// types p holds: a payload's JSON round trip. It also checks that p can be
// encoded; the error is encoding/json's.
func Decode(p map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var q map[string]any
	if err := dec.Decode(&q); err != nil {
		return nil, err
	}
	return q, nil
}
