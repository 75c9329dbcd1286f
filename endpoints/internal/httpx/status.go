package httpx

import (
	"bytes"
	"encoding/json"
)

// ErrorMessage finds the message in an error response body: the "message"
// of an "error" object (OpenAI's and Anthropic's shape); else "error" as a
// string, "message" (vLLM and others) or "detail" (FastAPI servers), the
// first that is there, an object or a list (such as FastAPI's list of
// validation errors) written as compact JSON; else the body's text.
func ErrorMessage(body []byte) string { return errorMessage(body, false) }

// TypedErrorMessage is ErrorMessage for a provider whose error objects
// carry a type worth showing, as Anthropic's do ({"type": "error",
// "error": {"type": "overloaded_error", "message": "Overloaded"}}): the
// message of an "error" object is written "<type>: <message>", or is the
// type alone when the object has no message.
func TypedErrorMessage(body []byte) string { return errorMessage(body, true) }

func errorMessage(body []byte, typed bool) string {
	body = bytes.TrimSpace(body)
	var v map[string]any
	if json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	if e, ok := v["error"].(map[string]any); ok {
		msg := jsonText(e["message"])
		typ, _ := e["type"].(string)
		switch {
		case !typed || typ == "":
			if msg != "" {
				return msg
			}
		case msg != "":
			return typ + ": " + msg
		default:
			return typ
		}
	}
	for _, key := range [...]string{"error", "message", "detail"} {
		if m := jsonText(v[key]); m != "" {
			return m
		}
	}
	return string(body)
}

// jsonText returns a decoded JSON value as message text: a string as it is,
// an object or a list as compact JSON, anything else as "".
func jsonText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
	return ""
}
