package engine

import (
	"context"
	"errors"
	"fmt"
	"io"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// unpackRun is one Unpack going through the pipeline: the same shape as
// packRun, with frames going in and chunks coming out.
type unpackRun struct {
	session *codec.Session
	frames  *format.Reader // past the header
	workers int
	meter   *meter

	queue chan future[chunk] // reader -> writer: one future per frame, in container order
	jobs  chan unpackJob     // reader -> workers

	// trailer and trailerAt are set by the reader before it closes the
	// queue; the writer reads them only after it has seen the queue
	// closed, and a close happens before the receive that sees it.
	trailer   format.Trailer
	trailerAt int64
}

// unpackJob is one frame on its way to a worker, with the future its chunk
// must be delivered to.
type unpackJob struct {
	frame format.Frame
	chunk future[chunk]
}

// chunk is one decoded and verified chunk.
type chunk struct {
	index int
	raw   []byte
	sum   [32]byte
}

func newUnpackRun(s *codec.Session, frames *format.Reader, workers, queue int, m *meter) *unpackRun {
	return &unpackRun{
		session: s,
		frames:  frames,
		workers: workers,
		meter:   m,
		queue:   make(chan future[chunk], queue), // the bound on frames in flight, as in packRun
		jobs:    make(chan unpackJob),
	}
}

// run starts the writer, the workers and the reader, and waits for all of
// them; the goroutines end as packRun's do.
func (u *unpackRun) run(ctx context.Context, dst io.Writer) error {
	g, ctx := newGroup(ctx)
	u.meter.spawn(g, func() error { return u.write(ctx, dst) })
	for range u.workers {
		u.meter.spawn(g, func() error { return u.decode(ctx) })
	}
	u.meter.spawn(g, func() error { return u.read(ctx) })
	return g.Wait()
}

// read takes frames from the container, puts a future for each in the
// writer's FIFO, then hands the frame to a worker. A damaged container is
// not reported here at once: the error goes in line as a failed future, so
// that a damaged frame earlier in the container, which a worker may not
// have decoded yet, is reported first, as the oracle would.
func (u *unpackRun) read(ctx context.Context) error {
	defer close(u.jobs)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := u.frames.Next(nil)
		if errors.Is(err, io.EOF) {
			u.trailer, u.trailerAt = u.frames.Trailer()
			close(u.queue)
			return nil
		}
		if err != nil {
			return send(ctx, u.queue, failed[chunk](err), nil)
		}
		u.meter.buffered.add(int64(len(f.Body)))
		u.meter.inFlight.add(1)

		c := newFuture[chunk]()
		if err := send(ctx, u.queue, c, &u.meter.queueFull); err != nil {
			return err
		}
		if err := send(ctx, u.jobs, unpackJob{f, c}, nil); err != nil {
			return err
		}
	}
}

// decode turns frames back into verified chunks until the reader closes
// jobs. Each worker has its own Decoder, which keeps DEFLATE state.
func (u *unpackRun) decode(ctx context.Context) error {
	dec := u.session.NewDecoder()
	for {
		job, ok, err := receive(ctx, u.jobs, nil)
		if !ok {
			return err
		}
		raw, sum, err := dec.Decode(nil, job.frame)
		u.meter.buffered.add(int64(len(raw) - len(job.frame.Body))) // the body is done with
		job.chunk.resolve(chunk{job.frame.Index, raw, sum}, err)
	}
}

// write owns dst: it writes each chunk in container order as its future
// resolves, and checks the whole-file digest once the reader has reached
// the trailer.
func (u *unpackRun) write(ctx context.Context, dst io.Writer) error {
	digest := u.session.NewDigest()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		next, ok, err := receive(ctx, u.queue, nil)
		if err != nil {
			return err
		}
		if !ok {
			return digest.Check(u.trailer, u.trailerAt)
		}
		c, err := next.await(ctx, &u.meter.writerWaits)
		if err != nil {
			return err
		}
		if _, err := format.WriteFull(dst, c.raw); err != nil {
			return fmt.Errorf("writing frame %d's chunk: %w", c.index, err)
		}
		digest.Add(c.sum, len(c.raw))
		u.meter.written(int64(len(c.raw)))
	}
}
