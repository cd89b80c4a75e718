package addingoroutine

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed counts each goroutine before starting it (WaitGroup.Go does
// the Add before the go statement and the Done when the function returns),
// so Wait cannot return while any is still to run.
func PackFixed(n int, read Reader) []pipeline.Frame {
	var (
		mu     sync.Mutex
		frames []pipeline.Frame
		wg     sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			f := pipeline.Compress(read(i))
			mu.Lock()
			frames = append(frames, f)
			mu.Unlock()
		})
	}
	wg.Wait()
	return frames
}
