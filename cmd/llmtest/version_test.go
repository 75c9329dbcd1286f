package main

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVersionText(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"a release, clean", &debug.BuildInfo{
			GoVersion: "go1.26.0",
			Main:      debug.Module{Path: "github.com/llmtest/llmtest", Version: "v1.2.0"},
			Settings: settings("GOOS", "darwin", "GOARCH", "arm64",
				"vcs.revision", "0123456789abcdef0123456789abcdef01234567", "vcs.time", "2026-12-01T10:00:00Z", "vcs.modified", "false"),
		}, "llmtest v1.2.0 (commit 0123456789ab, 2026-12-01T10:00:00Z, go1.26.0 darwin/arm64)"},
		{"a checkout with changes", &debug.BuildInfo{
			GoVersion: "go1.26.0",
			Main:      debug.Module{Path: "github.com/llmtest/llmtest", Version: "(devel)"},
			Settings: settings("GOOS", "linux", "GOARCH", "amd64",
				"vcs.revision", "fedcba9876543210", "vcs.time", "2026-12-04T01:00:00Z", "vcs.modified", "true"),
		}, "llmtest (devel) (commit fedcba987654, 2026-12-04T01:00:00Z, modified, go1.26.0 linux/amd64)"},
		{"no VCS stamp, no version", &debug.BuildInfo{
			GoVersion: "go1.26.0",
			Settings:  settings("GOOS", "linux", "GOARCH", "arm64"),
		}, "llmtest (devel) (go1.26.0 linux/arm64)"},
		{"a pseudo-version", &debug.BuildInfo{
			GoVersion: "go1.26.0",
			Main:      debug.Module{Version: "v0.0.0-20261204010000-fedcba987654+dirty"},
			Settings:  settings("GOOS", "linux", "GOARCH", "amd64", "vcs.revision", "abc"),
		}, "llmtest v0.0.0-20261204010000-fedcba987654+dirty (commit abc, go1.26.0 linux/amd64)"},
		{"no build info", nil,
			"llmtest (unknown) (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, versionText(c.bi))
		})
	}
}

// TestVersionCommand checks that `llmtest version`, --version and -v print
// the version line of the binary's build information.
func TestVersionCommand(t *testing.T) {
	want := versionText(readBuildInfo()) + "\n"
	assert.Regexp(t, `^llmtest \S+ \((.+, )?go\S+ \w+/\w+\)\n$`, want)
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		code, stdout, stderr := runCLI(t, args...)
		assert.Equal(t, exitOK, code, "%v", args)
		assert.Equal(t, want, stdout, "%v", args)
		assert.Empty(t, stderr, "%v", args)
	}
	code, _, stderr := runCLI(t, "version", "extra")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "llmtest version: unexpected argument \"extra\"\nRun 'llmtest version -h' for the flags.\n", stderr)
}
