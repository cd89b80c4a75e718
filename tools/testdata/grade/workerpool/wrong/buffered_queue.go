// Wrong: queues every index in a buffered channel up front, so nobody
// waits on a hand-out; but once a task fails, the workers go on taking
// queued indexes and run every task left, each with a cancelled context.
// Caught by: TestStopsStartingTasksAfterAnError, TestStartsNoTaskOnceATaskHasFailed
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
	indexes := make(chan int, n)
	for i := range n {
		indexes <- i
	}
	close(indexes)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range workers {
		wg.Go(func() {
			for i := range indexes {
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
	wg.Wait()
	return first
}
