// Package engine is lesson 02's packer: lesson 01's, with its fan-out
// bounded. An errgroup with a limit runs at most Workers chunk tasks at
// once, and its first error cancels the rest. It still reads the whole
// input into memory (lesson 04 streams it) and its goroutines still take
// turns at a mutex-guarded writer (lesson 03 replaces it with a channel
// pipeline).
package engine

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"packcourse/core/codec"
	"packcourse/core/format"
	"packcourse/lessons/00-the-job/oracle"
)

// Engine packs with at most Workers chunk tasks running at once. Use it
// through a pointer; it may run several Packs at once, and Stats then
// describes whichever ended last.
type Engine struct {
	// Workers is how many chunks may be packed at once, which bounds the
	// goroutines, encoders and frames of a run; 0 means
	// runtime.GOMAXPROCS(0).
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

// Pack reads all of src, then packs it into dst with at most Workers
// chunk tasks at once, and returns the first error a task met, or ctx's
// error.
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
	run.chunks = chunkCount(data, s.Header().ChunkSize)
	tw = newTurnWriter(w, s.NewDigest(), e.TurnWaitHook)
	if err := e.packChunks(ctx, s, data, tw, run); err != nil {
		return err
	}
	return w.WriteTrailer(tw.digest.Trailer())
}

// packChunks runs one task per chunk, at most Workers at a time, and
// returns the first task's error, or ctx's error. The first error cancels
// gctx, which stops the loop starting tasks and every running task at its
// next look at gctx.
func (e *Engine) packChunks(ctx context.Context, s *codec.Session, data []byte, tw *turnWriter, run *runStats) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.workers())
	stop := tw.wakeOnCancel(gctx, run) // g.Wait cancels gctx, so this fires once per run
	defer stop()
	encoders := make(chan *codec.Encoder, e.workers()) // one per task that can run at once
	for range cap(encoders) {
		encoders <- s.NewEncoder()
	}
	size := s.Header().ChunkSize
	for i := range run.chunks {
		// g.Go blocks while Workers tasks run, and it does not watch
		// gctx: look before every start, or a failed run would go on
		// starting a task for every chunk left.
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			run.goroutines.Add(1)
			defer run.goroutines.Add(-1)
			return e.packChunk(gctx, chunkAt(data, size, i), encoders, tw, run)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err() // the loop may have stopped early for a cancel that no task saw
}

// packChunk encodes c and writes its frame in turn. It returns the first
// error it meets, which the errgroup turns into the run's error.
func (e *Engine) packChunk(ctx context.Context, c chunk, encoders chan *codec.Encoder, tw *turnWriter, run *runStats) error {
	run.chunksStarted.Add(1)
	run.inFlight.Add(1)
	defer run.inFlight.Add(-1)

	f, err := e.encode(ctx, c, encoders)
	if err != nil {
		return err
	}
	run.buffered.Add(int64(len(f.Bytes))) // the chunk is a view of data; the frame is new
	defer run.buffered.Add(-int64(len(f.Bytes)))
	return tw.writeInTurn(ctx, f)
}

// encode takes a free encoder and encodes c into a new frame. A task
// started after the run failed encodes nothing.
func (e *Engine) encode(ctx context.Context, c chunk, encoders chan *codec.Encoder) (codec.Frame, error) {
	if err := ctx.Err(); err != nil {
		return codec.Frame{}, err
	}
	var enc *codec.Encoder
	select {
	case enc = <-encoders: // never waits: no more tasks run than there are encoders
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
