// Wrong: the reader checks ctx after each Read instead of before it, so with
// a ctx already cancelled when Sums is called src is still read once; breaks
// "after ctx is cancelled it stops reading src".
// Caught by: TestReadsNothingWithADoneContext
package leak

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"sync"
)

// Sums writes the SHA-256 of each size-byte chunk of src to dst, in hex,
// one line per chunk, in chunk order (the last chunk may be shorter). It
// hashes on workers goroutines. It returns the first error reading src or
// writing dst, or ctx's error if ctx is done first; it returns nil only
// once it has written a line for every chunk. When it returns, every
// goroutine it started has exited.
func Sums(ctx context.Context, dst io.Writer, src io.Reader, size, workers int) error {
	if size < 1 || workers < 1 {
		return fmt.Errorf("leak: size and workers must be at least 1, got %d and %d", size, workers)
	}
	// The fix, part 1: one cancel that tells every stage the run is over,
	// whoever ends it: the caller, a write error, or the normal end.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	chunks := make(chan chunk)
	sums := make(chan sum)
	readErr := make(chan error, 1)

	go func() {
		defer close(chunks)
		readErr <- read(ctx, src, size, chunks)
	}()
	var hashers sync.WaitGroup
	for range workers {
		hashers.Go(func() { hash(ctx, chunks, sums) })
	}
	go func() {
		hashers.Wait()
		close(sums)
	}()

	err := write(ctx, dst, sums)
	// The fix, part 3: whatever made write return, stop the other stages
	// and wait for them. sums is closed once every hasher has returned, and
	// readErr is sent once the reader has; then nothing is left running.
	cancel()
	for range sums {
	}
	if rerr := <-readErr; err == nil {
		err = rerr
	}
	return err
}

// A chunk is a piece of the input and its place in it.
type chunk struct {
	index int
	data  []byte
}

// A sum is the SHA-256 of the chunk at index.
type sum struct {
	index int
	hash  [sha256.Size]byte
}

// read sends src's chunks, numbered from 0, until the end of src, a read
// error or ctx is done, and returns the error, if any.
func read(ctx context.Context, src io.Reader, size int, chunks chan<- chunk) error {
	for i := 0; ; i++ {
		buf := make([]byte, size)
		n, err := io.ReadFull(src, buf)
		// Was the run cancelled during the read? Then stop.
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if n > 0 {
			// The fix, part 2: every send also watches ctx, so no stage
			// blocks for ever on a receiver that has gone.
			select {
			case chunks <- chunk{i, buf[:n]}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return nil
		case err != nil:
			return err
		}
	}
}

// hash sends the sum of every chunk it receives, until chunks is closed or
// ctx is done.
func hash(ctx context.Context, chunks <-chan chunk, sums chan<- sum) {
	for c := range chunks {
		select {
		case sums <- sum{c.index, sha256.Sum256(c.data)}:
		case <-ctx.Done():
			return
		}
	}
}

// write puts the sums back in chunk order and writes one line per chunk,
// until sums is closed. It stops at the first write error, or when ctx is
// done, and then returns ctx's error.
func write(ctx context.Context, dst io.Writer, sums <-chan sum) error {
	early := map[int][sha256.Size]byte{} // sums that arrived before their turn
	next := 0
	for s := range sums {
		if err := ctx.Err(); err != nil {
			return err
		}
		early[s.index] = s.hash
		for {
			h, ok := early[next]
			if !ok {
				break
			}
			delete(early, next)
			if _, err := fmt.Fprintf(dst, "%x\n", h); err != nil {
				return err
			}
			next++
		}
	}
	// sums is closed: every hasher has returned, at the end of the input
	// or because ctx is done, and then perhaps holding a sum it dropped.
	// Only ctx tells the two apart, and the reader may have reached the
	// end of src before the cancel, so the reader's nil proves nothing:
	// return ctx's error here, or a cancelled run that lost lines would
	// return nil.
	return ctx.Err()
}
