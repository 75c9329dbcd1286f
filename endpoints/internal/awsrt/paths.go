package awsrt

import (
	"bytes"
	"fmt"

	"github.com/llmtest/llmtest/endpoints"
	"github.com/llmtest/llmtest/endpoints/internal/jsonpath"
)

// PathConfig holds the JSON path fields of an endpoint's Config, which
// bedrock.Config and sagemaker.Config share: the paths of a whole
// response body (TextPath, ReasoningPath, InputTokensPath,
// OutputTokensPath) and those of each stream chunk or line
// (StreamTextPath, StreamReasoningPath, StreamInputTokensPath,
// StreamOutputTokensPath, StreamEndPath).
type PathConfig struct {
	Text, Reasoning, InputTokens, OutputTokens                         string
	StreamText, StreamReasoning, StreamInputTokens, StreamOutputTokens string
	StreamEnd                                                          string
}

// field lists the paths of c with the names of their Config fields.
func (c *PathConfig) fields() [9]struct {
	name string
	v    *string
} {
	return [9]struct {
		name string
		v    *string
	}{
		{"TextPath", &c.Text}, {"ReasoningPath", &c.Reasoning},
		{"InputTokensPath", &c.InputTokens}, {"OutputTokensPath", &c.OutputTokens},
		{"StreamTextPath", &c.StreamText}, {"StreamReasoningPath", &c.StreamReasoning},
		{"StreamInputTokensPath", &c.StreamInputTokens}, {"StreamOutputTokensPath", &c.StreamOutputTokens},
		{"StreamEndPath", &c.StreamEnd},
	}
}

// Paths are the parsed paths of a PathConfig, gathered into one Set for a
// body and one for a stream chunk, so that each document is read once. A
// nil path (empty in the Config and without a default) is not looked for.
type Paths struct {
	Text, Reasoning, InputTokens, OutputTokens                         *jsonpath.Path
	StreamText, StreamReasoning, StreamInputTokens, StreamOutputTokens *jsonpath.Path
	StreamEnd                                                          *jsonpath.Path

	// Body reads Text, Reasoning, InputTokens and OutputTokens, at the
	// indexes BodyText, BodyReasoning, BodyInputTokens and
	// BodyOutputTokens.
	Body *jsonpath.Set
	// Stream reads StreamText, StreamReasoning, StreamInputTokens,
	// StreamOutputTokens and StreamEnd, at the indexes ChunkText,
	// ChunkReasoning, ChunkInputTokens, ChunkOutputTokens and ChunkEnd,
	// then the extra paths given to ParsePaths, from ChunkExtra on.
	Stream *jsonpath.Set
}

// The indexes of the paths in Paths.Body.
const (
	BodyText = iota
	BodyReasoning
	BodyInputTokens
	BodyOutputTokens
)

// The indexes of the paths in Paths.Stream.
const (
	ChunkText = iota
	ChunkReasoning
	ChunkInputTokens
	ChunkOutputTokens
	ChunkEnd
	ChunkExtra // the first of the extra paths
)

// ParsePaths parses the paths of cfg, taking those of defaults where cfg's
// are empty; extra paths are added to the stream's Set. An error names the
// Config field and the byte at fault:
// `bedrock: Config.TextPath: jsonpath: parse "a..b": empty key at byte 2`.
func ParsePaths(service string, cfg, defaults PathConfig, extra ...*jsonpath.Path) (*Paths, error) {
	var parsed [9]*jsonpath.Path
	def := defaults.fields()
	for i, f := range cfg.fields() {
		v := *f.v
		if v == "" {
			v = *def[i].v
		}
		if v == "" {
			continue
		}
		p, err := jsonpath.Parse(v)
		if err != nil {
			return nil, fmt.Errorf("%s: Config.%s: %w", service, f.name, err)
		}
		parsed[i] = p
	}
	ps := &Paths{
		Text: parsed[0], Reasoning: parsed[1], InputTokens: parsed[2], OutputTokens: parsed[3],
		StreamText: parsed[4], StreamReasoning: parsed[5], StreamInputTokens: parsed[6], StreamOutputTokens: parsed[7],
		StreamEnd: parsed[8],
	}
	ps.Body = jsonpath.NewSet(ps.Text, ps.Reasoning, ps.InputTokens, ps.OutputTokens)
	ps.Stream = jsonpath.NewSet(append([]*jsonpath.Path{ps.StreamText, ps.StreamReasoning, ps.StreamInputTokens, ps.StreamOutputTokens, ps.StreamEnd}, extra...)...)
	return ps, nil
}

// ReadBody reads a whole response body with the Body paths and reports
// it to rec: its reasoning, when found and not empty, then its text to
// Complete. It returns the token counts the body holds, zero where a count
// is missing or negative, for the caller to report. The text must be found
// (a null text is empty text); an error says which step of the path
// failed, and data that is not JSON is an error wrapping
// jsonpath.ErrSyntax.
func (ps *Paths) ReadBody(body []byte, rec endpoints.Recorder) (endpoints.Usage, error) {
	v := ps.Body.NewValues()
	if err := ps.Body.Read(body, v); err != nil {
		return endpoints.Usage{}, err
	}
	if _, found := v.Lookup(BodyText); !found {
		_, err := ps.Text.Get(body) // to name the step that failed
		return endpoints.Usage{}, err
	}
	text, _, err := v.Text(BodyText, nil) // not found: null, which is empty
	if err != nil {
		return endpoints.Usage{}, err
	}
	reasoning, found, err := v.Text(BodyReasoning, nil)
	if err != nil {
		return endpoints.Usage{}, err
	}
	if found && len(reasoning) > 0 {
		rec.Reasoning(string(reasoning))
	}
	rec.Complete(string(text))
	var u endpoints.Usage
	if u.InputTokens, err = count(v, BodyInputTokens); err != nil {
		return endpoints.Usage{}, err
	}
	if u.OutputTokens, err = count(v, BodyOutputTokens); err != nil {
		return endpoints.Usage{}, err
	}
	return u, nil
}

// Chunk is what ReadChunk found in one chunk or line of a stream.
type Chunk struct {
	// Text and Reasoning are the unescaped text and reasoning, valid until
	// the next ReadChunk; TextFound says whether the text path led to a
	// string (an empty one included).
	Text, Reasoning []byte
	TextFound       bool
	// Usage holds the token counts, zero where a count is missing or
	// negative.
	Usage endpoints.Usage
	// End says whether the StreamEnd path leads to a value other than
	// null.
	End bool
}

// ChunkReader reads the chunks or lines of one stream with a Paths'
// Stream Set. It allocates nothing per chunk, but for a text or reasoning
// with escapes longer than its 512-byte buffers. It is not safe for
// concurrent use.
type ChunkReader struct {
	// Values holds what the last ReadChunk read, the extra paths
	// included.
	Values *jsonpath.Values

	set             *jsonpath.Set
	text, reasoning [512]byte // unescaped text, reused from chunk to chunk
}

// NewChunkReader returns a reader of the chunks of one stream.
func (ps *Paths) NewChunkReader() *ChunkReader {
	return &ChunkReader{set: ps.Stream, Values: ps.Stream.NewValues()}
}

// ReadChunk reads one chunk or line, a JSON document. Data that is not
// JSON is an error wrapping jsonpath.ErrSyntax; a value of the wrong type
// for its path is an error naming the path.
func (r *ChunkReader) ReadChunk(data []byte) (Chunk, error) {
	var c Chunk
	v := r.Values
	if err := r.set.Read(data, v); err != nil {
		return c, err
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] != '{' && t[0] != '[' {
		return c, fmt.Errorf("want a JSON object, got %s", scalarKind(t[0]))
	}
	var err error
	if c.Text, c.TextFound, err = v.Text(ChunkText, r.text[:0]); err != nil {
		return c, err
	}
	var found bool
	if c.Reasoning, found, err = v.Text(ChunkReasoning, r.reasoning[:0]); err != nil || !found {
		c.Reasoning = nil
		if err != nil {
			return c, err
		}
	}
	if c.Usage.InputTokens, err = count(v, ChunkInputTokens); err != nil {
		return c, err
	}
	if c.Usage.OutputTokens, err = count(v, ChunkOutputTokens); err != nil {
		return c, err
	}
	c.End = v.Present(ChunkEnd)
	return c, nil
}

// scalarKind names the JSON type of a valid scalar by its first byte.
func scalarKind(c byte) string {
	switch c {
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// count reads the token count at path i: zero when it leads nowhere or to
// a negative number.
func count(v *jsonpath.Values, i int) (int, error) {
	n, found, err := v.Count(i)
	if err != nil || !found {
		return 0, err
	}
	return max(n, 0), nil
}
