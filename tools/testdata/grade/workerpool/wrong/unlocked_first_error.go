// Wrong: a fixed pool that stops on the first error, but the first error
// is a plain variable every worker checks and sets without a lock: a data
// race when two tasks fail at the same moment.
// Caught by: TestKeepsOneErrorWhenSeveralFailAtOnce
package workerpool

import (
	"context"
	"errors"
	"sync"
)

func Run(ctx context.Context, n, workers int, task func(ctx context.Context, i int) error) error {
	if workers < 1 || n < 0 {
		return errors.New("workerpool: bad arguments")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var first error
	indexes := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range indexes {
				if ctx.Err() != nil {
					continue
				}
				if err := task(ctx, i); err != nil && first == nil {
					first = err
					cancel()
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
	if first != nil {
		return first
	}
	return ctx.Err()
}
