// Wrong: bounded, ordered and cancellable, but on cancellation the output
// is closed at once while calls of f are still running: the caller cannot
// tell when Map is done with its chunks.
// Caught by: TestClosesTheOutputOnlyAfterEveryCallReturns
package ordered

import "context"

func Map(ctx context.Context, in <-chan []byte, workers int, f func([]byte) []byte) <-chan []byte {
	workers = max(workers, 1)
	out := make(chan []byte)
	futures := make(chan chan []byte, workers-1)
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
			go func() { future <- f(chunk) }()
		}
	}()
	go func() {
		defer close(out)
		for future := range futures {
			select {
			case result := <-future:
				select {
				case out <- result:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
