package closureshared

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed declares the frame inside the closure: each goroutine has its
// own, and the only shared state is frames, where each goroutine writes
// its own element.
func PackFixed(chunks []pipeline.Chunk) [][]byte {
	frames := make([][]byte, len(chunks))
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() {
			frame := pipeline.Compress(c)
			frames[c.Index] = frame.Encode()
		})
	}
	wg.Wait()
	return frames
}
