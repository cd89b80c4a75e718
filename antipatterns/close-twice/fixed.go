package closetwice

import (
	"context"
	"sync"

	"packcourse/antipatterns/internal/pipeline"
)

// PackFixed stops the other chunks with a context instead of a bare
// channel. A CancelFunc may be called any number of times, from any
// goroutine; only the first call does anything. (sync.OnceFunc around
// close gives the same guarantee for a channel of your own.) Lesson 02's
// errgroup.WithContext does this for you: the first error cancels.
func PackFixed(n int, read Reader) ([]pipeline.Frame, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		frames = make([]pipeline.Frame, n)
		first  firstError
		wg     sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			if ctx.Err() != nil {
				return // another chunk failed: do not start this one
			}
			data, err := read(i)
			if err != nil {
				first.set(err)
				cancel() // safe from every failing worker
				return
			}
			frames[i] = pipeline.Compress(pipeline.Chunk{Index: i, Data: data})
		})
	}
	wg.Wait()
	return frames, first.get()
}
