// Package engine is lesson 03's engine: a channel pipeline. One reader
// goroutine cuts the input into chunks, a fixed pool of workers encodes
// them, and one writer goroutine owns the output and writes the frames in
// order. Order is kept by a FIFO of per-chunk futures that the reader puts
// in line before it hands the chunk to a worker; the FIFO's capacity bounds
// the chunks in flight. No mutex guards the output: only the writer ever
// touches it.
//
// The input is still read whole before the pipeline starts, as in lesson
// 02, so that this lesson changes one thing; lesson 04 streams it.
package engine

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"sync/atomic"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// Engine packs and unpacks with one reader goroutine, Workers encoding (or
// decoding) goroutines and one writer goroutine. The zero value is ready to
// use. An Engine may run several Packs and Unpacks at once; Stats reports
// the last one to finish.
type Engine struct {
	// Workers is how many goroutines encode or decode chunks; less than
	// 1 means runtime.GOMAXPROCS(0).
	Workers int
	// Queue is the capacity of the writer's FIFO of futures; less than 1
	// means 2*Workers, which lets the other workers go on past a slow
	// chunk (TestDefaultQueueKeepsWorkersBusy measures it). At most
	// Queue+2 chunks are in flight (read but not yet written): Queue in
	// the FIFO, one the writer is on, one the reader holds while it waits
	// for room.
	Queue int

	// EncodeHook, if set, is called by the worker that encodes chunk
	// index, just before it does; a non-nil error fails that chunk. It
	// is for tests, which use it to hold a chunk back or inject a fault.
	EncodeHook func(index int) error

	last atomic.Pointer[Stats]
}

// Stats are figures about one run, measured by the engine as it runs.
type Stats struct {
	PeakGoroutines    int   // most goroutines the engine had running at once: reader, workers and writer
	PeakBufferedBytes int64 // most bytes held at once: the whole input, plus the frames (or chunks) made from it
	PeakInFlight      int   // most chunks read but not yet written; never more than Queue+2
	Chunks            int   // chunks (frames) written
	QueueFullWaits    int   // times the reader found the writer's FIFO full and waited: backpressure
	WriterWaits       int   // times the chunk the writer needed next was not encoded yet
}

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

// Pack reads src whole, then writes it to dst as a container through the
// pipeline: a reader that cuts chunks, Workers encoders, one ordered
// writer. The output is byte for byte the oracle's. The first error stops
// every stage and is returned; cancelling ctx returns ctx's error.
func (e *Engine) Pack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	m := new(meter)
	defer e.record(m)
	s, err := codec.NewPackSession(o)
	if err != nil {
		return err
	}
	input, err := readAll(ctx, src)
	if err != nil {
		return err
	}
	m.buffered.add(int64(len(input)))
	return newPackRun(s, input, e.workers(), e.queue(), e.EncodeHook, m).run(ctx, dst)
}

// Unpack reads the container in src whole, then restores the original
// bytes to dst through the same shape of pipeline: a reader of frames,
// Workers decoders, one ordered writer. Damage is reported as the oracle
// reports it: the first damaged frame in container order wins, whatever
// order the workers find it in.
func (e *Engine) Unpack(ctx context.Context, dst io.Writer, src io.Reader, o codec.Options) error {
	m := new(meter)
	defer e.record(m)
	o, err := o.WithDefaults()
	if err != nil {
		return err
	}
	container, err := readAll(ctx, src)
	if err != nil {
		return err
	}
	m.buffered.add(int64(len(container)))
	frames := format.NewReader(bytes.NewReader(container), o.MaxChunkSize)
	h, err := frames.ReadHeader()
	if err != nil {
		return err
	}
	s, err := codec.NewUnpackSession(h, o)
	if err != nil {
		return err
	}
	return newUnpackRun(s, frames, e.workers(), e.queue(), m).run(ctx, dst)
}

func (e *Engine) record(m *meter) {
	s := m.stats()
	e.last.Store(&s)
}
