// Package engine is lesson 01's packer, the "before" picture: it reads the
// whole input into memory, copies every chunk out, starts one goroutine per
// chunk, and has the goroutines take turns at a mutex-guarded writer. Its
// output is correct (byte-identical to the oracle's); its memory grows with
// the file, its goroutines grow with the chunk count, and its goroutines
// queue up behind one lock. Lesson 02 starts fixing that.
package engine

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/lessons/00-the-job/oracle"
)

// Engine packs with one goroutine per chunk. Use it through a pointer; it
// may run several Packs at once, and Stats then describes whichever ended
// last.
type Engine struct {
	// Workers is how many goroutines may encode at once; 0 means
	// runtime.GOMAXPROCS(0). It does not limit how many goroutines exist.
	Workers int

	// EncodeHook, if set, is called by the goroutine of chunk index just
	// before it encodes the chunk; a non-nil error fails that chunk. It
	// is for tests, which use it to hold a chunk back or inject a fault.
	EncodeHook func(index int) error

	// TurnWaitHook, if set, is called when the goroutine of chunk index
	// finds that it must wait for its turn to write, with the writer's
	// lock held: it must not block. It is for tests.
	TurnWaitHook func(index int)

	last atomic.Pointer[Stats]
}

// Stats returns the figures of the last Pack to finish (zero before any).
func (e *Engine) Stats() Stats {
	if s := e.last.Load(); s != nil {
		return *s
	}
	return Stats{}
}

// Unpack is the oracle's: this lesson is about Pack.
func (e *Engine) Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	return oracle.Unpack(ctx, dst, src, o)
}

func (e *Engine) record(s Stats) { e.last.Store(&s) }

func (e *Engine) workers() int {
	if e.Workers > 0 {
		return e.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Pack reads all of src, then packs it into dst with one goroutine per
// chunk, and returns the first error any of them met, or ctx's error.
func (e *Engine) Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	run := &runStats{}
	var tw *turnWriter
	defer func() { e.record(run.snapshot(tw)) }()

	s, err := codec.NewPackSession(o)
	if err != nil {
		return err
	}
	data, err := readAll(ctx, src, run) // the whole file, in memory
	if err != nil {
		return err
	}
	defer run.buffered.Add(-int64(len(data)))
	w := format.NewWriter(dst)
	if err := w.WriteHeader(s.Header()); err != nil {
		return err
	}
	chunks := splitChunks(data, s.Header().ChunkSize, run) // and a copy of it, in chunks
	defer run.buffered.Add(-int64(len(data)))              // chunks keeps every copy until Pack returns
	run.chunks = len(chunks)
	tw = newTurnWriter(w, s.NewDigest(), e.TurnWaitHook)
	stop := tw.wakeOnCancel(ctx, run)
	e.packChunks(ctx, s, chunks, tw, run)
	stop()
	if err := tw.firstError(); err != nil {
		return err
	}
	return w.WriteTrailer(tw.digest.Trailer())
}

// packChunks starts one goroutine per chunk and waits for all of them.
// At most Workers of them encode at once: a goroutine first takes an
// encoder from a channel holding Workers of them, which makes the channel
// a semaphore. But every goroutine is started before it asks, so all of
// them exist at once, each holding its chunk.
func (e *Engine) packChunks(ctx context.Context, s *codec.Session, chunks []chunk, tw *turnWriter, run *runStats) {
	encoders := make(chan *codec.Encoder, e.workers())
	for range cap(encoders) {
		encoders <- s.NewEncoder()
	}
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.goroutines.Add(1)
			defer run.goroutines.Add(-1)
			e.packChunk(ctx, c, encoders, tw, run)
		}()
	}
	wg.Wait()
}

// packChunk encodes c and writes its frame in turn. A failure is recorded
// in tw, which wakes the waiting goroutines so they give up; nothing stops
// the goroutines that have yet to encode, so they encode for nothing.
func (e *Engine) packChunk(ctx context.Context, c chunk, encoders chan *codec.Encoder, tw *turnWriter, run *runStats) {
	run.chunksStarted.Add(1)
	defer run.inFlight.Add(-1)

	f, err := e.encode(ctx, c, encoders)
	if err != nil {
		tw.fail(err)
		return
	}
	run.buffered.Add(int64(len(f.Bytes))) // the frame, held until it is written
	defer run.buffered.Add(-int64(len(f.Bytes)))
	tw.writeInTurn(ctx, f)
}

// encode waits for a free encoder, then encodes c into a new frame.
func (e *Engine) encode(ctx context.Context, c chunk, encoders chan *codec.Encoder) (codec.Frame, error) {
	var enc *codec.Encoder
	select {
	case enc = <-encoders:
	case <-ctx.Done():
		return codec.Frame{}, ctx.Err()
	}
	defer func() { encoders <- enc }() // never blocks: it puts back what it took
	if e.EncodeHook != nil {
		if err := e.EncodeHook(c.index); err != nil {
			return codec.Frame{}, fmt.Errorf("encoding chunk %d: %w", c.index, err)
		}
	}
	return enc.Encode(nil, c.index, c.last, c.data)
}
