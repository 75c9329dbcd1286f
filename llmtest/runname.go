package llmtest

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync/atomic"
	"time"
)

// newRunName returns a run name made of the UTC start time to the second
// and 6 hex digits, such as "20261127-015300-3fa9c1", so that runs started
// in the same second get different folders: the digits start at a random
// value in each process and count up, so they never repeat within a
// process (for 16 million names) and rarely across processes.
func newRunName(now time.Time) string {
	n := runNameBase + runNameCount.Add(1)
	b := [3]byte{byte(n >> 16), byte(n >> 8), byte(n)}
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

var (
	runNameBase  = randomUint32()
	runNameCount atomic.Uint32
)

func randomUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return binary.LittleEndian.Uint32(b[:])
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
