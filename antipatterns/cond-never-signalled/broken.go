// Package condnever shows a communication deadlock on a condition variable:
// a goroutine waits for a condition that an error path makes impossible,
// and nothing wakes it to notice.
//
// Modelled on moby/moby#30408: a plugin's waitActive looped on
// activateWait.Wait() until the plugin was activated, and when activation
// failed nothing signalled and the loop did not look at the error, so
// every caller waited for ever.
package condnever

import (
	"errors"
	"sync"
)

// ErrClosed reports a Get from a closed pool.
var ErrClosed = errors.New("buffer pool closed")

// Pool lends out a fixed set of chunk buffers; Get waits while all are
// lent out. Close is called when the pack fails, so that waiting workers
// give up.
type Pool struct {
	mu     sync.Mutex
	cond   *sync.Cond
	free   [][]byte
	closed bool
}

// NewPool returns a pool of n buffers of size bytes.
func NewPool(n, size int) *Pool {
	p := &Pool{}
	p.cond = sync.NewCond(&p.mu)
	for range n {
		p.free = append(p.free, make([]byte, size))
	}
	return p
}

// Put returns a buffer and wakes one waiting Get.
func (p *Pool) Put(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, b)
	p.cond.Signal()
}

// GetBroken waits for a free buffer.
func (p *Pool) GetBroken() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.free) == 0 { // The mistake: waits on a buffer only, never on closed.
		p.cond.Wait()
	}
	b := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	return b, nil
}

// CloseBroken marks the pool closed, and wakes nobody.
func (p *Pool) CloseBroken() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
}
