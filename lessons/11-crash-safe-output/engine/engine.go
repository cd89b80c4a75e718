// Package engine is lesson 11's engine: lesson 10's pipeline, unchanged,
// with a file-level API (PackFile, PackPaths) whose outputs appear whole or
// not at all: each container is written to a temporary file in its
// destination's directory, synced, closed and renamed into place, and the
// directory is synced last, all through an injectable file system (FS).
// See output.go and fs.go.
package engine

import (
	"context"
	"io"
	"runtime"
	"sync/atomic"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// Engine packs and unpacks with one reader goroutine, Workers encoding (or
// decoding) goroutines and one writer goroutine, streaming its input. The
// zero value is ready to use. An Engine may run several Packs and Unpacks
// at once; Stats reports the last one to finish, Progress the last one to
// start.
type Engine struct {
	// Workers is how many goroutines encode or decode chunks; less than
	// 1 means runtime.GOMAXPROCS(0).
	Workers int
	// Queue is the capacity of the writer's FIFO of futures; less than 1
	// means 2*Workers, as in lesson 03. At most Queue+2 chunks are in
	// flight.
	Queue int

	// EncodeHook, if set, is called by the worker that encodes chunk
	// index, just before it does; a non-nil error fails that chunk. It
	// is for tests, which use it to hold a chunk back or inject a fault.
	EncodeHook func(index int) error

	// Governor, if set, is shared with every other run that uses it, on
	// this Engine or another: the runs then hold no more CPU tokens, I/O
	// tokens and bytes, all together, than it has. Nil means ungoverned,
	// as in lesson 05.
	Governor *Governor

	// Metrics, if set, receives what every run does: see Metrics. Nil
	// means no metrics, and no clock read for them.
	Metrics *Metrics

	// ReadDepth is how many reads a Pack keeps in flight at once, at
	// their own offsets, when its input can be read so (a regular file,
	// a bytes.Reader: see readAtSource); other inputs, such as a pipe,
	// are read in sequence whatever it says. 1 means the sequential
	// reader; less than 1 means DetectReadDepth's choice for the input.
	ReadDepth int

	// Adaptive, if set, has Pack pick each chunk's size as it goes,
	// toward a target encode time per chunk, with the header's chunk size
	// as the cap (see Adaptive). Nil means every chunk is the header's
	// chunk size, as in lesson 09.
	Adaptive *Adaptive

	last    atomic.Pointer[Stats]
	running atomic.Pointer[meter] // the run started last, for Progress
}

// Stats are figures about one run, measured by the engine as it runs.
type Stats struct {
	PeakGoroutines int // most goroutines the engine had running at once: reader, workers and writer
	// PeakBufferedBytes is the capacity of the pools' buffers. During a
	// run buffers are only ever made or grown, never freed, so what the
	// pools hold at the end is the most they held at once. It is at most
	// PackBound for a Pack, whatever the size of its input. A governed
	// run keeps no buffer (see ChunkCost), so it reports 0 here: its
	// bytes are the Governor's figure.
	PeakBufferedBytes int64
	PeakInFlight      int // most chunks read but not yet written; never more than Queue+2
	Chunks            int // chunks (frames) written
	QueueFullWaits    int // times the reader found the writer's FIFO full and waited: backpressure
	WriterWaits       int // times the chunk the writer needed next was not encoded yet
	PoolWaits         int // times the reader waited for a free input buffer
	Buffers           int // buffers the pools made; every chunk reuses one of them
	BuffersOut        int // buffers not back in their pool when the run ended: 0 unless there is a bug

	ReadDepth         int // reads the run could have in flight at once: 1 for the sequential reader
	PeakReadsInFlight int // most ReadAt calls in flight at once; 0 for the sequential reader

	// Schedule is the raw length of every chunk written, in order, when
	// the run was Adaptive (nil otherwise): the sizes it picked, which
	// oracle.PackSchedule replays to the same bytes.
	Schedule []int
}

// docs:region Progress
// Progress is how far a run has got: what each stage has finished so far.
// Bytes are bytes of original data in every stage, for Pack and Unpack
// alike, so the stages compare: Written <= Encoded <= Read always, and at
// the end of a run that succeeded all three are the input's chunks and
// bytes.
type Progress struct {
	Read    Tally // chunks read from src (an Unpack: frames)
	Encoded Tally // chunks the workers have encoded (an Unpack: decoded and verified)
	Written Tally // chunks written to dst
}

// Tally is a count of chunks and of their bytes of original data.
type Tally struct {
	Chunks int64
	Bytes  int64
}

// Progress returns how far the run started last has got. It is safe to
// call from any goroutine at any time, as often as wanted: it only loads
// atomic counters, so it never makes a stage wait. After the run it
// reports the run's totals (zero before any run).
func (e *Engine) Progress() Progress {
	if m := e.running.Load(); m != nil {
		return m.progress()
	}
	return Progress{}
}

// docs:endregion Progress

// Stats returns the figures of the last run to finish (zero before any).
func (e *Engine) Stats() Stats {
	if s := e.last.Load(); s != nil {
		return *s
	}
	return Stats{}
}

func (e *Engine) workers() int {
	if e.Workers < 1 {
		return runtime.GOMAXPROCS(0)
	}
	return e.Workers
}

func (e *Engine) queue() int {
	if e.Queue < 1 {
		return 2 * e.workers()
	}
	return e.Queue
}

// docs:region pool-sizes
// inputSlots is how many input buffers a run may hold: one for each worker
// to encode from, and one for each chunk the reader fills meanwhile (depth
// of them when reads run at offsets, one for the sequential reader).
func inputSlots(workers, depth int) int { return workers + depth }

// outputSlots is how many output buffers a run may hold: one for every
// future the writer's FIFO holds, and one for the chunk the writer is on.
// Only chunks whose future is in line get to a worker, so there are never
// more than that, and a worker never waits for an output buffer.
func outputSlots(queue int) int { return queue + 1 }

// docs:endregion pool-sizes

// PackBound is the most bytes of buffers a Pack with these settings can
// hold with the sequential reader, whatever the size of its input: full
// input buffers of chunkSize bytes and output buffers big enough for the
// largest frame.
func PackBound(workers, queue, chunkSize int) int64 { return PackBoundAt(workers, queue, 1, chunkSize) }

// PackBoundAt is PackBound for a Pack that keeps depth reads in flight:
// each read in flight fills an input buffer of its own.
func PackBoundAt(workers, queue, depth, chunkSize int) int64 {
	return int64(inputSlots(workers, depth))*int64(chunkSize) + int64(outputSlots(queue))*int64(maxFrameLen(chunkSize))
}

// maxFrameLen is the largest frame a chunk of chunkSize bytes can become.
func maxFrameLen(chunkSize int) int { return format.FrameHeaderLen + format.MaxBodyLen(chunkSize) }

// docs:region ChunkCost
// ChunkCost is the bytes a governed run takes from the budget for each
// chunk in flight: its input buffer and a frame buffer big enough for the
// largest frame (an Unpack: a body buffer and a chunk buffer, no more).
// One request covers both, taken before the chunk is read and given back
// once its frame is written, so a chunk never holds some of its bytes
// while it waits for the rest. A governed run does not keep its buffers
// in its pools between chunks: the bytes that paid for them go back to
// the budget, for whichever file needs them next.
func ChunkCost(chunkSize int) int64 { return int64(chunkSize) + int64(maxFrameLen(chunkSize)) }

// docs:endregion ChunkCost

// Pack reads src one chunk at a time and writes it to dst as a container,
// through lesson 03's pipeline with buffers from bounded pools; an input of
// one chunk or less takes the fast path instead (packSmall). The output
// is byte for byte the oracle's. The first error stops every stage and is
// returned; cancelling ctx returns ctx's error. Every buffer is back in its
// pool when Pack returns, whatever happened.
func (e *Engine) Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) (err error) {
	m := new(meter)
	e.running.Store(m)
	ctx, end := e.observe(ctx, "pack", m)
	defer func() { end(err) }()
	s, err := codec.NewPackSession(o)
	if err != nil {
		e.record(m)
		return err
	}
	// docs:region fast-path-choice
	small, isSmall, err := oneChunk(src, e.firstChunk(s.Header().ChunkSize))
	if err != nil {
		e.record(m)
		return err
	}
	if isSmall {
		defer e.record(m) // no pools: the fast path has no pipeline
		return e.packSmall(ctx, dst, small, s, m)
	}
	// docs:endregion fast-path-choice
	gov := governed{e.Governor}
	if err := gov.checkCost(ChunkCost(s.Header().ChunkSize)); err != nil {
		e.record(m)
		return err
	}
	at, depth, err := e.readSource(src)
	if err != nil {
		e.record(m)
		return err
	}
	p := newPackRun(s, e.workers(), e.queue(), depth, e.EncodeHook, m, gov)
	p.sizes = newSizer(e.Adaptive, s.Header().ChunkSize)
	p.varyBuffers()
	p.timing = e.Metrics.timers(e.Governor)
	m.watch(p.levels)
	defer func() { e.record(m, p.inputs, p.frames) }()
	if err := ctx.Err(); err != nil {
		return err
	}
	if depth > 1 {
		return p.runAt(ctx, dst, at)
	}
	return p.run(ctx, dst, codec.NewChunker(src, s.Header().ChunkSize))
}

// Unpack reads the container in src one frame at a time and restores the
// original bytes to dst, with the same pipeline and pools. Damage is
// reported as the oracle reports it: the first damaged frame in container
// order wins.
func (e *Engine) Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) (err error) {
	m := new(meter)
	e.running.Store(m)
	ctx, end := e.observe(ctx, "unpack", m)
	defer func() { end(err) }()
	o, err = o.WithDefaults()
	if err != nil {
		e.record(m)
		return err
	}
	if err := ctx.Err(); err != nil {
		e.record(m)
		return err
	}
	gov := governed{e.Governor}
	frames := format.NewReader(src, o.MaxChunkSize)
	var h format.Header
	err = gov.io(ctx, func() (err error) {
		h, err = frames.ReadHeader()
		return err
	})
	if err != nil {
		e.record(m)
		return err
	}
	s, err := codec.NewUnpackSession(h, o)
	if err != nil {
		e.record(m)
		return err
	}
	if err := gov.checkCost(ChunkCost(h.ChunkSize)); err != nil {
		e.record(m)
		return err
	}
	u := newUnpackRun(s, frames, e.workers(), e.queue(), m, gov)
	u.timing = e.Metrics.timers(e.Governor)
	m.watch(u.levels)
	defer func() { e.record(m, u.bodies, u.chunks) }()
	return u.run(ctx, dst)
}

// record publishes the run's figures, with an audit of its pools.
func (e *Engine) record(m *meter, pools ...*pool) {
	s := m.stats()
	for _, p := range pools {
		a := p.audit()
		s.PeakBufferedBytes += a.bytes
		s.Buffers += a.made
		s.BuffersOut += a.out
	}
	e.last.Store(&s)
}
