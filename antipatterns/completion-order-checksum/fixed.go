package completionorder

import (
	"crypto/sha256"
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// DigestFixed compresses the chunks with the given number of workers and
// returns the SHA-256 of the frames in index order, the order they have in
// the file: workers only fill slots, and one loop hashes the slots in
// order. (Lesson 03's ordered writer hashes each frame as it writes it.)
func DigestFixed(chunks []pipeline.Chunk, workers int, compress Compressor) [32]byte {
	frames := make([]pipeline.Frame, len(chunks))
	work := make(chan pipeline.Chunk)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range work {
				frames[c.Index] = compress(c)
			}
		})
	}
	for _, c := range chunks {
		work <- c
	}
	close(work)
	wg.Wait()
	hash := sha256.New()
	for _, f := range frames {
		hash.Write(f.Encode())
	}
	return [32]byte(hash.Sum(nil))
}
