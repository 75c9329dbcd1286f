package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFlagMistakes checks that every mistake cobra and pflag find is one
// line naming the flag as the command's messages do, with two dashes,
// then the pointer to -h, and exit status 2.
func TestFlagMistakes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--bogus"}, "llmtest run: flag provided but not defined: --bogus"},
		{[]string{"run", "-x"}, "llmtest run: flag provided but not defined: -x"},
		{[]string{"run", "-clients", "3"}, "llmtest run: flag provided but not defined: -clients (a long flag takes two dashes: --clients)"},
		{[]string{"run", "-clients=3"}, "llmtest run: flag provided but not defined: -clients (a long flag takes two dashes: --clients)"},
		{[]string{"run", "--clients=x"}, `llmtest run: invalid value "x" for flag --clients: parse error`},
		{[]string{"run", "--stream=maybe"}, `llmtest run: invalid value "maybe" for flag --stream: parse error`},
		{[]string{"run", "--timeout", "5"}, `llmtest run: invalid value "5" for flag --timeout: parse error`},
		{[]string{"run", "-f"}, "llmtest run: flag needs an argument: -f"},
		{[]string{"run", "--file"}, "llmtest run: flag needs an argument: --file"},
		{[]string{"sim", "extra"}, `llmtest sim: unexpected argument "extra"`},
		{[]string{"merge", "--force=no", "d"}, `llmtest merge: invalid value "no" for flag --force: parse error`},
		{[]string{"report", "--slo"}, "llmtest report: flag needs an argument: --slo"},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		assert.Equal(t, exitUsage, code, "%v", c.args)
		assert.Empty(t, stdout, "%v", c.args)
		assert.Equal(t, c.want+"\nRun 'llmtest "+c.args[0]+" -h' for the flags.\n", stderr, "%v", c.args)
	}
	code, _, stderr := runCLI(t, "--clients", "3")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "llmtest: flag provided but not defined: --clients\nRun 'llmtest help' for the commands.\n", stderr)
}
