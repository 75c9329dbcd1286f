package llmtest

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// newRunName returns a run name made of the UTC start time to the second
// and 6 random hex digits, such as "20261127-015300-3fa9c1", so that runs
// started in the same second get different folders.
func newRunName(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// validRunName rejects names that cannot be one folder name.
func validRunName(name string) error {
	switch {
	case name == "":
		return nil
	case name == "." || name == "..":
		return configErrorf("RunName", "%q is not a folder name", name)
	case strings.ContainsAny(name, `/\`+"\x00"):
		return configErrorf("RunName", "%q must not contain a path separator", name)
	}
	return nil
}
