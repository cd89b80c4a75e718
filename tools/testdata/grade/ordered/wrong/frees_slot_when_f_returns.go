// Wrong: ordered, cancellable, closes only after every call, and runs at
// most workers calls of f at once; but a chunk's token goes back when f
// returns, while its result still waits in the FIFO for its turn. With one
// slow chunk, the FIFO fills with finished results and Map keeps reading:
// more than workers+1 chunks in flight.
// Caught by: TestBoundsTheChunksInFlight
package ordered

import (
	"context"
	"sync"
)

func Map(ctx context.Context, in <-chan []byte, workers int, f func([]byte) []byte) <-chan []byte {
	workers = max(workers, 1)
	out := make(chan []byte)
	futures := make(chan chan []byte, workers)
	tokens := make(chan struct{}, workers)
	var calls sync.WaitGroup
	go func() { // dispatcher
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
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			calls.Go(func() {
				defer func() { <-tokens }() // too early: the result is not sent yet
				future <- f(chunk)
			})
		}
	}()
	go func() { // collector
		defer func() {
			for range futures {
			}
			calls.Wait()
			close(out)
		}()
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
