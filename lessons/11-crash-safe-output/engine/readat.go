package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"packcourse/core/codec"
)

// docs:region readAtSource
// A readAtSource is an input Pack can read at offsets, several reads at
// once: an io.ReaderAt whose size it learns by seeking, such as a regular
// file, a bytes.Reader or an io.SectionReader. A pipe, a terminal or a
// socket is none of these (an *os.File has ReadAt, but a pipe cannot
// seek), so those inputs keep the sequential reader.
type readAtSource struct {
	r    io.ReaderAt
	seek io.Seeker
	base int64 // src's read position when Pack started: chunk 0 starts here
	size int64 // bytes from base to the end, as the input was when Pack started
}

// asReadAt returns src as a readAtSource, or ok false if it cannot be read
// at offsets. It leaves src's read position where it was.
func asReadAt(src io.Reader) (s readAtSource, ok bool, err error) {
	r, isReaderAt := src.(io.ReaderAt)
	seek, isSeeker := src.(io.Seeker)
	if !isReaderAt || !isSeeker {
		return s, false, nil
	}
	if f, isFile := src.(*os.File); isFile {
		// A device or a FIFO may seek, yet have no size worth the name.
		if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
			return s, false, nil
		}
	}
	base, err := seek.Seek(0, io.SeekCurrent)
	if err != nil {
		return s, false, nil // cannot seek after all: read it in sequence
	}
	end, err := seek.Seek(0, io.SeekEnd)
	if err != nil {
		return s, false, nil
	}
	if _, err := seek.Seek(base, io.SeekStart); err != nil {
		return s, false, fmt.Errorf("seeking input back to offset %d: %w", base, err)
	}
	return readAtSource{r: r, seek: seek, base: base, size: max(end-base, 0)}, true, nil
}

// docs:endregion readAtSource

// docs:region readAhead
// readAhead is read's twin for an input read at offsets. Like read, it
// puts each chunk's future in line first, in input order, so the writer
// writes frames in order whatever order the reads finish in; then, instead
// of reading the chunk itself, it starts a goroutine that reads it with
// ReadAt and hands it to a worker. A slot is held from before that ReadAt
// until the chunk reaches a worker, so at most depth chunks are being read
// (or handed on) at once; governed, each ReadAt also runs under one of the
// Governor's I/O tokens, shared with every other file.
//
// A failed read resolves its chunk's future with the error, in line, and
// no read starts after it. readAhead returns only once every read it
// started has returned.
func (p *packRun) readAhead(ctx context.Context, src readAtSource, depth int) error {
	defer close(p.jobs)
	var reads sync.WaitGroup
	defer reads.Wait() // before close(p.jobs): a read may still hand on its chunk
	slots := make(chan struct{}, depth)
	var failed atomic.Bool
	var off int64 // where the next chunk starts
	for i := 0; off < src.size; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if failed.Load() {
			return nil // the failed chunk's future is in line: the writer reports it
		}
		buf, frame, err := p.reserve(ctx)
		if err != nil {
			return err
		}
		if err := send(ctx, slots, struct{}{}, nil); err != nil {
			p.unreserve(buf)
			return err
		}
		size := p.sizes.next()
		n := min(int64(size), src.size-off)
		c := codec.Chunk{Index: i, Data: p.fit(buf, size, p.sizes.bufferLen(size))[:n], Last: off+n == src.size}
		at := off
		off += n
		reads.Go(func() {
			defer func() { <-slots }()
			p.readChunkAt(ctx, src, at, c, frame, &failed)
		})
	}
	close(p.queue)
	return nil
}

// docs:endregion readAhead

// reserve takes what one chunk needs before its read starts, in read's
// order: its bytes (governed), an input buffer (made to size once the
// chunk's size is known), and its future's place in the writer's line.
func (p *packRun) reserve(ctx context.Context) ([]byte, future[codec.Frame], error) {
	if err := p.gov.takeChunk(ctx, p.cost); err != nil {
		return nil, nil, err
	}
	buf, err := p.inputs.get(ctx, &p.meter.poolWaits)
	if err != nil {
		p.gov.dropChunk(p.cost)
		return nil, nil, err
	}
	frame := newFuture[codec.Frame]()
	if err := send(ctx, p.queue, frame, &p.meter.queueFull); err != nil {
		p.unreserve(buf)
		return nil, nil, err
	}
	return buf, frame, nil
}

// unreserve gives back a chunk's buffer and bytes. A future already in
// line is left unresolved: the writer stops on ctx, and recycle skips it.
func (p *packRun) unreserve(buf []byte) {
	p.inputs.put(buf)
	p.gov.dropChunk(p.cost)
}

// readChunkAt reads chunk c (c.Data is its length) at offset off, then
// hands it to a worker with its future. A failed read resolves the future
// with the error instead, and sets failed.
func (p *packRun) readChunkAt(ctx context.Context, src readAtSource, off int64, c codec.Chunk, frame future[codec.Frame], failed *atomic.Bool) {
	wait := startStep(ctx, "wait for I/O token", p.timing.ioWait)
	err := p.gov.io(ctx, func() error {
		wait.end()
		read := startStep(ctx, "read", nil)
		defer read.end()
		p.meter.readsInFlight.add(1)
		defer p.meter.readsInFlight.add(-1)
		return readFullAt(src.r, c.Data, src.base+off)
	})
	if err != nil {
		failed.Store(true)
		p.unreserve(c.Data)
		frame.resolve(codec.Frame{}, fmt.Errorf("reading input at offset %d: %w", off, err))
		return
	}
	p.meter.readChunk(len(c.Data))
	if err := send(ctx, p.jobs, packJob{c, off, frame, p.timing.queueWait.start()}, nil); err != nil {
		p.unreserve(c.Data)
	}
}

// readFullAt fills buf from r at off. An io.ReaderAt may return io.EOF
// along with the last bytes, which is success; a short read means the
// input shrank since Pack learned its size.
func readFullAt(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	switch {
	case n == len(buf):
		return nil
	case err == nil || errors.Is(err, io.EOF):
		return io.ErrUnexpectedEOF
	default:
		return err
	}
}

// docs:region readSource
// readSource decides how a Pack reads src: at offsets with depth reads in
// flight (at is src as a readAtSource), or in sequence (depth 1). An input
// that cannot be read at offsets is read in sequence whatever ReadDepth
// says.
func (e *Engine) readSource(src io.Reader) (at readAtSource, depth int, err error) {
	depth = e.ReadDepth
	if depth < 1 {
		depth, _ = DetectReadDepth(src)
	}
	if depth == 1 {
		return at, 1, nil
	}
	at, ok, err := asReadAt(src)
	if err != nil || !ok {
		return at, 1, err
	}
	return at, depth, nil
}

// docs:endregion readSource

// runAt is run for an input read at offsets. A Pack that succeeds leaves
// src's read position at the end of what it packed, where the sequential
// reader would have left it.
func (p *packRun) runAt(ctx context.Context, dst io.Writer, src readAtSource) error {
	err := p.runWith(ctx, dst, func(ctx context.Context) error {
		return p.readAhead(ctx, src, p.meter.readDepth)
	})
	if err != nil {
		return err
	}
	_, err = src.seek.Seek(src.base+src.size, io.SeekStart)
	return err
}
