package govern

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"packcourse/final/internal/highwater"
)

// ErrOverBudget is wrapped by the error returned for a request that can
// never be granted because it is larger than everything there is.
var ErrOverBudget = errors.New("request exceeds the governor's budget")

// pool is one FIFO semaphore with the figures Stats reports.
type pool struct {
	name string
	size int64
	sem  *semaphore.Weighted
	// held counts the units taken, which the semaphore does not tell. It
	// is the one count of them: the byte budget's two lanes share one.
	held    *highwater.Gauge
	waits   atomic.Int64 // acquisitions that found the pool busy
	waiting atomic.Int64 // goroutines blocked in acquire now
}

// newPool returns a pool of size units whose use held counts.
func newPool(name string, size int64, held *highwater.Gauge) *pool {
	return &pool{name: name, size: size, sem: semaphore.NewWeighted(size), held: held}
}

// docs:region fifo-acquire

// acquire takes n units, waiting in FIFO order if it must. A cancelled ctx
// never acquires, even when the units are free, so that cancellation is
// seen at the same point on every run.
func (p *pool) acquire(ctx context.Context, n int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.fits(n); err != nil {
		return err
	}
	if !p.sem.TryAcquire(n) {
		p.waits.Add(1)
		p.waiting.Add(1)
		err := p.sem.Acquire(ctx, n)
		p.waiting.Add(-1)
		if err != nil {
			return err
		}
	}
	p.held.Add(n)
	return nil
}

// docs:endregion fifo-acquire

// tryAcquire takes n units if they are free and nobody is waiting.
func (p *pool) tryAcquire(n int64) bool {
	if n > p.size || !p.sem.TryAcquire(n) {
		return false
	}
	p.held.Add(n)
	return true
}

// release returns n units. The gauge goes down first, so it never shows
// more than the semaphore holds.
func (p *pool) release(n int64) {
	p.held.Add(-n)
	p.sem.Release(n)
}

// docs:region fail-fast

// fits fails for a request the pool could not grant even empty. Such a
// request can never be satisfied: queued, it would only wait until its
// context ends (semaphore.Weighted does not hold back the others behind it
// for that long; it lets them pass). So it fails at once, with an error
// that names both sizes, instead of hanging the file until it is cancelled.
func (p *pool) fits(n int64) error {
	if n > p.size {
		return fmt.Errorf("%w: %d asked, the %s holds %d", ErrOverBudget, n, p.name, p.size)
	}
	return nil
}

// docs:endregion fail-fast
