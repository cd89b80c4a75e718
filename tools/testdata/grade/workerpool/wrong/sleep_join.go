// Wrong: a fixed pool that stops at the first error, but it "waits" for
// the workers by sleeping for a while after the last hand-out instead of
// joining them: with tasks slower than the nap, Run returns while they
// still run.
// Caught by: TestWaitsForEveryTaskHoweverLongItTakes
package workerpool

import (
	"context"
	"fmt"
	"sync"
	"time"
)

func Run(ctx context.Context, n, workers int, task func(ctx context.Context, i int) error) error {
	if workers < 1 || n < 0 {
		return fmt.Errorf("workerpool: bad arguments n=%d workers=%d", n, workers)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var first error
	indexes := make(chan int)
	for range workers {
		go func() {
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
		}()
	}
	complete := true
feed:
	for i := range n {
		select {
		case indexes <- i:
		case <-ctx.Done():
			complete = false
			break feed
		}
	}
	close(indexes)
	time.Sleep(100 * time.Millisecond) // should be plenty for the last tasks to finish
	mu.Lock()
	defer mu.Unlock()
	if first != nil {
		return first
	}
	if !complete {
		return ctx.Err()
	}
	return nil
}
