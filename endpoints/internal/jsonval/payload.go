package jsonval

import (
	"errors"
	"fmt"
)

// SetModel checks the "model" of a decoded payload, a non-empty string, and
// sets it to def when the payload has none (null counts as none). The error
// names the field, as "model: ...", and says when def is empty too.
func SetModel(q map[string]any, def string) error {
	switch m := q["model"].(type) {
	case nil:
		if def == "" {
			return errors.New("model: missing, and Config.Model is empty")
		}
		q["model"] = def
	case string:
		if m == "" {
			return errors.New("model: want a non-empty string, got an empty string")
		}
	default:
		return fmt.Errorf("model: want a non-empty string, got %s", Describe(m))
	}
	return nil
}

// SetStream reads the "stream" of a decoded payload, a boolean, and sets it
// to true when the payload has none (null counts as none): a load test
// streams unless told not to, since time to first token is what it
// measures. The error names the field, as "stream: ...".
func SetStream(q map[string]any) (stream bool, err error) {
	switch s := q["stream"].(type) {
	case nil:
		q["stream"] = true
		return true, nil
	case bool:
		return s, nil
	default:
		return false, fmt.Errorf("stream: want a boolean, got %s", Describe(s))
	}
}
