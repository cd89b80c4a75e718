// Wrong: no channel at all: worker k runs tasks k, k+workers, k+2*workers,
// ... It is bounded and stops at the first error, but the work is split in
// advance, so one slow task holds back its whole share while the other
// workers sit idle.
// Caught by: TestSharesTheWorkAmongTheWorkers
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
		once  sync.Once
		first error
	)
	for k := range min(workers, n) {
		wg.Go(func() {
			for i := k; i < n; i += workers {
				if ctx.Err() != nil {
					return
				}
				if err := task(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
