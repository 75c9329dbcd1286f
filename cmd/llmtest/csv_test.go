package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/llmtest"
)

func TestReportCSV(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"run", "--clients", "2", "--requests", "4", "--max-tokens", "4", "--low-memory", "--out", out, "--run-name", "rows"}, fastSim...)
	code, _, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, stderr)
	dir := filepath.Join(out, "rows")
	file := filepath.Join(t.TempDir(), "rows.csv")
	code, stdout, stderr := runCLI(t, "report", dir, "--csv", file)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "llmtest run rows", "the summary still prints")

	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, llmtest.CSVColumns(), rows[0])
	res, err := llmtest.LoadResult(dir)
	require.NoError(t, err)
	var invs []llmtest.Invocation
	for inv, err := range res.Responses() {
		require.NoError(t, err)
		invs = append(invs, inv)
	}
	require.Len(t, rows, len(invs)+1)
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for i, inv := range invs {
		row := rows[i+1]
		assert.Equal(t, inv.ID, row[col["id"]])
		require.True(t, inv.Conn.Traced, "the simulator is tested over HTTP")
		assert.Equal(t, strconv.FormatBool(inv.Conn.Reused), row[col["conn_reused"]])
		ttfb, err := strconv.ParseFloat(row[col["time_to_first_byte"]], 64)
		require.NoError(t, err)
		assert.Equal(t, inv.Conn.FirstByte.Seconds(), ttfb)
	}

	// --csv - writes the CSV to standard output, the summary to standard
	// error, and nothing named "-".
	t.Chdir(t.TempDir())
	code, stdout, stderr = runCLI(t, "report", dir, "--csv", "-")
	require.Equal(t, exitOK, code, stderr)
	piped, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	require.NoError(t, err, stdout)
	assert.Equal(t, rows, piped)
	assert.Contains(t, stderr, "llmtest run rows")
	assert.NoFileExists(t, "-")
	code, _, stderr = runCLI(t, "report", dir, "--csv", "-", "--json", "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--csv - and another report both name standard output (-)")
}

func TestReportCSVUsageErrors(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCLI(t, "report", out, "--csv", filepath.Join(out, "missing", "x.csv"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `the folder "`+filepath.Join(out, "missing")+`" does not exist`)
	code, _, stderr = runCLI(t, "report", out, "--csv", out)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--csv "+`"`+out+`": is a folder; give a file`)
}
