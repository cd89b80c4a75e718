package engine

import (
	"context"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"golang.org/x/sync/errgroup"
)

// docs:region observe
// observe marks one run for the execution tracer, as a task of its own
// (kind is "pack" or "unpack"), and starts counting it in e.Metrics. The
// function it returns ends both, with the error the run returned; call
// it once every stage has returned.
func (e *Engine) observe(ctx context.Context, kind string, m *meter) (context.Context, func(error)) {
	ctx, task := trace.NewTask(ctx, kind)
	e.Metrics.begin(m, e.Governor)
	return ctx, func(err error) {
		e.Metrics.end(m, err)
		task.End()
	}
}

// docs:endregion observe

// docs:region spawn
// spawn runs f in its own goroutine of group g, counted: the count goes up
// at the go statement and down when f returns. The goroutine carries a
// pprof label, stage=reader, worker or writer, so a CPU profile splits
// the run's time by stage (go tool pprof -tagfocus stage=worker).
func (m *meter) spawn(ctx context.Context, g *errgroup.Group, stage string, f func() error) {
	m.goroutines.add(1)
	g.Go(func() (err error) {
		defer m.goroutines.add(-1)
		pprof.Do(ctx, pprof.Labels("stage", stage), func(context.Context) { err = f() })
		return err
	})
}

// docs:endregion spawn

// docs:region step
// A step is one stage's work on one chunk: a region in the execution
// trace, named for the step, and, when metrics are on, a record of its
// time in a histogram. With tracing off a region costs a check of a
// flag; with metrics off (a nil histogram) the clock is never read.
type step struct {
	region *trace.Region
	start  time.Time
	into   *histogram
}

func startStep(ctx context.Context, name string, into *histogram) step {
	return step{region: trace.StartRegion(ctx, name), start: into.start(), into: into}
}

func (s step) end() {
	s.into.since(s.start)
	s.region.End()
}

// timers are the histograms a run records into: all nil when the
// engine has no Metrics.
type timers struct {
	cpu, queueWait, write      *histogram
	cpuWait, ioWait, bytesWait *histogram // waits for the Governor
}

func (ms *Metrics) timers(gov *Governor) timers {
	switch {
	case ms == nil:
		return timers{}
	case gov == nil: // nothing to wait for
		return timers{cpu: ms.cpu, queueWait: ms.queueWait, write: ms.write}
	}
	return timers{ms.cpu, ms.queueWait, ms.write, ms.cpuWait, ms.ioWait, ms.bytesWait}
}

// start returns the time now, for since. On a nil histogram (metrics
// off) it returns the zero Time without reading the clock.
func (h *histogram) start() time.Time {
	if h == nil {
		return time.Time{}
	}
	return time.Now()
}

// since records the time elapsed since t0; a nil histogram records
// nothing.
func (h *histogram) since(t0 time.Time) {
	if h != nil {
		h.record(time.Since(t0))
	}
}

// docs:endregion step
