package concurrentmap

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// SizesFixed guards the map with a mutex held for every write. (When each
// goroutine owns one key known in advance, a slice indexed by chunk, each
// goroutine writing only its own element, needs no lock at all.)
func SizesFixed(chunks []pipeline.Chunk) map[int]int {
	var mu sync.Mutex
	sizes := map[int]int{}
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Go(func() {
			n := len(pipeline.Compress(c).Body)
			mu.Lock()
			defer mu.Unlock()
			sizes[c.Index] = n
		})
	}
	wg.Wait()
	return sizes
}
