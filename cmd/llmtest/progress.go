package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/llmtest/llmtest/llmtest"
)

// Progress modes of --progress.
const (
	progressAuto  = "auto"  // bar on a terminal, lines otherwise
	progressBar   = "bar"   // the bar and the live stats block
	progressLines = "lines" // one plain line per --progress-interval
	progressOff   = "off"
)

// progressModes are the values of --progress.
var progressModes = []string{progressAuto, progressBar, progressLines, progressOff}

// progressFlags are the flags of a run's live progress, drawn on standard
// error.
type progressFlags struct {
	mode     string
	stats    string
	interval time.Duration
	clients  bool
	parsed   []llmtest.ProgressStat // --progress-stats, nil when not given
}

func (p *progressFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&p.mode, "progress", progressAuto, "live progress on standard error: auto (a bar on a terminal, else a line per --progress-interval), bar, lines or off")
	fs.StringVar(&p.stats, "progress-stats", "", "live statistics as label=key[,label=key…], 1/key for an inverse, \"\" for none (default: LLMeter's rpm, output_tps, p50_ttft, p90_ttft, p50_ttlt, p90_ttlt, p50_tps, input_tokens, output_tokens, fail)")
	fs.DurationVar(&p.interval, "progress-interval", llmtest.DefaultProgressInterval, "time between progress lines when standard error is not a terminal (or with --progress lines)")
	fs.BoolVar(&p.clients, "progress-clients", false, "with the bar, one bar per client as well")
}

// check checks the progress flags; set holds the flags given.
func (p *progressFlags) check(set map[string]bool) error {
	switch p.mode {
	case progressAuto, progressBar, progressLines, progressOff:
	default:
		return usageErrorf("--progress: unknown mode %q (want auto, bar, lines or off)", p.mode)
	}
	if p.interval <= 0 {
		return usageErrorf("--progress-interval must be positive, got %v", p.interval)
	}
	if set["progress-stats"] {
		stats, err := llmtest.ParseProgressStats(p.stats)
		if err != nil {
			return usageErrorf("--progress-stats: %v", err)
		}
		p.parsed = stats
	}
	return nil
}

// start returns the run's Progress, drawing on w, and the function that
// ends the drawing once the run has returned, leaving the screen clean.
func (p *progressFlags) start(w io.Writer) (llmtest.Progress, func()) {
	mode := p.mode
	if mode == progressAuto {
		mode = progressLines
		if isTerminal(w) {
			mode = progressBar
		}
	}
	cfg := llmtest.Progress{Stats: p.parsed}
	switch mode {
	case progressOff:
		cfg.Off = true
		return cfg, func() {}
	case progressLines:
		l := &lineProgress{w: w, interval: p.interval, next: p.interval}
		cfg.Func = l.show
		return cfg, func() {}
	}
	b := &barProgress{w: w, clients: p.clients}
	cfg.Func = b.show
	return cfg, b.stop
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// lineProgress prints one plain line per interval: no carriage return, no
// escape code, so that a CI log keeps every line.
type lineProgress struct {
	w        io.Writer
	interval time.Duration
	next     time.Duration
}

func (l *lineProgress) show(s *llmtest.ProgressSnapshot) {
	if s.Final || s.Elapsed < l.next {
		return
	}
	fmt.Fprintf(l.w, "llmtest run: %s\n", s.Line())
	for l.next <= s.Elapsed {
		l.next += l.interval
	}
}

// barProgress draws, with mpb, the run's bar — requests done of the total
// for a counted run, time elapsed of the duration for a timed one, then a
// second bar for the drain of the requests in flight — with the live
// statistics below it, and optionally a bar per client. Every bar is
// removed when the run ends.
type barProgress struct {
	w       io.Writer
	clients bool

	once   sync.Once
	p      *mpb.Progress
	main   *mpb.Bar
	drain  *mpb.Bar
	per    []*mpb.Bar
	last   atomic.Pointer[llmtest.ProgressSnapshot]
	total  int64 // of the main bar
	timed  bool
	drainN int // requests ended when the drain started
	done   bool
}

// barTick is the unit of a timed run's bar: its total is the duration in
// these.
const barTick = 100 * time.Millisecond

func (b *barProgress) init(s *llmtest.ProgressSnapshot) {
	b.p = mpb.New(mpb.WithOutput(b.w), mpb.WithWidth(40), mpb.WithRefreshRate(200*time.Millisecond))
	b.timed = s.Duration > 0
	name, counters := "requests", decor.CountersNoUnit("%d/%d", decor.WCSyncSpace)
	b.total = int64(s.Total)
	if b.timed {
		name = "elapsed"
		b.total = int64(s.Duration / barTick)
		counters = decor.Any(func(decor.Statistics) string {
			if l := b.last.Load(); l != nil {
				return fmt.Sprintf("%s/%s", min(l.Elapsed, l.Duration).Truncate(barTick).String(), l.Duration)
			}
			return ""
		}, decor.WCSyncSpace)
	}
	rows := b.statRows(s)
	opts := []mpb.BarOption{
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(counters, decor.Percentage(decor.WCSyncSpace), decor.Any(b.inFlight, decor.WCSyncSpace)),
		mpb.BarRemoveOnComplete(),
		mpb.BarPriority(0),
	}
	if len(rows) > 0 {
		opts = append(opts, mpb.BarBtmExtender(rows...))
	}
	b.main = b.addBar(b.total, opts...)
	if b.clients && !b.timed {
		perClient := int64(s.Total / max(len(s.Clients), 1))
		for i := range s.Clients {
			b.per = append(b.per, b.addBar(perClient,
				mpb.PrependDecorators(decor.Name(fmt.Sprintf("client %d", i+1), decor.WCSyncSpaceR)),
				mpb.AppendDecorators(decor.CountersNoUnit("%d/%d", decor.WCSyncSpace)),
				mpb.BarRemoveOnComplete(), mpb.BarPriority(2+i)))
		}
	}
}

// addBar adds a bar of that total that completes only when complete says
// so: one added with a zero total never completes by reaching it, and so
// stays on the screen, full, until the run ends.
func (b *barProgress) addBar(total int64, opts ...mpb.BarOption) *mpb.Bar {
	bar := b.p.AddBar(0, opts...)
	bar.SetTotal(max(total, 1), false)
	return bar
}

// inFlight decorates the main bar with the requests in flight and the
// failures.
func (b *barProgress) inFlight(decor.Statistics) string {
	l := b.last.Load()
	if l == nil {
		return ""
	}
	return fmt.Sprintf("%d in flight, %d failed", l.InFlight, l.Failed)
}

// statGroups are LLMeter's groups of live statistics: a statistic belongs
// to the first group one of whose words its label contains, ignoring case.
var statGroups = []struct {
	name  string
	words []string
}{
	{"throughput", []string{"rpm", "tps"}},
	{"ttft", []string{"ttft"}},
	{"ttlt", []string{"ttlt"}},
	{"tokens", []string{"token"}},
	{"errors", []string{"fail"}},
	{"other", []string{""}},
}

// statRows returns one row filler per group that has statistics.
func (b *barProgress) statRows(s *llmtest.ProgressSnapshot) []mpb.BarFiller {
	byGroup := make([][]int, len(statGroups))
	for i, v := range s.Stats {
		label := strings.ToLower(v.Label)
		for g, group := range statGroups {
			if containsAny(label, group.words) {
				byGroup[g] = append(byGroup[g], i)
				break
			}
		}
	}
	var rows []mpb.BarFiller
	for g, idx := range byGroup {
		if len(idx) == 0 {
			continue
		}
		name := statGroups[g].name
		rows = append(rows, mpb.BarFillerFunc(func(w io.Writer, _ decor.Statistics) error {
			l := b.last.Load()
			var line strings.Builder
			fmt.Fprintf(&line, "  %-10s", name)
			for _, i := range idx {
				if l != nil && i < len(l.Stats) {
					fmt.Fprintf(&line, "  %s=%s", l.Stats[i].Label, l.Stats[i].String())
				}
			}
			line.WriteByte('\n') // each row ends its line, as mpb's bar does
			_, err := io.WriteString(w, line.String())
			return err
		}))
	}
	return rows
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// show updates the bars from a snapshot; the final one completes them all.
func (b *barProgress) show(s *llmtest.ProgressSnapshot) {
	b.once.Do(func() { b.init(s) })
	b.last.Store(s)
	if b.timed {
		b.main.SetCurrent(min(int64(s.Elapsed/barTick), b.total))
		if s.Draining && !s.Final && b.drain == nil && s.InFlight > 0 {
			// The duration is over: the main bar is full, and the drain
			// of the requests in flight gets a bar of its own below it.
			b.main.SetCurrent(b.total)
			b.drainN = s.Ended
			b.drain = b.addBar(int64(s.InFlight),
				mpb.PrependDecorators(decor.Name("draining", decor.WCSyncSpaceR)),
				mpb.AppendDecorators(decor.CountersNoUnit("%d/%d", decor.WCSyncSpace)),
				mpb.BarRemoveOnComplete(), mpb.BarPriority(1))
		}
		if b.drain != nil {
			b.drain.SetCurrent(int64(s.Ended - b.drainN))
		}
	} else {
		b.main.SetCurrent(int64(s.Ended))
	}
	for i, bar := range b.per {
		bar.SetCurrent(int64(s.Clients[i]))
	}
	if s.Final {
		b.complete()
	}
}

// complete ends every bar, which removes it from the screen.
func (b *barProgress) complete() {
	if b.done {
		return
	}
	b.done = true
	for _, bar := range append([]*mpb.Bar{b.main, b.drain}, b.per...) {
		if bar != nil {
			bar.SetTotal(-1, true)
		}
	}
}

// stop waits until the bars are off the screen. A run that ended without a
// final snapshot (it never started) has its bars dropped.
func (b *barProgress) stop() {
	if b.p == nil {
		return
	}
	if !b.done {
		b.done = true
		for _, bar := range append([]*mpb.Bar{b.main, b.drain}, b.per...) {
			if bar != nil {
				bar.Abort(true)
			}
		}
	}
	b.p.Wait()
}
