package llmtest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmtest/llmtest/reporters"
)

// The files of a sweep folder, beside one folder per level.
const (
	// SweepFile holds the sweep's model, [reporters.Sweep], as JSON.
	SweepFile = "sweep.json"
	// SweepMarkdownFile holds the sweep's table, as Markdown.
	SweepMarkdownFile = "sweep.md"
)

// Level is one load level of a sweep: a number of clients (a closed loop)
// or an arrival rate in requests/s (an open loop). Exactly one of its
// fields is set; [ClientLevels] and [RateLevels] build lists of them.
type Level struct {
	// Clients is the level's Config.Clients.
	Clients int
	// Rate is the level's arrival rate, requests/s.
	Rate float64
}

// ClientLevels returns one Level per client count, in the order given.
func ClientLevels(clients ...int) []Level {
	out := make([]Level, len(clients))
	for i, c := range clients {
		out[i] = Level{Clients: c}
	}
	return out
}

// RateLevels returns one Level per arrival rate (requests/s), in the
// order given.
func RateLevels(rates ...float64) []Level {
	out := make([]Level, len(rates))
	for i, r := range rates {
		out[i] = Level{Rate: r}
	}
	return out
}

// ParseLevels parses a list of levels separated by commas, as the flags
// --sweep-clients and --sweep-rates and the plan keys load.sweep-clients
// and load.sweep-rates give them: client counts of at least 1 ("1,2,4,8")
// when rates is false, positive rates in requests/s ("10,20,40") when it
// is true. Spaces around a level are allowed. The error names the token at
// fault; the order is checked by the sweep, not here.
func ParseLevels(s string, rates bool) ([]Level, error) {
	var out []Level
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		if rates {
			r, err := strconv.ParseFloat(tok, 64)
			if err != nil || !(r > 0) || math.IsInf(r, 0) {
				return nil, fmt.Errorf("%q is not a positive rate in requests/s (want a list such as 10,20,40)", tok)
			}
			out = append(out, Level{Rate: r})
			continue
		}
		c, err := strconv.Atoi(tok)
		if err != nil || c < 1 {
			return nil, fmt.Errorf("%q is not a client count of at least 1 (want a list such as 1,2,4,8)", tok)
		}
		out = append(out, Level{Clients: c})
	}
	return out, nil
}

// String returns the level's run name and folder name: LLMeter's
// "%05d-clients" for a client count ("00008-clients"), and the rate with
// its integer part padded to five digits for a rate ("00010-rps",
// "00002.5-rps"), so that the folders sort in order of load.
func (l Level) String() string {
	if l.Rate != 0 {
		s := strconv.FormatFloat(l.Rate, 'f', -1, 64)
		whole, frac, _ := strings.Cut(s, ".")
		if len(whole) < 5 {
			whole = strings.Repeat("0", 5-len(whole)) + whole
		}
		if frac != "" {
			whole += "." + frac
		}
		return whole + "-rps"
	}
	return fmt.Sprintf("%05d-clients", l.Clients)
}

// kind returns the level's reporters sweep kind.
func (l Level) kind() string {
	if l.Rate != 0 {
		return reporters.SweepRate
	}
	return reporters.SweepClients
}

// load returns the level's load: its client count or its rate.
func (l Level) load() float64 {
	if l.Rate != 0 {
		return l.Rate
	}
	return float64(l.Clients)
}

// SweepConfig describes a sweep (LLMeter's LoadTest): the levels to run
// one after the other, each a run of the base Config at that load, and
// how to sum them up. Its zero value is not valid: Levels is required.
type SweepConfig struct {
	// Name names the sweep and its folder, Config.OutputPath/Name, which
	// holds one folder per level, named after the level (see
	// [Level.String]), and the sweep's files, sweep.json and sweep.md.
	// Empty means, inside a test ([Sweep]), the test's name made safe for a
	// folder name (as [Run] names its runs), and otherwise a name made of
	// the start time and a random suffix.
	Name string

	// Levels are the load levels, all client counts or all rates, in
	// strictly ascending order of load. Required.
	Levels []Level

	// MinRequestsPerClient and MinRequestsPerRun set each client-count
	// level's Config.Requests by LLMeter's rule, so that low levels still
	// send enough requests to measure: a level of c clients sends
	// ceil(MinRequestsPerRun / c) requests per client when
	// c·MinRequestsPerClient < MinRequestsPerRun, and MinRequestsPerClient
	// otherwise. Both zero means each level keeps the base Config's
	// Requests or Duration; with either set, MinRequestsPerClient zero
	// means 1, and the base Config must set neither Requests nor Duration.
	MinRequestsPerClient int
	MinRequestsPerRun    int

	// Good defines goodput: a request that ended successfully is good when
	// Good returns true for it (failed requests are never good). Nil means
	// no goodput figures. assertions.GoodputLimits.Good is one such
	// function:
	//
	//	Good: assertions.GoodputLimits{TTFT: time.Second}.Good
	//
	// It is called after each level's run, once per record, from the
	// goroutine that runs the sweep.
	Good func(inv *Invocation) bool

	// SaturationGain and SaturationClimb are the thresholds of the
	// saturation point (see [reporters.SaturationIndex]). Zero means
	// reporters.DefaultSaturationGain (5%) and
	// reporters.DefaultSaturationClimb (10%).
	SaturationGain, SaturationClimb float64

	// Test is called by [Sweep] in each level's sub-test, with its t and
	// the level's result, after the run and before the level's reports are
	// written: assert on the level there, so that a failed gate fails that
	// level's sub-test and is recorded in that level's reports. Runner.Sweep
	// does not call it.
	Test func(t *testing.T, res *Result)
}

// sweepErrorf returns an error naming a field of SweepConfig.
func sweepErrorf(field, format string, args ...any) error {
	return fmt.Errorf("llmtest: SweepConfig.%s: %s", field, fmt.Sprintf(format, args...))
}

// validate checks the sweep's own rules against base.
func (s *SweepConfig) validate(base Config) error {
	if len(s.Levels) == 0 {
		return sweepErrorf("Levels", "is required: give client counts (ClientLevels) or rates (RateLevels)")
	}
	if len(base.Stages) > 0 {
		return configErrorf("Stages", "ramps every level of a sweep to the same targets: a sweep sets each level's load itself")
	}
	if base.Shard != (Shard{}) {
		return configErrorf("Shard", "is not supported in a sweep: run each level's shards as runs of their own and merge them")
	}
	if s.Levels[0].Rate > 0 && s.MinRequestsPerClient > 0 {
		return sweepErrorf("MinRequestsPerClient", "counts a closed loop's requests per client; a sweep over rates has none (MinRequestsPerRun sets each level's arrivals)")
	}
	for i, l := range s.Levels {
		field := fmt.Sprintf("Levels[%d]", i)
		switch {
		case l.Clients != 0 && l.Rate != 0:
			return sweepErrorf(field, "sets both Clients (%d) and Rate (%v); a level is one or the other", l.Clients, l.Rate)
		case l.Clients < 0:
			return sweepErrorf(field, "Clients must be at least 1, got %d", l.Clients)
		case l.Rate < 0 || math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0):
			return sweepErrorf(field, "Rate must be a positive number of requests/s, got %v", l.Rate)
		case l.Clients == 0 && l.Rate == 0:
			return sweepErrorf(field, "sets neither Clients nor Rate")
		case i > 0 && l.kind() != s.Levels[0].kind():
			return sweepErrorf(field, "is a %s level after %s levels; a sweep is over client counts or over rates, not both", l.kind(), s.Levels[0].kind())
		case i > 0 && l.load() <= s.Levels[i-1].load():
			return sweepErrorf(field, "%s does not come after %s: levels must be in strictly ascending order", l, s.Levels[i-1])
		}
	}
	switch {
	case s.MinRequestsPerClient < 0:
		return sweepErrorf("MinRequestsPerClient", "must not be negative, got %d", s.MinRequestsPerClient)
	case s.MinRequestsPerRun < 0:
		return sweepErrorf("MinRequestsPerRun", "must not be negative, got %d", s.MinRequestsPerRun)
	case s.SaturationGain < 0 || math.IsNaN(s.SaturationGain):
		return sweepErrorf("SaturationGain", "must not be negative, got %v", s.SaturationGain)
	case s.SaturationClimb < 0 || math.IsNaN(s.SaturationClimb):
		return sweepErrorf("SaturationClimb", "must not be negative, got %v", s.SaturationClimb)
	case s.Name != "":
		if err := validRunName(s.Name); err != nil {
			return sweepErrorf("Name", "%q is not one folder name", s.Name)
		}
	}
	if s.MinRequestsPerClient > 0 || s.MinRequestsPerRun > 0 {
		switch {
		case base.Duration > 0:
			return sweepErrorf("MinRequestsPerRun", "counts requests, but Config.Duration (%v) makes every level a timed run; set one of them", base.Duration)
		case base.Requests > 0:
			return sweepErrorf("MinRequestsPerRun", "sets each level's requests, and so does Config.Requests (%d); set one of them", base.Requests)
		}
	}
	return nil
}

// RequestsPerClient returns the requests per client of a level of clients
// clients by LLMeter's LoadTest rule (see SweepConfig.MinRequestsPerRun),
// and 0 when neither minimum is set.
func (s *SweepConfig) RequestsPerClient(clients int) int {
	if s.MinRequestsPerClient <= 0 && s.MinRequestsPerRun <= 0 || clients <= 0 {
		return 0
	}
	perClient := max(s.MinRequestsPerClient, 1)
	if clients*perClient < s.MinRequestsPerRun {
		return (s.MinRequestsPerRun + clients - 1) / clients
	}
	return perClient
}

// configs returns the Config of each level: base at the level's load,
// named after the level, in the sweep's folder.
func (s *SweepConfig) configs(base Config, name string) []Config {
	out := make([]Config, len(s.Levels))
	for i, l := range s.Levels {
		c := base
		if l.Rate > 0 {
			// An open-loop level: arrivals at the level's rate, and
			// MinRequestsPerRun of them when it is set.
			c.Rate, c.Clients = l.Rate, 0
			if s.MinRequestsPerRun > 0 {
				c.Requests, c.Duration = s.MinRequestsPerRun, 0
			}
		} else {
			c.Rate, c.Clients = 0, l.Clients
			if n := s.RequestsPerClient(l.Clients); n > 0 {
				c.Requests, c.Duration = n, 0
			}
		}
		c.RunName = l.String()
		if base.OutputPath != "" {
			c.OutputPath = JoinOutputPath(base.OutputPath, name)
		}
		out[i] = c
	}
	return out
}

// SweepResult is the outcome of a sweep: its model and each level's result.
type SweepResult struct {
	// Sweep is the sweep's model: each level's figures, the saturation
	// point and the sweep's checks. Record checks with AddCheck, which is
	// safe while other goroutines do the same.
	Sweep reporters.Sweep
	// OutputPath is the sweep's folder (Config.OutputPath/SweepConfig.Name),
	// empty when the sweep wrote no artifacts.
	OutputPath string
	// Levels are the levels run, and Results their results, in the same
	// order. A level whose run could not start (its sub-test failed
	// before) is left out of both.
	Levels  []Level
	Results []*Result

	mu sync.Mutex // guards Sweep.Checks
}

// AddCheck records an evaluated check on the sweep's model, for sweep.json
// and sweep.md. It is safe for concurrent use.
func (s *SweepResult) AddCheck(c Check) {
	s.mu.Lock()
	s.Sweep.Checks = append(s.Sweep.Checks, c)
	s.mu.Unlock()
}

// Report returns the sweep's model as the reporters render it: a copy of
// Sweep with the checks recorded so far.
func (s *SweepResult) Report() *reporters.Sweep {
	s.mu.Lock()
	defer s.mu.Unlock()
	sw := s.Sweep
	sw.Levels = slices.Clone(s.Sweep.Levels)
	sw.Checks = slices.Clone(s.Sweep.Checks)
	if sw.Checks == nil {
		sw.Checks = []Check{}
	}
	return &sw
}

// SaturationLevel returns the level at the sweep's saturation point (see
// [reporters.SaturationIndex]), and false when the levels did not reach it.
func (s *SweepResult) SaturationLevel() (Level, bool) {
	if i := s.Sweep.Saturation; i != nil && *i >= 0 && *i < len(s.Levels) {
		return s.Levels[*i], true
	}
	return Level{}, false
}

// Table returns the sweep's Markdown table, as sweep.md holds it.
func (s *SweepResult) Table() string {
	var b bytes.Buffer
	_ = reporters.NewSweepMarkdown(&b).Write(s.Report()) // a bytes.Buffer does not fail
	return b.String()
}

// Save writes sweep.json, sweep.md and the registered folder reports
// (reporters.RegisterFolderReport) to the sweep's folder, OutputPath;
// each level's run writes its own folder. It does nothing when OutputPath
// is empty.
func (s *SweepResult) Save() error {
	if s.OutputPath == "" {
		return nil
	}
	fo, err := openFolder(s.OutputPath)
	if err != nil {
		return err
	}
	defer fo.Close()
	if err := fo.mkdir(); err != nil {
		return fmt.Errorf("llmtest: saving sweep: %w", err)
	}
	report := s.Report()
	var js, md bytes.Buffer
	if err := reporters.NewSweepJSON(&js).Write(report); err != nil {
		return fmt.Errorf("llmtest: rendering %s: %w", SweepFile, err)
	}
	if err := reporters.NewSweepMarkdown(&md).Write(report); err != nil {
		return fmt.Errorf("llmtest: rendering %s: %w", SweepMarkdownFile, err)
	}
	type file struct {
		name string
		data []byte
	}
	files := []file{{SweepFile, js.Bytes()}, {SweepMarkdownFile, md.Bytes()}}
	for _, fr := range reporters.FolderReports() {
		if fr.Sweep == nil {
			continue
		}
		var b bytes.Buffer
		if err := fr.Sweep(&b, report); err != nil {
			return fmt.Errorf("llmtest: rendering %s: %w", fr.Name, err)
		}
		files = append(files, file{fr.Name, b.Bytes()})
	}
	for _, f := range files {
		if err := fo.writeFile(f.name, f.data); err != nil {
			return fmt.Errorf("llmtest: writing %s: %w", fo.name(f.name), err)
		}
	}
	return nil
}

// LoadSweep reads a sweep folder back: sweep.json, then each level's run
// folder with [LoadResult]. An error names the file or folder that could
// not be read.
func LoadSweep(dir string) (*SweepResult, error) {
	fo, err := openFolder(dir)
	if err != nil {
		return nil, err
	}
	path := fo.name(SweepFile)
	data, err := fo.readFile(SweepFile)
	_ = fo.Close()
	if err != nil {
		if fo.isBucket() {
			err = fmt.Errorf("%s: %w", path, err)
		}
		return nil, fmt.Errorf("llmtest: loading sweep: %w", err)
	}
	sw, err := reporters.ReadSweepJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("llmtest: loading sweep %s: %w", path, err)
	}
	s := &SweepResult{Sweep: *sw, OutputPath: dir}
	for i, l := range sw.Levels {
		if !validFolder(l.RunName) {
			return nil, fmt.Errorf("llmtest: loading sweep %s: levels[%d].run_name %q is not a folder name", path, i, l.RunName)
		}
		res, err := LoadResult(JoinOutputPath(dir, l.RunName))
		if err != nil {
			return nil, fmt.Errorf("llmtest: loading sweep %s: level %s: %w", dir, l.RunName, err)
		}
		lv := Level{Clients: int(l.Level)}
		if sw.Kind == reporters.SweepRate {
			lv = Level{Rate: l.Level}
		}
		s.Levels = append(s.Levels, lv)
		s.Results = append(s.Results, res)
	}
	return s, nil
}

// validFolder reports whether name is one folder name inside another.
func validFolder(name string) bool { return name != "" && validRunName(name) == nil }

// add appends a level's result and its figures, with goodput when the
// sweep defines it. err is a failure to read the level's records.
func (s *SweepResult) add(cfg *SweepConfig, l Level, res *Result) error {
	fig := reporters.NewSweepLevel(l.load(), &res.Run)
	if cfg.Good != nil {
		good, n := 0, 0
		for inv, err := range res.Responses() {
			if err != nil {
				return fmt.Errorf("llmtest: goodput of level %s: %w", l, err)
			}
			if inv.Cancelled || inv.Warmup {
				continue // neither is a measured request
			}
			n++
			if inv.Succeeded() && cfg.Good(&inv) {
				good++
			}
		}
		share, rate := 0.0, 0.0
		if n > 0 {
			share = float64(good) / float64(n)
		}
		if res.Run.TestTime > 0 {
			rate = float64(good) / res.Run.TestTime
		}
		fig.GoodShare, fig.Goodput = &share, &rate
	}
	s.Levels = append(s.Levels, l)
	s.Results = append(s.Results, res)
	s.mu.Lock()
	s.Sweep.Levels = append(s.Sweep.Levels, fig)
	s.Sweep.Locate()
	s.mu.Unlock()
	return nil
}

// newSweepResult returns an empty result of a sweep named name in folder
// dir (empty: no artifacts).
func newSweepResult(cfg *SweepConfig, name, dir, testName string) *SweepResult {
	return &SweepResult{
		Sweep: reporters.Sweep{
			SchemaVersion:   reporters.SweepSchemaVersion,
			Name:            name,
			TestName:        testName,
			Kind:            cfg.Levels[0].kind(),
			Levels:          []reporters.SweepLevel{},
			SaturationGain:  cfg.SaturationGain,
			SaturationClimb: cfg.SaturationClimb,
		},
		OutputPath: dir,
	}
}

// Sweep runs a sweep (LLMeter's LoadTest) of override's non-zero fields
// on top of the base configuration, one level after the other (see
// [SweepConfig]), and returns its result. It blocks until the last level
// ends. Each level is a run as [Runner.Run] makes one, at the level's
// load, named after the level; with Config.OutputPath set, it writes its
// folder OutputPath/Name/<level>, and the sweep writes sweep.json and
// sweep.md to OutputPath/Name at the end.
//
// A sweep or level configuration that breaks a rule is an error returned
// before any request is sent. When a level's run fails or ctx is
// cancelled, Sweep stops there and returns the levels that ran (the last
// one as its run returned it) with the run's error; it saves what it has.
func (r *Runner) Sweep(ctx context.Context, override Config, sweep SweepConfig) (*SweepResult, error) {
	base := r.Config.merge(override)
	if err := sweep.validate(base); err != nil {
		return nil, err
	}
	name := sweep.Name
	if name == "" {
		name = newRunName(time.Now())
	}
	cfgs := sweep.configs(base, name)
	engines := make([]*engine, len(cfgs))
	for i, c := range cfgs {
		e, err := newEngine(c)
		if err != nil {
			return nil, fmt.Errorf("llmtest: sweep level %s: %w", sweep.Levels[i], err)
		}
		engines[i] = e
	}
	dir := ""
	if base.OutputPath != "" {
		dir = JoinOutputPath(base.OutputPath, name)
	}
	s := newSweepResult(&sweep, name, dir, "")
	var runErr error
	for i, e := range engines {
		res, err := e.run(ctx, true)
		if res != nil {
			if aerr := s.add(&sweep, sweep.Levels[i], res); aerr != nil && err == nil {
				err = aerr
			}
		}
		if err != nil {
			runErr = fmt.Errorf("llmtest: sweep level %s: %w", sweep.Levels[i], err)
			break
		}
	}
	if err := s.Save(); err != nil && runErr == nil {
		runErr = err
	}
	return s, runErr
}

// Sweep runs a sweep (LLMeter's LoadTest) inside a test: each level of
// sweep is a sub-test, t.Run(level.String()), that runs base at the
// level's load with [Run] — so each level is a normal Result, with its
// summary logged, its checks and its own folder, and sweep.Test, when set,
// gates it in its sub-test. The levels run one after the other, in order.
//
// The sweep's folder is Config.OutputPath/SweepConfig.Name, or, when
// OutputPath is empty, the sweep's name under t.ArtifactDir(); the sweep
// is named after the test when SweepConfig.Name is empty, as Run names a
// run. Each level writes its folder <sweep folder>/<level> (never one
// folder for every level); the sweep's table goes to t.Log, and
// sweep.json and sweep.md are written in t.Cleanup, after the test's
// assertions on the sweep ran, so that they hold its checks.
//
// A sweep or level configuration that breaks a rule fails the test at
// once, before any level runs. Sweep must be called from the test's
// goroutine.
func Sweep(t *testing.T, base Config, sweep SweepConfig) *SweepResult {
	t.Helper()
	if base.OutputPath == "" {
		base.OutputPath = t.ArtifactDir()
	}
	if err := sweep.validate(base); err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	name := sweep.Name
	if name == "" {
		name = testRunName(t, base.OutputPath)
	}
	cfgs := sweep.configs(base, name)
	for i, c := range cfgs {
		if err := c.Check(); err != nil {
			t.Fatalf("llmtest: sweep level %s: %v", sweep.Levels[i], err)
			return nil
		}
	}
	s := newSweepResult(&sweep, name, filepath.Join(base.OutputPath, name), t.Name())
	for i, c := range cfgs {
		l := sweep.Levels[i]
		var res *Result
		t.Run(l.String(), func(t *testing.T) {
			res = Run(t, c)
			if sweep.Test != nil {
				sweep.Test(t, res)
			}
		})
		if res == nil {
			continue
		}
		if err := s.add(&sweep, l, res); err != nil {
			t.Errorf("%v", err)
		}
	}
	t.Cleanup(func() {
		if err := s.Save(); err != nil {
			t.Errorf("llmtest: saving sweep %s: %v", name, err)
		}
	})
	t.Log("\n" + s.Table())
	return s
}
