package reporters

import (
	"io"
	"slices"
	"sync"
)

// FolderReport is a report written into every folder of results, next to
// the reports of this package: a run folder (Run) and a sweep's folder
// (Sweep), which package llmtest saves, and a heatmap's folder (Heatmap),
// which the llmtest command writes. It is the hook through
// which a renderer with heavy dependencies — package reporters/html, which
// draws charts with gonum.org/v1/plot — adds its file to the folders
// without package llmtest importing it: the renderer's package registers
// itself in its init function, so a program gets the file by importing
// that package, even for its side effect only:
//
//	import _ "github.com/llmtest/llmtest/reporters/html"
//
// The llmtest command does; a test that wants report.html in its run
// folders imports the package as above.
type FolderReport struct {
	// Name is the report's file name in the folder, such as "report.html".
	Name string
	// Run renders a run; Sweep a sweep; Heatmap a heatmap. A nil function
	// means the report has no file for that kind of folder. Each writes
	// the whole file to w, does not modify its argument, and returns an
	// error only for a writer's failure or a malformed model.
	Run     func(w io.Writer, run *Run) error
	Sweep   func(w io.Writer, s *Sweep) error
	Heatmap func(w io.Writer, h *Heatmap) error
}

var folderReports struct {
	sync.Mutex
	list []FolderReport
}

// RegisterFolderReport adds r to the reports written into every folder,
// replacing a report registered before under the same Name, and returns a
// function that removes the report of that Name again (for a test's
// cleanup; a package that registers in its init function ignores it). It is safe for concurrent
// use; a report registered while a folder is being saved may or may not
// be in it.
func RegisterFolderReport(r FolderReport) (unregister func()) {
	folderReports.Lock()
	defer folderReports.Unlock()
	folderReports.list = slices.DeleteFunc(folderReports.list, func(o FolderReport) bool { return o.Name == r.Name })
	folderReports.list = append(folderReports.list, r)
	return func() {
		folderReports.Lock()
		defer folderReports.Unlock()
		folderReports.list = slices.DeleteFunc(folderReports.list, func(o FolderReport) bool { return o.Name == r.Name })
	}
}

// FolderReports returns the registered folder reports, in order of
// registration. The slice is a copy.
func FolderReports() []FolderReport {
	folderReports.Lock()
	defer folderReports.Unlock()
	return slices.Clone(folderReports.list)
}
