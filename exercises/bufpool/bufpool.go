// Package bufpool is a fixed set of equal-sized buffers passed from owner
// to owner: lesson 04's bounded buffer pool, cut down to its skeleton. See
// README.md for the task.
package bufpool

import (
	"context"
	"errors"
)

// Errors Put returns for a buffer it must not take back.
var (
	ErrForeign  = errors.New("bufpool: Put of a buffer that did not come from this pool")
	ErrReturned = errors.New("bufpool: Put of a buffer that is already back in the pool")
)

// A Pool hands out at most n buffers of size bytes each. Whoever holds a
// buffer owns it until they give it back with Put; the pool never hands the
// same buffer to two owners at once. A Pool is safe for concurrent use.
type Pool struct {
	size int
	// TODO: the buffers in the pool (a channel with room for all n makes
	//       Get's waiting, and its cancellation, one select), and a record
	//       of which buffers are out, so that Put can tell its own buffers
	//       from strangers and from buffers already back.
}

// New returns a pool of n buffers of size bytes each, all allocated now:
// the pool's memory is fixed from the start, which is its point. It returns
// an error if n or size is below 1.
func New(n, size int) (*Pool, error) {
	// TODO: reject n < 1 and size < 1; make the n buffers.
	return &Pool{size: size}, nil
}

// Get takes a buffer of len and cap size out of the pool, waiting while
// all n are out. If ctx is done first it returns ctx's error and no
// buffer. The caller owns the buffer until it gives it back with Put; its
// cap ends where its memory does, so an append past its len cannot write
// into another owner's buffer.
func (p *Pool) Get(ctx context.Context) ([]byte, error) {
	// TODO: hand out one of the pool's buffers; wait while none is free,
	//       and stop waiting when ctx is done. This makes a new buffer on
	//       every call: no bound and no reuse, memory grows with the input.
	return make([]byte, p.size), nil
}

// Put gives a buffer back to the pool. buf may be the buffer Get returned
// or any reslice of it that starts at its first byte, such as buf[:k]; the
// pool keeps the full buffer, so the next Get returns it at full length.
// Put returns ErrForeign for any other slice and ErrReturned for a buffer
// already back in the pool, and then leaves the pool as it was.
func (p *Pool) Put(buf []byte) error {
	// TODO: take buf back if it is one of ours and out now; reject it
	//       otherwise. (The address of a slice's first byte, &buf[:1][0],
	//       tells which buffer it is.)
	return nil
}

// Out returns how many buffers are out of the pool now.
func (p *Pool) Out() int {
	// TODO: count the buffers out.
	return 0
}
