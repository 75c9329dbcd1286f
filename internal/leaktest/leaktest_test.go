package leaktest

import (
	"os"
	"testing"
	"time"
)

// fakeT records what Settle reports instead of stopping the test.
type fakeT struct {
	testing.TB
	failed string
}

func (f *fakeT) Helper()                           {}
func (f *fakeT) Fatalf(format string, args ...any) { f.failed = format; panic(f) }

func TestSettleSeesAnOpenFile(t *testing.T) {
	base := Baseline(t)
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { settleTimeout = d }(settleTimeout)
	settleTimeout = 300 * time.Millisecond
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		Settle(ft, base) // the file is open: fails
	}()
	if ft.failed == "" {
		t.Error("Settle passed with a file left open")
	}
	f.Close()
	Settle(t, base)
}
