// Wrong: the feeder checks ctx before each hand-out, but the workers never
// do. The send it was waiting in when the first task failed still goes
// through, and a worker starts that task with a cancelled context.
// Caught by: TestStartsNoTaskOnceATaskHasFailed
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
		if ctx.Err() != nil {
			break
		}
		indexes <- i
	}
	close(indexes)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
