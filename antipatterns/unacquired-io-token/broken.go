// Package unacquiredtoken shows the I/O governor the course's origin
// program shipped: a token type to bound concurrent reads existed, was
// created and passed around, and was never acquired. Every worker read at
// once, whatever the device could take.
package unacquiredtoken

import (
	"io"
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// IOTokens bounds how many reads run at once: a read holds one token.
type IOTokens chan struct{}

// NewIOTokens returns n tokens.
func NewIOTokens(n int) IOTokens { return make(IOTokens, n) }

// Acquire waits for a token; Release gives it back.
func (t IOTokens) Acquire() { t <- struct{}{} }
func (t IOTokens) Release() { <-t }

// ReadBroken reads the chunks of r (size bytes in chunks of chunkSize) with
// the given number of workers. It is handed the tokens and never uses them.
func ReadBroken(r io.ReaderAt, size, chunkSize, workers int, tokens IOTokens) ([]pipeline.Chunk, error) {
	return readAll(r, size, chunkSize, workers, func(off int64, buf []byte) error {
		// The mistake: tokens is in scope, and nothing acquires one.
		_, err := r.ReadAt(buf, off)
		return err
	})
}

// readAll runs workers that each read one chunk at a time with read.
func readAll(r io.ReaderAt, size, chunkSize, workers int, read func(int64, []byte) error) ([]pipeline.Chunk, error) {
	n := (size + chunkSize - 1) / chunkSize
	chunks := make([]pipeline.Chunk, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				buf := make([]byte, min(chunkSize, size-i*chunkSize))
				errs[i] = read(int64(i*chunkSize), buf)
				chunks[i] = pipeline.Chunk{Index: i, Data: buf}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return chunks, nil
}
