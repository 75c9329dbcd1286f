package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// readBuildInfo returns the binary's build information, nil when it has
// none.
func readBuildInfo() *debug.BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return bi
}

// versionText returns the version line of a binary built as bi says:
//
//	llmtest v1.2.0 (commit 0123456789ab, 2026-12-01T10:00:00Z, modified, go1.26.0 linux/amd64)
//
// The version is the main module's: "(devel)" for a build from a
// checkout, without a version; the commit (its first 12 hex digits), its
// time and "modified" (uncommitted changes) come from the VCS stamp, and
// are left out when the build has none (go build -buildvcs=false). A nil
// bi gives "(unknown)".
func versionText(bi *debug.BuildInfo) string {
	if bi == nil {
		return fmt.Sprintf("llmtest (unknown) (%s %s/%s)", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	var parts []string
	if rev := settings["vcs.revision"]; rev != "" {
		parts = append(parts, "commit "+rev[:min(len(rev), 12)])
	}
	if t := settings["vcs.time"]; t != "" {
		parts = append(parts, t)
	}
	if settings["vcs.modified"] == "true" {
		parts = append(parts, "modified")
	}
	goos, goarch := settings["GOOS"], settings["GOARCH"]
	if goos == "" || goarch == "" {
		goos, goarch = runtime.GOOS, runtime.GOARCH
	}
	goVersion := bi.GoVersion
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	parts = append(parts, goVersion+" "+goos+"/"+goarch)
	return fmt.Sprintf("llmtest %s (%s)", version, strings.Join(parts, ", "))
}

// newVersionCommand returns `llmtest version`, which prints what
// `llmtest --version` does.
func newVersionCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:                   "version",
		Short:                 "print the version: module version, commit, Go version",
		DisableFlagsInUseLine: true,
		Args:                  noArgs,
		ValidArgsFunction:     cobra.NoFileCompletions,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintln(stdout, c.Root().Version)
			return nil
		},
	}
}
