package main

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"

	"github.com/llmtest/llmtest/llmtest"
)

// checkCSVPath checks the file --csv names before anything is read: not a
// folder, in a folder that exists.
func checkCSVPath(path string) error {
	if path == stdoutName {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usageErrorf("--csv %q: is a folder; give a file", path)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageErrorf("--csv %q: the folder %q does not exist", path, dir)
	}
	return nil
}

// writeCSVFile writes the run's invocations to path as CSV
// (llmtest.WriteCSV), streaming them from the run folder's
// responses.jsonl when the result keeps none in memory.
func writeCSVFile(path string, res *llmtest.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = res.WriteCSV(w)
	return errors.Join(err, w.Flush(), f.Close())
}
