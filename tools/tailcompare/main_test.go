package main

import (
	"strings"
	"testing"
)

func TestLLMTestLine(t *testing.T) {
	// Two successes of 1 ms and 3 ms, a failure and a cancelled request;
	// the span runs from the first send to the latest end: 1 s + 3 ms.
	in := `{"request_time":"2026-01-01T00:00:00Z","time_to_last_token":0.001,"error":null,"cancelled":false}
{"request_time":"2026-01-01T00:00:01Z","time_to_last_token":0.003,"error":null,"cancelled":false}
{"request_time":"2026-01-01T00:00:00.5Z","time_to_last_token":null,"error":"HTTP 500","cancelled":false}
{"request_time":"2026-01-01T00:00:00.6Z","time_to_last_token":null,"error":"cancelled: interrupt","cancelled":true}
`
	s, err := readLLMTest(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.line(), "2\t1\t2\t2.00\t2.98\t3.00\t3.00"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
}

func TestLLMTestBadLine(t *testing.T) {
	_, err := readLLMTest(strings.NewReader("{}\n{not json\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v, want one naming line 2", err)
	}
}

func TestVegetaLine(t *testing.T) {
	// vegeta encode -to csv: a 2 ms success, a 4 ms success, a 500 and a
	// transport error; the span is 1 s + 4 ms.
	in := `1767225600000000000,200,2000000,130,649,,Ym9keQ==,,0,POST,http://127.0.0.1/v1,
1767225601000000000,200,4000000,130,649,,Ym9keQ==,,1,POST,http://127.0.0.1/v1,
1767225600500000000,500,1000000,130,20,500 Internal Server Error,,,2,POST,http://127.0.0.1/v1,
1767225600600000000,0,1000000,0,0,connection refused,,,3,POST,http://127.0.0.1/v1,
`
	s, err := readVegeta(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.line(), "2\t2\t2\t3.00\t3.98\t4.00\t4.00"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
}

func TestVegetaBadLine(t *testing.T) {
	_, err := readVegeta(strings.NewReader("1,200,x,1,1,\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("err = %v, want one naming line 1", err)
	}
}

func TestEmptyLine(t *testing.T) {
	var s sample
	if got, want := s.line(), "0\t0\t0\t-\t-\t-\t-"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
}
