package workloads_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/workloads"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

const shareGPT = `[
 {"id": "a", "conversations": [{"from": "human", "value": "What is a haiku?"}, {"from": "gpt", "value": "A short poem of three lines"}, {"from": "human", "value": "thanks"}]},
 {"id": "b", "conversations": [{"from": "gpt", "value": "no human here"}]},
 {"id": "c", "conversations": [{"from": "system", "value": "be brief"}, {"from": "user", "value": "Name two rivers"}, {"from": "assistant", "value": "Nile Amazon"}]},
 {"id": "d", "conversations": []}
]`

func TestLoadShareGPT(t *testing.T) {
	path := writeFile(t, "sg.json", shareGPT)
	ps, err := workloads.LoadDataset("sharegpt:" + path)
	require.NoError(t, err)
	assert.Equal(t, []workloads.Prompt{
		{Text: "What is a haiku?", Reply: "A short poem of three lines", Where: path + ": record 1"},
		{Text: "Name two rivers", Reply: "Nile Amazon", Where: path + ": record 3"},
	}, ps)

	items, err := (&workloads.Dataset{Prompts: ps, Payload: openai.ChatPayload}).Items()
	require.NoError(t, err)
	require.Len(t, items, 2)
	assert.Equal(t, 4, items[0].InputTokens)
	assert.Equal(t, 6, items[0].OutputTokens, "the reply's length is the output limit")
	assert.Equal(t, 6, items[0].Payload["max_tokens"])
	assert.Equal(t, 2, items[1].OutputTokens)
}

func TestLoadShareGPTMalformed(t *testing.T) {
	for text, msg := range map[string]string{
		`{"conversations": []}`: "want a JSON array of records",
		`[{"conversations": [{"from": "human", "value": "hi"}]}, 3]`: "record 2: want an object",
		`[{"id": 1}]`: "record 1: conversations: missing",
		`[{"conversations": [{"from": "human"}]}]`:                  "record 1: conversations[0]: want string fields",
		`[{"conversations": [{"from": "human", "value": "hi"}]}, {`: "record 2:",
		`[{"conversations": [{"from": "gpt", "value": "hi"}]}]`:     "no record with a human turn",
	} {
		path := writeFile(t, "sg.json", text)
		_, err := workloads.LoadShareGPT(path)
		if assert.Error(t, err, text) {
			assert.Contains(t, err.Error(), path, "the error names the file")
			assert.Contains(t, err.Error(), msg, text)
		}
	}
}

func TestLoadText(t *testing.T) {
	path := writeFile(t, "p.txt", "  first prompt here \n\n\tsecond\r\n")
	ps, err := workloads.LoadDataset("text:" + path)
	require.NoError(t, err)
	assert.Equal(t, []workloads.Prompt{
		{Text: "first prompt here", Where: path + ":1"},
		{Text: "second", Where: path + ":3"},
	}, ps)
	_, err = workloads.LoadText(writeFile(t, "empty.txt", "\n \n"))
	assert.Error(t, err)
}

func TestLoadJSONL(t *testing.T) {
	path := writeFile(t, "p.jsonl", `{"prompt": "one two three", "output_tokens": 12}`+"\n\n"+`{"prompt": "four"}`+"\n")
	ps, err := workloads.LoadDataset("jsonl:" + path)
	require.NoError(t, err)
	assert.Equal(t, []workloads.Prompt{
		{Text: "one two three", OutputTokens: 12, Where: path + ":1"},
		{Text: "four", Where: path + ":3"},
	}, ps)

	for text, msg := range map[string]string{
		"{\"prompt\": \"ok\"}\n\n[1]":                    ":3: want an object",
		"{\"prompt\": \"ok\"}\n{\"text\": \"x\"}":        ":2: prompt: missing",
		"{\"prompt\": \"  \"}":                           ":1: prompt: empty",
		"{\"prompt\": \"a\", \"output_tokens\": -1}":     ":1: output_tokens",
		"{\"prompt\": \"a\"} {\"prompt\": \"b\"}":        ":1: more than one JSON value",
		"{\"prompt\": \"a\"}\n{\"prompt\": \"b\", oops}": ":2: want an object",
	} {
		p := writeFile(t, "bad.jsonl", text)
		_, err := workloads.LoadJSONL(p)
		if assert.Error(t, err, text) {
			assert.Contains(t, err.Error(), p+msg, text)
		}
	}
}

func TestLoadDatasetSpec(t *testing.T) {
	for spec, msg := range map[string]string{
		"file.json":       "want KIND:FILE",
		"sharegpt:":       "want KIND:FILE",
		"csv:file.csv":    `unknown kind "csv"`,
		"text:/no/such/f": "no such file",
	} {
		_, err := workloads.LoadDataset(spec)
		if assert.Error(t, err, spec) {
			assert.Contains(t, err.Error(), msg, spec)
		}
	}
}

func TestDatasetFilterAndSample(t *testing.T) {
	var ps []workloads.Prompt
	for n := 1; n <= 100; n++ {
		ps = append(ps, workloads.Prompt{Text: strings.Repeat("w ", n), Where: "f:" + string(rune('0'+n%10))})
	}
	d := workloads.Dataset{Prompts: ps, MinInput: 10, MaxInput: 59, Output: workloads.Fixed(5), Payload: openai.ChatPayload}
	all, err := d.Items()
	require.NoError(t, err)
	require.Len(t, all, 50)
	for i, it := range all {
		assert.Equal(t, 10+i, it.InputTokens, "file order without Sample")
	}

	d.Sample, d.Seed = 20, 4
	a, err := d.Items()
	require.NoError(t, err)
	b, err := d.Items()
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same seed samples the same prompts")
	require.Len(t, a, 20)
	seen := map[int]bool{}
	for _, it := range a {
		assert.True(t, it.InputTokens >= 10 && it.InputTokens <= 59, it.InputTokens)
		assert.False(t, seen[it.InputTokens], "sampled without replacement")
		seen[it.InputTokens] = true
	}
	d.Seed = 5
	c, err := d.Items()
	require.NoError(t, err)
	assert.NotEqual(t, a, c)

	d.Sample = 51
	_, err = d.Items()
	assert.ErrorContains(t, err, "want 51 prompts, the filters leave 50")
	d.Sample, d.MinInput, d.MaxInput = 0, 200, 0
	_, err = d.Items()
	assert.ErrorContains(t, err, "none of 100 prompts")

	// Text prompts have no output length of their own.
	_, err = (&workloads.Dataset{Prompts: []workloads.Prompt{{Text: "hi", Where: "p.txt:7"}}, Payload: openai.ChatPayload}).Items()
	assert.ErrorContains(t, err, "p.txt:7: no output length")
}
