// Package fetcher reads an io.ReaderAt in fixed-size chunks with several
// reads in flight at once and hands the chunks over in order: lesson 08's
// concurrent reader, cut down to its skeleton. See README.md for the task.
package fetcher

import (
	"context"
	"errors"
	"io"
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
	// TODO: reject a chunk size below 1 (ErrChunkSize).
	// TODO: at depth 1 (or below), read and deliver in a plain loop on
	//       this goroutine, checking ctx before each read.
	// TODO: above depth 1, keep up to depth reads going, one goroutine
	//       each, with a FIFO of their futures in offset order; deliver
	//       the head of the FIFO, then start the next read. Stop starting
	//       reads once one has failed or ctx is done, and wait for every
	//       read you started before returning.
	// TODO: a read that fills its buffer succeeded, even with io.EOF; one
	//       that comes back short means the input ended early.
	return nil
}
