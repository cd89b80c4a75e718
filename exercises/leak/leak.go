// Package leak is a small pipeline with a goroutine leak in it: read a
// stream in chunks, hash the chunks on several goroutines, write the sums
// in order. It gives the right answer, and on its error and cancellation
// paths it leaves goroutines blocked for ever. See README.md for the task.
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
	chunks := make(chan chunk)
	sums := make(chan sum)
	readErr := make(chan error, 1)

	go func() {
		defer close(chunks)
		readErr <- read(src, size, chunks)
	}()
	var hashers sync.WaitGroup
	for range workers {
		hashers.Go(func() { hash(chunks, sums) })
	}
	go func() {
		hashers.Wait()
		close(sums)
	}()

	// TODO: find the leak. Follow each goroutine above and ask what it
	// is blocked on when write returns early, on a write error or on a
	// cancelled ctx. Then make every stage stop, and make Sums wait for
	// them, whatever the way out.
	if err := write(ctx, dst, sums); err != nil {
		return err
	}
	return <-readErr
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

// read sends src's chunks, numbered from 0, until the end of src or a read
// error, which it returns.
func read(src io.Reader, size int, chunks chan<- chunk) error {
	for i := 0; ; i++ {
		buf := make([]byte, size)
		n, err := io.ReadFull(src, buf)
		if n > 0 {
			chunks <- chunk{i, buf[:n]}
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return nil
		case err != nil:
			return err
		}
	}
}

// hash sends the sum of every chunk it receives, until chunks is closed.
func hash(chunks <-chan chunk, sums chan<- sum) {
	for c := range chunks {
		sums <- sum{c.index, sha256.Sum256(c.data)}
	}
}

// write puts the sums back in chunk order and writes one line per chunk,
// until sums is closed. It stops at the first write error, or when ctx is
// done.
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
	return nil
}
