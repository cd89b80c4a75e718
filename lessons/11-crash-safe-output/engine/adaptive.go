package engine

import (
	"runtime"
	"sync"
	"time"

	"packcourse/core/codec"
)

// docs:region Adaptive
// Adaptive asks Pack to pick each chunk's size as it goes, with a
// Controller, so that encoding a chunk takes about Target: small chunks
// for a slow codec or level, large ones for a fast one. The header's
// chunk size (Options.ChunkSize) is the cap: no chunk is larger, so every
// buffer and every reader's allocation stays what it was.
type Adaptive struct {
	Target   time.Duration // encode time per chunk to aim for; 0 means DefaultTarget
	MinChunk int           // smallest chunk; 0 means DefaultMinChunk (at most the cap)

	// Cost, if set, stands in for the clock: the worker reports Cost(off,
	// n) as the time it took to encode the n bytes at offset off, instead
	// of measuring. Tests and the demo use it to simulate a codec of a
	// known speed; nil measures.
	Cost func(off int64, n int) time.Duration
}

// docs:endregion Adaptive

// docs:region sizer
// A sizer is how one Pack sizes its chunks, shared by its reader and its
// workers. Without a Controller it gives every chunk the header's chunk
// size, as lesson 09 does. With one, the reader asks it for each chunk's
// size before reading the chunk, and each worker tells it how long its
// encode took, under a mutex: the Controller is a few fields, touched
// once per chunk by each side, so the lock is held for nanoseconds.
//
// The feedback lags. When the reader picks a size, the chunks still in
// flight (up to Queue+2 of them, more when reading ahead) were sized from
// older samples, and the chunk it sizes now is measured only after them.
// That delays a change of size by some chunks; it cannot break a bound,
// because every size is at most the cap that buffers, budgets and the
// header were sized for.
type sizer struct {
	fixed int // the header's chunk size
	cost  func(off int64, n int) time.Duration

	mu   sync.Mutex
	ctrl *Controller // nil: fixed chunks
}

func newSizer(a *Adaptive, chunkSize int) *sizer {
	s := &sizer{fixed: chunkSize}
	if a != nil {
		s.ctrl = NewController(a.Target, a.MinChunk, chunkSize)
		s.cost = a.Cost
	}
	return s
}

// next is the size of the next chunk, decided before it is read.
func (s *sizer) next() int {
	if s.ctrl == nil {
		return s.fixed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctrl.Next()
}

// docs:endregion sizer

// docs:region encodeTimed
// encodeTimed is encodeChunk, measured: the CPU time the encode took (or,
// with a Cost, the time it stands for) goes to the Controller. Wall time
// would not do: on a machine busy with other work a worker gets a share of
// a core, its encode takes longer by the clock, and the Controller would
// shrink chunks that cost no more CPU than before. So the worker reads its
// thread's CPU clock before and after, locked to that thread meanwhile so
// that both readings are of the same clock (Go may otherwise move a
// goroutine to another thread when it is preempted). Where there is no
// such clock (threadCPU), wall time it is.
func (p *packRun) encodeTimed(enc *codec.Encoder, out []byte, job packJob) (codec.Frame, error) {
	if p.sizes.ctrl == nil {
		return p.encodeChunk(enc, out, job.chunk)
	}
	runtime.LockOSThread()
	cpu0, ok0 := threadCPU()
	start := time.Now()
	f, err := p.encodeChunk(enc, out, job.chunk)
	took := time.Since(start)
	if cpu1, ok1 := threadCPU(); ok0 && ok1 {
		took = cpu1 - cpu0
	}
	runtime.UnlockOSThread()
	if err == nil {
		p.sizes.observe(job.off, len(job.chunk.Data), took)
	}
	return f, err
}

// docs:endregion encodeTimed

// bufferLen is the chunk size a buffer for a chunk of n bytes is made for:
// the header's chunk size for fixed chunks, so that every buffer fits
// every chunk, as in lesson 09. For adaptive ones it is the smallest of
// the Controller's sizes (the cap halved some times) that holds n: a run
// does not make (and the OS zero) buffers of the cap for chunks a fraction
// of it, and buffers come in a few sizes, which later chunks of the same
// size reuse (see fit).
func (s *sizer) bufferLen(n int) int {
	size := s.fixed
	if s.ctrl != nil {
		for size/2 >= n {
			size /= 2
		}
	}
	return size
}

// fit returns buf if its capacity is at least need; else an empty buffer
// of capacity class: one a chunk done earlier left with the Governor, or a
// new one. In a governed adaptive run the pools keep each buffer under its
// own capacity (pool.byCapacity), so fit finds the buffers of earlier
// chunks of the same size, and an outgrown buf goes back for a later,
// smaller chunk. Without them, every adaptive chunk made new buffers: the
// pools keep only buffers of one size, and sizes vary.
func (p *packRun) fit(buf []byte, need, class int) []byte {
	if cap(buf) >= need {
		return buf
	}
	if g := p.gov.g; g != nil && p.sizes.ctrl != nil {
		g.keep(buf, cap(buf))
		if b := g.spare(class); b != nil {
			return b
		}
	}
	return make([]byte, 0, class)
}

// varyBuffers has a governed adaptive run's pools keep each buffer under
// its own capacity, one of the few bufferLen makes (see fit).
func (p *packRun) varyBuffers() {
	if p.gov.g != nil && p.sizes.ctrl != nil {
		p.inputs.byCapacity()
		p.frames.byCapacity()
	}
}

// firstChunk is the size of a Pack's first chunk: the header's chunk size,
// or with Adaptive the first size its Controller picks. An input no larger
// takes lesson 09's fast path, as one chunk.
func (e *Engine) firstChunk(chunkSize int) int {
	return newSizer(e.Adaptive, chunkSize).next()
}

// wroteSmall records the fast path's one chunk as the whole schedule of an
// Adaptive run, so that Stats.Schedule replays it as for any other run.
func (m *meter) wroteSmall(a *Adaptive, f *codec.Frame) {
	if a != nil && f != nil {
		m.schedule = []int{f.RawLen}
	}
}

// docs:region observe
// observe gives the Controller one chunk's time: took as measured, or the
// Cost standing in for it.
func (s *sizer) observe(off int64, n int, took time.Duration) {
	if s.cost != nil {
		took = s.cost(off, n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ctrl.Observe(n, took)
}

// docs:endregion observe

// wrote records, for Stats.Schedule, that the writer wrote a chunk of n
// bytes. Only the writer calls it, in frame order, so it needs no lock;
// the schedule is read once the run is over.
func (m *meter) wrote(s *sizer, n int) {
	if s.ctrl != nil {
		m.schedule = append(m.schedule, n)
	}
}
