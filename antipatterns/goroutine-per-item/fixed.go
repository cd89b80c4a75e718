package peritem

import (
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed starts a fixed pool of workers that take chunk numbers from a
// channel, so at most workers chunks are read and held at once, whatever
// the input's size. (Lesson 02 does the same with errgroup.SetLimit.)
func PackFixed(n, workers int, read Reader) []pipeline.Frame {
	frames := make([]pipeline.Frame, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				frames[i] = pipeline.Compress(pipeline.Chunk{Index: i, Data: read(i)})
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return frames
}
