package reporters

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// lv returns a level with a throughput and a TTLT p50 in seconds.
func lv(level, tput, ttlt float64) SweepLevel {
	return SweepLevel{Level: level, Throughput: tput, TTLTP50: ttlt}
}

func TestSaturationIndex(t *testing.T) {
	for _, tc := range []struct {
		name   string
		levels []SweepLevel
		want   int
	}{
		{"none", nil, -1},
		{"one", []SweepLevel{lv(1, 100, 1)}, -1},
		{"rising", []SweepLevel{lv(1, 100, 1), lv(2, 200, 1), lv(4, 400, 1.05)}, -1},
		{"knee", []SweepLevel{lv(1, 100, 1), lv(2, 200, 1), lv(4, 400, 1), lv(8, 410, 2), lv(16, 405, 4)}, 2},
		{"falls", []SweepLevel{lv(1, 100, 1), lv(2, 90, 1.2)}, 0},
		// Flat throughput with flat latency is not saturation (a server
		// limited elsewhere, such as by the payloads); nor is climbing
		// latency while throughput still rises well.
		{"flat, latency flat", []SweepLevel{lv(1, 100, 1), lv(2, 101, 1.05)}, -1},
		{"latency climbs, throughput rises", []SweepLevel{lv(1, 100, 1), lv(2, 150, 2)}, -1},
		// At the thresholds exactly: a gain of exactly 5% is still a rise.
		{"gain at threshold", []SweepLevel{lv(1, 100, 1), lv(2, 105, 2)}, -1},
		{"gain under threshold", []SweepLevel{lv(1, 100, 1), lv(2, 104.9, 2)}, 0},
		// A level whose every request failed counts as latency climbing.
		{"next level failed", []SweepLevel{lv(1, 100, 1), lv(2, 200, 1), lv(4, 0, 0)}, 1},
		{"first level failed", []SweepLevel{lv(1, 0, 0), lv(2, 0, 0), lv(4, 0, 0)}, -1},
		// An interrupted level ends the search: it measured nothing.
		{"interrupted next level", []SweepLevel{lv(1, 100, 1), interrupted(lv(2, 0, 0))}, -1},
		{"interrupted after a knee", []SweepLevel{lv(1, 100, 1), lv(2, 101, 2), interrupted(lv(4, 0, 0))}, 0},
		// An open-loop level that drops more than 1% fell behind its rate.
		{"drops", []SweepLevel{dropped(lv(10, 100, 1), 0), dropped(lv(20, 200, 1), 1), dropped(lv(40, 230, 1), 50)}, 1},
		{"drops at 1% are kept up", []SweepLevel{dropped(lv(10, 100, 1), 0), dropped(lv(20, 200, 1), 1)}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SaturationIndex(tc.levels, DefaultSaturationGain, DefaultSaturationClimb); got != tc.want {
				t.Errorf("SaturationIndex = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestSweepLocateDefaults(t *testing.T) {
	s := &Sweep{Kind: SweepClients, Levels: []SweepLevel{lv(1, 100, 1), lv(2, 180, 2)}}
	s.Locate()
	if _, ok := s.SaturationLevel(); ok {
		t.Fatalf("a gain of 80%% is no saturation")
	}
	if s.SaturationGain != DefaultSaturationGain || s.SaturationClimb != DefaultSaturationClimb {
		t.Errorf("thresholds = %v, %v, want the defaults", s.SaturationGain, s.SaturationClimb)
	}
	s.SaturationGain = 1 // under a 100% gain counts as flat
	s.Locate()
	if got, ok := s.SaturationLevel(); !ok || got != 1 {
		t.Errorf("SaturationLevel = %v, %v; want 1, true", got, ok)
	}
}

func sampleSweep() *Sweep {
	share, rate := 0.5, 10.25
	s := &Sweep{
		SchemaVersion: SweepSchemaVersion, Name: "load|test", Kind: SweepClients,
		Levels: []SweepLevel{
			{Level: 1, RunName: "00001-clients", Requests: 10, AchievedRate: 20, Throughput: 100, TTFTP50: 0.01, TTFTP99: 0.02, TTLTP50: 0.1, TTLTP99: 0.2},
			{Level: 2, RunName: "00002-clients", Requests: 20, Failed: 1, AchievedRate: 40, Throughput: 200, TTFTP50: 0.01, TTFTP99: 0.02, TTLTP50: 0.1, TTLTP99: 0.2, ErrorRate: 0.05},
			{Level: 4, RunName: "00004-clients", Requests: 20, AchievedRate: 41, Throughput: 201, TTLTP50: 0.3, TTLTP99: 0.5, GoodShare: &share, Goodput: &rate},
		},
		Checks: []Check{{Expression: "saturation >= 8 clients", Statistic: "saturation", Op: ">=", Observed: 2, Limit: 8, Unit: "clients",
			Samples: 3, Message: "saturation = 2 clients, want >= 8 clients (3 levels)"}},
	}
	s.Locate()
	return s
}

func TestSweepJSONRoundTrip(t *testing.T) {
	s := sampleSweep()
	var buf bytes.Buffer
	if err := NewSweepJSON(&buf).Write(s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"schema_version": 1`, `"saturation_index": 1`, `"run_name": "00004-clients"`, `"good_share": 0.5`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("sweep.json lacks %s:\n%s", want, buf.String())
		}
	}
	back, err := ReadSweepJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	assert.Equal(t, s, back)
}

func TestSweepJSONNonFinite(t *testing.T) {
	s := sampleSweep()
	s.Levels[0].TTLTP99 = math.NaN()
	var buf bytes.Buffer
	if err := NewSweepJSON(&buf).Write(s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"ttlt_p99": null`) {
		t.Errorf("NaN not written as null:\n%s", buf.String())
	}
	back, err := ReadSweepJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.Levels[0].TTLTP99) {
		t.Errorf("null read back as %v, want NaN", back.Levels[0].TTLTP99)
	}
}

func TestReadSweepJSONVersions(t *testing.T) {
	if _, err := ReadSweepJSON(strings.NewReader(`{"levels": []}`)); !errors.Is(err, ErrNoSchemaVersion) {
		t.Errorf("no version: err = %v, want ErrNoSchemaVersion", err)
	}
	if _, err := ReadSweepJSON(strings.NewReader(`{"schema_version": 99}`)); !errors.Is(err, ErrNewerSchemaVersion) {
		t.Errorf("newer: err = %v, want ErrNewerSchemaVersion", err)
	}
	if _, err := ReadSweepJSON(strings.NewReader(`{`)); err == nil {
		t.Errorf("broken JSON read without an error")
	}
	if err := NewSweepJSON(&bytes.Buffer{}).Write(nil); !errors.Is(err, ErrNilSweep) {
		t.Errorf("nil sweep: err = %v", err)
	}
	if err := NewSweepMarkdown(&bytes.Buffer{}).Write(nil); !errors.Is(err, ErrNilSweep) {
		t.Errorf("nil sweep: err = %v", err)
	}
}

func TestSweepMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := NewSweepMarkdown(&buf).Write(sampleSweep()); err != nil {
		t.Fatal(err)
	}
	want := `### ❌ Sweep load\|test

| clients | requests | req/s | output tok/s | ttft p50 | ttft p99 | ttlt p50 | ttlt p99 | errors | goodput | good req/s |
| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |
| 1 | 10 | 20.0 | 100.0 | 10ms | 20ms | 100ms | 200ms | 0% | – | – |
| 2 ◀ saturation | 20 | 40.0 | 200.0 | 10ms | 20ms | 100ms | 200ms | 5% | – | – |
| 4 | 20 | 41.0 | 201.0 | – | – | 300ms | 500ms | 0% | 50% | 10.2 |

Saturation: 2 clients (at 4 clients, throughput +0.5% while TTLT p50 +200%).

- ❌ saturation = 2 clients, want >= 8 clients (3 levels)

`
	assert.Equal(t, want, buf.String())
}

func TestSweepMarkdownNotReached(t *testing.T) {
	s := &Sweep{Name: "r", Kind: SweepRate, Levels: []SweepLevel{lv(10, 100, 1), lv(20, 200, 1)}}
	s.Locate()
	var buf bytes.Buffer
	if err := NewSweepMarkdown(&buf).Write(s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### ✅ Sweep r", "| rate | requests |", "Saturation: not reached up to 20 requests/s"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestNewSweepLevel(t *testing.T) {
	run := &Run{Name: "00002-clients", TestTime: 2, Counts: Counts{Total: 10, Failed: 2}, Tokens: Tokens{Output: 400},
		Metrics: []Metric{{Name: metricTTLT, Unit: UnitSeconds, N: 8, P50: 0.5, P99: 0.9}}}
	got := NewSweepLevel(2, run)
	want := SweepLevel{Level: 2, RunName: "00002-clients", Requests: 10, Failed: 2, AchievedRate: 5, Throughput: 200,
		TTLTP50: 0.5, TTLTP99: 0.9, ErrorRate: 0.2}
	assert.Equal(t, want, got)
}

func interrupted(l SweepLevel) SweepLevel { l.Interrupted = true; return l }

// dropped sets a level's drops, its requests being 99 ended.
func dropped(l SweepLevel, n int) SweepLevel { l.Requests, l.Dropped = 99, n; return l }

// TestSweepMarkdownDrops shows the drops of open-loop levels, and a
// saturation point found by them.
func TestSweepMarkdownDrops(t *testing.T) {
	s := &Sweep{Name: "r", Kind: SweepRate, Levels: []SweepLevel{dropped(lv(10, 100, 1), 0), dropped(lv(20, 200, 1), 40)}}
	s.Locate()
	var buf bytes.Buffer
	if err := NewSweepMarkdown(&buf).Write(s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| errors | dropped |", "| 10 ◀ saturation | 99 |", "| 0% | 40 |",
		"Saturation: 10 requests/s (at 20 requests/s, 40 of 139 arrivals dropped: the requests in flight reached the cap)."} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, buf.String())
		}
	}
}
