package engine

import (
	"context"
	"sync/atomic"
)

// docs:region future
// A future is where one chunk's result will arrive. The reader makes it
// and puts it in the writer's FIFO before any worker sees the chunk; one
// worker fills it; the writer waits on it. Its buffer of one lets the
// worker deliver and move on without waiting for the writer.
type future[T any] chan outcome[T]

// outcome is what a future delivers: a value, or the error that stopped
// this chunk.
type outcome[T any] struct {
	value T
	err   error
}

func newFuture[T any]() future[T] { return make(future[T], 1) }

// resolve delivers the chunk's outcome. It never blocks: each future is
// resolved once and has room for exactly one outcome.
func (f future[T]) resolve(v T, err error) { f <- outcome[T]{v, err} }

// await waits for the outcome, or for ctx to be done. If the outcome is
// not there at once, it counts one wait in waits.
func (f future[T]) await(ctx context.Context, waits *atomic.Int64) (T, error) {
	o, _, err := receive(ctx, f, waits)
	if err != nil {
		return o.value, err
	}
	return o.value, o.err
}

// docs:endregion future

// failed returns a future that already holds err. The reader puts its own
// errors in line this way, so the writer reports them in input order,
// after any error of an earlier chunk.
func failed[T any](err error) future[T] {
	f := newFuture[T]()
	var zero T
	f.resolve(zero, err)
	return f
}

// docs:region send-receive
// send delivers v on ch, or returns ctx's error if ctx is done first. If
// ch cannot take v at once, it counts one wait in waits (when not nil).
func send[T any](ctx context.Context, ch chan<- T, v T, waits *atomic.Int64) error {
	select {
	case ch <- v:
		return nil
	default:
	}
	if waits != nil {
		waits.Add(1)
	}
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// receive takes the next value from ch, or returns ctx's error if ctx is
// done first; ok is false once ch is closed and empty. If no value is
// there at once, it counts one wait in waits (when not nil).
func receive[T any](ctx context.Context, ch <-chan T, waits *atomic.Int64) (v T, ok bool, err error) {
	select {
	case v, ok = <-ch:
		return v, ok, nil
	default:
	}
	if waits != nil {
		waits.Add(1)
	}
	select {
	case v, ok = <-ch:
		return v, ok, nil
	case <-ctx.Done():
		return v, false, ctx.Err()
	}
}

// docs:endregion send-receive
