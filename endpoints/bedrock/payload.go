package bedrock

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/llmtest/llmtest/endpoints"
)

// PayloadOption adds to the payload ConversePayload builds.
type PayloadOption func(*payloadBuilder)

type payloadBuilder struct {
	blocks      []any // images and documents, before the text
	system      string
	temperature *float64
	stream      *bool
	err         error
}

func (b *payloadBuilder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// WithSystem sets the system prompt.
func WithSystem(text string) PayloadOption {
	return func(b *payloadBuilder) {
		if strings.TrimSpace(text) == "" {
			b.fail(errors.New("bedrock: ConversePayload: WithSystem: text is empty"))
			return
		}
		b.system = text
	}
}

// WithImage adds an image to the user message, before its text. format is
// one of "png", "jpeg", "gif" and "webp"; data is the image file's bytes,
// which the payload holds as base64.
func WithImage(format string, data []byte) PayloadOption {
	return func(b *payloadBuilder) {
		if err := checkEnum(format, types.ImageFormat("").Values()); err != nil {
			b.fail(fmt.Errorf("bedrock: ConversePayload: WithImage: format: %w", err))
			return
		}
		if len(data) == 0 {
			b.fail(errors.New("bedrock: ConversePayload: WithImage: data is empty"))
			return
		}
		b.blocks = append(b.blocks, map[string]any{"image": map[string]any{
			"format": format,
			"source": map[string]any{"bytes": base64.StdEncoding.EncodeToString(data)},
		}})
	}
}

// WithDocument adds a document to the user message, before its text.
// format is one of "pdf", "csv", "doc", "docx", "xls", "xlsx", "html",
// "txt" and "md"; name names the document to the model; data is the
// file's bytes, which the payload holds as base64.
func WithDocument(format, name string, data []byte) PayloadOption {
	return func(b *payloadBuilder) {
		if err := checkEnum(format, types.DocumentFormat("").Values()); err != nil {
			b.fail(fmt.Errorf("bedrock: ConversePayload: WithDocument: format: %w", err))
			return
		}
		if strings.TrimSpace(name) == "" {
			b.fail(errors.New("bedrock: ConversePayload: WithDocument: name is empty"))
			return
		}
		if len(data) == 0 {
			b.fail(errors.New("bedrock: ConversePayload: WithDocument: data is empty"))
			return
		}
		b.blocks = append(b.blocks, map[string]any{"document": map[string]any{
			"format": format,
			"name":   name,
			"source": map[string]any{"bytes": base64.StdEncoding.EncodeToString(data)},
		}})
	}
}

// WithTemperature sets inferenceConfig.temperature.
func WithTemperature(t float64) PayloadOption {
	return func(b *payloadBuilder) {
		if math.IsNaN(t) || t < 0 {
			b.fail(fmt.Errorf("bedrock: ConversePayload: WithTemperature: want a number from 0, got %v", t))
			return
		}
		b.temperature = &t
	}
}

// WithStream sets the payload's "stream", which chooses ConverseStream
// (true) or Converse (false) whatever Config.API says.
func WithStream(stream bool) PayloadOption {
	return func(b *payloadBuilder) { b.stream = &stream }
}

// ConversePayload returns a Converse payload with one user message of
// text, preceded by the images and documents the options add, and a
// limit of maxTokens output tokens (inferenceConfig.maxTokens). text must
// not be empty or white space only, and maxTokens must be positive. The
// payload holds only JSON values (images and documents as base64), so it
// can be saved to a payload file as it is.
func ConversePayload(text string, maxTokens int, opts ...PayloadOption) (endpoints.Payload, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("bedrock: ConversePayload: text is empty")
	}
	if maxTokens <= 0 || maxTokens > math.MaxInt32 {
		return nil, fmt.Errorf("bedrock: ConversePayload: maxTokens: want a positive number, got %d", maxTokens)
	}
	var b payloadBuilder
	for _, opt := range opts {
		if opt != nil {
			opt(&b)
		}
	}
	if b.err != nil {
		return nil, b.err
	}
	content := append(b.blocks, map[string]any{"text": text})
	inference := map[string]any{"maxTokens": maxTokens}
	if b.temperature != nil {
		inference["temperature"] = *b.temperature
	}
	p := endpoints.Payload{
		"messages":        []any{map[string]any{"role": "user", "content": content}},
		"inferenceConfig": inference,
	}
	if b.system != "" {
		p["system"] = []any{map[string]any{"text": b.system}}
	}
	if b.stream != nil {
		p["stream"] = *b.stream
	}
	return p, nil
}

func checkEnum[T ~string](s string, values []T) error {
	names := make([]string, len(values))
	for i, v := range values {
		if string(v) == s {
			return nil
		}
		names[i] = string(v)
	}
	return fmt.Errorf("want one of %s, got %q", strings.Join(names, ", "), s)
}
