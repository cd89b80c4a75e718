// Wrong: a ReadAt that comes back short with a nil error is taken as a
// success, so a short chunk is delivered in the middle of the input, or Fetch
// returns nil at its end, instead of io.ErrUnexpectedEOF; breaks "one that
// comes back short means the input ended early".
// Caught by: TestReportsAShortReadWithoutEOF
package fetcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// A Chunk is one piece of the input: the Index-th chunk, at offset Off.
type Chunk struct {
	Index int
	Off   int64
	Data  []byte // Chunk-size bytes; fewer for the last chunk only
}

// ErrChunkSize is returned by Fetch for a chunk size below 1.
var ErrChunkSize = errors.New("fetcher: chunk size must be at least 1")

// Fetch reads the first size bytes of r in chunks of chunk bytes (the last
// one may be shorter) and calls deliver with each chunk, in order of
// offset, on the goroutine that called Fetch.
//
// At most depth chunks are held at once: a chunk counts from the moment
// its ReadAt starts until it is handed to deliver. So at most depth ReadAt
// calls are in flight, and a slow consumer or one slow read stops Fetch
// from reading further ahead. A depth below 1 counts as 1, and at depth 1
// Fetch reads on the caller's goroutine and starts none of its own.
//
// Fetch stops at the first error and returns it: a failed read is
// reported at its place in order (every chunk before it is delivered, none
// after it), and no read starts once it has failed; deliver's own error,
// or ctx's once ctx is done, stops Fetch the same way. It returns only
// after every ReadAt it started has returned. The bytes of a delivered
// chunk belong to deliver: Fetch never touches them again.
func Fetch(ctx context.Context, r io.ReaderAt, size int64, chunk, depth int, deliver func(Chunk) error) error {
	if chunk < 1 {
		return ErrChunkSize
	}
	if size < 0 {
		return fmt.Errorf("fetcher: negative size %d", size)
	}
	n := int((size + int64(chunk) - 1) / int64(chunk))
	if depth <= 1 {
		return fetchInline(ctx, r, size, chunk, n, deliver)
	}
	return fetchAhead(ctx, r, size, chunk, n, depth, deliver)
}

// fetchInline is depth 1: read a chunk, deliver it, read the next. There
// is nothing to overlap, so a goroutine would only cost.
func fetchInline(ctx context.Context, r io.ReaderAt, size int64, chunk, n int, deliver func(Chunk) error) error {
	for i := range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := readChunk(r, i, size, chunk)
		if err != nil {
			return err
		}
		if err := deliver(c); err != nil {
			return err
		}
	}
	return nil
}

// A fetched is what one read leaves in its future: the chunk or the error.
type fetched struct {
	chunk Chunk
	err   error
}

// fetchAhead keeps up to depth reads going, one goroutine each, and a FIFO
// of their futures in offset order: the head of the FIFO is always the
// next chunk to deliver, whatever order the reads finish in.
func fetchAhead(ctx context.Context, r io.ReaderAt, size int64, chunk, n, depth int, deliver func(Chunk) error) error {
	var reads sync.WaitGroup
	defer reads.Wait()     // no ReadAt outlives Fetch, whatever ends it
	var failed atomic.Bool // set by the first read that fails
	fifo := make([]chan fetched, 0, depth)
	next := 0 // the next chunk to start reading
	for range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Top up to depth chunks held, unless a read has failed: the
		// chunks after it would be thrown away.
		for next < n && len(fifo) < depth && !failed.Load() {
			fifo = append(fifo, startRead(r, next, size, chunk, &failed, &reads))
			next++
		}
		var f fetched
		select {
		case f = <-fifo[0]:
		case <-ctx.Done():
			return ctx.Err()
		}
		fifo = fifo[1:]
		if f.err != nil {
			return f.err
		}
		// The chunk leaves the FIFO before deliver runs, so a slot is
		// free for the next read as soon as deliver returns.
		if err := deliver(f.chunk); err != nil {
			return err
		}
	}
	return nil
}

// startRead starts reading chunk i on its own goroutine and returns its
// future. The future has room for the result, so the goroutine never waits
// to hand it over and always exits.
func startRead(r io.ReaderAt, i int, size int64, chunk int, failed *atomic.Bool, reads *sync.WaitGroup) chan fetched {
	future := make(chan fetched, 1)
	reads.Go(func() {
		c, err := readChunk(r, i, size, chunk)
		if err != nil {
			failed.Store(true)
		}
		future <- fetched{c, err}
	})
	return future
}

// readChunk reads chunk i into a buffer of its own: the buffer goes to the
// consumer, so it is never reused.
func readChunk(r io.ReaderAt, i int, size int64, chunk int) (Chunk, error) {
	off := int64(i) * int64(chunk)
	buf := make([]byte, min(int64(chunk), size-off))
	n, err := r.ReadAt(buf, off)
	switch {
	case n == len(buf) && errors.Is(err, io.EOF):
		err = nil // a ReaderAt may say EOF along with the last bytes
	case n < len(buf) && errors.Is(err, io.EOF):
		err = io.ErrUnexpectedEOF // the input is shorter than size
	}
	if err != nil {
		return Chunk{}, fmt.Errorf("fetcher: chunk %d at offset %d: %w", i, off, err)
	}
	return Chunk{Index: i, Off: off, Data: buf}, nil
}
