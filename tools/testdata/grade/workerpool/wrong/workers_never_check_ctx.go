// Wrong: the workers never check ctx; only the feeder does, in a select
// that also watches ctx.Done(). When the caller cancels while the feeder is
// between two hand-outs, its select finds both a worker waiting and ctx
// done, may pick the send, and the worker starts that task with a
// cancelled context.
// Caught by: TestStartsNoTaskOnceTheCallerHasCancelled
// Package workerpool runs a numbered batch of tasks on a fixed number of
// goroutines and stops at the first failure: lesson 02's bounded fan-out,
// cut down to its skeleton.
package workerpool

import (
	"context"
	"fmt"
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
	if workers < 1 {
		return fmt.Errorf("workerpool: workers must be at least 1, got %d", workers)
	}
	if n < 0 {
		return fmt.Errorf("workerpool: n must not be negative, got %d", n)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	first := &firstError{cancel: cancel}

	indexes := make(chan int) // unbuffered: a task is handed out only when a worker is free
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() { work(ctx, indexes, task, first) })
	}
	complete := feed(ctx, indexes, n)
	close(indexes) // lets every worker's range loop end
	wg.Wait()

	if err := first.get(); err != nil {
		return err
	}
	if !complete {
		// Nothing failed, so the only reason to stop early is the caller's
		// ctx, and its error is still there for us to return.
		return ctx.Err()
	}
	return nil
}

// feed hands out the indexes 0..n-1 to the workers, one at a time, and
// reports whether it handed out all of them. It stops early when ctx is
// done: a failed task cancels ctx, and so does the caller.
func feed(ctx context.Context, indexes chan<- int, n int) (complete bool) {
	for i := range n {
		select {
		case indexes <- i:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// work runs the tasks it receives until indexes is closed.
func work(ctx context.Context, indexes <-chan int, task func(context.Context, int) error, first *firstError) {
	for i := range indexes {
		if err := task(ctx, i); err != nil {
			first.set(err)
		}
	}
}

// firstError keeps the first error set and cancels the run when it arrives.
// The errors that follow are usually the cancellation the first one caused,
// so they are dropped.
type firstError struct {
	mu     sync.Mutex
	err    error
	cancel context.CancelFunc
}

func (f *firstError) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
		f.cancel()
	}
}

func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
