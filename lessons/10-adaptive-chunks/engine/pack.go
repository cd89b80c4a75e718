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

// packRun is one Pack going through lesson 03's pipeline, with two pools
// of buffers. A buffer has one owner at a time, and passes from owner to
// owner with the chunk it holds:
//
//	input buffer: inputs pool -> reader (reads a chunk into it) -> worker (encodes it) -> inputs pool
//	frame buffer: frames pool -> worker (encodes into it) -> future -> writer (writes it) -> frames pool
type packRun struct {
	session   *codec.Session
	chunkSize int
	workers   int
	hook      func(index int) error // Engine.EncodeHook
	meter     *meter
	gov       governed // Engine.Governor, and how this run uses it
	sizes     *sizer   // picks each chunk's size: Engine.Adaptive
	timing    timers   // the histograms to record into; none when metrics are off
	cost      int64    // bytes each chunk takes from the Governor's budget

	inputs *pool // buffers the reader reads chunks into
	frames *pool // buffers the workers encode frames into

	queue chan future[codec.Frame] // reader -> writer: one future per chunk, in input order
	jobs  chan packJob             // reader -> workers

	unwritten future[codec.Frame] // the future the writer was waiting on when it stopped, if any
}

// packJob is one chunk on its way to a worker, with the future its frame
// must be delivered to. The worker owns chunk.Data's buffer until it puts
// it back.
type packJob struct {
	chunk  codec.Chunk
	off    int64 // where the chunk starts in the input
	frame  future[codec.Frame]
	readAt time.Time // when the reader had the chunk, for the queue-wait histogram
}

func newPackRun(s *codec.Session, workers, queue, depth int, hook func(int) error, m *meter, gov governed) *packRun {
	p := &packRun{
		session:   s,
		chunkSize: s.Header().ChunkSize,
		workers:   workers,
		hook:      hook,
		meter:     m,
		gov:       gov,
		cost:      ChunkCost(s.Header().ChunkSize),
		inputs:    newPool(inputSlots(workers, depth)),
		frames:    newPool(outputSlots(queue)),
		queue:     make(chan future[codec.Frame], queue), // the bound on chunks in flight, as in lesson 03
		jobs:      make(chan packJob),
	}
	m.readDepth = depth
	if gov.g != nil {
		p.inputs.governed(gov.g, p.chunkSize)
		p.frames.governed(gov.g, maxFrameLen(p.chunkSize))
	}
	return p
}

// run starts the writer, the workers and the reader, waits for all of
// them, then takes back the buffers of chunks that were still in flight
// if the run stopped early. The goroutines end as in lesson 03.
func (p *packRun) run(ctx context.Context, dst io.Writer, chunks *codec.Chunker) error {
	return p.runWith(ctx, dst, func(ctx context.Context) error { return p.read(ctx, chunks) })
}

// runWith is run with the reading stage given: read, or readAhead.
func (p *packRun) runWith(ctx context.Context, dst io.Writer, reader func(context.Context) error) error {
	g, ctx := newGroup(ctx)
	p.meter.spawn(ctx, g, "writer", func() error { return p.write(ctx, dst) })
	for range p.workers {
		p.meter.spawn(ctx, g, "worker", func() error { return p.encode(ctx) })
	}
	p.meter.spawn(ctx, g, "reader", func() error { return reader(ctx) })
	err := g.Wait()
	p.recycle()
	return err
}

// read reads the input one chunk at a time, each into a buffer from the
// inputs pool, and sends it on as lesson 03's reader does: its future in
// line first, then the chunk to a worker, who then owns the buffer. A read
// error goes in line as a failed future, so it is reported in input order.
// The reader closes the queue only when the input has ended.
//
// Governed, each chunk first takes its bytes (the only wait for bytes in
// a Pack, with no token held), and the read itself runs under an I/O
// token. The chunk's bytes then travel with it, as its buffers do.
func (p *packRun) read(ctx context.Context, chunks *codec.Chunker) error {
	defer close(p.jobs)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		wait := startStep(ctx, "wait for bytes", p.timing.bytesWait)
		err := p.gov.takeChunk(ctx, p.cost)
		wait.end()
		if err != nil {
			return err
		}
		buf, err := p.inputs.get(ctx, &p.meter.poolWaits)
		if err != nil {
			p.gov.dropChunk(p.cost)
			return err
		}
		var chunk codec.Chunk
		off := chunks.Offset()
		wait = startStep(ctx, "wait for I/O token", p.timing.ioWait)
		err = p.gov.io(ctx, func() (err error) {
			wait.end()
			read := startStep(ctx, "read", nil)
			defer read.end()
			size := p.sizes.next()
			chunk, err = chunks.NextN(p.fit(buf, size, p.sizes.bufferLen(size)), size)
			return err
		})
		if err != nil {
			p.inputs.put(buf)
			p.gov.dropChunk(p.cost)
			if errors.Is(err, io.EOF) {
				close(p.queue)
				return nil
			}
			return send(ctx, p.queue, failed[codec.Frame](err), nil)
		}
		p.meter.readChunk(len(chunk.Data))
		readAt := p.timing.queueWait.start()

		frame := newFuture[codec.Frame]()
		if err := send(ctx, p.queue, frame, &p.meter.queueFull); err != nil {
			p.inputs.put(chunk.Data)
			p.gov.dropChunk(p.cost)
			return err
		}
		if err := send(ctx, p.jobs, packJob{chunk, off, frame, readAt}, nil); err != nil {
			p.inputs.put(chunk.Data)
			p.gov.dropChunk(p.cost)
			return err
		}
	}
}

// encode turns chunks into frames until the reader closes jobs. It takes a
// frame buffer from the frames pool, encodes into it, and gives the
// chunk's buffer back at once, so the reader can fill it again while the
// frame waits for the writer. The frame buffer goes into the future, and
// with it the chunk's bytes.
//
// Governed, the encode runs under a CPU token, held for the encode alone:
// the worker waits for it holding only its own chunk, whose bytes are
// already taken.
func (p *packRun) encode(ctx context.Context) error {
	enc := p.session.NewEncoder()
	for {
		job, ok, err := receive(ctx, p.jobs, nil)
		if !ok {
			return err // nil when the reader closed jobs, ctx's error otherwise
		}
		out, err := p.frames.get(ctx, nil) // never waits: see outputSlots
		if err != nil {
			p.inputs.put(job.chunk.Data)
			p.gov.dropChunk(p.cost)
			return err
		}
		p.timing.queueWait.since(job.readAt)
		var f codec.Frame
		wait := startStep(ctx, "wait for CPU token", p.timing.cpuWait)
		err = p.gov.cpu(ctx, func() (err error) {
			wait.end()
			p.meter.busy.Add(1)
			defer p.meter.busy.Add(-1)
			work := startStep(ctx, "encode", p.timing.cpu)
			defer work.end()
			f, err = p.encodeTimed(enc, out, job)
			return err
		})
		p.inputs.put(job.chunk.Data)
		if err != nil {
			p.putFrame(out)
		} else {
			p.meter.encodedChunk(f.RawLen)
		}
		job.frame.resolve(f, err)
	}
}

// putFrame gives a frame buffer back, and with it the bytes of its chunk:
// the chunk is done, written or failed.
func (p *packRun) putFrame(b []byte) {
	p.frames.put(b)
	p.gov.dropChunk(p.cost)
}

// encodeChunk encodes c into out. A buffer new to its slot is made big
// enough for the largest frame at once, so Encode never has to grow it.
func (p *packRun) encodeChunk(enc *codec.Encoder, out []byte, c codec.Chunk) (codec.Frame, error) {
	if p.hook != nil {
		if err := p.hook(c.Index); err != nil {
			return codec.Frame{}, fmt.Errorf("encoding chunk %d: %w", c.Index, err)
		}
	}
	out = p.fit(out, maxFrameLen(len(c.Data)), maxFrameLen(p.sizes.bufferLen(len(c.Data))))
	return enc.Encode(out, c.Index, c.Last, c.Data)
}

// write is lesson 03's writer; once a frame is written, its buffer goes
// back to the frames pool for another chunk. If it stops while waiting
// for a future, it leaves the future in p.unwritten for recycle.
func (p *packRun) write(ctx context.Context, dst io.Writer) error {
	w := format.NewWriter(dst)
	if err := p.gov.io(ctx, func() error { return w.WriteHeader(p.session.Header()) }); err != nil {
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
			return p.gov.io(ctx, func() error { return w.WriteTrailer(digest.Trailer()) })
		}
		f, err := next.await(ctx, &p.meter.writerWaits)
		if err != nil {
			p.unwritten = next
			return err
		}
		wait := startStep(ctx, "wait for I/O token", p.timing.ioWait)
		err = p.gov.io(ctx, func() error {
			wait.end()
			write := startStep(ctx, "write", p.timing.write)
			defer write.end()
			return w.WriteFrame(f.Bytes)
		})
		p.putFrame(f.Bytes)
		if err != nil {
			return err
		}
		digest.Add(f.Sum, f.RawLen)
		p.meter.wroteChunk(f.RawLen)
		p.meter.wrote(p.sizes, f.RawLen)
	}
}

// docs:region pack-recycle
// recycle takes back the frame buffers of chunks that were encoded but
// never written because the run stopped: they wait in futures still in
// the queue, or in the one the writer left. It runs after every stage has
// returned, so each future holds its frame by now or never will.
func (p *packRun) recycle() {
	p.reclaim(p.unwritten)
	for {
		select {
		case f, ok := <-p.queue:
			if !ok {
				return // closed: the run ended cleanly
			}
			p.reclaim(f)
		default:
			return
		}
	}
}

// reclaim puts back the frame buffer a future holds, if it holds one.
func (p *packRun) reclaim(f future[codec.Frame]) {
	select {
	case o := <-f:
		if o.err == nil {
			p.putFrame(o.value.Bytes)
		}
	default: // never resolved, or resolved and already taken
	}
}

// docs:endregion pack-recycle
