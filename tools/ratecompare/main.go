// Command ratecompare reads the per-request results of one open-loop run,
// llmtest's run folder or vegeta's CSV encoding, and prints one line of
// rate and schedule-lag figures, computed the same way for both, so that
// tools/ratecompare.sh can set the two generators side by side.
//
//	go run ./ratecompare -format llmtest RUN
//	vegeta encode -to csv results.bin | go run ./ratecompare -format vegeta -rate 1000
//
// The line holds, separated by tabs: the requests sent, the failed ones,
// the dropped arrivals (llmtest's dropped_requests from RUN/stats.json;
// vegeta drops none), the achieved rate (the requests sent less one, over
// the time from the first send to the last, in requests/s), the p50 and
// p99 schedule lag and the p50 and p99 latency of the successful
// requests, in milliseconds. Percentiles are numpy's linear
// interpolation, as llmtest's statistics are.
//
// The schedule lag is a request's send time minus its intended time.
// llmtest records the intended time (intended_time in responses.jsonl).
// vegeta does not: with -rate R its k-th request (seq k) is meant for
// start + k/R, and start is taken as the earliest timestamp − seq/R of the
// run, so that no lag is negative. The latency is llmtest's
// time_to_last_token and vegeta's latency.
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
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/llmtest/llmtest/tools/internal/lat"
)

func main() {
	format := flag.String("format", "", "input format: llmtest (a run folder) or vegeta (vegeta encode -to csv on standard input)")
	rate := flag.Float64("rate", 0, "with -format vegeta: the rate of the attack, requests/s")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: ratecompare -format llmtest RUN | ratecompare -format vegeta -rate R [FILE]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}
	var (
		s   sample
		err error
	)
	switch *format {
	case "llmtest":
		if flag.NArg() != 1 {
			flag.Usage()
			os.Exit(2)
		}
		s, err = readLLMTest(flag.Arg(0))
	case "vegeta":
		if !(*rate > 0) {
			fmt.Fprintf(os.Stderr, "ratecompare: -rate: want a positive rate with -format vegeta, got %v\n", *rate)
			os.Exit(2)
		}
		in := io.Reader(os.Stdin)
		if flag.NArg() == 1 {
			f, ferr := os.Open(flag.Arg(0))
			if ferr != nil {
				fmt.Fprintln(os.Stderr, "ratecompare:", ferr)
				os.Exit(1)
			}
			defer f.Close()
			in = f
		}
		s, err = readVegeta(in, *rate)
	default:
		fmt.Fprintf(os.Stderr, "ratecompare: -format: want llmtest or vegeta, got %q\n", *format)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratecompare:", err)
		os.Exit(1)
	}
	fmt.Println(s.line())
}

// sample is what one run measured.
type sample struct {
	sends     []time.Time
	lags      []time.Duration
	latencies []time.Duration // of the successful requests
	failed    int
	dropped   int
}

// line formats the figures of s: sent, failed, dropped, achieved
// requests/s, then lag p50 and p99 and latency p50 and p99 in
// milliseconds.
func (s *sample) line() string {
	slices.SortFunc(s.sends, func(a, b time.Time) int { return a.Compare(b) })
	slices.Sort(s.lags)
	slices.Sort(s.latencies)
	rate := 0.0
	if n := len(s.sends); n > 1 {
		if span := s.sends[n-1].Sub(s.sends[0]); span > 0 {
			rate = float64(n-1) / span.Seconds()
		}
	}
	ms := func(d []time.Duration, p float64) string {
		if len(d) == 0 {
			return "-"
		}
		return strconv.FormatFloat(lat.Percentile(d, p)/1e6, 'f', 3, 64)
	}
	return fmt.Sprintf("%d\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s", len(s.sends), s.failed, s.dropped, rate,
		ms(s.lags, 50), ms(s.lags, 99), ms(s.latencies, 50), ms(s.latencies, 99))
}

// readLLMTest reads an llmtest run folder: responses.jsonl and the
// dropped_requests of stats.json. Warm-up requests are left out.
func readLLMTest(dir string) (sample, error) {
	var s sample
	b, err := os.ReadFile(filepath.Join(dir, "stats.json"))
	if err != nil {
		return s, err
	}
	var stats map[string]any
	if err := json.Unmarshal(b, &stats); err != nil {
		return s, fmt.Errorf("%s: %w", filepath.Join(dir, "stats.json"), err)
	}
	if d, ok := stats["dropped_requests"].(float64); ok {
		s.dropped = int(d)
	}
	name := filepath.Join(dir, "responses.jsonl")
	f, err := os.Open(name)
	if err != nil {
		return s, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for line := 1; sc.Scan(); line++ {
		var rec struct {
			RequestTime  time.Time `json:"request_time"`
			IntendedTime time.Time `json:"intended_time"`
			TTLT         *float64  `json:"time_to_last_token"`
			Error        *string   `json:"error"`
			Cancelled    bool      `json:"cancelled"`
			Warmup       bool      `json:"warmup"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return s, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if rec.Warmup {
			continue
		}
		if rec.IntendedTime.IsZero() {
			return s, fmt.Errorf("%s:%d: no intended_time: not an open-loop run", name, line)
		}
		s.sends = append(s.sends, rec.RequestTime)
		s.lags = append(s.lags, rec.RequestTime.Sub(rec.IntendedTime))
		switch {
		case rec.Cancelled:
		case rec.Error == nil && rec.TTLT != nil:
			s.latencies = append(s.latencies, time.Duration(math.Round(*rec.TTLT*1e9)))
		default:
			s.failed++
		}
	}
	return s, sc.Err()
}

// readVegeta reads vegeta's CSV encoding: timestamp (Unix nanoseconds),
// status code, latency (nanoseconds), bytes out, bytes in, error, body,
// attack name, seq, and more columns that are not read. A request
// succeeded when it has no error and a 2xx status.
func readVegeta(r io.Reader, rate float64) (sample, error) {
	var s sample
	var offsets []time.Duration // timestamp − seq/rate, from the first timestamp
	var first time.Time
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s, err
		}
		if len(rec) < 9 {
			return s, fmt.Errorf("line %d: %d columns, want at least 9", line, len(rec))
		}
		ts, err1 := strconv.ParseInt(rec[0], 10, 64)
		code, err2 := strconv.Atoi(rec[1])
		lat, err3 := strconv.ParseInt(rec[2], 10, 64)
		seq, err4 := strconv.ParseUint(rec[8], 10, 64)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return s, fmt.Errorf("line %d: %w", line, err)
		}
		t := time.Unix(0, ts)
		if first.IsZero() {
			first = t
		}
		s.sends = append(s.sends, t)
		offsets = append(offsets, t.Sub(first)-time.Duration(float64(seq)/rate*1e9))
		if rec[5] == "" && code >= 200 && code <= 299 {
			s.latencies = append(s.latencies, time.Duration(lat))
		} else {
			s.failed++
		}
	}
	if len(offsets) > 0 {
		base := slices.Min(offsets)
		for _, o := range offsets {
			s.lags = append(s.lags, o-base)
		}
	}
	return s, nil
}
