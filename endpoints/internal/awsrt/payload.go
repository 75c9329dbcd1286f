package awsrt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/jsonval"
)

// DecodePayload reads a payload as Prepare needs it: the JSON the payload
// encodes to, and that JSON decoded again into a fresh map, numbers as
// json.Number, so that Prepare may change the map without changing p and
// sees numbers as they were written. An error starts with
// "<service>: payload: ".
func DecodePayload(service string, p endpoints.Payload) (q map[string]any, raw []byte, err error) {
	if p == nil {
		return nil, nil, errors.New(service + ": payload: empty")
	}
	if raw, err = json.Marshal(p); err != nil {
		return nil, nil, fmt.Errorf("%s: payload: %w", service, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&q); err != nil {
		return nil, nil, fmt.Errorf("%s: payload: %w", service, err)
	}
	return q, raw, nil
}

// StreamFlag returns the payload's "stream" when it has one, which must be
// a boolean, else def; present says whether the payload had one.
func StreamFlag(service string, q map[string]any, def bool) (stream, present bool, err error) {
	s, ok := q["stream"]
	if !ok || s == nil {
		return def, false, nil
	}
	b, ok := s.(bool)
	if !ok {
		return false, true, FieldError(service, "stream", "want a boolean, got %s", jsonval.Describe(s))
	}
	return b, true, nil
}

// FieldError is a payload error naming its field:
// "<service>: payload: <field>: <message>".
func FieldError(service, field, format string, args ...any) error {
	return fmt.Errorf("%s: payload: %s: %s", service, field, fmt.Sprintf(format, args...))
}
