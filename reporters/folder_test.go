package reporters

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func names(rs []FolderReport) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func TestRegisterFolderReport(t *testing.T) {
	before := names(FolderReports())
	write := func(text string) func(io.Writer, *Run) error {
		return func(w io.Writer, _ *Run) error { _, err := io.WriteString(w, text); return err }
	}
	undoA := RegisterFolderReport(FolderReport{Name: "a.test", Run: write("first")})
	undoB := RegisterFolderReport(FolderReport{Name: "b.test", Run: write("b")})
	RegisterFolderReport(FolderReport{Name: "a.test", Run: write("second")}) // replaces the first a.test

	got := FolderReports()
	assert.Equal(t, append(append([]string(nil), before...), "b.test", "a.test"), names(got), "one report per name, the latest last")
	var sb stringsWriter
	require.NoError(t, got[len(got)-1].Run(&sb, &Run{}))
	assert.Equal(t, "second", string(sb), "the later registration replaced the earlier one")

	got[0].Name = "changed"
	assert.NotEqual(t, "changed", FolderReports()[0].Name, "FolderReports returns a copy")

	undoA()
	undoB()
	assert.Equal(t, before, names(FolderReports()), "unregistering removes them")
}

type stringsWriter []byte

func (s *stringsWriter) Write(b []byte) (int, error) { *s = append(*s, b...); return len(b), nil }
