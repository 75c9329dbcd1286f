package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/reporters"
)

// Secrets of TestNoSecretInAnyReportOrExport, each recognisable.
const (
	cliKey       = "sk-llmtest-FAKE-CLI-KEY-5e0c1a"
	urlPassword  = "pw-llmtest-FAKE-URL-91bd"
	urlQueryKey  = "qk-llmtest-FAKE-URL-27fa"
	smPassword   = "pw-llmtest-FAKE-SCRAPE-3c8e"
	smToken      = "tk-llmtest-FAKE-SCRAPE-d41f"
	otlpToken    = "tk-llmtest-FAKE-OTLP-6a02"
	otlpAPIValue = "ak-llmtest-FAKE-OTLP-b7e3"
)

var cliSecrets = []string{cliKey, urlPassword, urlQueryKey, smPassword, smToken, otlpToken, otlpAPIValue}

// TestNoSecretInAnyReportOrExport runs against the simulator with a
// secret in every place the command line takes one — the API key (from
// the environment), --url's password and query, --server-metrics'
// password and token (as a URL, then as a path on the --url host), and
// two --otlp-header values — and every report on: the run folder
// (report.html included), --junit, --md, --json, --prometheus, and what
// the OTLP receiver was sent; then `llmtest report` and `llmtest merge`
// of the folder. No file, export, output or message holds a secret.
func TestNoSecretInAnyReportOrExport(t *testing.T) {
	srv, err := sim.NewServer(sim.ServerConfig{Config: sim.Config{Seed: 3}, APIKey: cliKey})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	t.Setenv("MY_KEY", cliKey)
	withUser := func(user, pw string) string {
		return strings.Replace(srv.URL, "http://", "http://"+user+":"+pw+"@", 1)
	}
	base := withUser("llmtest-user", urlPassword) + "/v1?key=" + urlQueryKey
	rcv := startOTLPReceiver(t)

	for _, c := range []struct{ name, serverMetrics string }{
		{"url", withUser("scraper", smPassword) + "/metrics?token=" + smToken},
		{"path", "/metrics?token=" + smToken},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			reports := t.TempDir()
			code, stdout, stderr := runCLI(t, "run", "--url", base, "--model", "m", "--api-key-env", "MY_KEY",
				"--clients", "2", "--requests", "2", "--max-tokens", "8", "--out", out, "--run-name", "r",
				"--slo", "error_rate < 1%", "--server-metrics", c.serverMetrics,
				"--junit", filepath.Join(reports, "junit.xml"), "--md", filepath.Join(reports, "report.md"),
				"--json", filepath.Join(reports, "report.json"), "--prometheus", filepath.Join(reports, "llmtest.prom"),
				"--otlp-endpoint", rcv.URL, "--otlp-header", "Authorization=Bearer "+otlpToken, "--otlp-header", "X-Api-Key="+otlpAPIValue)
			require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Contains(t, stdout, "4 requests, 0 failed", "the key and the URL's query reached the server")
			texts := []string{stdout, stderr}

			dir := filepath.Join(out, "r")
			run := readRun(t, dir)
			require.NotNil(t, run.ServerMetrics)
			assert.Equal(t, srv.URL+"/metrics", run.ServerMetrics.URL, "shown without user information or query")
			assert.Empty(t, run.ServerMetrics.Warnings, "the scrape, its token kept as a query, worked")
			assert.Equal(t, reporters.ServerVLLM, run.ServerMetrics.Server)
			assert.FileExists(t, filepath.Join(dir, "report.html"))

			code, stdout, stderr = runCLI(t, "report", dir, "--prometheus", "-", "--md", filepath.Join(reports, "again.md"))
			require.Equal(t, exitOK, code, stderr)
			texts = append(texts, stdout, stderr)
			code, stdout, stderr = runCLI(t, "merge", dir, dir, "--out", out, "--run-name", "merged", "--prometheus", "-")
			require.Equal(t, exitOK, code, stderr)
			texts = append(texts, stdout, stderr)

			files, err := os.ReadDir(reports)
			require.NoError(t, err)
			assert.Len(t, files, 5, "--junit, --md twice, --json, --prometheus")
			rcv.mu.Lock()
			require.NotEmpty(t, rcv.bodies)
			for _, b := range rcv.bodies {
				texts = append(texts, string(b))
			}
			assert.Equal(t, "Bearer "+otlpToken, rcv.auth[len(rcv.auth)-1], "the header was sent")
			rcv.mu.Unlock()
			for _, secret := range cliSecrets {
				assertNoSecret(t, secret, out, texts...)
				assertNoSecret(t, secret, reports)
			}
		})
	}
}

// TestReadingCommandsShowNoURLSecret gives report, compare and merge
// folders as URLs with a password or a query: each is refused or fails,
// and no message holds the secret.
func TestReadingCommandsShowNoURLSecret(t *testing.T) {
	local := t.TempDir()
	for _, c := range [][]string{
		{"report", "s3://AKIDLLMTEST:" + urlPassword + "@bucket/run"},
		{"report", "http://u:" + urlPassword + "@host/run"},
		{"report", "s3://bucket/run?secret=" + urlQueryKey},
		{"report", local, "--md", "https://u:" + urlPassword + "@host/r.md"},
		{"compare", "s3://AKIDLLMTEST:" + urlPassword + "@bucket/a", local},
		{"compare", local, "gs://u:" + urlPassword + "@bucket/b"},
		{"merge", "s3://AKIDLLMTEST:" + urlPassword + "@bucket/a", "s3://bucket/b"},
		{"merge", "s3://bucket/a?secret=" + urlQueryKey, "s3://bucket/b?secret=" + urlQueryKey},
		{"merge", local, local, "--out", "s3://AKIDLLMTEST:" + urlPassword + "@bucket/r"},
	} {
		code, stdout, stderr := runCLI(t, c...)
		assert.NotEqual(t, exitOK, code, "%q", c)
		assert.Contains(t, stderr, "llmtest "+c[0]+": ", "%q", c)
		for _, s := range []string{urlPassword, urlQueryKey} {
			assert.NotContains(t, stdout+stderr, s, "%q", c)
		}
	}
}
