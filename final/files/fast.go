package files

import (
	"bufio"
	"bytes"
	"context"
	"io"

	"packcourse/core/format"
	"packcourse/final/engine"
	"packcourse/final/obs"
	"packcourse/lessons/00-the-job/oracle"
)

// fastPath runs a small file's job the way the oracle does, in the calling
// goroutine: for a file of a chunk or two, a pipeline's goroutines,
// channels and per-chunk hand-offs cost more than the work, and there is
// nothing to run in parallel anyway. The output is the oracle's, so it is
// byte for byte what the engine would write.
//
// It takes its bytes first and then one CPU token, in the governor's
// order, and holds both to the end: a small file is one short step. Its
// bytes come from the small lane when the shared budget is busy, so a
// huge file holding the shared budget cannot hold it up. With a
// passphrase, the bytes include the key derivation's memory, which then
// takes longer than the file itself.
func (r *Runner) fastPath(ctx context.Context, op Op, dst io.Writer, src io.Reader, job Job) (err error) {
	m := r.Engine.Config().Metrics
	m.RunStarted()
	defer func() { m.RunDone(err) }()
	// docs:region fast-path
	fg := r.Governor.File(job.Size) // small: may use the small lane
	src, need, err := r.fastBytes(op, src, job)
	if err != nil {
		return err
	}
	if err := fg.AcquireBytes(ctx, need); err != nil {
		return err
	}
	defer fg.ReleaseBytes(need)
	if err := fg.AcquireCPU(ctx); err != nil {
		return err
	}
	defer fg.ReleaseCPU()
	raw := &counter{r: src, w: dst}
	start := m.Now()
	if op == Pack {
		err = oracle.Pack(ctx, dst, raw, r.Options)
	} else {
		err = oracle.Unpack(ctx, raw, src, r.Options) // Verify: dst is io.Discard
	}
	// docs:endregion fast-path
	if err == nil {
		// The whole file is reported as one chunk: the oracle does not
		// time its chunks, and a small file has one or two.
		m.Chunk(metricsOp(op), int(raw.n), m.Since(start))
	}
	return err
}

// metricsOp is the obs.Op an Op's chunks are counted under.
func metricsOp(op Op) obs.Op {
	if op == Pack {
		return obs.Encode
	}
	return obs.Decode
}

// fastBytes returns how many bytes the oracle will hold for this job, and
// the reader to give it. Packing, that is one chunk and one frame.
// Unpacking, it depends on the container's chunk size, so the header is
// peeked first (from a small buffer, without consuming it). A passphrase
// adds the memory its key derivation holds.
func (r *Runner) fastBytes(op Op, src io.Reader, job Job) (io.Reader, int64, error) {
	src, need, err := r.bufferBytes(op, src, job)
	return src, need + r.Options.KDFBytes(), err
}

// bufferBytes is fastBytes without the key derivation.
func (r *Runner) bufferBytes(op Op, src io.Reader, job Job) (io.Reader, int64, error) {
	if op == Pack {
		o, err := r.Options.WithDefaults()
		if err != nil {
			return nil, 0, err
		}
		return src, packBytes(o.ChunkSize), nil
	}
	br := bufio.NewReaderSize(src, format.HeaderLen)
	head, _ := br.Peek(format.HeaderLen) // a short read is reported by ReadHeader below
	h, err := format.NewReader(bytes.NewReader(head), r.Options.MaxChunkSize).ReadHeader()
	if err != nil {
		return nil, 0, err
	}
	return br, unpackBytes(h.ChunkSize, job.Size), nil
}

// packBytes is what oracle.Pack holds for chunks and frames: one chunk
// buffer (a whole chunk, whatever the file's size) and one frame. That is
// what one engine job is charged, engine.MinBytes. As in the engine, the
// fixed read buffers (a few KiB) are not counted.
func packBytes(chunkSize int) int64 { return engine.MinBytes(chunkSize) }

// unpackBytes is what oracle.Unpack holds for a container of size bytes:
// a frame body (no bigger than the container) and a chunk.
func unpackBytes(chunkSize int, size int64) int64 {
	return int64(chunkSize) + min(int64(format.MaxBodyLen(chunkSize)), size)
}
