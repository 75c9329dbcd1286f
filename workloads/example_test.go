package workloads_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/llmtest/llmtest/endpoints/openai"
	"github.com/llmtest/llmtest/tokenizers"
	"github.com/llmtest/llmtest/workloads"
)

func ExampleSynthetic() {
	input, _ := workloads.ParseLengths("uniform:50,60")
	s := workloads.Synthetic{
		Input:   input,
		Output:  workloads.Fixed(128),
		Seed:    1,
		Payload: openai.ChatPayload,
	}
	items, err := s.Generate(3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range items {
		fmt.Println(it.InputTokens == tokenizers.Whitespace{}.Count(it.Prompt), it.Payload["max_tokens"])
	}
	// Output:
	// true 128
	// true 128
	// true 128
}

func ExampleParseLengths() {
	for _, s := range []string{"512", "normal:512,64", "list:100,200", "uniform:9,3"} {
		l, err := workloads.ParseLengths(s)
		fmt.Println(l, err)
	}
	// Output:
	// 512 <nil>
	// normal:512,64 <nil>
	// list:100,200 <nil>
	// <nil> lengths "uniform:9,3": MIN 9 is above MAX 3
}

func ExampleDataset() {
	path := filepath.Join(os.TempDir(), "workloads-example.txt")
	os.WriteFile(path, []byte("What is a haiku?\n\nWrite one about the sea, in five lines or fewer.\n"), 0o644)
	defer os.Remove(path)

	prompts, err := workloads.LoadDataset("text:" + path)
	if err != nil {
		fmt.Println(err)
		return
	}
	d := workloads.Dataset{Prompts: prompts, MaxInput: 5, Output: workloads.Fixed(64), Payload: openai.ChatPayload}
	items, err := d.Items()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range items {
		fmt.Println(it.Prompt, it.InputTokens, it.OutputTokens)
	}
	// Output:
	// What is a haiku? 4 64
}

func ExampleSynthetic_GenerateContext() {
	// A workload of a million long prompts takes a while to build; a
	// context gives it up, as a test's deadline or a signal would.
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // given up before it starts
	s := workloads.Synthetic{Input: workloads.Fixed(1000), Output: workloads.Fixed(200), Payload: openai.ChatPayload}
	items, err := s.GenerateContext(ctx, 1_000_000)
	fmt.Println(len(items), errors.Is(err, context.Canceled))
	fmt.Println(err)
	// Output:
	// 0 true
	// workloads: stopped before request 1: context canceled
}
