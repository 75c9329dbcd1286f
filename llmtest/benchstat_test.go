package llmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints/sim"
	"github.com/llmtest/llmtest/reporters"
)

// BenchmarkSimulator is a load test as a Go benchmark: b.N requests to
// the in-process simulator, reported in benchstat's units.
//
//	go test ./llmtest -run '^$' -bench BenchmarkSimulator -count 10 > new.txt
func BenchmarkSimulator(b *testing.B) {
	ep, err := sim.New(sim.Config{Seed: 1, FirstTokenLatency: 200 * time.Microsecond, InterTokenLatency: 20 * time.Microsecond, MaxOutputTokens: 16})
	if err != nil {
		b.Fatal(err)
	}
	Benchmark(b, Config{Endpoint: ep, Payloads: prompts(4), Clients: 4})
}

// TestBenchmarkOutputFeedsBenchstat runs BenchmarkSimulator twice with
// -count 6, as `go test -bench` would, and compares the two outputs with
// benchstat from the tools module: every unit llmtest reports must appear
// in benchstat's table.
func TestBenchmarkOutputFeedsBenchstat(t *testing.T) {
	if testing.Short() {
		t.Skip("builds benchstat; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	toolsMod, err := filepath.Abs("../tools/go.mod")
	require.NoError(t, err)
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"old.txt", "new.txt"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkSimulator$", "-test.count=6", "-test.benchtime=40x")
		out, err := cmd.Output()
		require.NoError(t, err, "%s", out)
		require.Equal(t, 6, strings.Count(string(out), "BenchmarkSimulator"), "%s", out)
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, out, 0o644))
		files = append(files, path)
	}
	cmd := exec.Command(goBin, append([]string{"tool", "-modfile=" + toolsMod, "benchstat"}, files...)...)
	table, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", table)
	for _, unit := range []string{
		reporters.UnitTTFTP50, reporters.UnitTTFTP99, reporters.UnitTPOTP50, reporters.UnitITLP99,
		reporters.UnitE2EP99, reporters.UnitOutputTokensPerSec, reporters.UnitRequestsPerSec,
	} {
		// benchstat shows a unit ending in "ns" in seconds.
		shown := unit
		if s, ok := strings.CutSuffix(unit, "-ns"); ok {
			shown = s + "-sec"
		}
		assert.Contains(t, string(table), shown, "unit %s missing from benchstat's table", unit)
	}
	assert.Contains(t, string(table), "Simulator")
}
