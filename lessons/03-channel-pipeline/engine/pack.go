package engine

import (
	"context"
	"fmt"
	"io"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// packRun is one Pack going through the pipeline:
//
//	read ──jobs──> encode (×workers) ──future──┐
//	  └──────────queue of futures, in order────┴──> write
type packRun struct {
	session   *codec.Session
	input     []byte // the whole input, read before the pipeline starts
	chunkSize int
	workers   int
	hook      func(index int) error // Engine.EncodeHook
	meter     *meter

	queue chan future[codec.Frame] // reader -> writer: one future per chunk, in input order
	jobs  chan packJob             // reader -> workers
}

// packJob is one chunk on its way to a worker, with the future its frame
// must be delivered to.
type packJob struct {
	chunk codec.Chunk
	frame future[codec.Frame]
}

func newPackRun(s *codec.Session, input []byte, workers, queue int, hook func(int) error, m *meter) *packRun {
	return &packRun{
		session:   s,
		input:     input,
		chunkSize: s.Header().ChunkSize,
		workers:   workers,
		hook:      hook,
		meter:     m,
		// The FIFO's capacity is the bound on chunks in flight (see
		// Engine.Queue). jobs is unbuffered: a chunk waits for a free
		// worker in the FIFO, where it is already counted, not in a
		// second queue.
		queue: make(chan future[codec.Frame], queue),
		jobs:  make(chan packJob),
	}
}

// run starts the writer, the workers and the reader, and waits for all of
// them. The first stage to fail cancels ctx for the others, and its error
// is the one returned.
//
// How each goroutine ends: the reader when the input is cut up (or ctx is
// done); a worker when the reader closes jobs (or ctx is done); the writer
// when the reader closes the queue and every frame is written (or at its
// first error, or when ctx is done).
func (p *packRun) run(ctx context.Context, dst io.Writer) error {
	g, ctx := newGroup(ctx)
	p.meter.spawn(g, func() error { return p.write(ctx, dst) })
	for range p.workers {
		p.meter.spawn(g, func() error { return p.encode(ctx) })
	}
	p.meter.spawn(g, func() error { return p.read(ctx) })
	return g.Wait()
}

// read cuts the input into chunks. For each, it first puts a future in the
// writer's FIFO, then hands the chunk and the future to a worker: the
// future is in line before the work starts, so the FIFO holds chunks in
// input order however the workers finish. A full FIFO stops the reader:
// that is the backpressure that bounds the chunks in flight.
//
// The reader closes the queue only when the input has ended: a closed
// queue tells the writer to write the trailer, so it must never mean
// "something failed".
func (p *packRun) read(ctx context.Context) error {
	defer close(p.jobs)
	for index, off := 0, 0; off < len(p.input); index++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(off+p.chunkSize, len(p.input))
		chunk := codec.Chunk{Index: index, Data: p.input[off:end:end], Last: end == len(p.input)}
		off = end
		p.meter.inFlight.add(1)

		frame := newFuture[codec.Frame]()
		if err := send(ctx, p.queue, frame, &p.meter.queueFull); err != nil {
			return err
		}
		if err := send(ctx, p.jobs, packJob{chunk, frame}, nil); err != nil {
			return err
		}
	}
	close(p.queue)
	return nil
}

// encode turns chunks into frames until the reader closes jobs. Each
// worker has its own Encoder, which keeps DEFLATE state between chunks.
// The frame goes into the chunk's future, which always has room for it:
// a worker never waits for the writer, it goes straight on to the next
// chunk.
func (p *packRun) encode(ctx context.Context) error {
	enc := p.session.NewEncoder()
	for {
		job, ok, err := receive(ctx, p.jobs, nil)
		if !ok {
			return err // nil when the reader closed jobs, ctx's error otherwise
		}
		job.frame.resolve(p.encodeChunk(enc, job.chunk))
	}
}

// encodeChunk encodes one chunk into a new frame buffer.
func (p *packRun) encodeChunk(enc *codec.Encoder, c codec.Chunk) (codec.Frame, error) {
	if p.hook != nil {
		if err := p.hook(c.Index); err != nil {
			return codec.Frame{}, fmt.Errorf("encoding chunk %d: %w", c.Index, err)
		}
	}
	f, err := enc.Encode(nil, c.Index, c.Last, c.Data)
	if err == nil {
		p.meter.buffered.add(int64(len(f.Bytes)))
	}
	return f, err
}

// write owns dst. It writes the header, then each chunk's frame in input
// order as its future resolves, then the trailer. It is the only goroutine
// that touches dst or the digest, so neither needs a lock. A chunk's error
// is returned when its turn comes, so errors come out in input order too.
func (p *packRun) write(ctx context.Context, dst io.Writer) error {
	w := format.NewWriter(dst)
	if err := w.WriteHeader(p.session.Header()); err != nil {
		return err
	}
	digest := p.session.NewDigest()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		next, ok, err := receive(ctx, p.queue, nil)
		if err != nil {
			return err
		}
		if !ok {
			return w.WriteTrailer(digest.Trailer())
		}
		f, err := next.await(ctx, &p.meter.writerWaits)
		if err != nil {
			return err
		}
		if err := w.WriteFrame(f.Bytes); err != nil {
			return err
		}
		digest.Add(f.Sum, f.RawLen)
		p.meter.written(int64(len(f.Bytes)))
	}
}
