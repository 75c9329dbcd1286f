package jsonval

import (
	"encoding/json"
	"fmt"
)

// Describe names the JSON type of a decoded value, for error messages
// such as "model: want a non-empty string, got a number": "null or
// nothing", "an empty string", "a string", "a boolean", "the number 3"
// (json.Number, as Decode keeps it, written as sent; a float64 as Go
// prints it), "an object", "an empty list", "a list", or the Go type of
// anything else. It never quotes a string, which could be long or
// private.
func Describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null or nothing"
	case string:
		if v == "" {
			return "an empty string"
		}
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "the number " + string(v)
	case float64:
		return fmt.Sprintf("the number %v", v)
	case map[string]any:
		return "an object"
	case []any:
		if len(v) == 0 {
			return "an empty list"
		}
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}
