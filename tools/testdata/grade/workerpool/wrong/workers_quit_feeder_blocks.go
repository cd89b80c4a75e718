// Wrong: workers quit as soon as the run is cancelled, but the feeder
// hands out indexes with a bare send: once every worker has quit, nobody
// receives, and Run blocks for ever in that send.
// Caught by: TestReturnsTheFirstError, TestStopsStartingTasksAfterAnError
package workerpool

import (
	"context"
	"fmt"
	"sync"
)

func Run(ctx context.Context, n, workers int, task func(ctx context.Context, i int) error) error {
	if workers < 1 || n < 0 {
		return fmt.Errorf("workerpool: bad arguments n=%d workers=%d", n, workers)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	indexes := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range indexes {
				if ctx.Err() != nil {
					return
				}
				if err := task(ctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		indexes <- i
	}
	close(indexes)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
