// Wrong: a Get that gives up returns context.Cause(ctx) instead of
// ctx.Err(), so with a ctx cancelled with a cause the error is the cause,
// not ctx's (breaks "gives up with ctx's error when ctx is done").
// Caught by: TestAGetThatGivesUpReturnsCtxErrNotItsCause
// Package bufpool is a fixed set of equal-sized buffers passed from owner
// to owner: lesson 04's bounded buffer pool, cut down to its skeleton.
package bufpool

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	// free holds the buffers in the pool. Receiving from it is taking
	// ownership, sending to it giving ownership back; it has room for
	// every buffer, so a send never blocks.
	free chan []byte

	mu    sync.Mutex
	slots map[*byte]*slot // every buffer, by the address of its first byte
	n     int             // how many buffers are out now
}

// A slot is one of the pool's buffers, at full length, and whether it is
// out now.
type slot struct {
	buf []byte
	out bool
}

// New returns a pool of n buffers of size bytes each, all allocated now:
// the pool's memory is fixed from the start, which is its point. It returns
// an error if n or size is below 1.
func New(n, size int) (*Pool, error) {
	if n < 1 {
		return nil, fmt.Errorf("bufpool: need at least 1 buffer, got %d", n)
	}
	if size < 1 {
		return nil, fmt.Errorf("bufpool: buffer size must be at least 1 byte, got %d", size)
	}
	p := &Pool{size: size, free: make(chan []byte, n), slots: make(map[*byte]*slot, n)}
	for range n {
		buf := make([]byte, size)
		p.slots[&buf[0]] = &slot{buf: buf}
		p.free <- buf
	}
	return p, nil
}

// Get takes a buffer of len and cap size out of the pool, waiting while
// all n are out. If ctx is done first it returns ctx's error and no
// buffer. The caller owns the buffer until it gives it back with Put; its
// cap ends where its memory does, so an append past its len cannot write
// into another owner's buffer.
func (p *Pool) Get(ctx context.Context) ([]byte, error) {
	select {
	case buf := <-p.free:
		p.mu.Lock()
		p.slots[&buf[0]].out = true
		p.n++
		p.mu.Unlock()
		return buf, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// Put gives a buffer back to the pool. buf may be the buffer Get returned
// or any reslice of it that starts at its first byte, such as buf[:k]; the
// pool keeps the full buffer, so the next Get returns it at full length.
// Put returns ErrForeign for any other
// slice and ErrReturned for a buffer already back in the pool, and then
// leaves the pool as it was.
func (p *Pool) Put(buf []byte) error {
	if cap(buf) == 0 {
		return ErrForeign
	}
	first := &buf[:1][0] // the buffer's identity: where its memory starts
	p.mu.Lock()
	s, ours := p.slots[first]
	switch {
	case !ours:
		p.mu.Unlock()
		return ErrForeign
	case !s.out:
		p.mu.Unlock()
		return ErrReturned
	}
	s.out = false
	p.n--
	p.mu.Unlock()
	p.free <- s.buf
	return nil
}

// Out returns how many buffers are out of the pool now.
func (p *Pool) Out() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}
