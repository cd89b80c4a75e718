// Package closureshared shows a goroutine closure writing a shared
// variable: a closure run by many goroutines assigns a variable declared
// outside it, so every goroutine writes the same variable. Go 1.22's
// per-iteration loop variables fixed the classic case (see
// loop-variable-capture); this one they do not touch.
//
// Modelled on kubernetes/kubernetes#70892: the function passed to
// ParallelizeUntil wrote a variable of the enclosing function from every
// worker.
package closureshared

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackBroken compresses each chunk in its own goroutine.
func PackBroken(chunks []pipeline.Chunk) [][]byte {
	frames := make([][]byte, len(chunks))
	var frame pipeline.Frame // The mistake: one variable for every goroutine.
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() {
			frame = pipeline.Compress(c)
			frames[c.Index] = frame.Encode()
		})
	}
	wg.Wait()
	return frames
}
