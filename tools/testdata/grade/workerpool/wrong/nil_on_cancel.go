// Wrong: right in every way but one: when the caller's ctx stops the run,
// Run returns nil, as if every task had run, because it only ever returns
// a task's error.
// Caught by: TestStopsWhenTheContextIsCancelled
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
					continue
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
feed:
	for i := range n {
		select {
		case indexes <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(indexes)
	wg.Wait()
	return first
}
