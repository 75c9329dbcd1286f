package llmtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Stage is one step of a run's load shape: a linear ramp from the
// previous stage's target (the first stage's from Config.Rate or
// Config.Clients, 0 when unset) to Target over Duration. Target is a rate
// in requests/s in an open loop and a number of clients in a closed loop.
// A stage whose Target equals the previous one holds the load steady.
type Stage struct {
	Duration time.Duration
	Target   float64
}

// stagesDuration returns the total duration of stages.
func stagesDuration(stages []Stage) time.Duration {
	var d time.Duration
	for _, s := range stages {
		d += s.Duration
	}
	return d
}

// profile is a piecewise-linear load level over the run's time: the rate
// of an open loop or the number of clients of a closed one. Segment i goes
// from level from[i] at start[i] to to[i] at start[i]+dur[i]. A profile
// without an end (a rate bounded by a request count) holds its last level
// for ever.
type profile struct {
	segs []segment
	// end is the run's length, the sum of the segments; 0 for no end.
	end time.Duration
}

type segment struct {
	start, dur time.Duration
	from, to   float64
}

// newProfile returns the profile of stages starting at level initial, or,
// without stages, the constant level initial for ever.
func newProfile(initial float64, stages []Stage) *profile {
	p := &profile{}
	if len(stages) == 0 {
		p.segs = []segment{{dur: math.MaxInt64, from: initial, to: initial}}
		return p
	}
	level, at := initial, time.Duration(0)
	for _, s := range stages {
		p.segs = append(p.segs, segment{start: at, dur: s.Duration, from: level, to: s.Target})
		level, at = s.Target, at+s.Duration
	}
	p.end = at
	return p
}

// level returns the load level at time t since the run's start: the
// linear interpolation within t's segment; after the end, the last
// target.
func (p *profile) level(t time.Duration) float64 {
	for _, s := range p.segs {
		if t < s.start+s.dur || s.dur == math.MaxInt64 {
			f := float64(t-s.start) / float64(s.dur)
			if s.dur == math.MaxInt64 {
				f = 0
			}
			return s.from + (s.to-s.from)*max(f, 0)
		}
	}
	return p.segs[len(p.segs)-1].to
}

// peak returns the highest level of the profile.
func (p *profile) peak() float64 {
	m := 0.0
	for _, s := range p.segs {
		m = max(m, s.from, s.to)
	}
	return m
}

// reach returns the earliest time at or after t at which the level is at
// least x, and false when it never is again before the end.
func (p *profile) reach(t time.Duration, x float64) (time.Duration, bool) {
	for _, s := range p.segs {
		segEnd := s.start + s.dur
		if s.dur == math.MaxInt64 {
			segEnd = math.MaxInt64
		}
		if segEnd <= t {
			continue
		}
		lo := max(t, s.start)
		if p.levelIn(s, lo) >= x {
			return lo, true
		}
		if s.to < x || s.to <= s.from {
			continue // not reached within this segment
		}
		// A rising segment crosses x at start + dur·(x−from)/(to−from).
		f := (x - s.from) / (s.to - s.from)
		at := s.start + time.Duration(math.Ceil(f*float64(s.dur)))
		return max(at, lo), true
	}
	return 0, false
}

func (p *profile) levelIn(s segment, t time.Duration) float64 {
	if s.dur == math.MaxInt64 {
		return s.from
	}
	return s.from + (s.to-s.from)*float64(t-s.start)/float64(s.dur)
}

// arrivalTime returns the time since the start at which the cumulative
// number of arrivals the rate profile expects, Λ(t) = ∫₀ᵗ rate, reaches
// mass (the inverse of Λ), and false when it never does before the end.
// The k-th arrival of a constant process is at arrivalTime(k); a Poisson
// process maps the partial sums of unit exponentials through it (the
// time-rescaling theorem).
func (p *profile) arrivalTime(mass float64) (time.Duration, bool) {
	for _, s := range p.segs {
		if s.dur == math.MaxInt64 {
			if s.from <= 0 {
				return 0, false
			}
			secs := mass / s.from
			if secs*1e9 >= math.MaxInt64/2 {
				return 0, false
			}
			return s.start + time.Duration(secs*1e9), true
		}
		d := s.dur.Seconds()
		a, slope := s.from, (s.to-s.from)/d // rate at the segment's start, its change per second
		m := a*d + slope*d*d/2              // the segment's expected arrivals
		if mass > m {
			mass -= m
			continue
		}
		// Solve a·x + slope·x²/2 = mass for x in [0, d], in the form that
		// is stable for every slope (including 0).
		den := a + math.Sqrt(max(a*a+2*slope*mass, 0))
		if den <= 0 {
			return s.start, true
		}
		x := min(2*mass/den, d)
		return s.start + time.Duration(x*1e9), true
	}
	return 0, false
}

// ParseStages parses stages written as DURATION:TARGET items separated by
// commas, such as "30s:100,1m:100,10s:0": each a positive duration
// (time.ParseDuration) and a target of at least 0. The error quotes the
// item at fault.
func ParseStages(s string) ([]Stage, error) {
	var out []Stage
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		d, t, ok := strings.Cut(item, ":")
		dur, err1 := time.ParseDuration(d)
		target, err2 := strconv.ParseFloat(t, 64)
		if !ok || err1 != nil || err2 != nil || dur <= 0 || !(target >= 0) || math.IsInf(target, 0) {
			return nil, fmt.Errorf("want stages DURATION:TARGET, such as 30s:100 (a positive duration, a target of at least 0), separated by commas; %q is not one", item)
		}
		out = append(out, Stage{Duration: dur, Target: target})
	}
	return out, nil
}
