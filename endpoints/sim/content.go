package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// This file holds the content parts of a message in each wire format, and
// how they count as input tokens.

// MediaTokens is the number of input tokens the simulator counts for each
// image, audio or file part of a request, whatever its size, detail or
// source: 85, what OpenAI bills for an image at low detail. Text counts its
// whitespace-separated words, so a request's input tokens are the words of
// its text plus MediaTokens per media part, and each of them adds
// Config.PrefillPerToken to its time to first token. Media are accepted
// as the APIs send them and never fetched or decoded.
const MediaTokens = 85

// partSet names the content parts the messages of a wire format may hold.
type partSet int

const (
	// chatParts: OpenAI Chat Completions, "text", "image_url",
	// "input_audio" and "file".
	chatParts partSet = iota
	// responsesParts: OpenAI Responses, "input_text", "output_text",
	// "input_image" and "input_file".
	responsesParts
	// anthropicParts: Anthropic Messages, "text", "image" and "document".
	anthropicParts
	// textParts: "text" alone, as in Anthropic's system prompt.
	textParts
)

// supported lists the part types of a set, for error messages.
func (s partSet) supported() string {
	switch s {
	case chatParts:
		return `"text", "image_url", "input_audio" and "file" parts are`
	case responsesParts:
		return `"input_text", "output_text", "input_image" and "input_file" parts are`
	case anthropicParts:
		return `"text", "image" and "document" blocks are`
	}
	return `"text" parts are`
}

// content is what the content of a message counts for.
type content struct {
	text  string // the text parts, joined with "\n"
	media int    // the image, audio and file parts
}

// promptTokens returns the input tokens of a prompt made of texts and
// media parts: the whitespace words of the texts joined with "\n", plus
// MediaTokens per media part.
func promptTokens(texts []string, media int) int {
	return countWords(strings.Join(texts, "\n")) + media*MediaTokens
}

// parseContent reads the content of a message: a string, null (no text,
// as an assistant message with tool calls has) or a list of the parts of
// set. Text parts are joined with "\n"; a media part must have the fields
// that say where its bytes are (a URL, inline data or a file id), which
// are not read further.
func parseContent(field string, v any, set partSet) (content, error) {
	switch c := v.(type) {
	case nil:
		return content{}, nil
	case string:
		return content{text: c}, nil
	}
	parts, ok := list(v)
	if !ok {
		return content{}, fmt.Errorf("sim: payload: %s: must be a string or a list of content parts, got %s", field, show(v))
	}
	var c content
	var texts []string
	for i, pv := range parts {
		pfield := field + "[" + strconv.Itoa(i) + "]"
		part, ok := object(pv)
		if !ok {
			return content{}, fmt.Errorf("sim: payload: %s: must be an object with a \"type\", got %s", pfield, show(pv))
		}
		typ, _ := part["type"].(string)
		text, media, err := parsePart(pfield, part, typ, set)
		if err != nil {
			return content{}, err
		}
		if media {
			c.media++
		} else {
			texts = append(texts, text)
		}
	}
	c.text = strings.Join(texts, "\n")
	return c, nil
}

// parsePart reads one part of type typ: its text, or media true for an
// image, audio or file part.
func parsePart(field string, part map[string]any, typ string, set partSet) (text string, media bool, err error) {
	switch {
	case typ == "text" && set != responsesParts,
		(typ == "input_text" || typ == "output_text") && set == responsesParts:
		t, ok := part["text"].(string)
		if !ok {
			return "", false, fmt.Errorf("sim: payload: %s.text: must be a string, got %s", field, show(part["text"]))
		}
		return t, false, nil

	case typ == "image_url" && set == chatParts:
		// {"type": "image_url", "image_url": {"url": "https://… or data:…", "detail": …}}
		return "", true, needStrings(field, part, "image_url", "url")
	case typ == "input_audio" && set == chatParts:
		// {"type": "input_audio", "input_audio": {"data": base64, "format": "wav"}}
		return "", true, needStrings(field, part, "input_audio", "data", "format")
	case typ == "file" && set == chatParts:
		// {"type": "file", "file": {"file_data": base64 or "file_id": …, "filename": …}}
		return "", true, needOneOf(field, part, "file", "file_data", "file_id")

	case typ == "input_image" && set == responsesParts:
		// {"type": "input_image", "image_url": "https://… or data:…" or "file_id": …, "detail": …}
		return "", true, needOneOf(field, part, "", "image_url", "file_id")
	case typ == "input_file" && set == responsesParts:
		// {"type": "input_file", "file_data": base64, "file_id" or "file_url": …, "filename": …}
		return "", true, needOneOf(field, part, "", "file_data", "file_id", "file_url")

	case (typ == "image" || typ == "document") && set == anthropicParts:
		// {"type": "image" or "document", "source": {"type": "base64",
		// "media_type": …, "data": …} or {"type": "url", "url": …}}; a
		// document may also be {"type": "text", "media_type":
		// "text/plain", "data": …}, whose text counts as text.
		src, ok := object(part["source"])
		if !ok {
			return "", false, fmt.Errorf("sim: payload: %s.source: must be an object, got %s", field, show(part["source"]))
		}
		switch st, _ := src["type"].(string); {
		case st == "base64":
			return "", true, needStrings(field, part, "source", "media_type", "data")
		case st == "url":
			return "", true, needStrings(field, part, "source", "url")
		case st == "text" && typ == "document":
			t, ok := src["data"].(string)
			if !ok {
				return "", false, fmt.Errorf("sim: payload: %s.source.data: must be a string, got %s", field, show(src["data"]))
			}
			return t, false, nil
		case typ == "document":
			return "", false, fmt.Errorf(`sim: payload: %s.source.type: must be "base64", "url" or "text", got %s`, field, show(src["type"]))
		default:
			return "", false, fmt.Errorf(`sim: payload: %s.source.type: must be "base64" or "url", got %s`, field, show(src["type"]))
		}
	}
	return "", false, fmt.Errorf("sim: payload: %s.type: only %s supported, got %s", field, set.supported(), show(part["type"]))
}

// needStrings checks that part[obj] is an object whose keys are all
// non-empty strings.
func needStrings(field string, part map[string]any, obj string, keys ...string) error {
	o, ok := object(part[obj])
	if !ok {
		return fmt.Errorf("sim: payload: %s.%s: must be an object, got %s", field, obj, show(part[obj]))
	}
	for _, k := range keys {
		if s, ok := o[k].(string); !ok || s == "" {
			return fmt.Errorf("sim: payload: %s.%s.%s: must be a non-empty string, got %s", field, obj, k, show(o[k]))
		}
	}
	return nil
}

// needOneOf checks that part[obj] (part itself when obj is empty) is an
// object with at least one of keys a non-empty string.
func needOneOf(field string, part map[string]any, obj string, keys ...string) error {
	o, where := part, field
	if obj != "" {
		var ok bool
		if o, ok = object(part[obj]); !ok {
			return fmt.Errorf("sim: payload: %s.%s: must be an object, got %s", field, obj, show(part[obj]))
		}
		where += "." + obj
	}
	for _, k := range keys {
		if s, ok := o[k].(string); ok && s != "" {
			return nil
		}
	}
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = strconv.Quote(k)
	}
	return fmt.Errorf("sim: payload: %s: needs one of %s, a non-empty string", where, strings.Join(quoted, ", "))
}
