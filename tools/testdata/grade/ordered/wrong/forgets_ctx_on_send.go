// Wrong: the FIFO of futures, done right except for one send: the result
// goes out with a plain `out <- result`, so once the consumer stops reading
// the collector blocks for ever, and with it the rest of the pipeline.
// Caught by: TestStopsWhenCancelled
package ordered

import (
	"context"
	"sync"
)

func Map(ctx context.Context, in <-chan []byte, workers int, f func([]byte) []byte) <-chan []byte {
	workers = max(workers, 1)
	out := make(chan []byte)
	futures := make(chan chan []byte, workers-1)
	var calls sync.WaitGroup
	go func() {
		defer close(futures)
		for {
			var chunk []byte
			var ok bool
			select {
			case chunk, ok = <-in:
			case <-ctx.Done():
				return
			}
			if !ok {
				return
			}
			future := make(chan []byte, 1)
			select {
			case futures <- future:
			case <-ctx.Done():
				return
			}
			calls.Go(func() { future <- f(chunk) })
		}
	}()
	go func() {
		defer close(out)
		for future := range futures {
			out <- <-future
		}
		calls.Wait()
	}()
	return out
}
