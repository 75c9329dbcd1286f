package awstest

import (
	"bytes"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// Event is one message of an event stream.
type Event struct {
	// Type is the :event-type of an event, or the :exception-type of an
	// exception, such as "contentBlockDelta" or "throttlingException".
	Type string
	// Exception makes the message an exception (:message-type exception)
	// rather than an event.
	Exception bool
	// ContentType is the :content-type header; empty sends none.
	ContentType string
	// Payload is the message's payload.
	Payload []byte
}

// message builds the wire message, with the headers in the order the
// services send them.
func (e Event) message() eventstream.Message {
	var m eventstream.Message
	if e.Exception {
		m.Headers.Set(":exception-type", eventstream.StringValue(e.Type))
	} else {
		m.Headers.Set(":event-type", eventstream.StringValue(e.Type))
	}
	if e.ContentType != "" {
		m.Headers.Set(":content-type", eventstream.StringValue(e.ContentType))
	}
	if e.Exception {
		m.Headers.Set(":message-type", eventstream.StringValue("exception"))
	} else {
		m.Headers.Set(":message-type", eventstream.StringValue("event"))
	}
	m.Payload = e.Payload
	return m
}

// Frame returns the event encoded as one event stream frame, with the
// SDK's encoder.
func (e Event) Frame() []byte {
	var b bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&b, e.message()); err != nil {
		panic(err) // only for headers or payloads beyond the format's limits
	}
	return b.Bytes()
}

// JSONEvent returns an event of the given type whose payload is v as JSON.
func JSONEvent(eventType string, v any) Event {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return Event{Type: eventType, ContentType: "application/json", Payload: b}
}

// Exception returns an exception event, such as "throttlingException"
// (Bedrock) or "ModelStreamError" (SageMaker), with {"message": message}
// as its payload.
func Exception(exceptionType, message string) Event {
	b, _ := json.Marshal(map[string]string{"message": message})
	return Event{Type: exceptionType, Exception: true, ContentType: "application/json", Payload: b}
}

// MessageStart is ConverseStream's messageStart event.
func MessageStart() Event {
	return JSONEvent("messageStart", map[string]any{"role": "assistant"})
}

// TextDelta is ConverseStream's contentBlockDelta event with text.
func TextDelta(text string) Event {
	return JSONEvent("contentBlockDelta", map[string]any{
		"contentBlockIndex": 0,
		"delta":             map[string]any{"text": text},
	})
}

// ReasoningDelta is ConverseStream's contentBlockDelta event with
// reasoning text.
func ReasoningDelta(text string) Event {
	return JSONEvent("contentBlockDelta", map[string]any{
		"contentBlockIndex": 0,
		"delta":             map[string]any{"reasoningContent": map[string]any{"text": text}},
	})
}

// ContentBlockStop is ConverseStream's contentBlockStop event.
func ContentBlockStop() Event {
	return JSONEvent("contentBlockStop", map[string]any{"contentBlockIndex": 0})
}

// MessageStop is ConverseStream's messageStop event.
func MessageStop(stopReason string) Event {
	return JSONEvent("messageStop", map[string]any{"stopReason": stopReason})
}

// Usage is the token usage of a Converse response.
type Usage struct {
	Input, Output, CacheRead, CacheWrite int
}

// JSON returns the usage as Bedrock's TokenUsage object.
func (u Usage) JSON() map[string]any {
	m := map[string]any{
		"inputTokens":  u.Input,
		"outputTokens": u.Output,
		"totalTokens":  u.Input + u.Output + u.CacheRead + u.CacheWrite,
	}
	if u.CacheRead != 0 {
		m["cacheReadInputTokens"] = u.CacheRead
	}
	if u.CacheWrite != 0 {
		m["cacheWriteInputTokens"] = u.CacheWrite
	}
	return m
}

// Metadata is ConverseStream's metadata event, with usage and a latency of
// latencyMs.
func Metadata(u Usage, latencyMs int) Event {
	return JSONEvent("metadata", map[string]any{
		"usage":   u.JSON(),
		"metrics": map[string]any{"latencyMs": latencyMs},
	})
}

// ConverseBody returns a Converse response body with the given text,
// reasoning (none when empty) and usage.
func ConverseBody(text, reasoning string, u Usage) string {
	var content []any
	if reasoning != "" {
		content = append(content, map[string]any{
			"reasoningContent": map[string]any{"reasoningText": map[string]any{"text": reasoning, "signature": "sig"}},
		})
	}
	content = append(content, map[string]any{"text": text})
	b, _ := json.Marshal(map[string]any{
		"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": content}},
		"stopReason": "end_turn",
		"usage":      u.JSON(),
		"metrics":    map[string]any{"latencyMs": 100},
	})
	return string(b)
}

// Chunk is InvokeModelWithResponseStream's chunk event: payload, the
// model's own JSON, travels base64-encoded in {"bytes": ...}.
func Chunk(payload string) Event {
	return JSONEvent("chunk", map[string]any{"bytes": []byte(payload)})
}

// PayloadPart is InvokeEndpointWithResponseStream's PayloadPart event: b is
// the event's payload as it is.
func PayloadPart(b []byte) Event {
	return Event{Type: "PayloadPart", ContentType: "application/octet-stream", Payload: b}
}
