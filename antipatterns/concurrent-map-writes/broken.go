// Package concurrentmap shows a data race on a map, fatal at run time:
// workers record frame sizes in one map with no lock. Go's maps check for
// it, best effort, and stop the process with "fatal error: concurrent map
// writes", which no recover can catch.
//
// Modelled on filecoin-project/lassie#339: a crash with "fatal error:
// concurrent map writes" because the lock around a map was taken for reads
// only, not for writes.
package concurrentmap

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// SizesBroken compresses the chunks in parallel and returns each frame's
// size by chunk index.
func SizesBroken(chunks []pipeline.Chunk) map[int]int {
	sizes := map[int]int{}
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() {
			sizes[c.Index] = len(pipeline.Compress(c).Body) // The mistake: unguarded map write.
		})
	}
	wg.Wait()
	return sizes
}
