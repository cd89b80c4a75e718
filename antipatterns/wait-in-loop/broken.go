// Package waitinloop shows WaitGroup misuse that deadlocks, Wait in the
// loop: Add counts every goroutine up front, and Wait sits inside the loop,
// so the first Wait waits for goroutines the loop has not started yet.
//
// Modelled on moby/moby#25384: the plugin manager added len(pm.plugins)
// to a WaitGroup and called group.Wait() inside the loop that started
// one goroutine per plugin. With one plugin it worked.
package waitinloop

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackBroken compresses the chunks, one goroutine each.
func PackBroken(chunks []pipeline.Chunk) []pipeline.Frame {
	frames := make([]pipeline.Frame, len(chunks))
	var wg sync.WaitGroup
	wg.Add(len(chunks))
	for _, c := range chunks {
		go func() {
			defer wg.Done()
			frames[c.Index] = pipeline.Compress(c)
		}()
		wg.Wait() // The mistake: waits for all, inside the loop that starts them.
	}
	return frames
}
