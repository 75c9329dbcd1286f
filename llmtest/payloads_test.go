package llmtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func promptsOf(ps []endpoints.Payload) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i], _ = p["prompt"].(string)
	}
	return out
}

func TestLoadPayloadsFiles(t *testing.T) {
	ps, err := LoadPayloads(writeFile(t, "one.json", `{"prompt": "a", "max_tokens": 8}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, promptsOf(ps))
	assert.EqualValues(t, 8, ps[0]["max_tokens"])

	ps, err = LoadPayloads(writeFile(t, "many.json", `[{"prompt": "a"}, {"prompt": "b"}]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, promptsOf(ps))

	ps, err = LoadPayloads(writeFile(t, "lines.jsonl", "{\"prompt\": \"a\"}\r\n\n   \n{\"prompt\": \"b\"}"))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, promptsOf(ps), "CRLF, blank lines, no final newline")

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.jsonl"), []byte(`{"prompt":"b1"}`+"\n"+`{"prompt":"b2"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"prompt":"a"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".gitkeep"), nil, 0o644))
	ps, err = LoadPayloads(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b1", "b2"}, promptsOf(ps), "name order, dot files ignored")
}

func TestPayloadFolderReportsWhatItCannotRead(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"prompt":"a"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte(`not a payload`), 0o644))
	_, err := LoadPayloads(dir)
	var pe *PayloadError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, filepath.Join(dir, "notes.txt"), pe.Source)
	assert.ErrorContains(t, err, "notes.txt: not a payload file")

	require.NoError(t, os.Remove(filepath.Join(dir, "notes.txt")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "more"), 0o755))
	_, err = LoadPayloads(dir)
	assert.ErrorContains(t, err, "more: a folder inside a payload folder")
}

func TestPayloadLinePastTheLimit(t *testing.T) {
	defer func(n int) { maxPayloadLine = n }(maxPayloadLine)
	maxPayloadLine = 64
	content := `{"prompt":"a"}` + "\n" + `{"prompt":"` + strings.Repeat("x", 100) + `"}` + "\n"
	p := writeFile(t, "long.jsonl", content)
	_, err := LoadPayloads(p)
	var pe *PayloadError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 2, pe.Line)
	assert.Equal(t, p+":2: line longer than the limit of 64 bytes (llmtest.MaxPayloadLine)", strings.TrimPrefix(err.Error(), "llmtest: "))
}

func TestLoadPayloadsErrors(t *testing.T) {
	cases := []struct {
		name, file, content, want string
		line                      int
	}{
		{"malformed jsonl line", "p.jsonl", "{\"prompt\":\"a\"}\n{\"prompt\":\n{\"prompt\":\"c\"}\n", "p.jsonl:2: invalid JSON", 2},
		{"jsonl non-object", "p.jsonl", "{\"prompt\":\"a\"}\n\n[1,2]\n", "p.jsonl:3: want a JSON object, got an array", 3},
		{"jsonl trailing data", "p.jsonl", "{\"prompt\":\"a\"} {\"prompt\":\"b\"}\n", "p.jsonl:1: invalid JSON: data after the object", 1},
		{"empty jsonl", "p.jsonl", "\n \n", "p.jsonl: no payloads", 0},
		{"empty json", "p.json", "  ", "p.json: no payloads", 0},
		{"empty array", "p.json", "[]", "p.json: no payloads", 0},
		{"json syntax line", "p.json", "{\n \"prompt\": \"a\",\n}\n", "p.json:3: invalid JSON", 3},
		{"json array element", "p.json", `[{"prompt":"a"}, 7]`, "p.json: element 1: want a JSON object, got a number", 0},
		{"wrong extension", "p.txt", `{}`, "unsupported file type", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadPayloads(writeFile(t, c.file, c.content))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			var pe *PayloadError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, c.line, pe.Line)
		})
	}
	_, err := LoadPayloads(filepath.Join(t.TempDir(), "missing.jsonl"))
	assert.ErrorContains(t, err, "missing.jsonl")
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = LoadPayloads(t.TempDir())
	assert.ErrorIs(t, err, ErrNoPayloads)
	assert.ErrorContains(t, err, "no .json or .jsonl file")
}

type chatPayload struct {
	Prompt    string `json:"prompt"`
	MaxTokens int    `json:"max_tokens"`
}

func TestResolvePayloadForms(t *testing.T) {
	for name, v := range map[string]any{
		"Payload":           endpoints.Payload{"prompt": "a"},
		"map":               map[string]any{"prompt": "a"},
		"[]Payload":         []endpoints.Payload{{"prompt": "a"}},
		"[]map":             []map[string]any{{"prompt": "a"}},
		"struct":            chatPayload{Prompt: "a", MaxTokens: 4},
		"pointer to struct": &chatPayload{Prompt: "a"},
		"[]struct":          []chatPayload{{Prompt: "a"}},
		"path":              writeFile(t, "a.jsonl", `{"prompt":"a"}`),
	} {
		ps, _, err := resolvePayloads(v)
		require.NoError(t, err, name)
		assert.Equal(t, []string{"a"}, promptsOf(ps), name)
	}
	for name, c := range map[string]struct {
		v    any
		want string
	}{
		"empty slice":   {[]endpoints.Payload{}, "Config.Payloads: no payloads"},
		"empty path":    {"", "Config.Payloads: empty path"},
		"nil element":   {[]endpoints.Payload{{"prompt": "a"}, nil}, "payload 1: nil payload"},
		"number":        {42, "Config.Payloads: int: want a JSON object, got a number"},
		"strings":       {[]string{"a"}, "payload 0: want a JSON object, got a string"},
		"unmarshalable": {func() {}, "Config.Payloads: cannot encode func()"},
	} {
		_, _, err := resolvePayloads(c.v)
		assert.ErrorContains(t, err, c.want, name)
	}
}

func TestEmptyPayloadSourceFailsRun(t *testing.T) {
	cfg := validConfig()
	cfg.Payloads = writeFile(t, "empty.jsonl", "")
	_, err := (&Runner{}).Run(context.Background(), cfg)
	assert.ErrorIs(t, err, ErrNoPayloads)
}
