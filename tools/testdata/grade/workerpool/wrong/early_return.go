// Wrong: returns as soon as the first error arrives, without waiting for
// the workers; they are left blocked sending their results.
// Caught by: TestWaitsForRunningTasksBeforeReturning, TestLeavesNoGoroutineBehind
package workerpool

import (
	"context"
	"fmt"
)

func Run(ctx context.Context, n, workers int, task func(ctx context.Context, i int) error) error {
	if workers < 1 || n < 0 {
		return fmt.Errorf("workerpool: bad arguments n=%d workers=%d", n, workers)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	indexes := make(chan int)
	errs := make(chan error)
	for range workers {
		go func() {
			for i := range indexes {
				errs <- task(ctx, i)
			}
		}()
	}
	go func() {
		defer close(indexes)
		for i := range n {
			select {
			case indexes <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range n {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}
