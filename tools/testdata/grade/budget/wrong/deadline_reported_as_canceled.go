// Wrong: a context already done when Acquire is called gets
// context.Canceled, a constant, instead of ctx.Err(), so a caller whose
// deadline has passed hears Canceled, not DeadlineExceeded ('gets ctx's
// error').
// Caught by: TestAnAcquirePastItsDeadlineGetsDeadlineExceeded
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
	mu      sync.Mutex
	size    int64
	inUse   int64
	waiters []*waiter // first come, first served
}

// A waiter is one Acquire that could not be granted at once. Whoever
// grants it adds its units to inUse and closes ready, under the mutex.
type waiter struct {
	n     int64
	ready chan struct{}
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
	if n < 1 {
		return fmt.Errorf("budget: Acquire(%d), want at least 1 unit", n)
	}
	if n > b.size { // size never changes: no lock needed to read it
		return fmt.Errorf("%w: %d units asked, the budget holds %d", ErrTooLarge, n, b.size)
	}
	if ctx.Err() != nil {
		return context.Canceled
	}
	b.mu.Lock()
	// Only when nobody waits: a request that fits must not overtake an
	// earlier one that does not, or a large request could wait for ever.
	if len(b.waiters) == 0 && b.size-b.inUse >= n {
		b.inUse += n
		b.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-w.ready: // granted just as ctx ended: give the units back
			b.inUse -= n
		default:
			b.remove(w)
		}
		// Either way the line has changed: those behind w may fit now.
		b.grant()
		return ctx.Err()
	}
}

// Release gives back n units taken with Acquire, and grants the requests
// at the head of the line that now fit. Releasing less than 1 unit, or
// more than is in use, is a bug in the caller, and panics.
func (b *Budget) Release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n < 1 || n > b.inUse {
		panic(fmt.Sprintf("budget: Release(%d) with %d units in use", n, b.inUse))
	}
	b.inUse -= n
	b.grant()
}

// InUse returns how many units are taken now.
func (b *Budget) InUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.inUse
}

// grant wakes waiters from the head of the line, in order, as long as
// each fits. It stops at the first that does not: the ones behind it wait
// too, even if they would fit, so that it is not overtaken. Call it with
// b.mu held.
func (b *Budget) grant() {
	for len(b.waiters) > 0 {
		w := b.waiters[0]
		if b.size-b.inUse < w.n {
			return
		}
		b.inUse += w.n
		close(w.ready)
		b.waiters = b.waiters[1:]
	}
}

// remove takes w out of the line. Call it with b.mu held.
func (b *Budget) remove(w *waiter) {
	for i, x := range b.waiters {
		if x == w {
			b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
			return
		}
	}
}
