// Package budget is a weighted budget of units (bytes, say) shared by
// goroutines: lesson 06's byte budget, built from a mutex and a queue
// instead of golang.org/x/sync/semaphore. See README.md for the task.
package budget

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrTooLarge is wrapped by the error Acquire returns for a request larger
// than the whole budget.
var ErrTooLarge = errors.New("budget: request larger than the whole budget")

// A Budget is size units that goroutines take with Acquire and give back
// with Release. It is safe for concurrent use.
type Budget struct {
	mu    sync.Mutex
	size  int64
	inUse int64
	// TODO: the requests waiting for units, in the order they came.
}

// New returns a budget of size units, none in use.
func New(size int64) (*Budget, error) {
	if size < 1 {
		return nil, fmt.Errorf("budget: size %d, want at least 1", size)
	}
	return &Budget{size: size}, nil
}

// Acquire takes n units, all at once, waiting in line behind earlier
// requests until they are free. A request larger than the whole budget
// fails at once with an error wrapping ErrTooLarge: it could never be
// granted, so waiting for it would only hang. It, and a request for less
// than 1 unit, are refused before anything else, even a ctx that is done.
// If ctx is done before the units are granted (already, or while
// waiting), Acquire returns ctx's error and holds nothing.
func (b *Budget) Acquire(ctx context.Context, n int64) error {
	// TODO: refuse n < 1, and n larger than the whole budget (wrap ErrTooLarge).
	// TODO: take the units at once if they are free and nobody waits;
	// otherwise join the line and wait, until granted or ctx is done.
	return errors.New("budget: Acquire is not written yet")
}

// Release gives back n units taken with Acquire, and grants the requests
// at the head of the line that now fit. Releasing less than 1 unit, or
// more than is in use, is a bug in the caller, and panics.
func (b *Budget) Release(n int64) {
	// TODO: give the units back, then wake the waiters that now fit, in order.
}

// InUse returns how many units are taken now.
func (b *Budget) InUse() int64 {
	// TODO
	return 0
}
