// Wrong: stops handing out tasks after the first error (a flag the feeder
// checks), but never cancels a context: the tasks still running are not
// told, and run to their end.
// Caught by: TestCancelsTheOtherTasksOnError
package workerpool

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

func Run(ctx context.Context, n, workers int, task func(ctx context.Context, i int) error) error {
	if workers < 1 || n < 0 {
		return fmt.Errorf("workerpool: bad arguments n=%d workers=%d", n, workers)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		first  error
		failed atomic.Bool
	)
	indexes := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range indexes {
				if failed.Load() || ctx.Err() != nil {
					continue
				}
				if err := task(ctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					failed.Store(true)
				}
			}
		})
	}
	complete := true
	for i := range n {
		if failed.Load() || ctx.Err() != nil {
			complete = false
			break
		}
		select {
		case indexes <- i:
		case <-ctx.Done():
		}
	}
	close(indexes)
	wg.Wait()
	if first != nil {
		return first
	}
	if !complete {
		return ctx.Err()
	}
	return nil
}
