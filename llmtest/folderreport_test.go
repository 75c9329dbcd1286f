package llmtest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/reporters"
)

// TestFolderReportsAreWrittenIntoEveryFolder registers a folder report, as
// package reporters/html does, and checks that a run's folder and a
// sweep's folder (and each of its levels' run folders) get its file, that
// a second run into the same folder removes the first run's file while it
// runs, and that a report's error names the file.
func TestFolderReportsAreWrittenIntoEveryFolder(t *testing.T) {
	const name = "extra.test.txt"
	t.Cleanup(reporters.RegisterFolderReport(reporters.FolderReport{
		Name: name,
		Run: func(w io.Writer, run *reporters.Run) error {
			_, err := fmt.Fprintf(w, "run %s: %d requests", run.Name, run.Counts.Total)
			return err
		},
		Sweep: func(w io.Writer, s *reporters.Sweep) error {
			_, err := fmt.Fprintf(w, "sweep %s: %d levels", s.Name, len(s.Levels))
			return err
		},
	}))
	out := t.TempDir()
	r := NewRunner(Config{Endpoint: &fakeEndpoint{Chunks: []string{"a"}}, OutputPath: out, RunName: "one"})
	res, err := r.Run(t.Context(), Config{Payloads: prompts(3)})
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(res.OutputPath, name))
	require.NoError(t, err)
	assert.Equal(t, "run one: 3 requests", string(b))
	assert.Contains(t, endOfRunFiles(), name, "a new run into the folder removes it first")

	sw, err := r.Sweep(t.Context(), Config{Payloads: prompts(2)}, SweepConfig{Name: "sw", Levels: ClientLevels(1, 2), MinRequestsPerRun: 2})
	require.NoError(t, err)
	b, err = os.ReadFile(filepath.Join(sw.OutputPath, name))
	require.NoError(t, err)
	assert.Equal(t, "sweep sw: 2 levels", string(b))
	for _, lr := range sw.Results {
		assert.FileExists(t, filepath.Join(lr.OutputPath, name), "each level's run folder has it")
	}

	t.Cleanup(reporters.RegisterFolderReport(reporters.FolderReport{
		Name: "broken.test.txt",
		Run:  func(io.Writer, *reporters.Run) error { return fmt.Errorf("no") },
	}))
	err = res.SaveTo(t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "broken.test.txt")
}
