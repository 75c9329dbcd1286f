package endpoints

// Payload is one request body as a JSON object, in the shape the endpoint
// expects (for example an OpenAI chat request with "messages" and
// "max_tokens"). Values are what encoding/json produces when it decodes into
// an interface: maps, slices, strings, float64 or json.Number, bools and nil;
// Go values of other types are accepted where they marshal to JSON.
type Payload map[string]any

// Clone returns a deep copy of p: maps and slices are copied, other values
// are shared. Endpoints and callbacks may change a clone freely.
func (p Payload) Clone() Payload {
	if p == nil {
		return nil
	}
	return cloneValue(map[string]any(p)).(map[string]any)
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = cloneValue(e)
		}
		return m
	case Payload:
		return Payload(cloneValue(map[string]any(v)).(map[string]any))
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = cloneValue(e)
		}
		return s
	case []map[string]any:
		s := make([]map[string]any, len(v))
		for i, e := range v {
			s[i] = cloneValue(e).(map[string]any)
		}
		return s
	default:
		return v
	}
}
