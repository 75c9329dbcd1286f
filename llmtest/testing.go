package llmtest

import (
	"testing"
)

// Run runs one load test inside a test or benchmark and returns its
// result, for the test's assertions.
//
// A configuration that breaks a rule, or payloads that cannot be loaded or
// prepared, fail the test at once with a message naming the field, file or
// line. The run uses t.Context(). A one-screen summary goes to t.Log.
//
// The run folder is Config.OutputPath/RunName, or, when OutputPath is
// empty, RunName under t.ArtifactDir() — which `go test -artifacts
// -outputdir DIR` keeps. run_config.json, payload.jsonl and responses.jsonl
// are written during the run; summary.json and stats.json are written in
// t.Cleanup, after the test's assertions ran.
//
// Run must be called from the test's goroutine: it calls t.FailNow on a
// bad configuration or a fatal run error. Failed requests do not fail the
// test; assert on the result for that.
func Run(t testing.TB, cfg Config) *Result {
	t.Helper()
	if cfg.OutputPath == "" {
		cfg.OutputPath = t.ArtifactDir()
	}
	e, err := newEngine(cfg)
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	res, err := e.run(t.Context(), false)
	if res != nil {
		t.Cleanup(func() {
			if err := res.Save(); err != nil {
				t.Errorf("llmtest: saving run %s: %v", res.RunName, err)
			}
		})
		t.Log("\n" + res.SummaryText())
	}
	if err != nil {
		t.Fatalf("llmtest: run %s: %v", e.cfg.RunName, err)
	}
	return res
}
