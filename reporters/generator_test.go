package reporters

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestGeneratorLimitsPinned pins the limits of a healthy generator: a
// change to one is a change of what llmtest calls saturated.
func TestGeneratorLimitsPinned(t *testing.T) {
	if GeneratorMaxScheduleLag != time.Millisecond {
		t.Errorf("GeneratorMaxScheduleLag = %v, want 1ms", GeneratorMaxScheduleLag)
	}
	if GeneratorMaxCPU != 0.9 {
		t.Errorf("GeneratorMaxCPU = %v, want 0.9", GeneratorMaxCPU)
	}
	if GeneratorMinScheduleLagSamples != 100 {
		t.Errorf("GeneratorMinScheduleLagSamples = %v, want 100", GeneratorMinScheduleLagSamples)
	}
	if GeneratorMaxSchedLatency != 20*time.Millisecond {
		t.Errorf("GeneratorMaxSchedLatency = %v, want 20ms", GeneratorMaxSchedLatency)
	}
}

func TestGeneratorAssess(t *testing.T) {
	quiet := Generator{CPU: 0.1, PeakCPU: 0.3, GOMAXPROCS: 2, SchedLatencyP99: 70e-6, Samples: 3}
	tests := []struct {
		name    string
		change  func(g *Generator)
		reasons []string
	}{
		{"quiet", func(*Generator) {}, nil},
		{"figures at their limits", func(g *Generator) {
			g.ScheduleLagP99, g.SchedLatencyP99, g.CPU, g.PeakCPU = 0.001, 0.020, 0.8999, 0.8999
		}, nil},
		{"schedule lag", func(g *Generator) { g.ScheduleLagP99 = 0.0032 }, []string{"schedule lag p99 3.2ms > 1ms"}},
		{"schedule lag over enough arrivals", func(g *Generator) { g.ScheduleLagP99, g.ScheduleLagSamples = 0.0032, 100 },
			[]string{"schedule lag p99 3.2ms > 1ms"}},
		{"schedule lag over too few arrivals", func(g *Generator) { g.ScheduleLagP99, g.ScheduleLagSamples = 0.0032, 99 }, nil},
		{"schedule lag under a low rate's limit", func(g *Generator) { g.ScheduleLagP99, g.ScheduleLagLimit = 0.0015, 0.002 }, nil},
		{"schedule lag over a low rate's limit", func(g *Generator) { g.ScheduleLagP99, g.ScheduleLagLimit = 0.0032, 0.002 },
			[]string{"schedule lag p99 3.2ms > 2ms"}},
		{"a limit below the floor is the floor", func(g *Generator) { g.ScheduleLagP99, g.ScheduleLagLimit = 0.0015, 0.0001 },
			[]string{"schedule lag p99 1.5ms > 1ms"}},
		{"scheduler latency", func(g *Generator) { g.SchedLatencyP99 = 0.084 }, []string{"scheduler latency p99 84ms > 20ms"}},
		{"cpu over the run", func(g *Generator) { g.CPU, g.PeakCPU = 0.9, 0.99 }, []string{"cpu 90% of GOMAXPROCS=2 >= 90%"}},
		{"cpu over a second", func(g *Generator) { g.PeakCPU = 0.975 }, []string{"cpu 97.5% of GOMAXPROCS=2 over its busiest second >= 90%"}},
		{"all at once, in order", func(g *Generator) {
			g.ScheduleLagP99, g.SchedLatencyP99, g.CPU, g.PeakCPU, g.GOMAXPROCS = 0.5, 0.201, 1, 1, 1
		}, []string{"schedule lag p99 500ms > 1ms", "scheduler latency p99 201ms > 20ms", "cpu 100% of GOMAXPROCS=1 >= 90%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := quiet
			g.Saturated, g.Reasons = true, []string{"stale"} // Assess replaces them
			tt.change(&g)
			g.Assess()
			if !slices.Equal(g.Reasons, tt.reasons) {
				t.Errorf("Reasons = %q, want %q", g.Reasons, tt.reasons)
			}
			if g.Saturated != (len(tt.reasons) > 0) || g.Healthy() == g.Saturated {
				t.Errorf("Saturated = %v, Healthy = %v with reasons %q", g.Saturated, g.Healthy(), g.Reasons)
			}
		})
	}
	var none *Generator
	none.Assess() // no panic
	if !none.Healthy() {
		t.Error("a nil Generator is not Healthy")
	}
}

func TestGeneratorString(t *testing.T) {
	g := &Generator{CPU: 0.125, PeakCPU: 0.3, GOMAXPROCS: 2, SchedLatencyP99: 72e-6, Samples: 3}
	if got, want := g.String(), "healthy (cpu 12.5% of GOMAXPROCS=2, peak 30%, scheduler latency p99 72µs)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	g.ScheduleLagP99 = 0.0002
	if got, want := g.String(), "healthy (cpu 12.5% of GOMAXPROCS=2, peak 30%, scheduler latency p99 72µs, schedule lag p99 200µs)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	g.ScheduleLagP99, g.SchedLatencyP99 = 0.0032, 0.084
	g.Assess()
	if got, want := g.String(), "saturated: schedule lag p99 3.2ms > 1ms; scheduler latency p99 84ms > 20ms"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (*Generator)(nil).String(); got != "no self-check" {
		t.Errorf("nil String() = %q", got)
	}
}

// saturatedRun is sampleRun with a saturated generator.
func saturatedRun() *Run {
	run := sampleRun()
	run.Generator = &Generator{CPU: 0.97, PeakCPU: 0.99, GOMAXPROCS: 1, SchedLatencyP99: 0.084, Samples: 12}
	run.Generator.Assess()
	return run
}

func TestGeneratorJSONRoundTrip(t *testing.T) {
	for name, run := range map[string]*Run{"saturated": saturatedRun(), "none": sampleRun()} {
		t.Run(name, func(t *testing.T) {
			data := jsonBytes(t, run)
			if has := bytes.Contains(data, []byte(`"generator"`)); has != (run.Generator != nil) {
				t.Errorf("document has a generator: %v, run has one: %v", has, run.Generator != nil)
			}
			got, err := ReadJSON(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("ReadJSON: %v", err)
			}
			if !reflect.DeepEqual(got.Generator, run.Generator) {
				t.Errorf("Generator = %+v, want %+v", got.Generator, run.Generator)
			}
		})
	}
	data := jsonBytes(t, saturatedRun())
	for _, field := range []string{
		`"cpu": 0.97`, `"peak_cpu": 0.99`, `"gomaxprocs": 1`, `"sched_latency_p99": 0.084`,
		`"schedule_lag_p99": 0`, `"samples": 12`, `"saturated": true`,
		`"reasons": [`, `"scheduler latency p99 84ms > 20ms"`,
	} {
		if !bytes.Contains(data, []byte(field)) {
			t.Errorf("document lacks %s:\n%s", field, data)
		}
	}
}

func TestGeneratorInMarkdown(t *testing.T) {
	run := saturatedRun()
	md := markdown(t, run)
	want := "⚠️ Load generator: saturated: scheduler latency p99 84ms > 20ms; cpu 97% of GOMAXPROCS=1 >= 90%\n"
	if !strings.Contains(md, want) {
		t.Errorf("Markdown lacks %q:\n%s", want, md)
	}
	if strings.Contains(markdown(t, run), "❌") != strings.Contains(markdown(t, sampleRun()), "❌") {
		t.Error("a saturated generator changed the run's mark")
	}
	run.Generator = &Generator{CPU: 0.1, PeakCPU: 0.1, GOMAXPROCS: 2, SchedLatencyP99: 50e-6, Samples: 2}
	md = markdown(t, run)
	if want := "\nLoad generator: healthy (cpu 10% of GOMAXPROCS=2, peak 10%, scheduler latency p99 50µs)\n"; !strings.Contains(md, want) {
		t.Errorf("Markdown lacks %q:\n%s", want, md)
	}
	if strings.Contains(markdown(t, sampleRun()), "Load generator") {
		t.Error("a run without a self-check has a generator line")
	}
}

func TestGeneratorInJUnit(t *testing.T) {
	for _, strict := range []bool{false, true} {
		sat := string(junitXML(t, strict, saturatedRun()))
		plain := string(junitXML(t, strict, sampleRun()))
		for _, want := range []string{
			`<property name="generator" value="saturated">`,
			`<property name="generator_reasons" value="scheduler latency p99 84ms &gt; 20ms; cpu 97% of GOMAXPROCS=1 &gt;= 90%">`,
			"load generator: saturated: scheduler latency p99 84ms &gt; 20ms; cpu 97% of GOMAXPROCS=1 &gt;= 90%\n",
		} {
			if !strings.Contains(sat, want) {
				t.Errorf("strict=%v: JUnit lacks %s:\n%s", strict, want, sat)
			}
		}
		if strings.Count(sat, "<failure") != strings.Count(plain, "<failure") {
			t.Errorf("strict=%v: a saturated generator added a failure", strict)
		}
		if strings.Contains(plain, "generator") {
			t.Errorf("strict=%v: a run without a self-check mentions a generator", strict)
		}
	}
	healthy := sampleRun()
	healthy.Generator = &Generator{CPU: 0.1, GOMAXPROCS: 2, Samples: 2}
	xml := string(junitXML(t, false, healthy))
	if !strings.Contains(xml, `<property name="generator" value="healthy">`) || strings.Contains(xml, "generator_reasons") {
		t.Errorf("healthy generator's properties:\n%s", xml)
	}
}

func TestMergeGenerators(t *testing.T) {
	start := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	a, b := shardRun("shard-1", start, 100, 200), shardRun("shard-2", start, 150)
	a.Generator = &Generator{CPU: 0.2, PeakCPU: 0.5, GOMAXPROCS: 4, SchedLatencyP99: 1e-4, ScheduleLagP99: 2e-4, Samples: 3}
	b.Generator = &Generator{CPU: 0.3, PeakCPU: 0.4, GOMAXPROCS: 1, SchedLatencyP99: 0.084, Samples: 2}
	b.Generator.Assess()

	merged, err := Merge([]*Run{a, b}, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Generator{CPU: 0.3, PeakCPU: 0.5, GOMAXPROCS: 1, SchedLatencyP99: 0.084, ScheduleLagP99: 2e-4, Samples: 5,
		Saturated: true, Reasons: []string{"shard-2: scheduler latency p99 84ms > 20ms"}}
	if !reflect.DeepEqual(merged.Generator, want) {
		t.Errorf("merged Generator = %+v, want %+v", merged.Generator, want)
	}
	if a.Generator.Saturated || len(b.Generator.Reasons) != 1 {
		t.Error("Merge changed a run's generator")
	}

	b.Generator = &Generator{CPU: 0.3, GOMAXPROCS: 2, Samples: 2}
	merged, err = Merge([]*Run{a, b}, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if merged.Generator == nil || !merged.Generator.Healthy() || merged.Generator.Reasons != nil {
		t.Errorf("healthy shards merge into %+v", merged.Generator)
	}

	b.Generator = nil
	merged, err = Merge([]*Run{a, b}, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if merged.Generator != nil {
		t.Errorf("a shard without a self-check merges into %+v, want none", merged.Generator)
	}
}
