// Wrong: workers number the chunks and a collector puts the results back in
// order with a map. The order is right, but while one chunk is slow every
// later result waits in the map: nothing bounds it.
// Caught by: TestBoundsTheChunksInFlight
package ordered

import (
	"context"
	"sync"
)

type numbered struct {
	seq  int
	data []byte
}

func Map(ctx context.Context, in <-chan []byte, workers int, f func([]byte) []byte) <-chan []byte {
	out := make(chan []byte)
	jobs := make(chan numbered)
	done := make(chan numbered)
	go func() {
		defer close(jobs)
		seq := 0
		for {
			select {
			case chunk, ok := <-in:
				if !ok {
					return
				}
				select {
				case jobs <- numbered{seq, chunk}:
					seq++
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for j := range jobs {
				select {
				case done <- numbered{j.seq, f(j.data)}:
				case <-ctx.Done():
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	go func() {
		defer close(out)
		pending := map[int][]byte{}
		next := 0
		for r := range done {
			pending[r.seq] = r.data
			for {
				data, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				select {
				case out <- data:
				case <-ctx.Done():
					for range done {
					}
					return
				}
				next++
			}
		}
	}()
	return out
}
