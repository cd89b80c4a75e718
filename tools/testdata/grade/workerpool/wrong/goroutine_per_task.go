// Wrong: one goroutine per task, each waiting for a slot in a semaphore.
// At most workers tasks run at once, but n goroutines exist at once.
// Caught by: TestStartsNoGoroutinePerTask
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
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	slots := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-slots }()
			if ctx.Err() != nil {
				return
			}
			if err := task(ctx, i); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
