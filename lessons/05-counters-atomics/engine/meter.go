package engine

import (
	"context"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// meter gathers one run's figures. Whichever goroutine sees an event
// records it with an atomic add, so recording never makes one goroutine
// wait for another.
type meter struct {
	goroutines  gauge
	inFlight    gauge
	chunks      atomic.Int64
	queueFull   atomic.Int64
	writerWaits atomic.Int64
	poolWaits   atomic.Int64
}

func (m *meter) stats() Stats {
	return Stats{
		PeakGoroutines: int(m.goroutines.peak.Load()),
		PeakInFlight:   int(m.inFlight.peak.Load()),
		Chunks:         int(m.chunks.Load()),
		QueueFullWaits: int(m.queueFull.Load()),
		WriterWaits:    int(m.writerWaits.Load()),
		PoolWaits:      int(m.poolWaits.Load()),
	}
}

// newGroup returns an errgroup for one run's stages and the context they
// share, which the group cancels at the first error. A context makes its
// Done channel on first use, under a mutex; making it here, before the
// stages start, means no stage ever waits for that mutex.
func newGroup(ctx context.Context) (*errgroup.Group, context.Context) {
	g, ctx := errgroup.WithContext(ctx)
	ctx.Done()
	return g, ctx
}

// spawn runs f in its own goroutine of group g, counted: the count goes up
// at the go statement and down when f returns.
func (m *meter) spawn(g *errgroup.Group, f func() error) {
	m.goroutines.add(1)
	g.Go(func() error {
		defer m.goroutines.add(-1)
		return f()
	})
}

// gauge is a level that goes up and down and remembers the highest value
// it ever had. Every value an add produces is compared with the peak, so
// the peak is exact however the adds interleave.
type gauge struct{ now, peak atomic.Int64 }

func (g *gauge) add(delta int64) {
	now := g.now.Add(delta)
	for {
		peak := g.peak.Load()
		if now <= peak || g.peak.CompareAndSwap(peak, now) {
			return
		}
	}
}

// written records that the writer is done with a chunk.
func (m *meter) written() {
	m.inFlight.add(-1)
	m.chunks.Add(1)
}
