// Package workerpool runs a numbered batch of tasks on a fixed number of
// goroutines and stops at the first failure: lesson 02's bounded fan-out,
// cut down to its skeleton. See README.md for the task.
package workerpool

import (
	"context"
	"sync"
)

// Run calls task(ctx, i) once for each i in [0, n), with at most workers
// calls running at once, on at most workers worker goroutines (and perhaps
// one more that hands out the indexes).
//
// The first task to return an error stops the run: Run cancels the context
// the tasks were given, starts no new task, and returns that first error.
// If ctx is done before every task has started, Run stops the same way and
// returns ctx's error. Either way Run returns only once every task it
// started has returned, so no goroutine outlives it.
//
// Run returns an error without calling task if workers < 1 or n < 0.
func Run(ctx context.Context, n, workers int, task func(ctx context.Context, i int) error) error {
	// This is lesson 01's shape: one goroutine per task, all started at
	// once, and whichever error comes last wins. It runs every task exactly
	// once; nothing bounds it, and nothing stops it early.
	//
	// TODO: reject workers < 1 and n < 0 with an error.
	// TODO: start workers goroutines, not n, and hand them the indexes.
	// TODO: keep the first error, cancel the tasks' context when it arrives
	//       and stop handing out tasks; stop too when ctx is done.
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		lastErr error
	)
	for i := range n {
		wg.Go(func() {
			if err := task(ctx, i); err != nil {
				mu.Lock()
				lastErr = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return lastErr
}
