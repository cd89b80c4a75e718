package waitinloop

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed starts every goroutine, then waits once. Add and Wait belong
// to the same level: Add before each go statement, Wait after the loop
// (WaitGroup.Go does the Add and Done for you).
func PackFixed(chunks []pipeline.Chunk) []pipeline.Frame {
	frames := make([]pipeline.Frame, len(chunks))
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() { frames[c.Index] = pipeline.Compress(c) })
	}
	wg.Wait()
	return frames
}
