package bedrock

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	smithydocument "github.com/aws/smithy-go/document"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/awsrt"
	"github.com/llmtest/llmtest/endpoints/internal/jsonval"
)

// Prepare validates a payload and builds the SDK input of the operation it
// will be sent with, once: Invoke only reads it. It implements
// [endpoints.Endpoint]; it does not keep or modify p.
//
// For Converse and ConverseStream, p is a Converse request in JSON (see the
// package documentation); an unknown field, a missing or empty message, a
// role other than "user" or "assistant", a content block that is not
// exactly one of text, image, document and cachePoint, an unknown image or
// document format, data that is not base64, or an inference setting of the
// wrong type is an error that names the field, such as
// "messages[0].content[1].image.format". For InvokeModel and
// InvokeModelWithResponseStream, p is the model's own request body, sent
// as it is but for "stream", which, when present, must be a boolean and is
// taken out of the body.
//
// The Request's Stream reports the operation chosen: the payload's
// "stream" when it has one, else Config.API's. Its Prompt is the payload's
// text: the system prompt and the messages' text blocks, or for
// InvokeModel the text of "system", "messages" (string contents and text
// parts), "prompt", "inputText" and "inputs", joined with "\n". Its Body is
// the request body for InvokeModel, and empty for Converse, whose body the
// SDK encodes.
func (e *Endpoint) Prepare(p endpoints.Payload) (*endpoints.Request, error) {
	q, raw, err := awsrt.DecodePayload("bedrock", p)
	if err != nil {
		return nil, err
	}
	stream, _, err := awsrt.StreamFlag("bedrock", q, e.api == ConverseStream || e.api == InvokeModelWithResponseStream)
	if err != nil {
		return nil, err
	}
	req := &endpoints.Request{Payload: endpoints.Payload(q), Stream: stream}

	switch e.api {
	case Converse, ConverseStream:
		c, err := parseConverse(q)
		if err != nil {
			return nil, err
		}
		req.Prompt = c.prompt
		if stream {
			req.Data = &prepared{converseStream: &bedrockruntime.ConverseStreamInput{
				ModelId:                           aws.String(e.modelID),
				Messages:                          c.messages,
				System:                            c.system,
				InferenceConfig:                   c.inference,
				AdditionalModelRequestFields:      c.additional,
				AdditionalModelResponseFieldPaths: c.responsePaths,
				PerformanceConfig:                 c.performance,
				ServiceTier:                       c.serviceTier,
			}}
		} else {
			req.Data = &prepared{converse: &bedrockruntime.ConverseInput{
				ModelId:                           aws.String(e.modelID),
				Messages:                          c.messages,
				System:                            c.system,
				InferenceConfig:                   c.inference,
				AdditionalModelRequestFields:      c.additional,
				AdditionalModelResponseFieldPaths: c.responsePaths,
				PerformanceConfig:                 c.performance,
				ServiceTier:                       c.serviceTier,
			}}
		}
	default:
		req.Prompt = promptText(q)
		if _, ok := q["stream"]; ok {
			// "stream" chose the operation; models that check their
			// body's keys (Anthropic's on Bedrock) refuse it.
			body := maps.Clone(q)
			delete(body, "stream")
			if raw, err = json.Marshal(body); err != nil {
				return nil, fmt.Errorf("bedrock: payload: %w", err)
			}
		}
		req.Body = raw
		if stream {
			req.Data = &prepared{invokeStream: &bedrockruntime.InvokeModelWithResponseStreamInput{
				ModelId:     aws.String(e.modelID),
				Body:        raw,
				ContentType: aws.String("application/json"),
				Accept:      aws.String("application/json"),
			}}
		} else {
			req.Data = &prepared{invoke: &bedrockruntime.InvokeModelInput{
				ModelId:     aws.String(e.modelID),
				Body:        raw,
				ContentType: aws.String("application/json"),
				Accept:      aws.String("application/json"),
			}}
		}
	}
	return req, nil
}

// converseFields are the fields a Converse payload may have.
var converseFields = []string{
	"messages", "system", "inferenceConfig", "additionalModelRequestFields",
	"additionalModelResponseFieldPaths", "performanceConfig", "serviceTier", "stream",
}

// converseParts is a parsed Converse payload.
type converseParts struct {
	messages      []types.Message
	system        []types.SystemContentBlock
	inference     *types.InferenceConfiguration
	additional    document.Interface
	responsePaths []string
	performance   *types.PerformanceConfiguration
	serviceTier   *types.ServiceTier
	prompt        string
}

// fieldError is a payload error naming its field.
func fieldError(field, format string, args ...any) error {
	return awsrt.FieldError("bedrock", field, format, args...)
}

// describe names the JSON type of a decoded value, for error messages.
func describe(v any) string { return jsonval.Describe(v) }

func parseConverse(q map[string]any) (*converseParts, error) {
	if err := onlyKeys("", q, converseFields); err != nil {
		return nil, err
	}
	c := &converseParts{}
	var texts []string

	if v, ok := q["system"]; ok && v != nil {
		sys, st, err := parseSystem(v)
		if err != nil {
			return nil, err
		}
		c.system = sys
		texts = append(texts, st...)
	}

	v, ok := q["messages"]
	if !ok || v == nil {
		return nil, errors.New("bedrock: payload: messages: missing")
	}
	msgs, ok := v.([]any)
	if !ok || len(msgs) == 0 {
		return nil, fieldError("messages", "want a non-empty list of messages, got %s", describe(v))
	}
	for i, m := range msgs {
		msg, mt, err := parseMessage(fmt.Sprintf("messages[%d]", i), m)
		if err != nil {
			return nil, err
		}
		c.messages = append(c.messages, msg)
		texts = append(texts, mt...)
	}
	c.prompt = strings.Join(texts, "\n")

	if v, ok := q["inferenceConfig"]; ok && v != nil {
		ic, err := parseInference(v)
		if err != nil {
			return nil, err
		}
		c.inference = ic
	}
	if v, ok := q["additionalModelRequestFields"]; ok && v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fieldError("additionalModelRequestFields", "want an object, got %s", describe(v))
		}
		c.additional = document.NewLazyDocument(documentValue(m))
	}
	if v, ok := q["additionalModelResponseFieldPaths"]; ok && v != nil {
		ps, err := stringList("additionalModelResponseFieldPaths", v)
		if err != nil {
			return nil, err
		}
		c.responsePaths = ps
	}
	if v, ok := q["performanceConfig"]; ok && v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fieldError("performanceConfig", "want an object, got %s", describe(v))
		}
		if err := onlyKeys("performanceConfig.", m, []string{"latency"}); err != nil {
			return nil, err
		}
		lat, err := enumValue("performanceConfig.latency", m["latency"], types.PerformanceConfigLatency("").Values())
		if err != nil {
			return nil, err
		}
		c.performance = &types.PerformanceConfiguration{Latency: types.PerformanceConfigLatency(lat)}
	}
	if v, ok := q["serviceTier"]; ok && v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fieldError("serviceTier", "want an object, got %s", describe(v))
		}
		if err := onlyKeys("serviceTier.", m, []string{"type"}); err != nil {
			return nil, err
		}
		typ, err := enumValue("serviceTier.type", m["type"], types.ServiceTierType("").Values())
		if err != nil {
			return nil, err
		}
		c.serviceTier = &types.ServiceTier{Type: types.ServiceTierType(typ)}
	}
	return c, nil
}

// onlyKeys checks that m has no key outside allowed, naming the first
// unknown one in sorted order.
func onlyKeys(prefix string, m map[string]any, allowed []string) error {
	var unknown []string
	for k := range m {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return fmt.Errorf("bedrock: payload: %s%s: unknown field, want one of %s", prefix, unknown[0], strings.Join(allowed, ", "))
}

func parseSystem(v any) ([]types.SystemContentBlock, []string, error) {
	if s, ok := v.(string); ok {
		if s == "" {
			return nil, nil, fieldError("system", "want a non-empty string or a list of blocks, got an empty string")
		}
		return []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: s}}, []string{s}, nil
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, nil, fieldError("system", "want a non-empty string or a list of blocks, got %s", describe(v))
	}
	var blocks []types.SystemContentBlock
	var texts []string
	for i, b := range list {
		field := fmt.Sprintf("system[%d]", i)
		key, val, err := oneKey(field, b, []string{"text", "cachePoint"})
		if err != nil {
			return nil, nil, err
		}
		switch key {
		case "text":
			s, err := nonEmptyString(field+".text", val)
			if err != nil {
				return nil, nil, err
			}
			blocks = append(blocks, &types.SystemContentBlockMemberText{Value: s})
			texts = append(texts, s)
		case "cachePoint":
			cp, err := parseCachePoint(field+".cachePoint", val)
			if err != nil {
				return nil, nil, err
			}
			blocks = append(blocks, &types.SystemContentBlockMemberCachePoint{Value: cp})
		}
	}
	return blocks, texts, nil
}

func parseMessage(field string, v any) (types.Message, []string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return types.Message{}, nil, fieldError(field, "want an object, got %s", describe(v))
	}
	if err := onlyKeys(field+".", m, []string{"role", "content"}); err != nil {
		return types.Message{}, nil, err
	}
	role, err := enumValue(field+".role", m["role"], types.ConversationRole("").Values())
	if err != nil {
		return types.Message{}, nil, err
	}
	msg := types.Message{Role: types.ConversationRole(role)}
	switch c := m["content"].(type) {
	case string:
		if c == "" {
			return types.Message{}, nil, fieldError(field+".content", "want a non-empty string or a list of blocks, got an empty string")
		}
		msg.Content = []types.ContentBlock{&types.ContentBlockMemberText{Value: c}}
		return msg, []string{c}, nil
	case []any:
		if len(c) == 0 {
			return types.Message{}, nil, fieldError(field+".content", "want a non-empty list of blocks, got an empty list")
		}
		var texts []string
		for j, b := range c {
			block, text, err := parseBlock(fmt.Sprintf("%s.content[%d]", field, j), b)
			if err != nil {
				return types.Message{}, nil, err
			}
			msg.Content = append(msg.Content, block)
			if text != "" {
				texts = append(texts, text)
			}
		}
		return msg, texts, nil
	default:
		return types.Message{}, nil, fieldError(field+".content", "want a string or a list of blocks, got %s", describe(m["content"]))
	}
}

// parseBlock parses a message's content block; text is its text, if any.
func parseBlock(field string, v any) (block types.ContentBlock, text string, err error) {
	key, val, err := oneKey(field, v, []string{"text", "image", "document", "cachePoint"})
	if err != nil {
		return nil, "", err
	}
	field += "." + key
	switch key {
	case "text":
		s, err := nonEmptyString(field, val)
		if err != nil {
			return nil, "", err
		}
		return &types.ContentBlockMemberText{Value: s}, s, nil
	case "image":
		m, ok := val.(map[string]any)
		if !ok {
			return nil, "", fieldError(field, "want an object, got %s", describe(val))
		}
		if err := onlyKeys(field+".", m, []string{"format", "source"}); err != nil {
			return nil, "", err
		}
		format, err := enumValue(field+".format", m["format"], types.ImageFormat("").Values())
		if err != nil {
			return nil, "", err
		}
		data, err := sourceBytes(field+".source", m["source"])
		if err != nil {
			return nil, "", err
		}
		return &types.ContentBlockMemberImage{Value: types.ImageBlock{
			Format: types.ImageFormat(format),
			Source: &types.ImageSourceMemberBytes{Value: data},
		}}, "", nil
	case "document":
		m, ok := val.(map[string]any)
		if !ok {
			return nil, "", fieldError(field, "want an object, got %s", describe(val))
		}
		if err := onlyKeys(field+".", m, []string{"format", "name", "source"}); err != nil {
			return nil, "", err
		}
		format, err := enumValue(field+".format", m["format"], types.DocumentFormat("").Values())
		if err != nil {
			return nil, "", err
		}
		name, err := nonEmptyString(field+".name", m["name"])
		if err != nil {
			return nil, "", err
		}
		data, err := sourceBytes(field+".source", m["source"])
		if err != nil {
			return nil, "", err
		}
		return &types.ContentBlockMemberDocument{Value: types.DocumentBlock{
			Format: types.DocumentFormat(format),
			Name:   aws.String(name),
			Source: &types.DocumentSourceMemberBytes{Value: data},
		}}, "", nil
	default: // cachePoint
		cp, err := parseCachePoint(field, val)
		if err != nil {
			return nil, "", err
		}
		return &types.ContentBlockMemberCachePoint{Value: cp}, "", nil
	}
}

// oneKey checks that v is an object with exactly one key, among allowed.
func oneKey(field string, v any, allowed []string) (string, any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", nil, fieldError(field, "want an object, got %s", describe(v))
	}
	if len(m) != 1 {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return "", nil, fieldError(field, "want exactly one of %s, got %d keys %q", strings.Join(allowed, ", "), len(m), keys)
	}
	for k, val := range m {
		if !slices.Contains(allowed, k) {
			return "", nil, fieldError(field+"."+k, "unknown block type, want one of %s", strings.Join(allowed, ", "))
		}
		return k, val, nil
	}
	return "", nil, nil // not reached
}

func parseCachePoint(field string, v any) (types.CachePointBlock, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return types.CachePointBlock{}, fieldError(field, "want an object, got %s", describe(v))
	}
	if err := onlyKeys(field+".", m, []string{"type", "ttl"}); err != nil {
		return types.CachePointBlock{}, err
	}
	typ, err := enumValue(field+".type", m["type"], types.CachePointType("").Values())
	if err != nil {
		return types.CachePointBlock{}, err
	}
	cp := types.CachePointBlock{Type: types.CachePointType(typ)}
	if ttl, ok := m["ttl"]; ok && ttl != nil {
		t, err := enumValue(field+".ttl", ttl, types.CacheTTL("").Values())
		if err != nil {
			return types.CachePointBlock{}, err
		}
		cp.Ttl = types.CacheTTL(t)
	}
	return cp, nil
}

// sourceBytes decodes a {"bytes": base64} source.
func sourceBytes(field string, v any) ([]byte, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fieldError(field, `want an object {"bytes": base64 data}, got %s`, describe(v))
	}
	if err := onlyKeys(field+".", m, []string{"bytes"}); err != nil {
		return nil, err
	}
	s, err := nonEmptyString(field+".bytes", m["bytes"])
	if err != nil {
		return nil, err
	}
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		data, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, fieldError(field+".bytes", "not valid base64")
	}
	return data, nil
}

func parseInference(v any) (*types.InferenceConfiguration, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fieldError("inferenceConfig", "want an object, got %s", describe(v))
	}
	if err := onlyKeys("inferenceConfig.", m, []string{"maxTokens", "temperature", "topP", "stopSequences"}); err != nil {
		return nil, err
	}
	ic := &types.InferenceConfiguration{}
	if v, ok := m["maxTokens"]; ok && v != nil {
		n, ok := jsonval.Int(v)
		if !ok || n <= 0 || n > math.MaxInt32 {
			return nil, fieldError("inferenceConfig.maxTokens", "want a positive whole number, got %s", describe(v))
		}
		ic.MaxTokens = aws.Int32(int32(n))
	}
	for _, f := range []struct {
		name string
		dst  **float32
	}{{"temperature", &ic.Temperature}, {"topP", &ic.TopP}} {
		v, ok := m[f.name]
		if !ok || v == nil {
			continue
		}
		x, ok := number(v)
		if !ok {
			return nil, fieldError("inferenceConfig."+f.name, "want a number, got %s", describe(v))
		}
		*f.dst = aws.Float32(float32(x))
	}
	if v, ok := m["stopSequences"]; ok && v != nil {
		ss, err := stringList("inferenceConfig.stopSequences", v)
		if err != nil {
			return nil, err
		}
		ic.StopSequences = ss
	}
	return ic, nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

func stringList(field string, v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fieldError(field, "want a list of strings, got %s", describe(v))
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fieldError(fmt.Sprintf("%s[%d]", field, i), "want a string, got %s", describe(e))
		}
		out[i] = s
	}
	return out, nil
}

func nonEmptyString(field string, v any) (string, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fieldError(field, "want a non-empty string, got %s", describe(v))
	}
	return s, nil
}

// enumValue checks that v is one of the SDK's values for an enum.
func enumValue[T ~string](field string, v any, values []T) (string, error) {
	s, ok := v.(string)
	if ok {
		for _, x := range values {
			if string(x) == s {
				return s, nil
			}
		}
	}
	names := make([]string, len(values))
	for i, x := range values {
		names[i] = string(x)
	}
	got := describe(v)
	if ok && s != "" {
		got = fmt.Sprintf("%q", s)
	}
	return "", fieldError(field, "want one of %s, got %s", strings.Join(names, ", "), got)
}

// documentValue converts decoded JSON for the SDK's document encoder,
// which writes a json.Number as a string: numbers become document.Number,
// written as they were.
func documentValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = documentValue(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = documentValue(e)
		}
		return s
	case json.Number:
		return smithydocument.Number(v)
	}
	return v
}

// promptText returns the text of a model's own request body, for token
// estimation: "system", the "messages" (string contents and the "text" of
// content parts), "prompt", "inputText" and "inputs", joined with "\n".
func promptText(q map[string]any) string {
	var texts []string
	add := func(v any) {
		switch v := v.(type) {
		case string:
			if v != "" {
				texts = append(texts, v)
			}
		case []any:
			for _, part := range v {
				switch p := part.(type) {
				case string:
					if p != "" {
						texts = append(texts, p)
					}
				case map[string]any:
					if t, ok := p["text"].(string); ok && t != "" {
						texts = append(texts, t)
					}
				}
			}
		}
	}
	add(q["system"])
	if msgs, ok := q["messages"].([]any); ok {
		for _, m := range msgs {
			if msg, ok := m.(map[string]any); ok {
				add(msg["content"])
			}
		}
	}
	for _, k := range []string{"prompt", "inputText", "inputs"} {
		add(q[k])
	}
	return strings.Join(texts, "\n")
}
