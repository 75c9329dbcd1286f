package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadLLMTest(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		`{"request_time":"2026-12-04T01:00:00.0001Z","intended_time":"2026-12-04T01:00:00Z","time_to_last_token":0.002,"error":null,"warmup":true}`,
		`{"request_time":"2026-12-04T01:00:00.0002Z","intended_time":"2026-12-04T01:00:00Z","time_to_last_token":0.002,"error":null}`,
		`{"request_time":"2026-12-04T01:00:00.0014Z","intended_time":"2026-12-04T01:00:00.001Z","time_to_last_token":0.004,"error":null}`,
		`{"request_time":"2026-12-04T01:00:00.0022Z","intended_time":"2026-12-04T01:00:00.002Z","time_to_last_token":null,"error":"boom"}`,
	}
	if err := os.WriteFile(filepath.Join(dir, "responses.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stats.json"), []byte(`{"dropped_requests":7}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := readLLMTest(dir)
	if err != nil {
		t.Fatal(err)
	}
	// 3 sent (the warm-up left out), 1 failed, 7 dropped; 2 gaps over 2ms:
	// 1000 req/s; lags 0.2, 0.4, 0.2 ms; latencies 2 and 4 ms.
	want := "3\t1\t7\t1000.0\t0.200\t0.396\t3.000\t3.980"
	if got := s.line(); got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
}

func TestReadVegeta(t *testing.T) {
	// Rate 1000: seq k meant for start + k ms. Sent at 0, 1.5 and 2 ms
	// after the first: lags 0, 0.5, 0 ms.
	csv := "1000000000,200,2000000,10,20,,,a,0,POST,u,\n" +
		"1001500000,200,3000000,10,20,,,a,1,POST,u,\n" +
		"1002000000,500,1000000,10,20,,,a,2,POST,u,\n"
	s, err := readVegeta(strings.NewReader(csv), 1000)
	if err != nil {
		t.Fatal(err)
	}
	want := "3\t1\t0\t1000.0\t0.000\t0.490\t2.500\t2.990"
	if got := s.line(); got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
	if _, err := readVegeta(strings.NewReader("1,200,3\n"), 1000); err == nil {
		t.Error("a short line is an error")
	}
}
