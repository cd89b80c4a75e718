package sharedcounter

import (
	"sync"
	"sync/atomic"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed counts with an atomic add. (Lesson 05 measures the other
// choice, per-worker counters summed at the end, which scale better when
// the counter is hot.)
func PackFixed(chunks []pipeline.Chunk) ([][]byte, int) {
	frames := make([][]byte, len(chunks))
	var total atomic.Int64
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() {
			frames[c.Index] = pipeline.Compress(c).Encode()
			total.Add(int64(len(frames[c.Index])))
		})
	}
	wg.Wait()
	return frames, int(total.Load())
}
