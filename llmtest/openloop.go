package llmtest

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"time"
)

// Arrival is an open loop's arrival process.
type Arrival string

// Arrival processes.
const (
	// ArrivalConstant sends the k-th request (k = 0, 1, …) when the
	// expected number of arrivals, the integral of the rate, reaches k:
	// at a constant rate R, at k/R.
	ArrivalConstant Arrival = "constant"
	// ArrivalPoisson makes the arrivals a Poisson process of the rate
	// (independent, exponentially distributed gaps of mean 1/R at a
	// constant rate R), drawn from Config.Seed, so that a run repeats.
	ArrivalPoisson Arrival = "poisson"
	// ArrivalTrace is recorded for a run that replays Config.ArrivalTimes;
	// it is not a process to ask for.
	ArrivalTrace Arrival = "trace"
)

// Defaults of the open loop.
const (
	// DefaultMaxInFlight is the cap of requests in flight of an open loop
	// when Config.MaxInFlight is zero.
	DefaultMaxInFlight = 1024
	// DefaultSeed seeds the arrivals when Config.Seed is zero.
	DefaultSeed uint64 = 0x6c6c6d74657374 // "llmtest"
)

func (a Arrival) validate() error {
	switch a {
	case "", ArrivalConstant, ArrivalPoisson:
		return nil
	}
	return configErrorf("Arrival", "must be %q or %q, got %q", ArrivalConstant, ArrivalPoisson, string(a))
}

// ParseArrival returns the Arrival named s, "constant" or "poisson".
func ParseArrival(s string) (Arrival, error) {
	a := Arrival(s)
	if s == "" {
		return "", configErrorf("Arrival", "must be %q or %q, got %q", ArrivalConstant, ArrivalPoisson, s)
	}
	return a, a.validate()
}

// arrivals yields an open loop's arrival times, as offsets from the run's
// start, in order.
type arrivals struct {
	prof    *profile
	times   []time.Duration // a replayed schedule, Config.ArrivalTimes
	poisson bool
	rng     *rand.Rand
	k       int     // arrivals yielded
	mass    float64 // the Poisson process's cumulative unit-rate time
	end     time.Duration
	limit   int // the number of arrivals, 0 for no limit
	// phase offsets constant arrivals by a fraction of a gap: a shard's.
	phase float64
}

func newArrivals(c *Config, prof *profile) *arrivals {
	a := &arrivals{prof: prof, times: c.ArrivalTimes, poisson: c.Arrival == ArrivalPoisson, limit: c.Requests, end: prof.end}
	if c.Duration > 0 {
		a.end = c.Duration
	}
	if a.poisson {
		a.rng = rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	}
	return a
}

// next returns the next arrival's offset, and false once the load shape
// has no more.
func (a *arrivals) next() (time.Duration, bool) {
	if a.limit > 0 && a.k >= a.limit {
		return 0, false
	}
	if a.times != nil {
		if a.k >= len(a.times) || (a.end > 0 && a.times[a.k] >= a.end) {
			return 0, false
		}
		a.k++
		return a.times[a.k-1], true
	}
	m := float64(a.k) + a.phase
	if a.poisson {
		a.mass += a.rng.ExpFloat64()
		m = a.mass
	}
	at, ok := a.prof.arrivalTime(m)
	if !ok || (a.end > 0 && at >= a.end) {
		return 0, false
	}
	a.k++
	return at, true
}

// arrival is one scheduled request handed to a worker.
type arrival struct {
	idx      int // payload index
	intended time.Time
	warmup   bool
}

// openLoop is the state of a running open loop, shared by its scheduler
// and its workers.
type openLoop struct {
	work     chan arrival
	inFlight atomic.Int64 // requests handed to workers and not yet collected
	dropped  atomic.Int64 // arrivals dropped for want of a slot
	arrived  atomic.Int64 // arrivals scheduled: sent or dropped
	// scheduled is set once the scheduler has ended: no arrival follows.
	scheduled atomic.Bool
}

// schedule is the open loop's scheduler: it hands each arrival, at its
// time, to a worker, or drops it when MaxInFlight requests are in flight.
// It sleeps only until the next arrival is due (see waitUntil) and reads
// the clock once for an arrival already due; arrivals already due when it
// wakes (it overslept, or
// they come faster than a timer fires) are dispatched at once in one
// batch, each with its own intended time, so that the schedule never
// drifts: the delay is measured, as each request's schedule lag, never
// accumulated. spawn starts one more worker; the scheduler calls it
// whenever the requests in flight outnumber the workers, so a run uses as
// many workers as its peak concurrency. It closes the work channel when
// the arrivals end or ctx is cancelled.
func (e *engine) schedule(ctx context.Context, ol *openLoop, spawn func()) {
	defer func() {
		close(ol.work)
		ol.scheduled.Store(true)
	}()
	arr := newArrivals(&e.cfg, e.prof)
	arr.phase = e.shard.phase
	n := len(e.reqs)
	maxInFlight := int64(e.cfg.MaxInFlight)
	var workers int64
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for k := 0; ; k++ {
		at, ok := arr.next()
		if !ok {
			return
		}
		if !e.waitUntil(ctx, timer, at) {
			e.interrupted.Store(true)
			return
		}
		ol.arrived.Add(1)
		if ol.inFlight.Load() >= maxInFlight {
			if !e.warm.on(at) {
				ol.dropped.Add(1)
			}
			continue
		}
		warm := e.warm.next(at)
		if ol.inFlight.Add(1) > workers {
			workers++
			spawn()
		}
		ol.work <- arrival{idx: e.shard.global(k) % n, intended: e.start.Add(at), warmup: warm}
	}
}

// fineWindow is how close to an arrival the scheduler stops waiting on a
// runtime timer, which may fire up to a millisecond late, and sleeps the
// rest with fineSleep.
const fineWindow = 2 * time.Millisecond

// waitUntil waits until offset at since the run's start, and reports
// false if ctx is cancelled first. A wait longer than fineWindow is a
// timer's, until fineWindow before at (it may fire late by up to a
// millisecond, which the window absorbs); the rest is a fineSleep.
func (e *engine) waitUntil(ctx context.Context, timer *time.Timer, at time.Duration) bool {
	d := at - time.Since(e.start)
	if d > fineWindow {
		timer.Reset(d - fineWindow)
		select {
		case <-timer.C:
		case <-ctx.Done():
			return false
		}
		d = at - time.Since(e.start)
	}
	if d > 0 {
		// The workers just handed arrivals are runnable on this
		// processor: let them run before its thread sleeps.
		runtime.Gosched()
		if d = at - time.Since(e.start); d > 0 {
			fineSleep(d)
		}
	}
	return ctx.Err() == nil
}

// worker sends the arrivals it receives, one at a time, and hands each
// record to the collector; the request's slot is free once the collector
// has it. After a cancellation it drains the work without sending.
func (e *engine) worker(ctx context.Context, ol *openLoop, out chan<- Invocation) error {
	var (
		rec  recorder
		gaps arena
	)
	for a := range ol.work {
		if ctx.Err() != nil {
			e.interrupted.Store(true)
			ol.inFlight.Add(-1)
			continue
		}
		req, err := e.request(ctx, a.idx)
		if err != nil {
			ol.inFlight.Add(-1)
			return err
		}
		if e.live != nil {
			e.live.clients[0].started.Add(1)
		}
		inv, err := e.invoke(ctx, &rec, req, a.idx, &gaps)
		inv.IntendedTime, inv.Warmup = a.intended, a.warmup
		if e.live != nil {
			e.live.clients[0].ended.Add(1)
		}
		out <- inv
		ol.inFlight.Add(-1)
		if err != nil {
			return err
		}
	}
	return nil
}

// meanRate is a replayed schedule's mean arrival rate in requests/s, the
// arrivals over the time from the first to the last; zero when they all
// arrive at once.
func meanRate(times []time.Duration) float64 {
	if len(times) < 2 || times[len(times)-1] == times[0] {
		return 0
	}
	return float64(len(times)-1) / (times[len(times)-1] - times[0]).Seconds()
}
