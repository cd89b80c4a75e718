// Wrong: a plain worker pool. It is bounded and stops on cancellation, but
// each worker sends its result as soon as it has it, so the results leave
// in the order the calls finish.
// Caught by: TestKeepsOrderUnderRandomDelays
package ordered

import (
	"context"
	"sync"
)

func Map(ctx context.Context, in <-chan []byte, workers int, f func([]byte) []byte) <-chan []byte {
	out := make(chan []byte)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
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
				select {
				case out <- f(chunk):
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}
