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
	queueFull   atomic.Int64
	writerWaits atomic.Int64
	poolWaits   atomic.Int64

	readDepth     int   // set before the run starts
	readsInFlight gauge // ReadAt calls going now, when reading at offsets

	schedule []int // each chunk's size in frame order, when adaptive: the writer's alone

	busy   atomic.Int64                  // workers encoding (decoding) a chunk now
	places atomic.Pointer[func(*Levels)] // reads the run's FIFO and pools, for levels

	// docs:region meter-progress
	// The run's progress, read by Progress while the run goes: each
	// stage adds to its own tally once per chunk.
	read    tally // by the reader
	encoded tally // by the workers (decoded, in an Unpack)
	written tally // by the writer
	// docs:endregion meter-progress
}

func (m *meter) stats() Stats {
	return Stats{
		PeakGoroutines: int(m.goroutines.peak.Load()),
		PeakInFlight:   int(m.inFlight.peak.Load()),
		Chunks:         int(m.written.chunks.Load()),
		QueueFullWaits: int(m.queueFull.Load()),
		WriterWaits:    int(m.writerWaits.Load()),
		PoolWaits:      int(m.poolWaits.Load()),

		ReadDepth:         max(m.readDepth, 1),
		PeakReadsInFlight: int(m.readsInFlight.peak.Load()),

		Schedule: m.schedule,
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

// docs:region meter-events
// readChunk records that the reader has read a chunk of rawLen bytes of
// original data (an Unpack: a frame that decodes to rawLen bytes).
func (m *meter) readChunk(rawLen int) {
	m.inFlight.add(1)
	m.read.add(rawLen)
}

// encodedChunk records that a worker has encoded a chunk (an Unpack:
// decoded and verified it).
func (m *meter) encodedChunk(rawLen int) { m.encoded.add(rawLen) }

// wroteChunk records that the writer is done with a chunk.
func (m *meter) wroteChunk(rawLen int) {
	m.inFlight.add(-1)
	m.written.add(rawLen)
}

// docs:endregion meter-events

// tally counts the chunks one stage has finished and their bytes of
// original data. One goroutine or several add to it while Progress loads
// it from another, so both halves are atomic; they are two words, so a
// load may see a chunk in one and not yet in the other.
type tally struct{ chunks, bytes atomic.Int64 }

func (t *tally) add(rawLen int) {
	t.bytes.Add(int64(rawLen))
	t.chunks.Add(1)
}

func (t *tally) load() Tally { return Tally{Chunks: t.chunks.Load(), Bytes: t.bytes.Load()} }

// progress takes a snapshot of the three tallies, the last stage first.
// Every chunk is counted by the reader before a worker sees it and by a
// worker before the writer does, so a chunk in a later tally is already
// in every earlier one; loaded in this order, the snapshot always has
// Written <= Encoded <= Read, however the stages run meanwhile.
func (m *meter) progress() Progress {
	var p Progress
	p.Written = m.written.load()
	p.Encoded = m.encoded.load()
	p.Read = m.read.load()
	return p
}
