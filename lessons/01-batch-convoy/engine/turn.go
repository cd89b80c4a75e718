package engine

import (
	"context"
	"fmt"
	"sync"

	"packcourse/core/codec"
	"packcourse/core/format"
)

// turnWriter lets many goroutines write frames in index order through one
// format.Writer. A goroutine with a finished frame locks the mutex and
// waits on the condition variable until the frame before its own has been
// written. Everything it guards, the turn, the first error, the digest and
// the progress counters, is shared by every goroutine of the run.
type turnWriter struct {
	mu     sync.Mutex
	turn   *sync.Cond // broadcast when next changes or the run fails
	w      *format.Writer
	digest *format.Digest
	next   int   // index of the frame to write next
	err    error // the run's first error; once set, nobody writes

	// Progress, updated on every chunk under mu.
	written       int
	turnWaits     int
	futileWakeups int

	waitHook func(index int) // see Engine.TurnWaitHook
}

func newTurnWriter(w *format.Writer, digest *format.Digest, waitHook func(int)) *turnWriter {
	t := &turnWriter{w: w, digest: digest, waitHook: waitHook}
	t.turn = sync.NewCond(&t.mu)
	return t
}

// writeInTurn waits until f is the next frame, writes it, adds it to the
// digest and wakes the other waiters. It gives up once the run has failed
// or ctx is done; a write error, or ctx's, becomes the run's error.
func (t *turnWriter) writeInTurn(ctx context.Context, f codec.Frame) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mustWait(ctx, f.Index) {
		t.turnWaits++
		if t.waitHook != nil {
			t.waitHook(f.Index)
		}
	}
	for t.mustWait(ctx, f.Index) {
		t.turn.Wait() // unlocks mu while asleep; every write wakes every waiter
		if t.mustWait(ctx, f.Index) {
			t.futileWakeups++
		}
	}
	if t.err == nil && ctx.Err() != nil {
		t.failLocked(ctx.Err())
	}
	if t.err != nil {
		return
	}
	if err := t.w.WriteFrame(f.Bytes); err != nil { // I/O with the lock held
		t.failLocked(fmt.Errorf("chunk %d: %w", f.Index, err))
		return
	}
	t.digest.Add(f.Sum, f.RawLen)
	t.next++
	t.written++
	t.turn.Broadcast()
}

// mustWait reports whether frame index has to keep waiting: it is not its
// turn yet, and the run is still going.
func (t *turnWriter) mustWait(ctx context.Context, index int) bool {
	return index != t.next && t.err == nil && ctx.Err() == nil
}

// fail records err as the run's error if it is the first, and wakes every
// waiter so they can give up.
func (t *turnWriter) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failLocked(err)
}

func (t *turnWriter) failLocked(err error) {
	if t.err == nil {
		t.err = err
	}
	t.turn.Broadcast()
}

// firstError returns the run's first error, or nil.
func (t *turnWriter) firstError() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// progress returns the counters the goroutines updated.
func (t *turnWriter) progress() (written, turnWaits, futileWakeups int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.written, t.turnWaits, t.futileWakeups
}

// wakeOnCancel wakes every waiter when ctx is done: a sync.Cond cannot
// wait on a channel, so without this a goroutine asleep in Wait would not
// notice a cancellation. The returned stop function stops the watch and,
// if it already fired, waits for it to finish, so no goroutine outlives
// the run. context.AfterFunc runs f in a goroutine of its own, counted in
// run.goroutines like every other.
func (t *turnWriter) wakeOnCancel(ctx context.Context, run *runStats) (stop func()) {
	fired := make(chan struct{})
	stopWatching := context.AfterFunc(ctx, func() {
		defer close(fired)
		run.goroutines.Add(1)
		defer run.goroutines.Add(-1)
		t.mu.Lock() // so the broadcast cannot slip in between a waiter's check and its Wait
		defer t.mu.Unlock()
		t.turn.Broadcast()
	})
	return func() {
		if !stopWatching() {
			<-fired
		}
	}
}
