// Command tailcompare reads the per-request results of one load-generator
// run, llmtest's responses.jsonl or vegeta's CSV encoding, and prints one
// line of end-to-end latency figures, computed the same way for both, so
// that tools/tailcompare.sh can set the two generators side by side.
//
//	go run ./tailcompare -format llmtest RUN/responses.jsonl
//	vegeta encode -to csv results.bin | go run ./tailcompare -format vegeta
//
// The line holds, separated by tabs: the successful requests, the failed
// ones, the successful requests per second over the run's span, and the
// p50, p99, p99.9 and maximum latency of the successful requests, in
// milliseconds. Percentiles are numpy's linear interpolation, as llmtest's
// statistics are.
//
// The latency is llmtest's time_to_last_token (from the send time t0 to
// the end of the response body for a non-streamed request, to the last
// text delta for a streamed one), and vegeta's latency (from before it
// builds the request to the end of the body). The span runs from the first
// send to the latest end. A cancelled llmtest request counts as neither
// success nor failure.
package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/llmtest/llmtest/tools/internal/lat"
)

func main() {
	format := flag.String("format", "", "input format: llmtest (responses.jsonl) or vegeta (vegeta encode -to csv)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: tailcompare -format llmtest|vegeta [FILE]")
		flag.PrintDefaults()
	}
	flag.Parse()
	in := io.Reader(os.Stdin)
	name := "standard input"
	if flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}
	if flag.NArg() == 1 {
		name = flag.Arg(0)
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tailcompare:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	var (
		s   sample
		err error
	)
	switch *format {
	case "llmtest":
		s, err = readLLMTest(in)
	case "vegeta":
		s, err = readVegeta(in)
	default:
		fmt.Fprintf(os.Stderr, "tailcompare: -format: want llmtest or vegeta, got %q\n", *format)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "tailcompare: %s: %v\n", name, err)
		os.Exit(1)
	}
	fmt.Println(s.line())
}

// sample is what one run measured.
type sample struct {
	latencies  []time.Duration // of the successful requests
	failed     int
	start, end time.Time // first send, latest end of any request
}

// add records one request that was sent at t and ended after d.
func (s *sample) add(t time.Time, d time.Duration, ok bool) {
	if s.start.IsZero() || t.Before(s.start) {
		s.start = t
	}
	if e := t.Add(d); e.After(s.end) {
		s.end = e
	}
	if ok {
		s.latencies = append(s.latencies, d)
	} else {
		s.failed++
	}
}

// line formats the figures of s: ok, failed, requests/s, then p50, p99,
// p99.9 and max in milliseconds.
func (s *sample) line() string {
	slices.Sort(s.latencies)
	rate := 0.0
	if span := s.end.Sub(s.start); span > 0 {
		rate = float64(len(s.latencies)) / span.Seconds()
	}
	ms := func(p float64) string {
		if len(s.latencies) == 0 {
			return "-"
		}
		return strconv.FormatFloat(lat.Percentile(s.latencies, p)/1e6, 'f', 2, 64)
	}
	return fmt.Sprintf("%d\t%d\t%.0f\t%s\t%s\t%s\t%s", len(s.latencies), s.failed, rate, ms(50), ms(99), ms(99.9), ms(100))
}

// readLLMTest reads llmtest's responses.jsonl.
func readLLMTest(r io.Reader) (sample, error) {
	var s sample
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	for line := 1; sc.Scan(); line++ {
		var rec struct {
			RequestTime time.Time `json:"request_time"`
			TTLT        *float64  `json:"time_to_last_token"`
			Error       *string   `json:"error"`
			Cancelled   bool      `json:"cancelled"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return s, fmt.Errorf("line %d: %w", line, err)
		}
		switch {
		case rec.Cancelled:
		case rec.Error == nil && rec.TTLT != nil:
			s.add(rec.RequestTime, time.Duration(math.Round(*rec.TTLT*1e9)), true)
		default:
			s.add(rec.RequestTime, 0, false)
		}
	}
	return s, sc.Err()
}

// readVegeta reads vegeta's CSV encoding: timestamp (Unix nanoseconds),
// status code, latency (nanoseconds), bytes out, bytes in, error, and
// more columns that are not read. A request succeeded when it has no
// error and a 2xx status.
func readVegeta(r io.Reader) (sample, error) {
	var s sample
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return s, err
		}
		if len(rec) < 6 {
			return s, fmt.Errorf("line %d: %d columns, want at least 6", line, len(rec))
		}
		ts, err1 := strconv.ParseInt(rec[0], 10, 64)
		code, err2 := strconv.Atoi(rec[1])
		lat, err3 := strconv.ParseInt(rec[2], 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return s, fmt.Errorf("line %d: %w", line, err)
		}
		s.add(time.Unix(0, ts), time.Duration(lat), rec[5] == "" && code >= 200 && code <= 299)
	}
}
