package engine

import (
	"context"
	"fmt"
	"io"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// docs:region oneChunk
// oneChunk reports whether src is a small input, one the fast path packs:
// one that can be read at offsets (so its size is known before anything is
// read; see asReadAt) and holds one chunk or less. An input of unknown
// size, such as a pipe, is never small: only reading it to its end could
// tell.
func oneChunk(src io.Reader, chunkSize int) (in readAtSource, small bool, err error) {
	in, ok, err := asReadAt(src)
	if err != nil || !ok {
		return in, false, err
	}
	return in, in.size <= int64(chunkSize), nil
}

// docs:endregion oneChunk

// docs:region packSmall
// packSmall is the fast path: it packs an input of one chunk or less (see
// oneChunk) on the calling goroutine, starting no goroutine, and writes
// the oracle's bytes. Its size is known, so its buffers, and the bytes it
// takes from the budget for them, are for its size, not a whole chunk's.
// It keeps the Governor's rules, in the pipeline's order: the chunk's
// bytes first (see acquireSmall); then one token per step, given back
// before the next (read under an I/O token, encode under a CPU token,
// each write under an I/O token), so it never holds a CPU token across a
// read or a write. Nothing is written before the chunk is
// encoded: a read or encode that fails leaves dst untouched.
func (e *Engine) packSmall(ctx context.Context, dst io.Writer, src readAtSource, s *codec.Session, m *meter) error {
	gov := governed{e.Governor}
	size := int(src.size) // at most one chunk
	cost := ChunkCost(size)
	if err := gov.checkSmallCost(cost); err != nil {
		return err
	}
	timing := e.Metrics.timers(e.Governor)
	var frame *codec.Frame
	if src.size > 0 {
		wait := startStep(ctx, "wait for bytes", timing.bytesWait)
		drop, err := gov.takeSmallChunk(ctx, cost)
		wait.end()
		if err != nil {
			return err
		}
		defer drop()
		raw, out := make([]byte, size), make([]byte, 0, maxFrameLen(size))
		if err := e.readSmall(ctx, gov, timing, src, raw); err != nil {
			return err
		}
		f, err := e.encodeSmall(ctx, gov, timing, s, out, raw)
		if err != nil {
			return err
		}
		frame = &f
	}
	if err := e.writeSmall(ctx, gov, timing, dst, s, frame); err != nil {
		return err
	}
	m.wroteChunks(frame)
	m.wroteSmall(e.Adaptive, frame)
	_, err := src.seek.Seek(src.base+src.size, io.SeekStart)
	return err
}

// docs:endregion packSmall

// readSmall reads the whole input into raw, under an I/O token.
func (e *Engine) readSmall(ctx context.Context, gov governed, timing timers, src readAtSource, raw []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	wait := startStep(ctx, "wait for I/O token", timing.ioWait)
	err := gov.io(ctx, func() error {
		wait.end()
		read := startStep(ctx, "read", nil)
		defer read.end()
		return readFullAt(src.r, raw, src.base)
	})
	if err != nil {
		return fmt.Errorf("reading input at offset 0: %w", err)
	}
	return nil
}

// encodeSmall encodes raw, the input's only chunk, into out under a CPU
// token, as a worker would (EncodeHook included). The chunk waits in no
// queue: its queue wait is recorded as zero.
func (e *Engine) encodeSmall(ctx context.Context, gov governed, timing timers, s *codec.Session, out, raw []byte) (codec.Frame, error) {
	if err := ctx.Err(); err != nil {
		return codec.Frame{}, err
	}
	timing.queueWait.since(timing.queueWait.start())
	enc := s.NewEncoder()
	defer enc.Release() // the next small file reuses its compressor
	// A packRun of chunks of len(raw): out is made to fit its frame.
	run := &packRun{chunkSize: len(raw), hook: e.EncodeHook, sizes: newSizer(nil, len(raw))}
	var f codec.Frame
	wait := startStep(ctx, "wait for CPU token", timing.cpuWait)
	err := gov.cpu(ctx, func() (err error) {
		wait.end()
		work := startStep(ctx, "encode", timing.cpu)
		defer work.end()
		f, err = run.encodeChunk(enc, out, codec.Chunk{Index: 0, Data: raw, Last: true})
		return err
	})
	return f, err
}

// writeSmall writes the container: header, the frame if there is one, and
// trailer, each write under an I/O token of its own. As in the writer,
// only the frame's write is timed.
func (e *Engine) writeSmall(ctx context.Context, gov governed, timing timers, dst io.Writer, s *codec.Session, frame *codec.Frame) error {
	w := format.NewWriter(dst)
	if err := e.writeStep(ctx, gov, func() error { return w.WriteHeader(s.Header()) }); err != nil {
		return err
	}
	digest := s.NewDigest()
	if frame != nil {
		digest.Add(frame.Sum, frame.RawLen)
		err := e.writeStep(ctx, gov, func() error {
			write := startStep(ctx, "write", timing.write)
			defer write.end()
			return w.WriteFrame(frame.Bytes)
		})
		if err != nil {
			return err
		}
	}
	return e.writeStep(ctx, gov, func() error { return w.WriteTrailer(digest.Trailer()) })
}

// writeStep runs one write under an I/O token, unless ctx is done, and
// records the wait for the token.
func (e *Engine) writeStep(ctx context.Context, gov governed, write func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	wait := startStep(ctx, "wait for I/O token", e.Metrics.timers(e.Governor).ioWait)
	return gov.io(ctx, func() error {
		wait.end()
		return write()
	})
}

// wroteChunks records the fast path's progress all at once: its chunk,
// if it had one, read, encoded and written.
func (m *meter) wroteChunks(f *codec.Frame) {
	if f != nil {
		m.readChunk(f.RawLen)
		m.encodedChunk(f.RawLen)
		m.wroteChunk(f.RawLen)
	}
}
