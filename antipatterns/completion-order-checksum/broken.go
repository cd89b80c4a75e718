// Package completionorder shows the whole-file checksum the course's origin
// program computed: each frame was hashed as its worker finished, so the
// digest followed the order in which workers happened to finish, not the
// order of the frames in the file. It changed with the worker count and
// from run to run.
package completionorder

import (
	"crypto/sha256"
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// Compressor turns a chunk into its frame. Production passes
// pipeline.Compress; the tests pass one that takes longer for some chunks.
type Compressor func(pipeline.Chunk) pipeline.Frame

// DigestBroken compresses the chunks with the given number of workers and
// returns the SHA-256 of the frames, hashed as each one completes.
func DigestBroken(chunks []pipeline.Chunk, workers int, compress Compressor) [32]byte {
	var (
		mu   sync.Mutex
		hash = sha256.New()
	)
	work := make(chan pipeline.Chunk)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range work {
				f := compress(c)
				// The mistake: the lock makes the hash safe, not ordered.
				mu.Lock()
				hash.Write(f.Encode())
				mu.Unlock()
			}
		})
	}
	for _, c := range chunks {
		work <- c
	}
	close(work)
	wg.Wait()
	return [32]byte(hash.Sum(nil))
}
