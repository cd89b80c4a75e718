// Wrong: a bounded pool that keeps the last error instead of the first and
// never cancels the tasks that are still running.
// Caught by: TestReturnsTheFirstError, TestCancelsTheOtherTasksOnError
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
	indexes := make(chan int)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		lastErr error
	)
	for range workers {
		wg.Go(func() {
			for i := range indexes {
				if err := task(ctx, i); err != nil {
					mu.Lock()
					lastErr = err
					mu.Unlock()
				}
			}
		})
	}
feed:
	for i := range n {
		mu.Lock()
		failed := lastErr != nil
		mu.Unlock()
		if failed {
			break
		}
		select {
		case indexes <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(indexes)
	wg.Wait()
	if lastErr != nil {
		return lastErr
	}
	return ctx.Err()
}
