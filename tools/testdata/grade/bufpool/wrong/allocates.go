// Wrong: a semaphore bounds how many buffers are out, but Get makes a new
// buffer every time and Put drops the old one: bounded, never reused, so
// the garbage collector does the work the pool was meant to save.
// Caught by: TestNeverHandsOutMoreThanNBuffers
package bufpool

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

var (
	ErrForeign  = errors.New("bufpool: Put of a buffer that did not come from this pool")
	ErrReturned = errors.New("bufpool: Put of a buffer that is already back in the pool")
)

type Pool struct {
	size  int
	slots chan struct{}
	mu    sync.Mutex
	out   map[*byte]bool
}

func New(n, size int) (*Pool, error) {
	if n < 1 || size < 1 {
		return nil, fmt.Errorf("bufpool: bad sizes n=%d size=%d", n, size)
	}
	return &Pool{size: size, slots: make(chan struct{}, n), out: map[*byte]bool{}}, nil
}

func (p *Pool) Get(ctx context.Context) ([]byte, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	buf := make([]byte, p.size)
	p.mu.Lock()
	p.out[&buf[0]] = true
	p.mu.Unlock()
	return buf, nil
}

func (p *Pool) Put(buf []byte) error {
	if cap(buf) == 0 {
		return ErrForeign
	}
	key := &buf[:1][0]
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.out[key] {
		return ErrForeign
	}
	delete(p.out, key)
	<-p.slots
	return nil
}

func (p *Pool) Out() int { return len(p.slots) }
