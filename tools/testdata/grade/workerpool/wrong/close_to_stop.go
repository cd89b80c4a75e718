// Wrong: a failing worker closes a "stop" channel to tell the feeder, and
// every failing worker does: the second failure closes it again and
// panics.
// Caught by: TestKeepsOneErrorWhenSeveralFailAtOnce
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
	stop := make(chan struct{})
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
					}
					mu.Unlock()
					close(stop)
					cancel()
				}
			}
		})
	}
	complete := true
feed:
	for i := range n {
		select {
		case indexes <- i:
		case <-stop:
			complete = false
			break feed
		case <-ctx.Done():
			complete = false
			break feed
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
