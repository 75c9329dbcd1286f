package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// complete returns the completions `llmtest __complete args...` offers
// (cobra's protocol: one per line, a tab before the description) and the
// directive that ends them (":4").
func complete(t *testing.T, args ...string) (completions []string, directive string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.NotEmpty(t, lines)
	for _, l := range lines[:len(lines)-1] {
		name, _, _ := strings.Cut(l, "\t")
		completions = append(completions, name)
	}
	return completions, lines[len(lines)-1]
}

func TestCompletionProtocol(t *testing.T) {
	const (
		noFiles = ":4"  // ShellCompDirectiveNoFileComp
		exts    = ":8"  // ShellCompDirectiveFilterFileExt
		dirs    = ":16" // ShellCompDirectiveFilterDirs
	)
	for _, c := range []struct {
		args      []string
		want      []string
		directive string
	}{
		{[]string{"r"}, []string{"run", "report"}, noFiles},
		{[]string{""}, []string{"run", "merge", "job", "report", "compare", "sim", "version", "completion", "help"}, noFiles},
		{[]string{"run", "--cli"}, []string{"--clients"}, noFiles},
		{[]string{"run", ""}, nil, noFiles},
		{[]string{"sim", ""}, nil, noFiles},
		{[]string{"version", ""}, nil, noFiles},
		{[]string{"run", "--sim-st"}, []string{"--sim-stall-rate", "--sim-stall"}, noFiles},
		{[]string{"run", "--api", ""}, apiNames(), noFiles},
		{[]string{"run", "--api", "bed"}, []string{"bedrock-converse", "bedrock-invoke"}, noFiles},
		{[]string{"run", "--progress", ""}, []string{"auto", "bar", "lines", "off"}, noFiles},
		{[]string{"run", "--style", ""}, []string{"tgi", "openai"}, noFiles},
		{[]string{"run", "--payload", ""}, []string{"json", "jsonl"}, exts},
		{[]string{"run", "--file", ""}, []string{"yaml", "yml"}, exts},
		{[]string{"run", "-f", ""}, []string{"yaml", "yml"}, exts},
		{[]string{"run", "--junit", ""}, []string{"xml"}, exts},
		{[]string{"run", "--out", ""}, nil, dirs},
		{[]string{"merge", "--out", ""}, nil, dirs},
		{[]string{"merge", ""}, nil, dirs},
		{[]string{"report", "--md", ""}, []string{"md"}, exts},
		{[]string{"report", "--html", ""}, []string{"html"}, exts},
		{[]string{"report", "run-folder", "--js"}, []string{"--json"}, noFiles},
		{[]string{"help", "m"}, []string{"merge"}, noFiles},
		{[]string{"completion", ""}, []string{"bash", "zsh", "fish", "powershell"}, noFiles},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			got, directive := complete(t, c.args...)
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.directive, directive)
		})
	}
}

// TestBashCompletion checks the bash script: valid bash, and, sourced in
// bash with the built command on PATH, completing as a user's Tab would.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	code, script, stderr := runCLI(t, "completion", "bash")
	require.Equal(t, exitOK, code, stderr)
	dir := t.TempDir()
	path := filepath.Join(dir, "llmtest.bash")
	require.NoError(t, os.WriteFile(path, []byte(script), 0o644))
	b, err := exec.Command(bash, "-n", path).CombinedOutput()
	require.NoError(t, err, "bash -n: %s", b)

	bin := buildCommand(t)
	// The script reads the words with bash-completion's
	// _get_comp_words_by_ref; without the package, a stand-in that splits
	// as bash does for these lines.
	driver := `
source "$1"
if ! declare -F _get_comp_words_by_ref >/dev/null; then
  _get_comp_words_by_ref() {
    cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cword=$COMP_CWORD
    words=("${COMP_WORDS[@]}")
  }
fi
compopt() { :; } # only valid while bash itself completes
complete_line() {
  COMP_LINE=$1 COMP_POINT=${#1}
  read -ra COMP_WORDS <<< "$COMP_LINE"
  [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  __start_llmtest llmtest "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  echo "$1|${COMPREPLY[*]}"
}
complete_line "llmtest r"
complete_line "llmtest run --cli"
complete_line "llmtest run --api anth"
complete_line "llmtest run --progress "
complete_line "llmtest help ver"
`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", driver, "driver", path)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, `llmtest r|run report
llmtest run --cli|--clients
llmtest run --api anth|anthropic
llmtest run --progress |auto bar lines off
llmtest help ver|version
`, string(out))
}

// TestOtherShellsCompletion checks that the zsh, fish and powershell
// scripts are written and call the command back for its completions.
func TestOtherShellsCompletion(t *testing.T) {
	for _, shell := range []string{"zsh", "fish", "powershell"} {
		code, script, stderr := runCLI(t, "completion", shell)
		assert.Equal(t, exitOK, code, "%s: %s", shell, stderr)
		assert.Contains(t, script, "llmtest", shell)
		assert.Contains(t, script, cobra.ShellCompRequestCmd, "%s: the script asks the command", shell)
	}
	code, _, stderr := runCLI(t, "completion", "tcsh")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "llmtest completion: ")
}
