package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// unpackRun is one Unpack going through the pipeline: packRun's shape and
// pools, with frames going in and chunks coming out. The pools' buffers
// start empty and grow to the frames that actually arrive, as the format
// reader's and decoder's own buffers do, so a container that declares
// huge chunks but holds small ones costs small buffers.
type unpackRun struct {
	session *codec.Session
	frames  *format.Reader // past the header
	workers int
	meter   *meter
	gov     governed // Engine.Governor, and how this run uses it
	timing  timers
	cost    int64 // bytes each frame takes from the Governor's budget

	bodies *pool // buffers the reader reads frame bodies into
	chunks *pool // buffers the workers decode chunks into

	queue chan future[chunk] // reader -> writer: one future per frame, in container order
	jobs  chan unpackJob     // reader -> workers

	// trailer and trailerAt are set by the reader before it closes the
	// queue; the writer reads them only after it has seen the queue
	// closed, and a close happens before the receive that sees it.
	trailer   format.Trailer
	trailerAt int64

	unwritten future[chunk] // the future the writer was waiting on when it stopped, if any
}

// unpackJob is one frame on its way to a worker, with the future its chunk
// must be delivered to. The worker owns frame.Body's buffer until it puts
// it back.
type unpackJob struct {
	frame  format.Frame
	chunk  future[chunk]
	readAt time.Time
}

// chunk is one decoded and verified chunk, in a buffer of the chunks pool.
type chunk struct {
	index int
	raw   []byte
	sum   [32]byte
}

func newUnpackRun(s *codec.Session, frames *format.Reader, workers, queue int, m *meter, gov governed) *unpackRun {
	u := &unpackRun{
		session: s,
		frames:  frames,
		workers: workers,
		meter:   m,
		gov:     gov,
		cost:    ChunkCost(s.Header().ChunkSize),
		bodies:  newPool(inputSlots(workers, 1)),
		chunks:  newPool(outputSlots(queue)),
		queue:   make(chan future[chunk], queue), // the bound on frames in flight, as in packRun
		jobs:    make(chan unpackJob),
	}
	if gov.g != nil {
		u.bodies.governed(gov.g, 0) // grown to each body: sizes vary
		u.chunks.governed(gov.g, s.Header().ChunkSize)
	}
	return u
}

// run starts the writer, the workers and the reader, waits for all of
// them, then takes back the buffers of chunks still in flight.
func (u *unpackRun) run(ctx context.Context, dst io.Writer) error {
	g, ctx := newGroup(ctx)
	u.meter.spawn(ctx, g, "writer", func() error { return u.write(ctx, dst) })
	for range u.workers {
		u.meter.spawn(ctx, g, "worker", func() error { return u.decode(ctx) })
	}
	u.meter.spawn(ctx, g, "reader", func() error { return u.read(ctx) })
	err := g.Wait()
	u.recycle()
	return err
}

// read reads frames one at a time, each body into a buffer from the bodies
// pool, puts a future for each in line and hands the frame to a worker. A
// damaged container goes in line as a failed future, so that an earlier
// damaged frame is reported first, as the oracle would. Governed, it
// takes each frame's bytes first and reads under an I/O token, as
// packRun.read does.
func (u *unpackRun) read(ctx context.Context) error {
	defer close(u.jobs)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		wait := startStep(ctx, "wait for bytes", u.timing.bytesWait)
		err := u.gov.takeChunk(ctx, u.cost)
		wait.end()
		if err != nil {
			return err
		}
		buf, err := u.bodies.get(ctx, &u.meter.poolWaits)
		if err != nil {
			u.gov.dropChunk(u.cost)
			return err
		}
		var f format.Frame
		wait = startStep(ctx, "wait for I/O token", u.timing.ioWait)
		err = u.gov.io(ctx, func() (err error) {
			wait.end()
			read := startStep(ctx, "read", nil)
			defer read.end()
			f, err = u.frames.Next(buf)
			return err
		})
		if err != nil {
			u.bodies.put(buf)
			u.gov.dropChunk(u.cost)
			if errors.Is(err, io.EOF) {
				u.trailer, u.trailerAt = u.frames.Trailer()
				close(u.queue)
				return nil
			}
			return send(ctx, u.queue, failed[chunk](err), nil)
		}
		u.meter.readChunk(f.RawLen)
		readAt := u.timing.queueWait.start()

		c := newFuture[chunk]()
		if err := send(ctx, u.queue, c, &u.meter.queueFull); err != nil {
			u.bodies.put(f.Body)
			u.gov.dropChunk(u.cost)
			return err
		}
		if err := send(ctx, u.jobs, unpackJob{f, c, readAt}, nil); err != nil {
			u.bodies.put(f.Body)
			u.gov.dropChunk(u.cost)
			return err
		}
	}
}

// decode turns frames back into verified chunks until the reader closes
// jobs. It decodes into a buffer from the chunks pool and gives the body's
// buffer back at once. Governed, the decode runs under a CPU token.
func (u *unpackRun) decode(ctx context.Context) error {
	dec := u.session.NewDecoder()
	for {
		job, ok, err := receive(ctx, u.jobs, nil)
		if !ok {
			return err
		}
		out, err := u.chunks.get(ctx, nil) // never waits: see outputSlots
		if err != nil {
			u.bodies.put(job.frame.Body)
			u.gov.dropChunk(u.cost)
			return err
		}
		u.timing.queueWait.since(job.readAt)
		var raw []byte
		var sum [32]byte
		wait := startStep(ctx, "wait for CPU token", u.timing.cpuWait)
		err = u.gov.cpu(ctx, func() (err error) {
			wait.end()
			u.meter.busy.Add(1)
			defer u.meter.busy.Add(-1)
			work := startStep(ctx, "decode", u.timing.cpu)
			defer work.end()
			raw, sum, err = dec.Decode(out, job.frame)
			return err
		})
		u.bodies.put(job.frame.Body)
		if err != nil {
			u.putChunk(out)
		} else {
			u.meter.encodedChunk(len(raw))
		}
		job.chunk.resolve(chunk{job.frame.Index, raw, sum}, err)
	}
}

// write owns dst: it writes each chunk in container order as its future
// resolves, gives its buffer back, and checks the whole-file digest once
// the reader has reached the trailer.
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
			u.unwritten = next
			return err
		}
		wait := startStep(ctx, "wait for I/O token", u.timing.ioWait)
		err = u.gov.io(ctx, func() error {
			wait.end()
			write := startStep(ctx, "write", u.timing.write)
			defer write.end()
			_, err := format.WriteFull(dst, c.raw)
			return err
		})
		u.putChunk(c.raw)
		if err != nil {
			return fmt.Errorf("writing frame %d's chunk: %w", c.index, err)
		}
		digest.Add(c.sum, len(c.raw))
		u.meter.wroteChunk(len(c.raw))
	}
}

// recycle takes back the chunk buffers of frames that were decoded but
// never written because the run stopped, as packRun.recycle does.
func (u *unpackRun) recycle() {
	u.reclaim(u.unwritten)
	for {
		select {
		case c, ok := <-u.queue:
			if !ok {
				return
			}
			u.reclaim(c)
		default:
			return
		}
	}
}

func (u *unpackRun) reclaim(c future[chunk]) {
	select {
	case o := <-c:
		if o.err == nil {
			u.putChunk(o.value.raw)
		}
	default:
	}
}

// putChunk gives a chunk buffer back, and with it the bytes of its frame.
func (u *unpackRun) putChunk(b []byte) {
	u.chunks.put(b)
	u.gov.dropChunk(u.cost)
}
